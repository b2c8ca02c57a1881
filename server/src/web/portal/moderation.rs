//! Staff's moderation: the queue of events ordered by urgency (the event's start) with filters,
//! and the decisions taken on an event's page: approve into building playlists for a promotion
//! window, ask for changes, or reject, each with the reason the association reads.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use civicast_shared::api::events::{
    ApproveRequest, DecisionKind, Event, EventStatus, ReasonRequest,
};
use serde::Deserialize;
use uuid::Uuid;

use super::events::{EventLine, event_line, notice};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, Frame, render};
use crate::core::events::{self as event_list, EventFilter};
use crate::core::moderation;
use crate::core::paging::Paging;
use crate::core::places::buildings::names as building_names;
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/moderation", web::get().to(queue))
        .route("/events/{id}/approve", web::post().to(approve))
        .route("/events/{id}/reject", web::post().to(reject))
        .route(
            "/events/{id}/request-changes",
            web::post().to(request_changes),
        );
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    status: Option<String>,
    organisation: Option<String>,
    q: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    lang: Lang,
    frame: Frame,
    statuses: Vec<Choice>,
    organisations: Vec<Choice>,
    q: String,
    rows: Vec<EventLine>,
}

/// The queue shows at most this many events; filters narrow it.
const QUEUE_LIMIT: u32 = 500;

async fn queue(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.staff()?.clone();
    let query = query.into_inner();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    // Pending by default: that is the work waiting; "all" shows every status.
    let status = match query.status.as_deref() {
        None | Some("") => Some(EventStatus::Pending),
        Some("all") => None,
        Some(other) => Some(EventStatus::parse(other).ok_or_else(|| {
            AppError::invalid("status", format!("'{other}' is not an event status"))
        })?),
    };
    let organisation = query
        .organisation
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|o| {
            Uuid::parse_str(o)
                .map(|id| id.to_string())
                .map_err(|_| AppError::invalid("organisation", "is not an organisation id"))
        })
        .transpose()?;
    let search = query.q.clone().unwrap_or_default().trim().to_owned();
    let filter_organisation = organisation.clone();
    let (rows, organisation_list) = db::run(&state.pool, move |conn| {
        let names = building_names(conn)?;
        let organisation_list = crate::core::accounts::organisation_names(conn)?;
        let filter = EventFilter {
            organisation_id: filter_organisation,
            status,
            title_contains: Some(search),
            latest_first: false,
        };
        let (rows, _) = event_list::list(conn, &user, filter, Paging::of(1, QUEUE_LIMIT))?;
        let rows = rows
            .into_iter()
            .map(|row| {
                let event = Event::from(row);
                let owner = event.organisation_id.to_string();
                let name = organisation_list
                    .iter()
                    .find(|(id, _)| *id == owner)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                event_line(&event, name, &names, lang, tz)
            })
            .collect::<Vec<_>>();
        Ok((rows, organisation_list))
    })
    .await?;
    let chosen_status = status.map_or("all", EventStatus::as_str);
    let mut statuses = vec![Choice {
        value: "all".into(),
        label: lang.t("All"),
        checked: chosen_status == "all",
    }];
    statuses.extend(EventStatus::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: lang.status(*s),
        checked: chosen_status == s.as_str(),
    }));
    let mut organisations = vec![Choice {
        value: String::new(),
        label: lang.t("All"),
        checked: organisation.is_none(),
    }];
    organisations.extend(Choice::from_rows(organisation_list, |id| {
        organisation.as_deref() == Some(id)
    }));
    let frame = Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref()));
    render(
        &visitor,
        &QueuePage {
            lang,
            frame,
            statuses,
            organisations,
            q: query.q.unwrap_or_default(),
            rows,
        },
    )
}

/// Reads a `datetime-local` promotion bound in the city's time zone; empty means the default.
fn promotion_bound(
    form: &FormData,
    name: &str,
    tz: chrono_tz::Tz,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let value = form.text(name);
    if value.trim().is_empty() {
        return Ok(None);
    }
    super::events::parse_local_time(&value, tz)
        .map(Some)
        .ok_or_else(|| AppError::invalid(name, "give a date and time such as 2026-12-20 19:30"))
}

async fn approve(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let tz = state.settings.city_time_zone;
    let building_ids = form
        .all("building_ids")
        .iter()
        .map(|b| {
            Uuid::parse_str(b)
                .map_err(|_| AppError::invalid("building_ids", "is not a building id"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let request = ApproveRequest {
        building_ids,
        promotion_from: promotion_bound(&form, "promotion_from", tz)?,
        promotion_until: promotion_bound(&form, "promotion_until", tz)?,
        duration_ms: None,
    };
    let id = id.into_inner().to_string();
    let event_id = id.clone();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            moderation::approve(conn, &user, &event_id, &request)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/events/{id}?done=approved")))
}

async fn decide(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: Uuid,
    payload: web::Payload,
    decision: DecisionKind,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let request = ReasonRequest {
        reason: form.text("reason"),
    };
    let id = id.to_string();
    let event_id = id.clone();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            moderation::decide_with_reason(conn, &user, &event_id, &request, decision)
        })
    })
    .await?;
    let done = if decision == DecisionKind::Rejected {
        "rejected"
    } else {
        "changes"
    };
    Ok(visitor.redirect(&format!("/moderation?done={done}")))
}

async fn reject(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    decide(state, visitor, *id, payload, DecisionKind::Rejected).await
}

async fn request_changes(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    decide(state, visitor, *id, payload, DecisionKind::ChangesRequested).await
}
