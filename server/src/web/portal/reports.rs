//! Proof-of-play reports in the portal: plays, completion, time on screen and estimated
//! impressions, grouped by event, building, daypart and more, with small figures shown as
//! "<10". An association sees only its own events; staff see everything. The figures are the
//! API's (`GET /api/v1/reports/plays`), read through the same function.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use civicast_shared::ValidationErrors;
use civicast_shared::api::reports::{Cell, Report, ReportDimension, ReportRow};
use serde::Deserialize;

use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, Frame, render};
use crate::core::reports::render::report_csv;
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(page))
        .route("/reports.csv", web::get().to(csv));
}

#[derive(Debug, Deserialize)]
struct ReportForm {
    by: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The groupings the page offers; associations are not offered other organisations.
fn dimensions(staff: bool) -> Vec<(ReportDimension, &'static str)> {
    let mut all = vec![
        (ReportDimension::Event, "Event"),
        (ReportDimension::Building, "Building"),
        (ReportDimension::BuildingDaypart, "Building and daypart"),
        (ReportDimension::Daypart, "Daypart"),
        (ReportDimension::DayType, "Kind of day"),
        (ReportDimension::Hour, "Hour"),
        (ReportDimension::Category, "Category"),
    ];
    if staff {
        all.insert(1, (ReportDimension::Organisation, "Organisation"));
        all.push((ReportDimension::Screen, "Screen"));
    }
    all
}

/// The report the form asks for, over whole days in the city's time zone (default: the last
/// 30 days up to today).
async fn report(
    state: &AppState,
    visitor: &Visitor,
    form: &ReportForm,
) -> Result<(ReportDimension, String, String, Report), AppError> {
    let user = visitor.user()?.clone();
    let tz = state.settings.city_time_zone;
    let by = match form.by.as_deref().filter(|b| !b.is_empty()) {
        None => ReportDimension::Event,
        Some(name) => ReportDimension::parse(name)
            .filter(|d| dimensions(user.is_staff()).iter().any(|(o, _)| o == d))
            .ok_or_else(|| AppError::invalid("by", format!("'{name}' is not a grouping")))?,
    };
    // Days outside the shared calendar are refused before the period is worked out from them.
    let day = |value: &Option<String>, name: &str| -> Result<Option<NaiveDate>, AppError> {
        match value.as_deref().filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => {
                let day = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| AppError::invalid(name, "give a date such as 2026-12-20"))?;
                let mut errors = ValidationErrors::default();
                errors.day(name, day);
                errors.into_result()?;
                Ok(Some(day))
            }
        }
    };
    let today = Utc::now().with_timezone(&tz).date_naive();
    let to_day = day(&form.to, "to")?.unwrap_or(today);
    let from_day = day(&form.from, "from")?.unwrap_or(to_day - Duration::days(29));
    let start_of = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| AppError::invalid("from", "is not a day in the city's calendar"))
    };
    let mut filters = crate::core::reports::plays::period(
        Some(start_of(from_day)?),
        Some(start_of(to_day + Duration::days(1))?),
    )?;
    filters.organisation_id = crate::core::reports::plays::confine(&user, None)?;
    let report = db::run(&state.pool, move |conn| {
        crate::core::reports::plays::plays_report_for(conn, &user, by, filters, None)
    })
    .await?;
    Ok((
        by,
        from_day.format("%Y-%m-%d").to_string(),
        to_day.format("%Y-%m-%d").to_string(),
        report,
    ))
}

#[derive(Debug)]
struct Line {
    label: String,
    plays: String,
    completion: String,
    on_screen: String,
    impressions: String,
}

fn figure(cell: &Cell, unit: &str) -> String {
    match cell {
        Cell::Value(value) => format!("{}{unit}", value.round()),
        Cell::Suppressed(shown) => shown.clone(),
    }
}

fn line(row: &ReportRow, lang: Lang) -> Line {
    Line {
        label: lang.message(&row.label),
        plays: figure(&row.plays, ""),
        completion: figure(&row.completion_pct, "%"),
        on_screen: figure(&row.on_screen_s, ""),
        impressions: figure(&row.impressions_est, ""),
    }
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportPage {
    lang: Lang,
    frame: Frame,
    dimensions: Vec<Choice>,
    from: String,
    to: String,
    heading: String,
    rows: Vec<Line>,
    total: Line,
    query: String,
}

async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let (by, from, to, report) = report(&state, &visitor, &form).await?;
    let lang = visitor.lang;
    let staff = visitor.user()?.is_staff();
    let offered = dimensions(staff);
    let heading = offered
        .iter()
        .find(|(d, _)| *d == by)
        .map_or_else(String::new, |(_, name)| lang.t(name));
    let mut total = line(&report.total, lang);
    total.label = lang.t("Total");
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("by", by.as_str())
        .append_pair("from", &from)
        .append_pair("to", &to)
        .finish();
    render(
        &visitor,
        &ReportPage {
            lang,
            frame: Frame::of(&visitor),
            dimensions: offered
                .iter()
                .map(|(d, name)| Choice {
                    value: d.as_str().to_owned(),
                    label: lang.t(name),
                    checked: *d == by,
                })
                .collect(),
            from,
            to,
            heading,
            rows: report.rows.iter().map(|r| line(r, lang)).collect(),
            total,
            query,
        },
    )
}

async fn csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let (by, from, to, report) = report(&state, &visitor, &form).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"civicast-{}-{from}-{to}.csv\"",
                by.as_str()
            ),
        ))
        .body(report_csv(&report)?))
}
