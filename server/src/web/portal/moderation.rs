//! Staff's moderation: the queue of events ordered by urgency (the event's start), a page at a
//! time, each with its poster, submission date and the buildings asked for, an event sent again
//! after changes were asked for flagged as such; several approved into the same buildings or
//! rejected with one reason at once (after a confirmation); and the decisions taken on an
//! event's page: approve into building playlists for a promotion window, ask for changes, or
//! reject, each with the reason the association reads.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use civicast_shared::api::events::{
    ApproveRequest, DecisionKind, Event, EventStatus, ReasonRequest,
};
use serde::Deserialize;
use uuid::Uuid;

use super::confirm::{self, Confirmation};
use super::events::notice;
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, FieldErrors, Frame, render};
use crate::core::actor::Actor;
use crate::core::events::{self as event_list, EventFilter};
use crate::core::moderation;
use crate::core::paging::Paging;
use crate::core::places::buildings::names as building_names;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/moderation", web::get().to(queue))
        .route("/moderation", web::post().to(decide_many))
        .route("/events/{id}/approve", web::post().to(approve))
        .route("/events/{id}/reject", web::post().to(reject))
        .route(
            "/events/{id}/request-changes",
            web::post().to(request_changes),
        );
}

/// The queue's filters and page, as the address or the bulk form carries them.
#[derive(Debug, Default, Clone, Deserialize)]
struct QueueQuery {
    status: Option<String>,
    organisation: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    done: Option<String>,
    /// How many events the last bulk decision took.
    n: Option<usize>,
}

impl QueueQuery {
    fn of_form(form: &FormData) -> QueueQuery {
        let text = |name: &str| Some(form.text(name)).filter(|v| !v.is_empty());
        QueueQuery {
            status: text("status"),
            organisation: text("organisation"),
            q: text("q"),
            page: form.text("page").parse().ok(),
            done: None,
            n: None,
        }
    }

    /// The filters as hidden fields, so that a bulk decision comes back to the same view.
    fn fields(&self) -> Vec<(String, String)> {
        [
            ("status", self.status.clone()),
            ("organisation", self.organisation.clone()),
            ("q", self.q.clone()),
            ("page", self.page.map(|p| p.to_string())),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), value?)))
        .collect()
    }

    /// The address of this view at `page`.
    fn address(&self, page: u32) -> String {
        let mut fields = self.fields();
        fields.retain(|(name, _)| name != "page");
        if page > 1 {
            fields.push(("page".into(), page.to_string()));
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        if query.is_empty() {
            "/moderation".to_owned()
        } else {
            format!("/moderation?{query}")
        }
    }
}

/// One event of the queue.
#[derive(Debug)]
struct QueueRow {
    id: String,
    title: String,
    when: String,
    submitted: String,
    organisation: String,
    status: String,
    status_code: &'static str,
    /// The poster's address, for its thumbnail.
    poster: Option<String>,
    requested: String,
    resubmitted: bool,
    selected: bool,
}

/// What a failed bulk decision says, beside the part of the form to fix.
#[derive(Debug, Default)]
struct BulkErrors {
    selection: Option<String>,
    buildings: Option<String>,
    reason: Option<String>,
    /// Refusals of the rules for one of the events, "Title: why".
    others: Vec<String>,
}

impl BulkErrors {
    fn is_empty(&self) -> bool {
        self.selection.is_none()
            && self.buildings.is_none()
            && self.reason.is_none()
            && self.others.is_empty()
    }
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    lang: Lang,
    frame: Frame,
    statuses: Vec<Choice>,
    organisations: Vec<Choice>,
    q: String,
    rows: Vec<QueueRow>,
    /// The buildings to approve the selected events into.
    buildings: Vec<Choice>,
    reason: String,
    errors: BulkErrors,
    /// The filters, sent again with the bulk form.
    hidden: Vec<(String, String)>,
    total: i64,
    page: u32,
    pages: u32,
    previous: Option<String>,
    next: Option<String>,
}

/// The queue shows this many events a page.
const PER_PAGE: u32 = 50;

/// What a bulk form asked for, kept to show it again after a mistake.
#[derive(Debug, Default)]
struct Asked {
    events: Vec<String>,
    buildings: Vec<String>,
    reason: String,
}

fn parse_status(status: Option<&str>) -> Result<Option<EventStatus>, AppError> {
    // Pending by default: that is the work waiting; "all" shows every status.
    match status {
        None | Some("") => Ok(Some(EventStatus::Pending)),
        Some("all") => Ok(None),
        Some(other) => EventStatus::parse(other).map(Some).ok_or_else(|| {
            AppError::invalid("status", format!("'{other}' is not an event status"))
        }),
    }
}

fn parse_organisation(organisation: Option<&str>) -> Result<Option<String>, AppError> {
    organisation
        .filter(|o| !o.is_empty())
        .map(|o| {
            Uuid::parse_str(o)
                .map(|id| id.to_string())
                .map_err(|_| AppError::invalid("organisation", "is not an organisation id"))
        })
        .transpose()
}

/// Building names by id, comma-separated, in the order of `ids`.
fn names_of(ids: &[Uuid], names: &HashMap<String, String>) -> String {
    ids.iter()
        .filter_map(|id| names.get(&id.to_string()).map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The queue page for `query`, with what a failed bulk form asked for and why it failed.
async fn queue_page(
    state: &AppState,
    visitor: &Visitor,
    query: QueueQuery,
    asked: Asked,
    errors: BulkErrors,
) -> Result<HttpResponse, AppError> {
    let user = visitor.staff()?.clone();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let status = parse_status(query.status.as_deref())?;
    let organisation = parse_organisation(query.organisation.as_deref())?;
    let search = query.q.clone().unwrap_or_default().trim().to_owned();
    let page = query.page.unwrap_or(1).max(1);
    let filter = EventFilter {
        organisation_id: organisation.clone(),
        status,
        title_contains: Some(search),
        latest_first: false,
    };
    let (events, total, resubmitted, names, organisation_list) =
        db::run(&state.pool, move |conn| {
            let names = building_names(conn)?;
            let organisation_list = crate::core::accounts::organisation_names(conn)?;
            let (rows, total) = event_list::list(
                conn,
                &user,
                filter,
                Paging::from_parts(Some(page), Some(PER_PAGE))?,
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let resubmitted = moderation::resubmitted_among(conn, &ids)?;
            let events: Vec<Event> = rows.into_iter().map(Event::from).collect();
            Ok((events, total, resubmitted, names, organisation_list))
        })
        .await?;
    let building_by_id: HashMap<String, String> = names.iter().cloned().collect();
    let organisation_by_id: HashMap<&str, &str> = organisation_list
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    let rows = events
        .iter()
        .map(|event| {
            let id = event.id.to_string();
            QueueRow {
                title: event.title.clone(),
                when: lang.datetime(event.starts_at, tz),
                submitted: lang.date(event.created_at, tz),
                organisation: organisation_by_id
                    .get(event.organisation_id.to_string().as_str())
                    .map(|n| (*n).to_owned())
                    .unwrap_or_default(),
                status: lang.status(event.status),
                status_code: event.status.as_str(),
                poster: event.poster_media_id.map(|p| format!("/posters/{p}")),
                requested: names_of(&event.requested_building_ids, &building_by_id),
                resubmitted: resubmitted.contains(&id),
                selected: asked.events.contains(&id),
                id,
            }
        })
        .collect::<Vec<_>>();
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
    organisations.extend(Choice::from_rows(organisation_list.clone(), |id| {
        organisation.as_deref() == Some(id)
    }));
    let pages = u32::try_from((total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(u32::MAX)
        .max(1);
    let done = match (query.done.as_deref(), query.n) {
        (Some("approved_many"), Some(n)) => Some(format!(
            "{} {n}",
            lang.t("Events approved into the chosen buildings:")
        )),
        (Some("rejected_many"), Some(n)) => Some(format!("{} {n}", lang.t("Events rejected:"))),
        (done, _) => notice(lang, done),
    };
    let failed = !errors.is_empty();
    let page_view = QueuePage {
        lang,
        frame: Frame::of(visitor).with_notice(done),
        statuses,
        organisations,
        q: query.q.clone().unwrap_or_default(),
        rows,
        buildings: Choice::from_rows(names, |id| asked.buildings.iter().any(|b| b == id)),
        reason: asked.reason,
        errors,
        hidden: query.fields(),
        total,
        page,
        pages,
        previous: (page > 1).then(|| query.address(page - 1)),
        next: (page < pages).then(|| query.address(page + 1)),
    };
    let mut response = render(visitor, &page_view)?;
    if failed {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn queue(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    queue_page(
        &state,
        &visitor,
        query.into_inner(),
        Asked::default(),
        BulkErrors::default(),
    )
    .await
}

/// The events of a bulk form that the user may decide on, with their titles and organisations.
fn chosen_events(
    conn: &mut DbConnection,
    user: &Actor,
    ids: &[String],
) -> Result<Vec<(String, String, String)>, AppError> {
    let organisations: HashMap<String, String> = crate::core::accounts::organisation_names(conn)?
        .into_iter()
        .collect();
    ids.iter()
        .map(|id| {
            let row = moderation::find_visible(conn, user, id)?;
            let organisation = organisations
                .get(&row.organisation_id)
                .cloned()
                .unwrap_or_default();
            Ok((row.id, row.title, organisation))
        })
        .collect()
}

/// The bulk form: approve the selected events into the same buildings (default promotion
/// windows), or reject them all with one reason after a confirmation.
async fn decide_many(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let lang = visitor.lang;
    let query = QueueQuery::of_form(&form);
    let asked = Asked {
        events: form
            .all("event_ids")
            .into_iter()
            .filter(|id| Uuid::parse_str(id).is_ok())
            .collect(),
        buildings: form
            .all("building_ids")
            .into_iter()
            .filter(|id| Uuid::parse_str(id).is_ok())
            .collect(),
        reason: form.text("reason"),
    };
    let rejecting = form.text("action") == "reject";
    let mut errors = BulkErrors::default();
    if asked.events.is_empty() {
        errors.selection = Some(lang.t("Tick at least one event."));
    }
    if rejecting {
        if let Err(invalid) = civicast_shared::Validate::validate(&ReasonRequest {
            reason: asked.reason.clone(),
        }) {
            let messages = FieldErrors::from_error(AppError::Validation(invalid), lang)?;
            errors.reason = messages.take(&["reason"]);
        }
    } else if asked.buildings.is_empty() {
        errors.buildings = Some(lang.t("Tick at least one building to approve into."));
    }
    if !errors.is_empty() {
        return queue_page(&state, &visitor, query, asked, errors).await;
    }
    let ids = asked.events.clone();
    let checker = user.clone();
    let chosen = db::run(&state.pool, move |conn| chosen_events(conn, &checker, &ids)).await?;
    if rejecting && !confirm::is_confirmed(&form) {
        let mut consequences: Vec<String> = chosen
            .iter()
            .map(|(_, title, organisation)| {
                format!(
                    "{title} ({organisation}) {}",
                    lang.t("is rejected and leaves every screen.")
                )
            })
            .collect();
        consequences.push(format!(
            "{} {}",
            lang.t("Each association is told, with this reason:"),
            asked.reason.trim()
        ));
        let mut fields: Vec<(String, String)> = asked
            .events
            .iter()
            .map(|id| ("event_ids".to_owned(), id.clone()))
            .collect();
        fields.push(("reason".into(), asked.reason.clone()));
        fields.push(("action".into(), "reject".into()));
        fields.extend(query.fields());
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!(
                    "{} ({})",
                    lang.t("Reject the selected events?"),
                    chosen.len()
                ),
                consequences,
                action: "/moderation".into(),
                fields,
                button: lang.t("Reject the events"),
                back: query.address(query.page.unwrap_or(1)),
            },
        );
    }
    let building_ids: Vec<Uuid> = asked
        .buildings
        .iter()
        .filter_map(|b| Uuid::parse_str(b).ok())
        .collect();
    let reason = asked.reason.clone();
    let targets = chosen.clone();
    let outcome = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            for (id, title, _) in &targets {
                let result = if rejecting {
                    moderation::decide_with_reason(
                        conn,
                        &user,
                        id,
                        &ReasonRequest {
                            reason: reason.clone(),
                        },
                        DecisionKind::Rejected,
                    )
                } else {
                    moderation::approve(
                        conn,
                        &user,
                        id,
                        &ApproveRequest {
                            building_ids: building_ids.clone(),
                            promotion_from: None,
                            promotion_until: None,
                            duration_ms: None,
                        },
                    )
                };
                // One refusal takes nothing: the whole selection waits, with the reason.
                if let Err(error) = result {
                    return Ok(Err((title.clone(), error)));
                }
            }
            Ok(Ok(()))
        })
    })
    .await?;
    if let Err((title, error)) = outcome {
        let why = match error {
            AppError::Validation(invalid) => invalid
                .0
                .iter()
                .map(|e| lang.message(&e.message))
                .collect::<Vec<_>>()
                .join("; "),
            AppError::Conflict(message) | AppError::Forbidden(message) => lang.message(&message),
            other => return Err(other),
        };
        errors.others.push(format!("{title}: {why}"));
        return queue_page(&state, &visitor, query, asked, errors).await;
    }
    let done = if rejecting {
        "rejected_many"
    } else {
        "approved_many"
    };
    let mut back = query.fields();
    back.push(("done".into(), done.into()));
    back.push(("n".into(), chosen.len().to_string()));
    let address: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(back)
        .finish();
    Ok(visitor.redirect(&format!("/moderation?{address}")))
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
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let id = id.into_inner().to_string();
    // What was typed, shown again beside its mistakes if the approval is refused.
    let mut typed = super::events::ApproveTyped {
        building_ids: form.all("building_ids"),
        promotion_from: form.text("promotion_from"),
        promotion_until: form.text("promotion_until"),
        errors: FieldErrors::default(),
    };
    let building_ids: Vec<Uuid> = typed
        .building_ids
        .iter()
        .filter_map(|b| Uuid::parse_str(b).ok())
        .collect();
    if building_ids.len() != typed.building_ids.len() {
        typed
            .errors
            .add("building_ids", lang.message("is not a building id"));
    }
    let mut bound = |name: &str| match promotion_bound(&form, name, tz) {
        Ok(at) => at,
        Err(_) => {
            let why = lang.t("give a date and time such as 2026-12-20 19:30");
            typed.errors.add(name, why);
            None
        }
    };
    let request = ApproveRequest {
        building_ids,
        promotion_from: bound("promotion_from"),
        promotion_until: bound("promotion_until"),
        duration_ms: None,
    };
    if typed.errors.is_empty() {
        let event_id = id.clone();
        let result = db::run(&state.pool, move |conn| {
            crate::db::transaction(conn, |conn| {
                moderation::approve(conn, &user, &event_id, &request)
            })
        })
        .await;
        match result {
            Ok(_) => return Ok(visitor.redirect(&format!("/events/{id}?done=approved"))),
            Err(error) => typed.errors = FieldErrors::from_error(error, lang)?,
        }
    }
    super::events::event_page(&state, &visitor, id, None, Some(typed)).await
}

async fn decide(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: Uuid,
    form: FormData,
    decision: DecisionKind,
) -> Result<HttpResponse, AppError> {
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

/// Rejecting is final for the association: the page first says so and asks again.
async fn reject(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let lang = visitor.lang;
    let id = id.into_inner();
    if !confirm::is_confirmed(&form) {
        let event_id = id.to_string();
        let (title, organisation) = db::run(&state.pool, move |conn| {
            let found = chosen_events(conn, &user, &[event_id])?;
            Ok(found
                .into_iter()
                .next()
                .map(|(_, title, organisation)| (title, organisation))
                .unwrap_or_default())
        })
        .await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{}: {title}?", lang.t("Reject the event")),
                consequences: vec![
                    format!(
                        "{title} ({organisation}) {}",
                        lang.t("is rejected and leaves every screen.")
                    ),
                    format!(
                        "{} {}",
                        lang.t("The association is told, with this reason:"),
                        form.text("reason").trim()
                    ),
                ],
                action: format!("/events/{id}/reject"),
                fields: vec![("reason".into(), form.text("reason"))],
                button: lang.t("Reject the event"),
                back: format!("/events/{id}"),
            },
        );
    }
    decide(state, visitor, id, form, DecisionKind::Rejected).await
}

async fn request_changes(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    decide(state, visitor, *id, form, DecisionKind::ChangesRequested).await
}

/// One field an association changed when it sent its event again.
#[derive(Debug)]
pub struct ChangeLine {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What the event page shows of a resubmission (templates/resubmission.html).
#[derive(Debug)]
pub struct ResubmissionView {
    pub at: String,
    /// What staff had asked for.
    pub reason: Option<String>,
    pub changes: Vec<ChangeLine>,
}

/// The comparison the event page shows while an event sent again waits for a decision:
/// each changed field, before and after, in the visitor's language.
pub fn resubmission_view(
    conn: &mut DbConnection,
    user: &Actor,
    event_id: &str,
    lang: Lang,
    tz: chrono_tz::Tz,
) -> Result<Option<ResubmissionView>, AppError> {
    let Some(found) = moderation::resubmission(conn, user, event_id)? else {
        return Ok(None);
    };
    let names: HashMap<String, String> = building_names(conn)?.into_iter().collect();
    let (before, after) = (&found.previous, &found.current);
    let optional = |text: &Option<String>| match text.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => text.to_owned(),
        _ => lang.t("(none)"),
    };
    let text = |text: &str| {
        if text.trim().is_empty() {
            lang.t("(none)")
        } else {
            text.to_owned()
        }
    };
    let audiences = |list: &[civicast_shared::api::events::AudienceSegment]| {
        if list.is_empty() {
            lang.t("(none)")
        } else {
            list.iter()
                .map(|a| lang.audience(*a))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let buildings = |ids: &[Uuid]| {
        let named = names_of(ids, &names);
        if named.is_empty() {
            lang.t("none in particular")
        } else {
            named
        }
    };
    let poster = |id: &Option<Uuid>, other: &Option<Uuid>| match (id, other) {
        (None, _) => lang.t("no poster: the event card"),
        (Some(_), None) => lang.t("a poster"),
        (Some(_), Some(_)) => lang.t("another poster"),
    };
    let changes = found
        .changed_fields
        .iter()
        .map(|field| {
            let (label, was, is) = match field.as_str() {
                "title" => ("Title", text(&before.title), text(&after.title)),
                "description" => (
                    "Short description",
                    text(&before.description),
                    text(&after.description),
                ),
                "starts_at" => (
                    "Starts",
                    lang.datetime(before.starts_at, tz),
                    lang.datetime(after.starts_at, tz),
                ),
                "ends_at" => (
                    "Ends",
                    lang.datetime(before.ends_at, tz),
                    lang.datetime(after.ends_at, tz),
                ),
                "venue" => ("Venue", text(&before.venue), text(&after.venue)),
                "category" => (
                    "Category",
                    lang.category(before.category),
                    lang.category(after.category),
                ),
                "target_audiences" => (
                    "Target audiences",
                    audiences(&before.target_audiences),
                    audiences(&after.target_audiences),
                ),
                "link" => ("Link", optional(&before.link), optional(&after.link)),
                "poster_media_id" => (
                    "Poster",
                    poster(&before.poster_media_id, &None),
                    poster(&after.poster_media_id, &before.poster_media_id),
                ),
                _ => (
                    "Buildings asked for",
                    buildings(&before.requested_building_ids),
                    buildings(&after.requested_building_ids),
                ),
            };
            ChangeLine {
                field: lang.t(label),
                before: was,
                after: is,
            }
        })
        .collect();
    Ok(Some(ResubmissionView {
        at: lang.datetime(found.resubmitted_at, tz),
        reason: found.reason.map(|r| lang.message(&r)),
        changes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_keeps_its_filters_across_pages_and_bulk_decisions() {
        let form = FormData::from_urlencoded(b"status=all&q=koor&page=3&organisation=").unwrap();
        let query = QueueQuery::of_form(&form);
        assert_eq!(
            query.fields(),
            vec![
                ("status".to_owned(), "all".to_owned()),
                ("q".to_owned(), "koor".to_owned()),
                ("page".to_owned(), "3".to_owned())
            ]
        );
        assert_eq!(query.address(1), "/moderation?status=all&q=koor");
        assert_eq!(query.address(2), "/moderation?status=all&q=koor&page=2");
        assert_eq!(QueueQuery::default().address(1), "/moderation");
    }
}
