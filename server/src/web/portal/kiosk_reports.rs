//! `/reports/kiosks` (staff): what visitors look for at each kiosk, per daypart, from the same
//! core report as `GET /api/v1/reports/kiosks`, with a kiosk and daypart of fewer than 10
//! sessions shown as "<10" throughout.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::kiosk::{KioskLanguage, KioskPage};
use civicast_shared::api::reports::{Cell, KioskReportRow};

use super::figures::{amount, cell, percent};
use super::i18n::Lang;
use super::reports::{ReportForm, read_period};
use super::session::Visitor;
use super::{Frame, render};
use crate::core::reports::kiosks::kiosk_report;
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/kiosks", web::get().to(page));
}

/// One kiosk and daypart, in words.
#[derive(Debug)]
struct Line {
    kiosk: String,
    building: String,
    daypart: String,
    sessions: String,
    /// Fewer than 10 sessions: no figure is shown.
    hidden: bool,
    length: String,
    pages: Vec<(String, String)>,
    qr_shown: String,
    searches: String,
    events: Vec<(String, String, u32)>,
    languages: String,
}

#[derive(Template)]
#[template(path = "report_kiosks.html")]
struct KiosksPage {
    lang: Lang,
    frame: Frame,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    has_errors: bool,
    total: String,
    lines: Vec<Line>,
}

fn page_name(lang: Lang, page: KioskPage) -> String {
    lang.t(match page {
        KioskPage::WhatsOn => "Events list",
        KioskPage::Event => "Event pages",
        KioskPage::Map => "Map page",
        KioskPage::Services => "Services list",
        KioskPage::Service => "Service pages",
    })
}

fn language_name(language: KioskLanguage) -> &'static str {
    match language {
        KioskLanguage::Dutch => "Nederlands",
        KioskLanguage::French => "Français",
        KioskLanguage::English => "English",
        KioskLanguage::German => "Deutsch",
    }
}

/// "1 min 25 s" or "42 s".
fn length(lang: Lang, seconds: &Cell) -> String {
    match seconds {
        Cell::Value(s) if *s >= 60.0 => {
            let whole = s.round() as i64;
            format!("{} min {} s", whole / 60, whole % 60)
        }
        Cell::Value(s) => format!("{} s", amount(lang, s.round())),
        hidden => cell(lang, hidden),
    }
}

fn line(lang: Lang, row: &KioskReportRow) -> Line {
    Line {
        kiosk: row.kiosk.clone(),
        building: row.building.clone(),
        daypart: row.daypart.clone(),
        sessions: cell(lang, &row.sessions),
        hidden: matches!(row.sessions, Cell::Suppressed(_)),
        length: match row.median_duration_s {
            Cell::Value(_) => format!(
                "{} · {}",
                length(lang, &row.median_duration_s),
                length(lang, &row.average_duration_s)
            ),
            ref hidden => cell(lang, hidden),
        },
        pages: KioskPage::ALL
            .iter()
            .filter_map(|page| {
                let opened = row.pages.get(page.as_str())?;
                (opened.value() != Some(0.0)).then(|| (page_name(lang, *page), cell(lang, opened)))
            })
            .collect(),
        qr_shown: cell(lang, &row.qr_shown),
        searches: cell(lang, &row.searches),
        events: row
            .top_events
            .iter()
            .map(|e| (e.event_id.to_string(), e.title.clone(), e.sessions))
            .collect(),
        languages: KioskLanguage::ALL
            .iter()
            .filter_map(|language| {
                let share = row.languages_pct.get(language.as_str())?;
                let shown = match share {
                    Cell::Value(v) => percent(lang, *v),
                    other => cell(lang, other),
                };
                Some(format!("{} {shown}", language_name(*language)))
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ReportForm>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let typed = |value: &Option<String>| value.clone().unwrap_or_default();
    let period = match read_period(&form, tz, lang) {
        Ok(period) => period,
        Err(errors) => {
            let page = KiosksPage {
                lang,
                frame: Frame::of(&visitor),
                from: typed(&form.from),
                to: typed(&form.to),
                from_error: errors.take(&["from"]),
                to_error: errors.take(&["to"]),
                has_errors: true,
                total: String::new(),
                lines: Vec::new(),
            };
            let mut response = render(&visitor, &page)?;
            *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let filters = period.filters.clone();
    let report = db::run(&state.pool, move |conn| kiosk_report(conn, &filters)).await?;
    let page = KiosksPage {
        lang,
        frame: Frame::of(&visitor),
        from: period.from,
        to: period.to,
        from_error: None,
        to_error: None,
        has_errors: false,
        total: cell(lang, &report.total_sessions),
        lines: report.rows.iter().map(|row| line(lang, row)).collect(),
    };
    render(&visitor, &page)
}
