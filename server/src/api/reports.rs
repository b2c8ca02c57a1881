//! `/reports`: delivery and estimated audiences per event, association, building, screen,
//! daypart, hour and category, and fairness between associations. An association sees only its
//! own figures (its organisation is filled in, and others' events answer 404); staff see all.

use std::collections::HashMap;

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use chrono::{Duration, Utc};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::reports::{
    DeliveryReport, FairnessReport, PeriodQuery, Report, ReportDimension, ReportFormat, ReportQuery,
};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::CurrentUser;
use crate::db::schema::{buildings, events, organisations, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::moderation::find_visible as find_visible_event;
use crate::reports::query::{self, Filters};
use crate::reports::{self as report, delivery, fairness, render};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(plays_report)
        .service(fairness_report)
        .service(delivery_report);
}

/// Longest period one report covers.
const MAX_PERIOD: Duration = Duration::days(3 * 366);

pub(crate) fn period(
    from: Option<chrono::DateTime<Utc>>,
    to: Option<chrono::DateTime<Utc>>,
) -> Result<Filters, AppError> {
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(AppError::invalid("from", "must be before to"));
    }
    if to - from > MAX_PERIOD {
        return Err(AppError::invalid(
            "to",
            "a report covers at most three years",
        ));
    }
    Ok(Filters::new(from, to))
}

/// The organisation whose figures a report may show: the one staff ask for (or all), and
/// always the member's own for an association. Another organisation looks absent.
pub(crate) fn confine(
    user: &CurrentUser,
    asked: Option<uuid::Uuid>,
) -> Result<Option<String>, AppError> {
    if user.is_staff() {
        return Ok(asked.map(|id| id.to_string()));
    }
    let own = user
        .organisation_id
        .ok_or_else(|| AppError::Forbidden("your account belongs to no organisation".into()))?;
    if asked.is_some_and(|id| id != own) {
        return Err(AppError::NotFound("no such organisation".into()));
    }
    Ok(Some(own.to_string()))
}

/// Names for the keys of a report's rows.
fn labels(
    conn: &mut DbConnection,
    by: ReportDimension,
    keys: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    let named: Vec<(String, String)> = match by {
        ReportDimension::Event => events::table
            .filter(events::id.eq_any(&keys))
            .select((events::id, events::title))
            .load(conn)?,
        ReportDimension::Organisation => organisations::table
            .filter(organisations::id.eq_any(&keys))
            .select((organisations::id, organisations::name))
            .load(conn)?,
        ReportDimension::Building => buildings::table
            .filter(buildings::id.eq_any(&keys))
            .select((buildings::id, buildings::name))
            .load(conn)?,
        ReportDimension::BuildingDaypart => {
            let ids: Vec<String> = keys
                .iter()
                .filter_map(|key| key.split('|').next().map(str::to_owned))
                .collect();
            let names: HashMap<String, String> = buildings::table
                .filter(buildings::id.eq_any(&ids))
                .select((buildings::id, buildings::name))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            keys.iter()
                .map(|key| {
                    let (building, daypart) = key.split_once('|').unwrap_or((key, ""));
                    let name = names.get(building).map_or(building, String::as_str);
                    (key.clone(), format!("{name} · {daypart}"))
                })
                .collect()
        }
        ReportDimension::Screen => screens::table
            .filter(screens::id.eq_any(&keys))
            .select((screens::id, screens::name))
            .load(conn)?,
        ReportDimension::Hour => keys
            .iter()
            .map(|k| (k.clone(), format!("{k:0>2}:00")))
            .collect(),
        _ => keys.iter().map(|k| (k.clone(), k.clone())).collect(),
    };
    Ok(named.into_iter().collect())
}

/// Plays, completion, time on screen and estimated (segment) impressions, grouped by `by`.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, description = "JSON; CSV with format=csv, an SVG chart with format=svg", content(
            (Report = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        (status = 401, body = ErrorBody),
        (status = 404, description = "an event or organisation the user may not see", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/reports/plays")]
async fn plays_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let mut filters = period(query.from, query.to)?;
    filters.building_id = query.building_id.map(|id| id.to_string());
    filters.organisation_id = confine(&user, query.organisation_id)?;
    let by = query.by;
    let event_id = query.event_id.map(|id| id.to_string());
    let report = db::run(&state.pool, move |conn| {
        plays_report_for(conn, &user, by, filters, event_id)
    })
    .await?;
    respond(
        query.format,
        &report,
        render::report_csv,
        render::report_svg,
    )
}

/// Share of voice per association, delivered against booked airtime, and Jain's fairness index.
#[utoipa::path(
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "JSON, or CSV with format=csv", content(
            (FairnessReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/reports/fairness")]
async fn fairness_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    table_report(
        &state,
        query.into_inner(),
        None,
        fairness::fairness,
        render::fairness_csv,
    )
    .await
}

/// Booked against delivered airtime per approved event; an association sees its own events.
#[utoipa::path(
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "JSON, or CSV with format=csv", content(
            (DeliveryReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/reports/delivery")]
async fn delivery_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let organisation = confine(&user, None)?;
    table_report(
        &state,
        query.into_inner(),
        organisation,
        delivery::delivery,
        render::delivery_csv,
    )
    .await
}

/// A report over a period that is a table only (JSON or CSV), confined to `organisation` when
/// given.
async fn table_report<T: serde::Serialize + Send + 'static>(
    state: &AppState,
    query: PeriodQuery,
    organisation: Option<String>,
    build: fn(&mut DbConnection, &Filters) -> Result<T, AppError>,
    csv: fn(&T) -> Result<String, AppError>,
) -> Result<HttpResponse, AppError> {
    if query.format == Some(ReportFormat::Svg) {
        return Err(AppError::invalid("format", "this report is json or csv"));
    }
    let mut filters = period(query.from, query.to)?;
    filters.organisation_id = organisation;
    let report = db::run(&state.pool, move |conn| build(conn, &filters)).await?;
    respond(query.format, &report, csv, |_| String::new())
}

fn respond<T: serde::Serialize>(
    format: Option<ReportFormat>,
    report: &T,
    csv: impl Fn(&T) -> Result<String, AppError>,
    svg: impl Fn(&T) -> String,
) -> Result<HttpResponse, AppError> {
    Ok(match format.unwrap_or(ReportFormat::Json) {
        ReportFormat::Json => HttpResponse::Ok().json(report),
        ReportFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", "attachment; filename=\"report.csv\""))
            .body(csv(report)?),
        ReportFormat::Svg => HttpResponse::Ok()
            .content_type(ContentType(mime::IMAGE_SVG))
            .body(svg(report)),
    })
}

/// The plays report the user may see: `filters` already confined to what the user may see, and
/// `event_id` (when given) one of the user's visible events.
pub(crate) fn plays_report_for(
    conn: &mut DbConnection,
    user: &CurrentUser,
    by: ReportDimension,
    mut filters: Filters,
    event_id: Option<String>,
) -> Result<Report, AppError> {
    if let Some(event_id) = &event_id {
        find_visible_event(conn, user, event_id)?;
        filters.event_id = Some(event_id.clone());
    }
    let groups = query::grouped(conn, by, &filters)?;
    let keys = groups.iter().filter_map(|(key, _)| key.clone()).collect();
    let names = labels(conn, by, keys)?;
    let rows = groups
        .into_iter()
        .map(|(key, sums)| {
            let key = key.unwrap_or_default();
            let label = if key.is_empty() {
                "(city content)".to_owned()
            } else {
                names.get(&key).cloned().unwrap_or_else(|| key.clone())
            };
            (key, label, sums)
        })
        .collect();
    Ok(report::build(
        by,
        filters.from.and_utc(),
        filters.to.and_utc(),
        rows,
    ))
}
