//! Staff's emergency page: put a message on every screen or one building's at once, see what
//! is on screen, and clear it. A message to every screen is confirmed first; a mistake in the
//! form is shown beside its field with what was typed kept.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::emergency::EmergencyInput;
use diesel::prelude::*;
use uuid::Uuid;

use super::confirm::{self, Confirmation};
use super::events::{DoneQuery, notice};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, FieldErrors, Frame, render};
use crate::core::emergency;
use crate::core::places::buildings::names as building_names;
use crate::db;
use crate::db::schema::media_assets;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/emergency", web::get().to(page))
        .route("/emergency", web::post().to(post))
        .route("/emergency/{id}/clear", web::post().to(clear));
}

#[derive(Debug)]
struct ActiveLine {
    id: String,
    text: String,
    where_: String,
    since: String,
}

#[derive(Template)]
#[template(path = "emergency.html")]
struct EmergencyPage {
    lang: Lang,
    frame: Frame,
    active: Vec<ActiveLine>,
    buildings: Vec<Choice>,
    /// Images of the city's library, newest first.
    images: Vec<Choice>,
    /// The text typed, kept when the form comes back with a mistake.
    text: String,
    text_error: Option<String>,
    building_error: Option<String>,
    image_error: Option<String>,
    other_errors: Vec<String>,
}

/// What the form had, and what to fix in it.
#[derive(Default)]
struct Typed {
    text: String,
    building_id: String,
    media_id: String,
    errors: FieldErrors,
}

async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let notice_text = notice(visitor.lang, query.done.as_deref());
    show(&state, &visitor, notice_text, Typed::default()).await
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    notice_text: Option<String>,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let (active, names, images) = db::run(&state.pool, |conn| {
        let images: Vec<(String, String)> = media_assets::table
            .filter(media_assets::organisation_id.is_null())
            .order(media_assets::created_at.desc())
            .limit(100)
            .select((media_assets::id, media_assets::original_name))
            .load(conn)?;
        Ok((emergency::active(conn)?, building_names(conn)?, images))
    })
    .await?;
    let active = active
        .into_iter()
        .rev()
        .map(|m| ActiveLine {
            id: m.id.to_string(),
            where_: match m.building_id {
                None => lang.t("Every screen"),
                Some(building) => names
                    .iter()
                    .find(|(id, _)| *id == building.to_string())
                    .map_or_else(String::new, |(_, name)| name.clone()),
            },
            since: lang.datetime(m.created_at, tz),
            text: m.text,
        })
        .collect();
    let errors = &typed.errors;
    let mut response = render(
        visitor,
        &EmergencyPage {
            lang,
            frame: Frame::of(visitor).with_notice(notice_text),
            active,
            buildings: Choice::from_rows(names, |id| id == typed.building_id),
            images: Choice::from_rows(images, |id| id == typed.media_id),
            text: typed.text.clone(),
            text_error: errors.take(&["text"]),
            building_error: errors.take(&["building_id"]),
            image_error: errors.take(&["media_id"]),
            other_errors: errors.others(&["text", "building_id", "media_id"]),
        },
    )?;
    if !errors.is_empty() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn post(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let lang = visitor.lang;
    let mut typed = Typed {
        text: form.text("text"),
        building_id: form.text("building_id").trim().to_owned(),
        media_id: form.text("media_id").trim().to_owned(),
        errors: FieldErrors::default(),
    };
    let building_id = match typed.building_id.as_str() {
        "" => None,
        id => Uuid::parse_str(id).ok().or_else(|| {
            typed
                .errors
                .add("building_id", lang.t("choose a building from the list"));
            None
        }),
    };
    let media_id = match typed.media_id.as_str() {
        "" => None,
        id => Uuid::parse_str(id).ok().or_else(|| {
            typed
                .errors
                .add("media_id", lang.t("choose an image from the list"));
            None
        }),
    };
    let input = EmergencyInput {
        text: typed.text.clone(),
        building_id,
        media_id,
    };
    if let Err(rules) = civicast_shared::Validate::validate(&input) {
        for error in rules.0 {
            typed.errors.add(&error.field, lang.message(&error.message));
        }
    }
    if !typed.errors.is_empty() {
        return show(&state, &visitor, None, typed).await;
    }
    if input.building_id.is_none() && !confirm::is_confirmed(&form) {
        return confirm::ask(
            &visitor,
            Confirmation {
                title: lang.t("Show this message on every screen?"),
                consequences: vec![
                    format!("{}: “{}”", lang.t("Text"), input.text.trim()),
                    lang.t("Every screen in every building stops its playlist and shows this message at once."),
                    lang.t("It stays until someone clears it on this page."),
                ],
                action: "/emergency".into(),
                fields: form.fields(),
                button: lang.t("Show on every screen now"),
                back: "/emergency".into(),
            },
        );
    }
    let stored = input.clone();
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| emergency::post(conn, &user, &stored))
    })
    .await;
    if let Err(error) = result {
        typed.errors = FieldErrors::from_error(error, lang)?;
        return show(&state, &visitor, None, typed).await;
    }
    crate::core::emergency::publish_active(&state.pool, &state.push).await?;
    Ok(visitor.redirect("/emergency?done=emergency"))
}

async fn clear(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let id = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| emergency::clear(conn, &user, &id))
    })
    .await?;
    crate::core::emergency::publish_active(&state.pool, &state.push).await?;
    Ok(visitor.redirect("/emergency?done=cleared"))
}
