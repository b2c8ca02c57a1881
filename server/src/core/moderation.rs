//! Submitting and moderating events, the rules both the JSON API and the web portal follow:
//! associations submit and edit (an edit of an approved event takes it off the screens until it
//! is approved again) and withdraw; staff approve into building playlists for a promotion
//! window, reject with a reason or ask for changes. Every step is kept in the event's history
//! and the audit log. Callers run these inside a transaction.

use chrono::Utc;
use civicast_shared::Validate;
use civicast_shared::api::events::{
    ApproveRequest, DEFAULT_PROMOTION_LEAD, Decision, DecisionKind, Event, EventInput, EventStatus,
    ReasonRequest, Resubmission,
};
use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
use civicast_shared::layout::poster_shortfall;
use civicast_shared::schedule::Schedule;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::core::accounts::find_organisation;
use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::notify::{self, Notice};
use crate::core::places::buildings::find_building;
use crate::core::playlists::{building_playlist, place_item, renumber};
use crate::core::proof::ledger;
use crate::db::models::{
    DecisionRow, EventRow, MediaAssetRow, PlaylistItemRow, stored_json, to_json,
};
use crate::db::schema::{
    buildings, event_decisions, events, media_assets, playlist_items, screens,
};
use crate::db::{self, DbConnection, to_db_time};
use crate::error::AppError;

/// The screen a poster is checked against when an event asks for no building in particular.
const DEFAULT_SCREEN: (u32, u32) = (1920, 1080);

/// Finds an event the user may see; other organisations' events look absent.
pub fn find_visible(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<EventRow, AppError> {
    let not_found = || AppError::NotFound(format!("no event with id {id}"));
    let row = events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    if !user.can_access_organisation(Some(db::models::stored_id(&row.organisation_id))) {
        return Err(not_found());
    }
    Ok(row)
}

/// Takes an event off every screen: removes its playlist items and closes the gaps.
fn remove_from_playlists(conn: &mut DbConnection, event_id: &str) -> Result<(), AppError> {
    let affected: Vec<String> = playlist_items::table
        .filter(playlist_items::event_id.eq(event_id))
        .select(playlist_items::playlist_id)
        .distinct()
        .load(conn)?;
    diesel::delete(playlist_items::table.filter(playlist_items::event_id.eq(event_id)))
        .execute(conn)?;
    for playlist_id in affected {
        renumber(conn, &playlist_id)?;
    }
    Ok(())
}

fn record_decision(
    conn: &mut DbConnection,
    user: Option<&Actor>,
    event: &EventRow,
    decision: DecisionKind,
    reason: Option<String>,
) -> Result<(), AppError> {
    let row = DecisionRow {
        id: db::new_id(),
        event_id: event.id.clone(),
        decision: decision.as_str().to_owned(),
        reason,
        building_ids: event.approved_building_ids.clone(),
        promotion_from: event.promotion_from,
        promotion_until: event.promotion_until,
        decided_by: user.map(|u| u.id.to_string()),
        decided_at: db::now(),
    };
    diesel::insert_into(event_decisions::table)
        .values(&row)
        .execute(conn)?;
    // What was sent back and what came again are kept as they were, for the field-by-field
    // comparison staff read when it returns.
    if matches!(
        decision,
        DecisionKind::ChangesRequested | DecisionKind::Rejected | DecisionKind::Resubmitted
    ) {
        diesel::update(event_decisions::table.find(&row.id))
            .set(event_decisions::snapshot.eq(Some(to_json(&submission_of(event)))))
            .execute(conn)?;
    }
    Ok(())
}

/// The event's fields as the association submitted them.
fn submission_of(row: &EventRow) -> EventInput {
    let event = Event::from(row.clone());
    EventInput {
        organisation_id: None,
        title: event.title,
        description: event.description,
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        venue: event.venue,
        category: event.category,
        target_audiences: event.target_audiences,
        link: event.link,
        poster_media_id: event.poster_media_id,
        requested_building_ids: event.requested_building_ids,
    }
}

/// Checks what the database knows about an input: the organisation may submit, the buildings
/// and the poster exist and the poster belongs to the organisation.
fn check_input(
    conn: &mut DbConnection,
    input: &EventInput,
    organisation_id: &str,
) -> Result<(), AppError> {
    if input.ends_at <= Utc::now() {
        return Err(AppError::invalid("ends_at", "the event is already over"));
    }
    let organisation = find_organisation(conn, organisation_id)
        .map_err(|_| AppError::invalid("organisation_id", "no organisation with this id"))?;
    if !organisation.verified {
        return Err(AppError::Forbidden(format!(
            "'{}' has not been verified by city staff yet; events can be submitted once it is",
            organisation.name
        )));
    }
    let wanted: Vec<String> = input
        .requested_building_ids
        .iter()
        .map(Uuid::to_string)
        .collect();
    let known: Vec<String> = buildings::table
        .filter(buildings::id.eq_any(&wanted))
        .select(buildings::id)
        .load(conn)?;
    if let Some(unknown) = wanted.iter().find(|id| !known.contains(id)) {
        return Err(AppError::invalid(
            "requested_building_ids",
            format!("no building with id {unknown}"),
        ));
    }
    if let Some(poster_id) = input.poster_media_id {
        let poster = media_assets::table
            .find(poster_id.to_string())
            .select(MediaAssetRow::as_select())
            .first(conn)
            .optional()?;
        match poster {
            Some(poster) if poster.organisation_id.as_deref() == Some(organisation_id) => {
                check_poster_size(conn, &poster, &wanted)?;
            }
            _ => {
                return Err(AppError::invalid(
                    "poster_media_id",
                    "no media with this id in the organisation's library: upload the poster first",
                ));
            }
        }
    }
    Ok(())
}

/// The size in pixels of the poster `poster_id`, for the preview of its card; `None` when there
/// is no such media (a poster removed since).
pub fn poster_size(
    conn: &mut DbConnection,
    poster_id: &str,
) -> Result<Option<(u32, u32)>, AppError> {
    let size: Option<(i32, i32)> = media_assets::table
        .find(poster_id)
        .select((media_assets::width, media_assets::height))
        .first(conn)
        .optional()?;
    Ok(size.and_then(|(w, h)| Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?))))
}

/// Refuses a poster that the screens of `building_ids` (or a full-HD screen when none are
/// named) would have to enlarge so much that it blurs, saying what size is needed.
pub fn check_poster_size(
    conn: &mut DbConnection,
    poster: &MediaAssetRow,
    building_ids: &[String],
) -> Result<(), AppError> {
    let mut targets: Vec<(String, i32, i32)> = screens::table
        .inner_join(buildings::table)
        .filter(screens::building_id.eq_any(building_ids))
        .select((buildings::name, screens::width, screens::height))
        .distinct()
        .load(conn)?;
    if targets.is_empty() {
        targets.push((
            "a full-HD screen".into(),
            DEFAULT_SCREEN.0 as i32,
            DEFAULT_SCREEN.1 as i32,
        ));
    }
    let size = (
        u32::try_from(poster.width).unwrap_or(0),
        u32::try_from(poster.height).unwrap_or(0),
    );
    let worst = targets
        .iter()
        .filter_map(|(building, width, height)| {
            let screen = (u32::try_from(*width).ok()?, u32::try_from(*height).ok()?);
            poster_shortfall(size, screen).map(|needed| (needed, building, screen))
        })
        .max_by_key(|((w, h), _, _)| u64::from(*w) * u64::from(*h));
    if let Some(((need_w, need_h), building, (screen_w, screen_h))) = worst {
        return Err(AppError::invalid(
            "poster",
            format!(
                "the poster is {} x {} px, too small for the {screen_w} x {screen_h} screens of \
                 {building}: upload one of at least {need_w} x {need_h} px",
                size.0, size.1
            ),
        ));
    }
    Ok(())
}

fn apply_input(row: &mut EventRow, input: &EventInput) {
    row.title = input.title.trim().to_owned();
    row.description = input.description.trim().to_owned();
    row.starts_at = to_db_time(input.starts_at);
    row.ends_at = to_db_time(input.ends_at);
    row.venue = input.venue.trim().to_owned();
    row.category = input.category.as_str().to_owned();
    let mut audiences = input.target_audiences.clone();
    audiences.dedup();
    row.target_audiences = to_json(&audiences);
    row.link = input.link.as_ref().map(|l| l.trim().to_owned());
    row.poster_media_id = input.poster_media_id.map(|id| id.to_string());
    let mut requested = input.requested_building_ids.clone();
    requested.dedup();
    row.requested_building_ids = to_json(&requested);
    row.updated_at = db::now();
}

/// Marks an event as no longer approved: off the screens, the approval fields cleared.
fn clear_approval(conn: &mut DbConnection, row: &mut EventRow) -> Result<(), AppError> {
    remove_from_playlists(conn, &row.id)?;
    row.approved_building_ids = "[]".into();
    row.promotion_from = None;
    row.promotion_until = None;
    Ok(())
}

/// Which organisation a new event belongs to: staff name it, members submit for their own.
fn submitting_organisation(user: &Actor, input: &EventInput) -> Result<Uuid, AppError> {
    if user.is_staff() {
        return input.organisation_id.ok_or_else(|| {
            AppError::invalid(
                "organisation_id",
                "staff name the organisation the event is for",
            )
        });
    }
    match (input.organisation_id, user.organisation_id) {
        (_, None) => Err(AppError::Forbidden(
            "your account belongs to no organisation".into(),
        )),
        (Some(asked), Some(own)) if asked != own => Err(AppError::Forbidden(
            "you can only submit events for your own organisation".into(),
        )),
        (_, Some(own)) => Ok(own),
    }
}

/// Checks a submission against every rule without storing it, for a preview before sending.
pub fn check_submission(
    conn: &mut DbConnection,
    user: &Actor,
    input: &EventInput,
) -> Result<(), AppError> {
    input.validate()?;
    let organisation_id = submitting_organisation(user, input)?.to_string();
    check_input(conn, input, &organisation_id)
}

/// Submits an event for moderation; it starts as `pending`.
pub fn submit(
    conn: &mut DbConnection,
    user: &Actor,
    input: &EventInput,
) -> Result<Event, AppError> {
    input.validate()?;
    let organisation_id = submitting_organisation(user, input)?.to_string();
    check_input(conn, input, &organisation_id)?;
    let now = db::now();
    let mut row = EventRow {
        id: db::new_id(),
        organisation_id,
        created_by: Some(user.id.to_string()),
        title: String::new(),
        description: String::new(),
        starts_at: now,
        ends_at: now,
        venue: String::new(),
        category: String::new(),
        target_audiences: String::new(),
        link: None,
        poster_media_id: None,
        requested_building_ids: String::new(),
        status: EventStatus::Pending.as_str().to_owned(),
        approved_building_ids: "[]".into(),
        promotion_from: None,
        promotion_until: None,
        moderation_note: None,
        created_at: now,
        updated_at: now,
    };
    apply_input(&mut row, input);
    diesel::insert_into(events::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "event.create",
        "event",
        &row.id,
        json!({ "title": row.title }),
    )?;
    tell_staff_of_submission(conn, &row, false)?;
    Ok(Event::from(row))
}

/// Edits an event. An approved event goes back to `pending` and leaves the screens until it is
/// approved again.
pub fn edit(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    input: &EventInput,
) -> Result<Event, AppError> {
    input.validate()?;
    let mut row = find_visible(conn, user, id)?;
    if input
        .organisation_id
        .is_some_and(|o| o.to_string() != row.organisation_id)
    {
        return Err(AppError::invalid(
            "organisation_id",
            "an event cannot move to another organisation",
        ));
    }
    let status = row.status();
    if matches!(status, EventStatus::Withdrawn | EventStatus::Expired) {
        return Err(AppError::Conflict(format!(
            "a {} event cannot be edited; submit a new one",
            status.as_str()
        )));
    }
    let organisation_id = row.organisation_id.clone();
    check_input(conn, input, &organisation_id)?;
    apply_input(&mut row, input);
    if status == EventStatus::Approved {
        clear_approval(conn, &mut row)?;
    }
    row.status = EventStatus::Pending.as_str().to_owned();
    diesel::update(events::table.find(id))
        .set(&row)
        .execute(conn)?;
    if matches!(
        status,
        EventStatus::ChangesRequested | EventStatus::Rejected
    ) {
        record_decision(conn, Some(user), &row, DecisionKind::Resubmitted, None)?;
    }
    audit::record(
        conn,
        user,
        "event.update",
        "event",
        id,
        json!({ "title": row.title, "previous_status": status.as_str() }),
    )?;
    // An association's edit puts the event back in the queue: staff are told once each time it
    // comes back, not of every edit while it waits.
    if !user.is_staff() && status != EventStatus::Pending {
        tell_staff_of_submission(conn, &row, true)?;
    }
    Ok(Event::from(row))
}

fn tell_staff_of_submission(
    conn: &mut DbConnection,
    row: &EventRow,
    again: bool,
) -> Result<(), AppError> {
    let organisation = find_organisation(conn, &row.organisation_id)?;
    notify::tell_staff(
        conn,
        &Notice::Submitted {
            event_id: row.id.clone(),
            title: row.title.clone(),
            organisation: organisation.name,
            starts_at: row.starts_at.and_utc(),
            again,
        },
    )
}

/// Deletes an event and its history; it leaves every screen.
pub fn delete(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<(), AppError> {
    let row = find_visible(conn, user, id)?;
    remove_from_playlists(conn, id)?;
    diesel::delete(event_decisions::table.filter(event_decisions::event_id.eq(id)))
        .execute(conn)?;
    diesel::delete(events::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        user,
        "event.delete",
        "event",
        id,
        json!({ "title": row.title }),
    )?;
    Ok(())
}

/// The association takes its event back; it leaves every screen.
pub fn withdraw(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<Event, AppError> {
    let mut row = find_visible(conn, user, id)?;
    let status = row.status();
    if matches!(status, EventStatus::Withdrawn | EventStatus::Expired) {
        return Err(AppError::Conflict(format!(
            "the event is already {}",
            status.as_str()
        )));
    }
    clear_approval(conn, &mut row)?;
    row.status = EventStatus::Withdrawn.as_str().to_owned();
    row.updated_at = db::now();
    diesel::update(events::table.find(id))
        .set(&row)
        .execute(conn)?;
    record_decision(conn, Some(user), &row, DecisionKind::Withdrawn, None)?;
    audit::record(
        conn,
        user,
        "event.withdraw",
        "event",
        id,
        json!({ "title": row.title }),
    )?;
    Ok(Event::from(row))
}

/// Approves an event into the playlists of the chosen buildings for its promotion window
/// (default: 14 days before the start until the end). Approving again replaces the placement.
pub fn approve(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    request: &ApproveRequest,
) -> Result<Event, AppError> {
    user.require_staff()?;
    request.validate()?;
    let mut row = find_visible(conn, user, id)?;
    let status = row.status();
    if matches!(status, EventStatus::Withdrawn | EventStatus::Expired) {
        return Err(AppError::Conflict(format!(
            "a {} event cannot be approved",
            status.as_str()
        )));
    }
    let starts_at = row.starts_at.and_utc();
    let ends_at = row.ends_at.and_utc();
    // Checked: an event stored before dates were bounded may start at the end of time.
    let from = request.promotion_from.unwrap_or_else(|| {
        starts_at
            .checked_sub_signed(DEFAULT_PROMOTION_LEAD)
            .unwrap_or(starts_at)
    });
    let until = request.promotion_until.unwrap_or(ends_at);
    if until <= from {
        return Err(AppError::invalid(
            "promotion_until",
            "must be after promotion_from",
        ));
    }
    if until <= Utc::now() {
        return Err(AppError::invalid(
            "promotion_until",
            "the promotion window is already over",
        ));
    }
    let mut building_ids = request.building_ids.clone();
    building_ids.dedup();
    for building_id in &building_ids {
        find_building(conn, &building_id.to_string()).map_err(|_| {
            AppError::invalid("building_ids", format!("no building with id {building_id}"))
        })?;
    }
    if let Some(poster_id) = &row.poster_media_id {
        let poster = media_assets::table
            .find(poster_id)
            .select(MediaAssetRow::as_select())
            .first(conn)?;
        let chosen: Vec<String> = building_ids.iter().map(Uuid::to_string).collect();
        check_poster_size(conn, &poster, &chosen)?;
    }
    clear_approval(conn, &mut row)?;
    let schedule = to_json(&Schedule {
        valid_from: Some(from),
        valid_until: Some(until),
        ..Schedule::default()
    });
    // An event whose poster is a video shows for the video's length unless staff set one.
    let poster_video_ms = match &row.poster_media_id {
        Some(poster) => crate::core::playlists::video_length(conn, poster)?
            .flatten()
            .and_then(|ms| u32::try_from(ms).ok()),
        None => None,
    };
    let duration =
        civicast_shared::api::playlists::item_duration(request.duration_ms, poster_video_ms);
    for building_id in &building_ids {
        let playlist_id = building_playlist(conn, &building_id.to_string())?;
        let now = db::now();
        let item = PlaylistItemRow {
            id: db::new_id(),
            playlist_id: playlist_id.clone(),
            position: i32::MAX,
            kind: PlaylistItemKind::Event.as_str().to_owned(),
            event_id: Some(id.to_owned()),
            media_id: None,
            text: None,
            duration_ms: i32::try_from(duration).unwrap_or(i32::MAX),
            fit: Fit::Fit.as_str().to_owned(),
            schedule: schedule.clone(),
            created_at: now,
            updated_at: now,
            sound: false,
        };
        diesel::insert_into(playlist_items::table)
            .values(&item)
            .execute(conn)?;
        ledger::record_item(conn, &item)?;
        place_item(conn, &playlist_id, &item.id, None)?;
    }
    row.status = EventStatus::Approved.as_str().to_owned();
    row.approved_building_ids = to_json(&building_ids);
    row.promotion_from = Some(to_db_time(from));
    row.promotion_until = Some(to_db_time(until));
    row.moderation_note = None;
    row.updated_at = db::now();
    diesel::update(events::table.find(id))
        .set(&row)
        .execute(conn)?;
    record_decision(conn, Some(user), &row, DecisionKind::Approved, None)?;
    audit::record(
        conn,
        user,
        "event.approve",
        "event",
        id,
        json!({ "building_ids": building_ids, "promotion_from": from, "promotion_until": until }),
    )?;
    let ids: Vec<String> = building_ids.iter().map(Uuid::to_string).collect();
    let names: Vec<String> = buildings::table
        .filter(buildings::id.eq_any(&ids))
        .order(buildings::name.asc())
        .select(buildings::name)
        .load(conn)?;
    notify::tell_members(
        conn,
        &row.organisation_id,
        &Notice::EventApproved {
            event_id: row.id.clone(),
            title: row.title.clone(),
            buildings: names,
            from,
            until,
        },
    )?;
    Ok(Event::from(row))
}

/// Rejects an event or sends it back for changes: off the screens, with the reason kept for the
/// association to read.
pub fn decide_with_reason(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    request: &ReasonRequest,
    decision: DecisionKind,
) -> Result<Event, AppError> {
    user.require_staff()?;
    request.validate()?;
    let (status, action) = match decision {
        DecisionKind::Rejected => (EventStatus::Rejected, "event.reject"),
        _ => (EventStatus::ChangesRequested, "event.request_changes"),
    };
    let mut row = find_visible(conn, user, id)?;
    let current = row.status();
    if matches!(current, EventStatus::Withdrawn | EventStatus::Expired) {
        return Err(AppError::Conflict(format!(
            "the event is already {}",
            current.as_str()
        )));
    }
    let reason = request.reason.trim().to_owned();
    clear_approval(conn, &mut row)?;
    row.status = status.as_str().to_owned();
    row.moderation_note = Some(reason.clone());
    row.updated_at = db::now();
    diesel::update(events::table.find(id))
        .set(&row)
        .execute(conn)?;
    record_decision(conn, Some(user), &row, decision, Some(reason.clone()))?;
    audit::record(conn, user, action, "event", id, json!({ "reason": reason }))?;
    let (event_id, title) = (row.id.clone(), row.title.clone());
    let notice = match decision {
        DecisionKind::Rejected => Notice::EventRejected {
            event_id,
            title,
            reason,
        },
        _ => Notice::ChangesRequested {
            event_id,
            title,
            reason,
        },
    };
    notify::tell_members(conn, &row.organisation_id, &notice)?;
    Ok(Event::from(row))
}

/// The moderation history of an event, oldest first.
pub fn decisions(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
) -> Result<Vec<Decision>, AppError> {
    find_visible(conn, user, id)?;
    let rows = event_decisions::table
        .filter(event_decisions::event_id.eq(id))
        .order(event_decisions::decided_at.asc())
        .select(DecisionRow::as_select())
        .load::<DecisionRow>(conn)?;
    Ok(rows.into_iter().map(Decision::from).collect())
}

/// What changed in an event the association sent again, while that is the last step of its
/// history (no decision since); `None` otherwise.
pub fn resubmission(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
) -> Result<Option<Resubmission>, AppError> {
    let row = find_visible(conn, user, id)?;
    let steps: Vec<(
        String,
        Option<String>,
        Option<String>,
        chrono::NaiveDateTime,
    )> = event_decisions::table
        .filter(event_decisions::event_id.eq(id))
        .order(event_decisions::decided_at.desc())
        .select((
            event_decisions::decision,
            event_decisions::reason,
            event_decisions::snapshot,
            event_decisions::decided_at,
        ))
        .load(conn)?;
    let Some((latest, _, _, resubmitted_at)) = steps.first() else {
        return Ok(None);
    };
    if DecisionKind::parse(latest) != Some(DecisionKind::Resubmitted) {
        return Ok(None);
    }
    // The version staff sent back: the last one before this resubmission.
    let sent_back = steps.iter().skip(1).find(|(kind, _, snapshot, _)| {
        snapshot.is_some()
            && matches!(
                DecisionKind::parse(kind),
                Some(DecisionKind::ChangesRequested | DecisionKind::Rejected)
            )
    });
    let Some((_, reason, Some(snapshot), _)) = sent_back else {
        return Ok(None);
    };
    let previous: EventInput = stored_json(snapshot);
    let current = submission_of(&row);
    Ok(Some(Resubmission {
        resubmitted_at: resubmitted_at.and_utc(),
        reason: reason.clone(),
        changed_fields: Resubmission::changed(&previous, &current),
        previous,
        current,
    }))
}

/// Which of `event_ids` were sent again and wait for a decision since: their last step is a
/// resubmission. One query, whatever their number.
pub fn resubmitted_among(
    conn: &mut DbConnection,
    event_ids: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    if event_ids.is_empty() {
        return Ok(Default::default());
    }
    let steps: Vec<(String, String)> = event_decisions::table
        .filter(event_decisions::event_id.eq_any(event_ids))
        .order((
            event_decisions::event_id.asc(),
            event_decisions::decided_at.asc(),
        ))
        .select((event_decisions::event_id, event_decisions::decision))
        .load(conn)?;
    let mut latest: std::collections::HashMap<String, String> = Default::default();
    for (event_id, decision) in steps {
        latest.insert(event_id, decision);
    }
    Ok(latest
        .into_iter()
        .filter(|(_, decision)| decision == DecisionKind::Resubmitted.as_str())
        .map(|(event_id, _)| event_id)
        .collect())
}

/// What [`close_past_events`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// Approved events that ended and left the screens.
    pub ended: usize,
    /// Events still waiting for a decision (or for changes) whose date passed.
    pub stale: usize,
}

/// The reason a stale submission is closed with; the association reads it.
pub const STALE_REASON: &str = "the event's date passed before it was approved";

/// Closes events that are over at `now`: approved ones leave every playlist, and submissions
/// still pending or waiting for changes are closed with a reason. Both become `expired`, with
/// the step in their history and the audit log. Running it again changes nothing more.
pub fn close_past_events(
    conn: &mut DbConnection,
    now: chrono::DateTime<Utc>,
) -> Result<Closed, AppError> {
    let open = [
        EventStatus::Approved,
        EventStatus::Pending,
        EventStatus::ChangesRequested,
    ]
    .map(EventStatus::as_str);
    let over: Vec<EventRow> = events::table
        .filter(events::status.eq_any(open))
        .filter(events::ends_at.le(to_db_time(now)))
        .select(EventRow::as_select())
        .load(conn)?;
    let mut closed = Closed::default();
    for mut row in over {
        let was = row.status();
        let reason = if was == EventStatus::Approved {
            closed.ended += 1;
            None
        } else {
            closed.stale += 1;
            row.moderation_note = Some(STALE_REASON.to_owned());
            Some(STALE_REASON.to_owned())
        };
        remove_from_playlists(conn, &row.id)?;
        row.status = EventStatus::Expired.as_str().to_owned();
        row.updated_at = db::now();
        diesel::update(events::table.find(&row.id))
            .set(&row)
            .execute(conn)?;
        record_decision(conn, None, &row, DecisionKind::Expired, reason.clone())?;
        audit::record_as(
            conn,
            None,
            "system",
            "event.expire",
            "event",
            &row.id,
            json!({ "title": row.title, "previous_status": was.as_str(), "reason": reason }),
        )?;
    }
    Ok(closed)
}
