//! Proof-of-play reports in the portal: plays, completion, time on screen and estimated
//! impressions, grouped by event, building, daypart and more, each drawn as an accessible SVG
//! chart in the reader's language beside its table, over time and by audience segment, with
//! small figures shown as "<10" and every table as CSV. An association sees only its own events
//! (its reach); staff see everything, and also fairness between associations
//! (`/reports/fairness`) and booked against delivered airtime (`/reports/delivery`, which an
//! association sees for its own events). The figures are the API's, read through the same core
//! functions, from the rollups only. A period that cannot be read is said beside its field,
//! with what was typed kept.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use civicast_shared::ValidationErrors;
use civicast_shared::api::events::AudienceSegment;
use civicast_shared::api::reports::{Cell, Report, ReportDimension, ReportRow};
use serde::Deserialize;

use super::figures::{amount, cell, number, percent};
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, FieldErrors, Frame, render};
use crate::core::reports::plays::{confine, period, plays_report_for};
use crate::core::reports::query::Filters;
use crate::core::reports::render::{
    Chart, IMPRESSIONS_COLOUR, PLAYS_COLOUR, Series, bar_chart, column_chart, delivery_csv,
    fairness_csv, report_csv,
};
use crate::core::reports::timeline::{Step, Timeline, timeline};
use crate::core::reports::{delivery, fairness};
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(page))
        .route("/reports.csv", web::get().to(csv))
        .route("/reports/timeline.csv", web::get().to(timeline_csv))
        .route("/reports/fairness", web::get().to(fairness_page))
        .route("/reports/fairness.csv", web::get().to(fairness_download))
        .route("/reports/delivery", web::get().to(delivery_page))
        .route("/reports/delivery.csv", web::get().to(delivery_download));
}

#[derive(Debug, Deserialize)]
pub(super) struct ReportForm {
    by: Option<String>,
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
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

/// A period read from the form: whole days in the city's time zone (default: the last 30 days
/// up to today), as typed (to show again) and as report filters.
pub(super) struct Period {
    pub(super) from: String,
    pub(super) to: String,
    first_day: NaiveDate,
    last_day: NaiveDate,
    pub(super) filters: Filters,
}

/// Reads the form's period; each mistake is said in the reader's language beside its field.
pub(super) fn read_period(form: &ReportForm, tz: Tz, lang: Lang) -> Result<Period, FieldErrors> {
    let mut errors = FieldErrors::default();
    let typed = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_owned();
    let (from_typed, to_typed) = (typed(&form.from), typed(&form.to));
    let mut day = |value: &str, name: &str| -> Option<NaiveDate> {
        if value.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(day) => {
                let mut calendar = ValidationErrors::default();
                calendar.day(name, day);
                if let Some(error) = calendar.0.first() {
                    errors.add(name, lang.message(&error.message));
                    return None;
                }
                Some(day)
            }
            Err(_) => {
                errors.add(name, lang.t("Give a date such as 2026-12-20."));
                None
            }
        }
    };
    let to_given = day(&to_typed, "to");
    let from_given = day(&from_typed, "from");
    if !errors.is_empty() {
        return Err(errors);
    }
    let today = Utc::now().with_timezone(&tz).date_naive();
    let last_day = to_given.unwrap_or(today);
    let first_day = from_given.unwrap_or(last_day - Duration::days(29));
    if first_day > last_day {
        errors.add(
            "from",
            lang.t("The first day must not come after the last day."),
        );
        return Err(errors);
    }
    let start_of = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(start), Some(end)) = (start_of(first_day), start_of(last_day + Duration::days(1)))
    else {
        errors.add("from", lang.t("Give a date such as 2026-12-20."));
        return Err(errors);
    };
    match period(Some(start), Some(end)) {
        Ok(filters) => Ok(Period {
            from: first_day.format("%Y-%m-%d").to_string(),
            to: last_day.format("%Y-%m-%d").to_string(),
            first_day,
            last_day,
            filters,
        }),
        Err(error) => {
            let mut errors =
                FieldErrors::from_error(error, lang).map_err(|_| FieldErrors::default())?;
            if errors.take(&["to"]).is_some() {
                errors = FieldErrors::default();
                errors.add("to", lang.t("A report covers at most three years."));
            }
            Err(errors)
        }
    }
}

/// One table line of the plays report.
#[derive(Debug)]
struct Line {
    label: String,
    plays: String,
    completion: String,
    on_screen: String,
    impressions: String,
}

fn line(row: &ReportRow, lang: Lang) -> Line {
    Line {
        label: lang.message(&row.label),
        plays: cell(lang, &row.plays),
        completion: match &row.completion_pct {
            Cell::Value(value) => percent(lang, value.round()),
            other => cell(lang, other),
        },
        on_screen: cell(lang, &row.on_screen_s),
        impressions: cell(lang, &row.impressions_est),
    }
}

/// A chart with the table it is drawn from, and the CSV of that table.
#[derive(Debug)]
struct ChartView {
    id: String,
    heading: String,
    svg: String,
    note: Option<String>,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    csv: String,
    /// A long table (a timeline) is folded under its chart.
    folded: bool,
}

/// The rows a bar chart draws: at most this many (the table has them all).
const CHART_ROWS: usize = 15;

fn series(lang: Lang, name: &str, colour: &'static str, cells: &[&Cell]) -> Series {
    Series {
        name: lang.t(name),
        colour,
        values: cells.iter().map(|c| c.value()).collect(),
        shown: cells.iter().map(|c| cell(lang, c)).collect(),
    }
}

/// The chart of the report's rows: plays and estimated impressions per row.
fn rows_chart(lang: Lang, report: &Report, heading: &str, from: &str, to: &str) -> String {
    let rows: Vec<&ReportRow> = report.rows.iter().take(CHART_ROWS).collect();
    let plays: Vec<&Cell> = rows.iter().map(|r| &r.plays).collect();
    let impressions: Vec<&Cell> = rows.iter().map(|r| &r.impressions_est).collect();
    bar_chart(&Chart {
        id: "chart-rows".into(),
        title: format!(
            "{} {} {heading}, {from} – {to}",
            lang.t("Plays and estimated impressions"),
            lang.t("by"),
            heading = heading.to_lowercase()
        ),
        description: describe(
            lang,
            &rows
                .iter()
                .map(|r| lang.message(&r.label))
                .collect::<Vec<_>>(),
            &plays,
        ),
        labels: rows.iter().map(|r| lang.message(&r.label)).collect(),
        series: vec![
            series(lang, "Plays", PLAYS_COLOUR, &plays),
            series(
                lang,
                "Estimated impressions",
                IMPRESSIONS_COLOUR,
                &impressions,
            ),
        ],
    })
}

/// A sentence for screen readers: the largest bar and the total of the bars shown.
fn describe(lang: Lang, labels: &[String], plays: &[&Cell]) -> String {
    let most = plays
        .iter()
        .enumerate()
        .filter_map(|(index, c)| c.value().map(|v| (index, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match most {
        Some((index, value)) => lang
            .t("Most plays: {label}, {count}. Figures under 10 are shown as <10 and drawn without a bar.")
            .replace("{label}", &labels[index])
            .replace("{count}", &amount(lang, value)),
        None => lang.t("Every figure is under 10, shown as <10 and drawn without a bar."),
    }
}

const MONTHS_NL: [&str; 12] = [
    "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A bar's first day, short: "12 dec." / "12 Dec", or the month for monthly bars.
fn bar_label(lang: Lang, step: Step, day: NaiveDate) -> String {
    let month = match lang {
        Lang::Nl => MONTHS_NL,
        Lang::En => MONTHS_EN,
    }[day.month0() as usize];
    match step {
        Step::Month => format!("{month} {}", day.year()),
        Step::Day | Step::Week => format!("{} {month} {}", day.day(), day.year()),
    }
}

fn timeline_chart(lang: Lang, line: &Timeline, query: &str) -> ChartView {
    let labels: Vec<String> = line
        .points
        .iter()
        .map(|p| bar_label(lang, line.step, p.start))
        .collect();
    let plays: Vec<&Cell> = line.points.iter().map(|p| &p.plays).collect();
    let impressions: Vec<&Cell> = line.points.iter().map(|p| &p.impressions).collect();
    let per = lang.t(match line.step {
        Step::Day => "per day",
        Step::Week => "per week (from Monday)",
        Step::Month => "per month",
    });
    let heading = format!("{} {per}", lang.t("Plays and estimated impressions"));
    ChartView {
        id: "chart-time".into(),
        svg: column_chart(&Chart {
            id: "chart-time-svg".into(),
            title: heading.clone(),
            description: describe(lang, &labels, &plays),
            labels: labels.clone(),
            series: vec![
                series(lang, "Plays", PLAYS_COLOUR, &plays),
                series(
                    lang,
                    "Estimated impressions",
                    IMPRESSIONS_COLOUR,
                    &impressions,
                ),
            ],
        }),
        heading,
        note: None,
        columns: vec![
            lang.t(match line.step {
                Step::Day => "Day",
                Step::Week => "Week from",
                Step::Month => "Month",
            }),
            lang.t("Plays"),
            lang.t("Estimated impressions"),
        ],
        rows: line
            .points
            .iter()
            .zip(labels)
            .map(|(p, label)| {
                (
                    label,
                    vec![cell(lang, &p.plays), cell(lang, &p.impressions)],
                )
            })
            .collect(),
        csv: format!("/reports/timeline.csv?{query}"),
        folded: true,
    }
}

fn segments_chart(lang: Lang, report: &Report, query: &str) -> Option<ChartView> {
    let segments: Vec<(AudienceSegment, &Cell)> = AudienceSegment::ALL
        .iter()
        .filter_map(|s| {
            report
                .total
                .segment_impressions_est
                .get(s.as_str())
                .map(|c| (*s, c))
        })
        .collect();
    if segments.is_empty() {
        return None;
    }
    let labels: Vec<String> = segments.iter().map(|(s, _)| lang.audience(*s)).collect();
    let cells: Vec<&Cell> = segments.iter().map(|(_, c)| *c).collect();
    let heading = lang.t("Estimated impressions by audience");
    Some(ChartView {
        id: "chart-segments".into(),
        svg: bar_chart(&Chart {
            id: "chart-segments-svg".into(),
            title: heading.clone(),
            description: lang
                .t("Audiences overlap, so these figures add up to more than the impressions."),
            labels: labels.clone(),
            series: vec![series(
                lang,
                "Estimated impressions",
                IMPRESSIONS_COLOUR,
                &cells,
            )],
        }),
        heading,
        note: Some(
            lang.t("Audiences overlap, so these figures add up to more than the impressions."),
        ),
        columns: vec![lang.t("Audience"), lang.t("Estimated impressions")],
        rows: labels
            .into_iter()
            .zip(&cells)
            .map(|(label, c)| (label, vec![cell(lang, c)]))
            .collect(),
        csv: format!("/reports.csv?{query}"),
        folded: false,
    })
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportPage {
    lang: Lang,
    frame: Frame,
    staff: bool,
    dimensions: Vec<Choice>,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    by_error: Option<String>,
    has_errors: bool,
    heading: String,
    rows: Vec<Line>,
    total: Line,
    query: String,
    chart: String,
    chart_note: Option<String>,
    charts: Vec<ChartView>,
}

/// What the form asks for, or the page with what to fix.
struct Asked {
    by: ReportDimension,
    period: Period,
}

fn read_form(form: &ReportForm, staff: bool, tz: Tz, lang: Lang) -> Result<Asked, FieldErrors> {
    let by = match form.by.as_deref().filter(|b| !b.is_empty()) {
        None => Some(ReportDimension::Event),
        Some(name) => {
            ReportDimension::parse(name).filter(|d| dimensions(staff).iter().any(|(o, _)| o == d))
        }
    };
    let period = read_period(form, tz, lang);
    match (by, period) {
        (Some(by), Ok(period)) => Ok(Asked { by, period }),
        (by, period) => {
            let mut errors = period.err().unwrap_or_default();
            if by.is_none() {
                errors.add("by", lang.t("Choose one of the groupings in the list."));
            }
            Err(errors)
        }
    }
}

fn query_of(by: ReportDimension, period: &Period) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("by", by.as_str())
        .append_pair("from", &period.from)
        .append_pair("to", &period.to)
        .finish()
}

async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let staff = user.is_staff();
    let offered = dimensions(staff);
    let choices = |by: Option<ReportDimension>| -> Vec<Choice> {
        offered
            .iter()
            .map(|(d, name)| Choice {
                value: d.as_str().to_owned(),
                label: lang.t(name),
                checked: Some(*d) == by,
            })
            .collect()
    };
    let empty_total = || Line {
        label: String::new(),
        plays: String::new(),
        completion: String::new(),
        on_screen: String::new(),
        impressions: String::new(),
    };
    let asked = match read_form(&form, staff, tz, lang) {
        Ok(asked) => asked,
        Err(errors) => {
            let typed = |v: &Option<String>| v.clone().unwrap_or_default();
            let by = form.by.as_deref().and_then(ReportDimension::parse);
            let mut response = render(
                &visitor,
                &ReportPage {
                    lang,
                    frame: Frame::of(&visitor),
                    staff,
                    dimensions: choices(by),
                    from: typed(&form.from),
                    to: typed(&form.to),
                    from_error: errors.take(&["from"]),
                    to_error: errors.take(&["to"]),
                    by_error: errors.take(&["by"]),
                    has_errors: true,
                    heading: String::new(),
                    rows: Vec::new(),
                    total: empty_total(),
                    query: String::new(),
                    chart: String::new(),
                    chart_note: None,
                    charts: Vec::new(),
                },
            )?;
            *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let Asked { by, mut period } = asked;
    period.filters.organisation_id = confine(&user, None)?;
    let filters = period.filters.clone();
    let (first_day, last_day) = (period.first_day, period.last_day);
    let (report, line_over_time) = db::run(&state.pool, move |conn| {
        let over_time = timeline(conn, &filters, tz, first_day, last_day)?;
        let report = plays_report_for(conn, &user, by, filters, None)?;
        Ok((report, over_time))
    })
    .await?;
    let heading = offered
        .iter()
        .find(|(d, _)| *d == by)
        .map_or_else(String::new, |(_, name)| lang.t(name));
    let mut total = line(&report.total, lang);
    total.label = lang.t("Total");
    let query = query_of(by, &period);
    let mut charts = vec![timeline_chart(lang, &line_over_time, &query)];
    charts.extend(segments_chart(lang, &report, &query));
    let chart = if report.rows.is_empty() {
        String::new()
    } else {
        rows_chart(lang, &report, &heading, &period.from, &period.to)
    };
    render(
        &visitor,
        &ReportPage {
            lang,
            frame: Frame::of(&visitor),
            staff,
            dimensions: choices(Some(by)),
            from: period.from,
            to: period.to,
            from_error: None,
            to_error: None,
            by_error: None,
            has_errors: false,
            heading,
            rows: report.rows.iter().map(|r| line(r, lang)).collect(),
            total,
            query,
            chart,
            chart_note: (report.rows.len() > CHART_ROWS).then(|| {
                lang.t("The chart shows the 15 with the most plays; the table has them all.")
            }),
            charts,
        },
    )
}

/// The period and grouping of a download, or 422 when the form cannot be read (its link comes
/// from a page that read it).
fn asked_or_refused(form: &ReportForm, staff: bool, tz: Tz, lang: Lang) -> Result<Asked, AppError> {
    read_form(form, staff, tz, lang)
        .map_err(|errors| AppError::invalid("period", errors.others(&[]).join("; ")))
}

fn download(name: &str, period: &Period, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"civicast-{name}-{}-{}.csv\"",
                period.from, period.to
            ),
        ))
        .body(body)
}

async fn csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    let tz = state.settings.city_time_zone;
    let Asked { by, mut period } = asked_or_refused(&form, user.is_staff(), tz, visitor.lang)?;
    period.filters.organisation_id = confine(&user, None)?;
    let filters = period.filters.clone();
    let report = db::run(&state.pool, move |conn| {
        plays_report_for(conn, &user, by, filters, None)
    })
    .await?;
    Ok(download(by.as_str(), &period, report_csv(&report)?))
}

async fn timeline_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    let tz = state.settings.city_time_zone;
    let Asked { mut period, .. } = asked_or_refused(&form, user.is_staff(), tz, visitor.lang)?;
    period.filters.organisation_id = confine(&user, None)?;
    let filters = period.filters.clone();
    let (first_day, last_day) = (period.first_day, period.last_day);
    let line = db::run(&state.pool, move |conn| {
        timeline(conn, &filters, tz, first_day, last_day)
    })
    .await?;
    let mut body = String::from("from,plays,impressions_est\n");
    for point in &line.points {
        body.push_str(&format!(
            "{},{},{}\n",
            point.start.format("%Y-%m-%d"),
            point.plays,
            point.impressions
        ));
    }
    Ok(download("timeline", &period, body))
}

/// A table report's page (fairness, delivery): the period form, a chart, the table, the CSV.
#[derive(Template)]
#[template(path = "report_table.html")]
struct TablePage {
    lang: Lang,
    frame: Frame,
    title: String,
    intro: String,
    action: String,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    has_errors: bool,
    /// Key figures above the chart, e.g. Jain's index.
    facts: Vec<(String, String)>,
    chart: Option<ChartView>,
    empty: String,
    method: String,
}

fn table_page(
    visitor: &Visitor,
    title: String,
    intro: String,
    action: &str,
    form: &ReportForm,
    errors: Option<FieldErrors>,
) -> TablePage {
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let errors = errors.unwrap_or_default();
    TablePage {
        lang: visitor.lang,
        frame: Frame::of(visitor),
        title,
        intro,
        action: action.to_owned(),
        from: typed(&form.from),
        to: typed(&form.to),
        from_error: errors.take(&["from"]),
        to_error: errors.take(&["to"]),
        has_errors: !errors.is_empty(),
        facts: Vec::new(),
        chart: None,
        empty: String::new(),
        method: String::new(),
    }
}

fn refused_page(visitor: &Visitor, page: &TablePage) -> Result<HttpResponse, AppError> {
    let mut response = render(visitor, page)?;
    *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

fn period_query(period: &Period) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("from", &period.from)
        .append_pair("to", &period.to)
        .finish()
}

async fn fairness_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let title = lang.t("Fairness between associations");
    let intro = lang.t("Each association's share of the airtime against the share its approved items hold in the playlists. Under 80 % of what it is entitled to is flagged.");
    let mut page = table_page(&visitor, title, intro, "/reports/fairness", &form, None);
    let period = match read_period(&form, tz, lang) {
        Ok(period) => period,
        Err(errors) => {
            let page = table_page(
                &visitor,
                page.title,
                page.intro,
                "/reports/fairness",
                &form,
                Some(errors),
            );
            return refused_page(&visitor, &page);
        }
    };
    let filters = period.filters.clone();
    let report = db::run(&state.pool, move |conn| fairness::fairness(conn, &filters)).await?;
    page.from = period.from.clone();
    page.to = period.to.clone();
    page.facts.push((
        lang.t("Jain's fairness index"),
        report.jain_index.map_or_else(
            || lang.t("not enough bookings yet"),
            |index| number(lang, index, 2),
        ),
    ));
    let below: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.below_80_pct)
        .map(|r| r.name.clone())
        .collect();
    page.facts.push((
        lang.t("Under 80 % of their entitlement"),
        if below.is_empty() {
            lang.t("nobody")
        } else {
            below.join(", ")
        },
    ));
    page.method = lang.t("1 is perfectly fair; 1 divided by the number of associations means one gets everything. Entitlement is read from the playlists as they are now.");
    page.empty = lang.t("No association has airtime booked or delivered in this period.");
    if !report.rows.is_empty() {
        let rows: Vec<_> = report.rows.iter().take(CHART_ROWS).collect();
        let labels: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
        let delivered: Vec<&Cell> = rows.iter().map(|r| &r.delivered_of_entitled_pct).collect();
        let shares: Vec<&Cell> = rows.iter().map(|r| &r.share_of_voice_pct).collect();
        let percent_series = |name: &str, colour, cells: &[&Cell]| Series {
            name: lang.t(name),
            colour,
            values: cells.iter().map(|c| c.value()).collect(),
            shown: cells
                .iter()
                .map(|c| match c {
                    Cell::Value(v) => percent(lang, *v),
                    other => cell(lang, other),
                })
                .collect(),
        };
        let heading = lang.t("Delivered of entitled airtime");
        page.chart = Some(ChartView {
            id: "chart-fairness".into(),
            svg: bar_chart(&Chart {
                id: "chart-fairness-svg".into(),
                title: heading.clone(),
                description: format!(
                    "{}: {}",
                    lang.t("Under 80 % of their entitlement"),
                    page.facts[1].1
                ),
                labels,
                series: vec![
                    percent_series("Delivered of entitled", PLAYS_COLOUR, &delivered),
                    percent_series("Share of voice", IMPRESSIONS_COLOUR, &shares),
                ],
            }),
            heading,
            note: None,
            columns: vec![
                lang.t("Association"),
                lang.t("Plays"),
                lang.t("Seconds on screen"),
                lang.t("Share of voice"),
                lang.t("Entitled share"),
                lang.t("Delivered of entitled"),
                lang.t("Under 80 %"),
            ],
            rows: report
                .rows
                .iter()
                .map(|r| {
                    let pct = |c: &Cell| match c {
                        Cell::Value(v) => percent(lang, *v),
                        other => cell(lang, other),
                    };
                    (
                        r.name.clone(),
                        vec![
                            cell(lang, &r.plays),
                            cell(lang, &r.on_screen_s),
                            pct(&r.share_of_voice_pct),
                            percent(lang, r.entitled_pct),
                            pct(&r.delivered_of_entitled_pct),
                            lang.t(if r.below_80_pct { "yes" } else { "no" }),
                        ],
                    )
                })
                .collect(),
            csv: format!("/reports/fairness.csv?{}", period_query(&period)),
            folded: false,
        });
    }
    render(&visitor, &page)
}

async fn fairness_download(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let tz = state.settings.city_time_zone;
    let period = read_period(&form, tz, visitor.lang)
        .map_err(|e| AppError::invalid("period", e.others(&[]).join("; ")))?;
    let filters = period.filters.clone();
    let report = db::run(&state.pool, move |conn| fairness::fairness(conn, &filters)).await?;
    Ok(download("fairness", &period, fairness_csv(&report)?))
}

async fn delivery_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let title = lang.t("Booked and delivered airtime");
    let intro = lang.t("For each approved event: the seconds its place in the playlists books on the screens that were playing, against the seconds it was on screen.");
    let mut page = table_page(&visitor, title, intro, "/reports/delivery", &form, None);
    let mut period = match read_period(&form, tz, lang) {
        Ok(period) => period,
        Err(errors) => {
            let page = table_page(
                &visitor,
                page.title,
                page.intro,
                "/reports/delivery",
                &form,
                Some(errors),
            );
            return refused_page(&visitor, &page);
        }
    };
    period.filters.organisation_id = confine(&user, None)?;
    let filters = period.filters.clone();
    let report = db::run(&state.pool, move |conn| delivery::delivery(conn, &filters)).await?;
    page.from = period.from.clone();
    page.to = period.to.clone();
    page.method = lang.t("Bookings are read from the playlists as they are now. Figures from fewer than 10 plays are shown as <10.");
    page.empty = lang.t("No approved event in this period.");
    if !report.rows.is_empty() {
        let mut rows: Vec<_> = report.rows.iter().collect();
        rows.sort_by(|a, b| {
            b.booked_s
                .total_cmp(&a.booked_s)
                .then(a.title.cmp(&b.title))
        });
        let booked: Vec<Cell> = rows.iter().map(|r| Cell::Value(r.booked_s)).collect();
        let shown_rows: Vec<_> = rows.iter().take(CHART_ROWS).collect();
        let heading = lang.t("Seconds booked and delivered");
        page.chart = Some(ChartView {
            id: "chart-delivery".into(),
            svg: bar_chart(&Chart {
                id: "chart-delivery-svg".into(),
                title: heading.clone(),
                description: lang.t("For each event, two bars: the seconds booked and the seconds delivered."),
                labels: shown_rows.iter().map(|r| r.title.clone()).collect(),
                series: vec![
                    series(lang, "Seconds booked", PLAYS_COLOUR, &booked.iter().take(CHART_ROWS).collect::<Vec<_>>()),
                    series(
                        lang,
                        "Seconds delivered",
                        IMPRESSIONS_COLOUR,
                        &shown_rows.iter().map(|r| &r.delivered_s).collect::<Vec<_>>(),
                    ),
                ],
            }),
            heading,
            note: (rows.len() > CHART_ROWS).then(|| {
                lang.t("The chart shows the 15 events with the most airtime booked; the table has them all.")
            }),
            columns: vec![
                lang.t("Event"),
                lang.t("Seconds booked"),
                lang.t("Plays"),
                lang.t("Seconds delivered"),
                lang.t("Delivered of booked"),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    (
                        r.title.clone(),
                        vec![
                            amount(lang, r.booked_s),
                            cell(lang, &r.plays),
                            cell(lang, &r.delivered_s),
                            match &r.delivered_pct {
                                Cell::Value(v) => percent(lang, *v),
                                other => cell(lang, other),
                            },
                        ],
                    )
                })
                .collect(),
            csv: format!("/reports/delivery.csv?{}", period_query(&period)),
            folded: false,
        });
    }
    render(&visitor, &page)
}

async fn delivery_download(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    let tz = state.settings.city_time_zone;
    let mut period = read_period(&form, tz, visitor.lang)
        .map_err(|e| AppError::invalid("period", e.others(&[]).join("; ")))?;
    period.filters.organisation_id = confine(&user, None)?;
    let filters = period.filters.clone();
    let report = db::run(&state.pool, move |conn| delivery::delivery(conn, &filters)).await?;
    Ok(download("delivery", &period, delivery_csv(&report)?))
}
