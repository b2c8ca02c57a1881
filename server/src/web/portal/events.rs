//! An association's events: the list with each event's status, submitting and editing (form,
//! then a check page with the screen previews, then send), withdrawal, and the event page that
//! both associations and staff open (staff see the moderation forms on it).

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use civicast_shared::api::events::{
    AudienceSegment, DEFAULT_PROMOTION_LEAD, Event, EventCategory, EventInput, EventStatus,
};
use serde::Deserialize;
use uuid::Uuid;

use super::form::FormData;
use super::i18n::Lang;
use super::preview::{self, CardInput, CardView, ScreenPreview};
use super::session::Visitor;
use super::{Choice, FieldErrors, FieldView, Frame, render};
use crate::core::events::{self as event_list, EventFilter};
use crate::core::media::add_to_library;
use crate::core::moderation;
use crate::core::paging::Paging;
use crate::core::places::buildings::names as building_names;
use crate::db::models::OrganisationRow;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(list))
        .route("/events", web::post().to(submit))
        .route("/events/new", web::get().to(new_form))
        .route("/events/new", web::post().to(new_form_again))
        .route("/events/new/check", web::post().to(check_new))
        .route("/events/{id}", web::get().to(show))
        .route("/events/{id}", web::post().to(save_edit))
        .route("/events/{id}/edit", web::get().to(edit_form))
        .route("/events/{id}/edit", web::post().to(edit_form_again))
        .route("/events/{id}/edit/check", web::post().to(check_edit))
        .route("/events/{id}/withdraw", web::post().to(withdraw))
        .route("/posters/{id}", web::get().to(poster))
        .route("/posters/{id}/video", web::get().to(poster_video));
}

/// The notices a redirect may ask for with `?done=`; only these texts can be shown.
pub fn notice(lang: Lang, done: Option<&str>) -> Option<String> {
    let text = match done? {
        "registered" => {
            "Your association is registered. City staff verify it before you can submit events."
        }
        "sent" => "Your event was sent for review.",
        "saved" => "Your changes were saved.",
        "approved" => "The event was approved.",
        "rejected" => "The event was rejected.",
        "changes" => "The association was asked for changes.",
        "withdrawn" => "The event was withdrawn.",
        "verified" => "The association was verified.",
        "playlist" => "The playlist was changed.",
        "paired" => "The screen was paired.",
        "building" => "The building was added.",
        "hours" => "The hours were saved.",
        "user" => "The user was added.",
        "invited" => "The user was added and invited by e-mail to choose a password.",
        "refused" => "The registration was refused and removed; the association was told why.",
        "password" => "Your password was changed. Your other sessions were signed out.",
        "preferences" => "Your choices were saved.",
        "language" => "Your language was saved.",
        "reset" => {
            "If this address has an account, an e-mail with a link to choose a new password is on its way. The link works for one hour."
        }
        "password_set" => "Your password is set. Sign in with it.",
        "test_mail" => "The test e-mail is in the outbox; it is sent within seconds.",
        "read" => "All notifications are marked as read.",
        "emergency" => "The emergency message is on the screens.",
        "cleared" => "The emergency message was cleared.",
        _ => return None,
    };
    Some(lang.t(text))
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// One row of an event list.
#[derive(Debug)]
pub struct EventLine {
    pub id: String,
    pub title: String,
    pub when: String,
    pub status: String,
    pub status_code: &'static str,
    pub note: Option<String>,
    pub placement: String,
}

/// "Town hall, Library · from 1 Dec 2026 until 20 Dec 2026" for an approved event.
pub fn placement(event: &Event, names: &[(String, String)], lang: Lang, tz: Tz) -> String {
    if event.status != EventStatus::Approved {
        return String::new();
    }
    let buildings: Vec<&str> = event
        .approved_building_ids
        .iter()
        .filter_map(|id| {
            let id = id.to_string();
            names
                .iter()
                .find(|(b, _)| *b == id)
                .map(|(_, n)| n.as_str())
        })
        .collect();
    match (event.promotion_from, event.promotion_until) {
        (Some(from), Some(until)) => format!(
            "{} · {} {} {} {}",
            buildings.join(", "),
            lang.t("from"),
            lang.date(from, tz),
            lang.t("until"),
            lang.date(until, tz)
        ),
        _ => buildings.join(", "),
    }
}

pub fn event_line(event: &Event, names: &[(String, String)], lang: Lang, tz: Tz) -> EventLine {
    EventLine {
        id: event.id.to_string(),
        title: event.title.clone(),
        when: lang.datetime(event.starts_at, tz),
        status: lang.status(event.status),
        status_code: event.status.as_str(),
        note: match event.status {
            EventStatus::Rejected | EventStatus::ChangesRequested | EventStatus::Expired => event
                .moderation_note
                .as_deref()
                .map(|note| lang.message(note)),
            _ => None,
        },
        placement: placement(event, names, lang, tz),
    }
}

#[derive(Template)]
#[template(path = "events.html")]
struct ListPage {
    lang: Lang,
    frame: Frame,
    verified: bool,
    rows: Vec<EventLine>,
}

fn own_organisation(user: &CurrentUser) -> Result<String, AppError> {
    user.organisation_id
        .map(|id| id.to_string())
        .ok_or_else(|| AppError::Forbidden("your account belongs to no organisation".into()))
}

async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    if user.is_staff() {
        return Ok(visitor.redirect("/moderation"));
    }
    let organisation_id = own_organisation(&user)?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let (organisation, rows) = db::run(&state.pool, move |conn| {
        let organisation = crate::core::accounts::find_organisation(conn, &organisation_id)?;
        let names = building_names(conn)?;
        let filter = EventFilter {
            latest_first: true,
            ..EventFilter::default()
        };
        let (rows, _) = event_list::list(conn, &user, filter, Paging::of(1, 500))?;
        let rows = rows
            .into_iter()
            .map(|row| {
                let event = Event::from(row);
                event_line(&event, &names, lang, tz)
            })
            .collect::<Vec<_>>();
        Ok((organisation, rows))
    })
    .await?;
    let frame = Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref()));
    render(
        &visitor,
        &ListPage {
            lang,
            frame,
            verified: organisation.verified,
            rows,
        },
    )
}

/// The event form's values as typed, and the event they make (or what is wrong with them).
struct EventForm {
    form: FormData,
    poster_media_id: String,
}

impl EventForm {
    /// The event the form describes, or the fields to fix.
    fn to_input(&self, lang: Lang, tz: Tz) -> Result<EventInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let time = |name: &str, errors: &mut FieldErrors| {
            let value = self.form.text(name);
            if value.trim().is_empty() {
                errors.add(name, lang.message("is required"));
                return None;
            }
            let parsed = parse_local_time(&value, tz);
            if parsed.is_none() {
                errors.add(
                    name,
                    lang.t("give a date and time such as 2026-12-20 19:30"),
                );
            }
            parsed
        };
        let starts_at = time("starts_at", &mut errors);
        let ends_at = time("ends_at", &mut errors);
        let category = EventCategory::parse(&self.form.text("category"));
        if category.is_none() {
            errors.add("category", lang.t("choose a category"));
        }
        let target_audiences = self
            .form
            .all("target_audiences")
            .iter()
            .filter_map(|a| AudienceSegment::parse(a))
            .collect();
        let requested_building_ids = self
            .form
            .all("requested_building_ids")
            .iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        let link = Some(self.form.text("link").trim().to_owned()).filter(|l| !l.is_empty());
        let poster_media_id = Uuid::parse_str(&self.poster_media_id).ok();
        let times_known = starts_at.is_some() && ends_at.is_some();
        // Unreadable times stand in as an hour from now, so that the other fields are still
        // checked and every mistake is shown at once.
        let stand_in = Utc::now() + chrono::Duration::hours(1);
        let input = EventInput {
            organisation_id: None,
            title: self.form.text("title"),
            description: self.form.text("description"),
            starts_at: starts_at.unwrap_or(stand_in),
            ends_at: ends_at.unwrap_or(stand_in + chrono::Duration::hours(1)),
            venue: self.form.text("venue"),
            category: category.unwrap_or(EventCategory::Other),
            target_audiences,
            link,
            poster_media_id,
            requested_building_ids,
        };
        if let Err(rules) = civicast_shared::Validate::validate(&input) {
            for error in rules.0 {
                let about_times = error.field == "starts_at" || error.field == "ends_at";
                if times_known || !about_times {
                    errors.add(&error.field, lang.message(&error.message));
                }
            }
        }
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    /// The form's values as hidden fields, for the check page to send on.
    fn hidden(&self) -> Vec<(String, String)> {
        let mut hidden = Vec::new();
        for name in [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "venue",
            "category",
            "link",
        ] {
            hidden.push((name.to_owned(), self.form.text(name)));
        }
        for name in ["target_audiences", "requested_building_ids"] {
            for value in self.form.all(name) {
                hidden.push((name.to_owned(), value));
            }
        }
        hidden.push(("poster_media_id".into(), self.poster_media_id.clone()));
        hidden
    }
}

/// Reads a `datetime-local` value (or `2026-12-20 19:30`) in the city's time zone.
pub fn parse_local_time(value: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let value = value.trim().replace(' ', "T");
    let naive = NaiveDateTime::parse_from_str(&value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn local_value(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// The form's values for an existing event.
fn form_of(event: &Event, tz: Tz) -> EventForm {
    let mut pairs = vec![
        ("title".to_owned(), event.title.clone()),
        ("description".to_owned(), event.description.clone()),
        ("starts_at".to_owned(), local_value(event.starts_at, tz)),
        ("ends_at".to_owned(), local_value(event.ends_at, tz)),
        ("venue".to_owned(), event.venue.clone()),
        ("category".to_owned(), event.category.as_str().to_owned()),
        ("link".to_owned(), event.link.clone().unwrap_or_default()),
    ];
    for audience in &event.target_audiences {
        pairs.push(("target_audiences".into(), audience.as_str().to_owned()));
    }
    for building in &event.requested_building_ids {
        pairs.push(("requested_building_ids".into(), building.to_string()));
    }
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    EventForm {
        form: FormData::from_urlencoded(encoded.as_bytes()).unwrap_or_default(),
        poster_media_id: event
            .poster_media_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct FormPage {
    lang: Lang,
    frame: Frame,
    heading: String,
    action: String,
    editing_approved: bool,
    has_errors: bool,
    fields: Vec<FieldView>,
    categories: Vec<Choice>,
    category_error: Option<String>,
    audiences: Vec<Choice>,
    buildings: Vec<Choice>,
    buildings_error: Option<String>,
    poster_media_id: String,
    poster_error: Option<String>,
    /// Mistakes that belong to no field shown.
    other_errors: Vec<String>,
    /// Buildings ranked for the ticked audiences (filled in by the form's script as they change).
    suggestions: super::audience::Suggestions,
}

fn form_page(
    visitor: &Visitor,
    event_form: &EventForm,
    errors: &FieldErrors,
    building_list: Vec<(String, String)>,
    editing: Option<(&str, bool)>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let form = &event_form.form;
    let mut fields = vec![
        FieldView::new("title", lang.t("Title"), "text", form.text("title"))
            .required()
            .max(120),
        FieldView::new(
            "description",
            lang.t("Short text"),
            "textarea",
            form.text("description"),
        )
        .max(1000),
        FieldView::new(
            "starts_at",
            lang.t("Starts"),
            "datetime-local",
            form.text("starts_at"),
        )
        .required(),
        FieldView::new(
            "ends_at",
            lang.t("Ends"),
            "datetime-local",
            form.text("ends_at"),
        )
        .required(),
        FieldView::new("venue", lang.t("Venue"), "text", form.text("venue"))
            .required()
            .max(200),
        FieldView::new(
            "link",
            lang.t("Link (shown on screen as a QR code)"),
            "url",
            form.text("link"),
        ),
    ];
    errors.place(&mut fields);
    let chosen_category = form.text("category");
    let audiences_chosen = form.all("target_audiences");
    let buildings_chosen = form.all("requested_building_ids");
    let page = FormPage {
        lang,
        frame: Frame::of(visitor),
        heading: lang.t(if editing.is_some() {
            "Edit event"
        } else {
            "Submit an event"
        }),
        action: match editing {
            Some((id, _)) => format!("/events/{id}/edit"),
            None => "/events/new".into(),
        },
        editing_approved: editing.is_some_and(|(_, approved)| approved),
        has_errors: !errors.is_empty(),
        fields,
        categories: EventCategory::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str().to_owned(),
                label: lang.category(*c),
                checked: chosen_category == c.as_str(),
            })
            .collect(),
        category_error: errors.take(&["category"]),
        audiences: AudienceSegment::ALL
            .iter()
            .map(|a| Choice {
                value: a.as_str().to_owned(),
                label: lang.audience(*a),
                checked: audiences_chosen.iter().any(|c| c == a.as_str()),
            })
            .collect(),
        buildings: Choice::from_rows(building_list, |id| buildings_chosen.iter().any(|c| c == id)),
        buildings_error: errors.take(&["requested_building_ids"]),
        poster_media_id: event_form.poster_media_id.clone(),
        poster_error: errors.take(&["poster", "poster_media_id", "file"]),
        other_errors: errors.others(&[
            "title",
            "description",
            "starts_at",
            "ends_at",
            "venue",
            "link",
            "category",
            "requested_building_ids",
            "poster",
            "poster_media_id",
            "file",
        ]),
        suggestions: super::audience::Suggestions::default(),
    };
    let mut response = render(visitor, &page)?;
    if !errors.is_empty() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Staff do not submit through the portal's association pages; members must be verified.
async fn require_submitter(state: &AppState, visitor: &Visitor) -> Result<CurrentUser, AppError> {
    let user = visitor.user()?.clone();
    let organisation_id = own_organisation(&user)?;
    let organisation = db::run(&state.pool, move |conn| {
        crate::core::accounts::find_organisation(conn, &organisation_id)
    })
    .await?;
    if !organisation.verified {
        return Err(AppError::Forbidden(
            "City staff have not verified your association yet. You can prepare events once they have."
                .into(),
        ));
    }
    Ok(user)
}

async fn new_form(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, AppError> {
    require_submitter(&state, &visitor).await?;
    let names = db::run(&state.pool, building_names).await?;
    let empty = EventForm {
        form: FormData::default(),
        poster_media_id: String::new(),
    };
    form_page(&visitor, &empty, &FieldErrors::default(), names, None)
}

/// The form again with the values of the check page's "Change" button.
async fn new_form_again(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    require_submitter(&state, &visitor).await?;
    let names = db::run(&state.pool, building_names).await?;
    let poster_media_id = form.text("poster_media_id");
    let event_form = EventForm {
        form,
        poster_media_id,
    };
    form_page(&visitor, &event_form, &FieldErrors::default(), names, None)
}

#[derive(Template)]
#[template(path = "event_check.html")]
struct CheckPage {
    lang: Lang,
    frame: Frame,
    previews: Vec<ScreenPreview>,
    card: CardView,
    action: String,
    change_action: String,
    editing: bool,
    hidden: Vec<(String, String)>,
}

/// Reads the multipart form, stores a new poster in the organisation's library, and checks the
/// event against every rule without storing it: the check page or the form with its errors.
async fn check(
    state: &AppState,
    visitor: &Visitor,
    user: CurrentUser,
    multipart: Multipart,
    editing: Option<(String, bool)>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let tz = state.settings.city_time_zone;
    let organisation_id = own_organisation(&user)?;
    let (uploader, library) = ((*user).clone(), organisation_id.clone());
    db::run(&state.pool, move |conn| {
        crate::core::media::check_may_upload(conn, &uploader, Some(&library))
    })
    .await?;
    let mut form = FormData::from_multipart(visitor, multipart, &state.media, "poster").await?;
    let edit = editing
        .as_ref()
        .map(|(id, approved)| (id.as_str(), *approved));
    if let Some(refused) = form.file_error.take() {
        // A refused poster is shown on the form like any other mistake, with the rest kept.
        let mut errors = FieldErrors::default();
        errors.add("poster", lang.message(&refused.to_string()));
        let names = db::run(&state.pool, building_names).await?;
        let poster_media_id = form.text("poster_media_id");
        let kept = EventForm {
            form,
            poster_media_id,
        };
        return form_page(visitor, &kept, &errors, names, edit);
    }
    // "Remove the poster" drops the one kept from an earlier try (a new file replaces it anyway).
    let mut poster_media_id = if form.get("remove_poster") == Some("yes") {
        String::new()
    } else {
        form.text("poster_media_id")
    };
    if let Some((stored, name)) = form.file.take() {
        let uploader = user.clone();
        let library = organisation_id.clone();
        let (asset, _) = db::run(&state.pool, move |conn| {
            crate::db::transaction(conn, |conn| {
                add_to_library(conn, Some(&uploader), Some(library), stored, name)
            })
        })
        .await?;
        poster_media_id = asset.id;
    }
    let event_form = EventForm {
        form,
        poster_media_id,
    };
    let input = match event_form.to_input(lang, tz) {
        Ok(input) => input,
        Err(errors) => {
            let names = db::run(&state.pool, building_names).await?;
            return form_page(visitor, &event_form, &errors, names, edit);
        }
    };
    let checked_input = input.clone();
    let checker = user.clone();
    let poster_id = Some(event_form.poster_media_id.clone()).filter(|p| !p.is_empty());
    let requested: Vec<String> = input
        .requested_building_ids
        .iter()
        .map(Uuid::to_string)
        .collect();
    let outcome = db::run(&state.pool, move |conn| {
        let check = moderation::check_submission(conn, &checker, &checked_input);
        let organisation = crate::core::accounts::find_organisation(conn, &organisation_id)?;
        let poster_size = match &poster_id {
            Some(id) => moderation::poster_size(conn, id)?,
            None => None,
        };
        let video = poster_video_state(conn, poster_id.as_deref())?;
        let sizes = screen_sizes(conn, requested)?;
        Ok((check, organisation, (poster_size, video, sizes)))
    })
    .await?;
    let (check, organisation, poster_size): (Result<(), AppError>, OrganisationRow, _) = outcome;
    let (poster_size, video, sizes) = poster_size;
    if let Err(error) = check {
        let errors = FieldErrors::from_error(error, lang)?;
        let names = db::run(&state.pool, building_names).await?;
        return form_page(visitor, &event_form, &errors, names, edit);
    }
    let card_input = CardInput {
        title: &input.title,
        organiser: &organisation.name,
        category: input.category,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        venue: &input.venue,
        description: &input.description,
        link: input.link.as_deref(),
        poster_media_id: Some(event_form.poster_media_id.as_str()).filter(|p| !p.is_empty()),
        poster_size,
    };
    let mut card = preview::card(&card_input);
    card.with_video(card_input.poster_media_id, video.as_ref());
    let shapes = preview::shapes_of(lang, &sizes);
    let previews = preview::screens(&card_input, &shapes, tz, chrono::Utc::now());
    let (action, change_action) = match &editing {
        Some((id, _)) => (format!("/events/{id}"), format!("/events/{id}/edit")),
        None => ("/events".to_owned(), "/events/new".to_owned()),
    };
    render(
        visitor,
        &CheckPage {
            lang,
            frame: Frame::of(visitor),
            previews,
            card,
            action,
            change_action,
            editing: editing.is_some(),
            hidden: event_form.hidden(),
        },
    )
}

async fn check_new(
    state: web::Data<AppState>,
    visitor: Visitor,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let user = require_submitter(&state, &visitor).await?;
    check(&state, &visitor, user, multipart, None).await
}

/// Reads the check page's post into an event, or the form with what to fix.
async fn posted_event(
    state: &AppState,
    visitor: &Visitor,
    payload: web::Payload,
) -> Result<Result<EventInput, (EventForm, FieldErrors)>, AppError> {
    let form = FormData::posted(visitor, payload).await?;
    let poster_media_id = form.text("poster_media_id");
    let event_form = EventForm {
        form,
        poster_media_id,
    };
    Ok(
        match event_form.to_input(visitor.lang, state.settings.city_time_zone) {
            Ok(input) => Ok(input),
            Err(errors) => Err((event_form, errors)),
        },
    )
}

async fn submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let user = require_submitter(&state, &visitor).await?;
    let input = match posted_event(&state, &visitor, payload).await? {
        Ok(input) => input,
        Err((event_form, errors)) => {
            let names = db::run(&state.pool, building_names).await?;
            return form_page(&visitor, &event_form, &errors, names, None);
        }
    };
    let stored = input.clone();
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::submit(conn, &user, &stored))
    })
    .await;
    match result {
        Ok(event) => Ok(visitor.redirect(&format!("/events/{}?done=sent", event.id))),
        Err(error) => {
            let errors = FieldErrors::from_error(error, visitor.lang)?;
            let names = db::run(&state.pool, building_names).await?;
            let event_form = form_from_input(&input, state.settings.city_time_zone);
            form_page(&visitor, &event_form, &errors, names, None)
        }
    }
}

fn form_from_input(input: &EventInput, tz: Tz) -> EventForm {
    let event = Event {
        id: Uuid::nil(),
        organisation_id: Uuid::nil(),
        title: input.title.clone(),
        description: input.description.clone(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        venue: input.venue.clone(),
        category: input.category,
        target_audiences: input.target_audiences.clone(),
        link: input.link.clone(),
        poster_media_id: input.poster_media_id,
        requested_building_ids: input.requested_building_ids.clone(),
        status: EventStatus::Pending,
        approved_building_ids: Vec::new(),
        promotion_from: None,
        promotion_until: None,
        moderation_note: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    form_of(&event, tz)
}

/// The event a member may edit: their own, not withdrawn or expired.
async fn editable(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
) -> Result<(CurrentUser, Event), AppError> {
    let user = require_submitter(state, visitor).await?;
    let finder = user.clone();
    let event: Event = db::run(&state.pool, move |conn| {
        moderation::find_visible(conn, &finder, &id.to_string()).map(Event::from)
    })
    .await?;
    if matches!(event.status, EventStatus::Withdrawn | EventStatus::Expired) {
        return Err(AppError::Conflict(format!(
            "a {} event cannot be edited; submit a new one",
            event.status.as_str()
        )));
    }
    Ok((user, event))
}

async fn edit_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let (_, event) = editable(&state, &visitor, *id).await?;
    let names = db::run(&state.pool, building_names).await?;
    let event_form = form_of(&event, state.settings.city_time_zone);
    let id = event.id.to_string();
    let approved = event.status == EventStatus::Approved;
    form_page(
        &visitor,
        &event_form,
        &FieldErrors::default(),
        names,
        Some((&id, approved)),
    )
}

async fn edit_form_again(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (_, event) = editable(&state, &visitor, *id).await?;
    let form = FormData::posted(&visitor, payload).await?;
    let names = db::run(&state.pool, building_names).await?;
    let poster_media_id = form.text("poster_media_id");
    let event_form = EventForm {
        form,
        poster_media_id,
    };
    let id = event.id.to_string();
    form_page(
        &visitor,
        &event_form,
        &FieldErrors::default(),
        names,
        Some((&id, event.status == EventStatus::Approved)),
    )
}

async fn check_edit(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let (user, event) = editable(&state, &visitor, *id).await?;
    let approved = event.status == EventStatus::Approved;
    check(
        &state,
        &visitor,
        user,
        multipart,
        Some((event.id.to_string(), approved)),
    )
    .await
}

async fn save_edit(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (user, event) = editable(&state, &visitor, *id).await?;
    let approved = event.status == EventStatus::Approved;
    let id = event.id.to_string();
    let input = match posted_event(&state, &visitor, payload).await? {
        Ok(input) => input,
        Err((event_form, errors)) => {
            let names = db::run(&state.pool, building_names).await?;
            return form_page(&visitor, &event_form, &errors, names, Some((&id, approved)));
        }
    };
    let stored = input.clone();
    let event_id = id.clone();
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            moderation::edit(conn, &user, &event_id, &stored)
        })
    })
    .await;
    match result {
        Ok(_) => Ok(visitor.redirect(&format!("/events/{id}?done=saved"))),
        Err(error) => {
            let errors = FieldErrors::from_error(error, visitor.lang)?;
            let names = db::run(&state.pool, building_names).await?;
            let event_form = form_from_input(&input, state.settings.city_time_zone);
            form_page(&visitor, &event_form, &errors, names, Some((&id, approved)))
        }
    }
}

async fn withdraw(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.clone();
    let id = id.into_inner().to_string();
    let event_id = id.clone();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::withdraw(conn, &user, &event_id))
    })
    .await?;
    Ok(visitor.redirect(&format!("/events/{id}?done=withdrawn")))
}

async fn poster(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    crate::web::api::send_poster(&state, user, &req, id.to_string(), false).await
}

/// A video poster's screen rendition, for the preview.
async fn poster_video(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    crate::web::api::send_poster(&state, user, &req, id.to_string(), true).await
}

/// The sizes of the screens in `building_ids` (building name, width, height), for the preview.
fn screen_sizes(
    conn: &mut DbConnection,
    building_ids: Vec<String>,
) -> Result<Vec<(String, u32, u32)>, AppError> {
    use crate::db::schema::{buildings, screens};
    use diesel::prelude::*;
    if building_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = screens::table
        .inner_join(buildings::table)
        .filter(screens::building_id.eq_any(building_ids))
        .order((buildings::name, screens::name))
        .select((buildings::name, screens::width, screens::height))
        .load::<(String, i32, i32)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(name, w, h)| (name, w.max(0) as u32, h.max(0) as u32))
        .collect())
}

/// A video poster's rendition job, and its line for the page ("Screen version being made
/// (40%)"); `None` for an image or no poster.
fn poster_video_state(
    conn: &mut DbConnection,
    poster_id: Option<&str>,
) -> Result<Option<civicast_shared::api::media::RenditionJob>, AppError> {
    let Some(id) = poster_id else {
        return Ok(None);
    };
    crate::core::media::video::job_of_entry(conn, id)
}

pub(super) fn video_line(lang: Lang, job: &civicast_shared::api::media::RenditionJob) -> String {
    use civicast_shared::api::media::RenditionState;
    match job.state {
        RenditionState::Queued => lang.t("Video waiting for its screen version"),
        RenditionState::Running => {
            format!(
                "{} ({}%)",
                lang.t("Screen version being made"),
                job.progress
            )
        }
        RenditionState::Done => lang.t("Screen version ready"),
        RenditionState::Failed => format!(
            "{}: {}",
            lang.t("The screen version failed; upload the video again or in another format"),
            job.error.as_deref().unwrap_or_default()
        ),
    }
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    lang: Lang,
    frame: Frame,
    id: String,
    title: String,
    status: String,
    status_code: &'static str,
    organisation: String,
    when: String,
    placement: String,
    category: String,
    venue: String,
    description: String,
    link: Option<String>,
    /// The target audiences, in words; empty when none was chosen.
    audiences: String,
    /// The buildings the association asked for, by name.
    requested: String,
    /// The organisation's contact person and address, for staff with a question.
    contact: String,
    submitted: String,
    note: Option<String>,
    can_edit: bool,
    can_moderate: bool,
    previews: Vec<ScreenPreview>,
    card: CardView,
    /// A video poster's screen version: waiting, being made (percent), ready or failed (why).
    video_status: Option<String>,
    buildings: Vec<Choice>,
    promotion_from: String,
    promotion_until: String,
    /// Why the approve form was refused, beside its fields.
    approve_buildings_error: Option<String>,
    approve_from_error: Option<String>,
    approve_until_error: Option<String>,
    approve_other_errors: Vec<String>,
    history: Vec<HistoryLine>,
    /// Buildings ranked for the event's audiences, beside the approve form.
    suggestions: super::audience::Suggestions,
    /// While an event sent again after changes waits: what changed (moderation.rs).
    resubmission: Option<super::moderation::ResubmissionView>,
    /// Visits of its public agenda page, once it was approved (agenda.rs).
    public_visits: Option<i64>,
}

#[derive(Debug)]
struct HistoryLine {
    at: String,
    what: String,
    reason: Option<String>,
}

async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let notice_text = notice(visitor.lang, query.done.as_deref());
    event_page(
        &state,
        &visitor,
        id.into_inner().to_string(),
        notice_text,
        None,
    )
    .await
}

/// What staff typed in the approve form that was refused, and why, to show it again.
#[derive(Default)]
pub(super) struct ApproveTyped {
    pub building_ids: Vec<String>,
    pub promotion_from: String,
    pub promotion_until: String,
    pub errors: FieldErrors,
}

/// The event page; with `approve`, its approve form as it was posted, each mistake beside its
/// field (answered 422).
pub(super) async fn event_page(
    state: &AppState,
    visitor: &Visitor,
    id: String,
    notice_text: Option<String>,
    approve: Option<ApproveTyped>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let (event, organisation, names, decisions, poster_size) = db::run(&state.pool, move |conn| {
        let event = Event::from(moderation::find_visible(conn, &user, &id)?);
        let organisation =
            crate::core::accounts::find_organisation(conn, &event.organisation_id.to_string())?;
        let names = building_names(conn)?;
        let decisions = moderation::decisions(conn, &user, &id)?;
        let poster_size = match event.poster_media_id {
            Some(poster) => moderation::poster_size(conn, &poster.to_string())?,
            None => None,
        };
        let poster_id = event.poster_media_id.map(|p| p.to_string());
        let video = poster_video_state(conn, poster_id.as_deref())?;
        let resubmission = super::moderation::resubmission_view(conn, &user, &id, lang, tz)?;
        let shown_in = if event.approved_building_ids.is_empty() {
            &event.requested_building_ids
        } else {
            &event.approved_building_ids
        };
        let sizes = screen_sizes(conn, shown_in.iter().map(Uuid::to_string).collect())?;
        Ok((
            event,
            organisation,
            names,
            decisions,
            (poster_size, video, resubmission, sizes),
        ))
    })
    .await?;
    let (poster_size, video, resubmission, sizes) = poster_size;
    let public_visits = if matches!(event.status, EventStatus::Approved | EventStatus::Expired) {
        let event_id = event.id.to_string();
        Some(
            db::run(&state.pool, move |conn| {
                crate::core::agenda::visits(conn, &event_id)
            })
            .await?,
        )
    } else {
        None
    };
    let contact = format!(
        "{} <{}>",
        organisation.contact_name, organisation.contact_email
    );
    let organisation = organisation.name;
    let staff = visitor.user()?.is_staff();
    let open = !matches!(event.status, EventStatus::Withdrawn | EventStatus::Expired);
    let poster_id = event.poster_media_id.map(|p| p.to_string());
    let card_input = CardInput {
        title: &event.title,
        organiser: &organisation,
        category: event.category,
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        venue: &event.venue,
        description: &event.description,
        link: event.link.as_deref(),
        poster_media_id: poster_id.as_deref(),
        poster_size,
    };
    let mut card = preview::card(&card_input);
    card.with_video(poster_id.as_deref(), video.as_ref());
    let previews = preview::screens(
        &card_input,
        &preview::shapes_of(lang, &sizes),
        tz,
        chrono::Utc::now(),
    );
    let requested = names
        .iter()
        .filter(|(id, _)| {
            event
                .requested_building_ids
                .iter()
                .any(|r| r.to_string() == *id)
        })
        .map(|(_, name)| name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let chosen: Vec<String> = if event.approved_building_ids.is_empty() {
        event
            .requested_building_ids
            .iter()
            .map(Uuid::to_string)
            .collect()
    } else {
        event
            .approved_building_ids
            .iter()
            .map(Uuid::to_string)
            .collect()
    };
    let history = decisions
        .iter()
        .map(|d| HistoryLine {
            at: lang.datetime(d.decided_at, tz),
            what: lang.t(match d.decision {
                civicast_shared::api::events::DecisionKind::Approved => "Approved",
                civicast_shared::api::events::DecisionKind::Rejected => "Rejected",
                civicast_shared::api::events::DecisionKind::ChangesRequested => "Changes requested",
                civicast_shared::api::events::DecisionKind::Withdrawn => "Withdrawn",
                civicast_shared::api::events::DecisionKind::Expired => "Expired",
                civicast_shared::api::events::DecisionKind::Resubmitted => "Resubmitted",
            }),
            reason: d.reason.clone(),
        })
        .collect();
    let suggestions = if staff && open {
        super::audience::suggestions(state, lang, event.target_audiences.clone()).await?
    } else {
        super::audience::Suggestions::default()
    };
    let typed = approve.unwrap_or_default();
    let refused = !typed.errors.is_empty();
    let chosen = if refused {
        typed.building_ids.clone()
    } else {
        chosen
    };
    let page = EventPage {
        lang,
        frame: Frame::of(visitor).with_notice(notice_text),
        approve_buildings_error: typed.errors.take(&["building_ids"]),
        approve_from_error: typed.errors.take(&["promotion_from"]),
        approve_until_error: typed.errors.take(&["promotion_until"]),
        approve_other_errors: typed.errors.others(&[
            "building_ids",
            "promotion_from",
            "promotion_until",
        ]),
        id: event.id.to_string(),
        title: event.title.clone(),
        status: lang.status(event.status),
        status_code: event.status.as_str(),
        organisation,
        when: format!(
            "{} – {}",
            lang.datetime(event.starts_at, tz),
            lang.datetime(event.ends_at, tz)
        ),
        placement: placement(&event, &names, lang, tz),
        category: lang.category(event.category),
        venue: event.venue.clone(),
        description: event.description.clone(),
        link: event.link.clone(),
        audiences: event
            .target_audiences
            .iter()
            .map(|a| lang.audience(*a))
            .collect::<Vec<_>>()
            .join(", "),
        requested,
        contact,
        submitted: lang.datetime(event.created_at, tz),
        note: match event.status {
            EventStatus::Rejected | EventStatus::ChangesRequested | EventStatus::Expired => event
                .moderation_note
                .as_deref()
                .map(|note| lang.message(note)),
            _ => None,
        },
        can_edit: !staff && open,
        can_moderate: staff && open,
        previews,
        video_status: card.video_state.as_ref().map(|job| video_line(lang, job)),
        card,
        buildings: Choice::from_rows(names, |id| chosen.iter().any(|c| c == id)),
        promotion_from: if refused {
            typed.promotion_from.clone()
        } else {
            local_value(
                event
                    .promotion_from
                    .unwrap_or(event.starts_at - DEFAULT_PROMOTION_LEAD),
                tz,
            )
        },
        promotion_until: if refused {
            typed.promotion_until.clone()
        } else {
            local_value(event.promotion_until.unwrap_or(event.ends_at), tz)
        },
        history,
        suggestions,
        resubmission,
        public_visits,
    };
    let mut response = render(visitor, &page)?;
    if refused {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_times_are_read_in_the_city_time_zone() {
        let brussels = chrono_tz::Europe::Brussels;
        let at = parse_local_time("2026-12-20T19:30", brussels).unwrap();
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 12, 20, 18, 30, 0).unwrap());
        assert_eq!(parse_local_time("2026-12-20 19:30", brussels), Some(at));
        assert_eq!(parse_local_time("20/12/2026", brussels), None);
    }

    #[test]
    fn only_known_notices_are_shown() {
        assert!(notice(Lang::En, Some("sent")).is_some());
        assert!(notice(Lang::En, Some("<script>")).is_none());
    }
}
