//! `/reports`: delivery and estimated audiences per event, association, building, screen,
//! daypart, hour and category, and fairness between associations. An association sees only its
//! own figures (its organisation is filled in, and others' events answer 404); staff see all.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::reports::{
    DeliveryReport, FairnessReport, KioskReport, PeriodQuery, Report, ReportFormat, ReportQuery,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::core::reports::plays::{confine, period, plays_report_for};
use crate::core::reports::query::Filters;
use crate::core::reports::{delivery, fairness, render};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(plays_report)
        .service(fairness_report)
        .service(delivery_report)
        .service(kiosks_report);
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

/// What visitors look for at each kiosk, per daypart: sessions, their length, pages opened,
/// QR codes shown, searches, languages and the events looked at most (staff; JSON only).
#[utoipa::path(
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, body = KioskReport),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/reports/kiosks")]
async fn kiosks_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let query = query.into_inner();
    if matches!(query.format, Some(ReportFormat::Csv | ReportFormat::Svg)) {
        return Err(AppError::invalid("format", "this report is json"));
    }
    let filters = period(query.from, query.to)?;
    let report = db::run(&state.pool, move |conn| {
        crate::core::reports::kiosks::kiosk_report(conn, &filters)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
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
