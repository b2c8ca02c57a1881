//! Staff's emergency page: put a message on every screen or one building's at once, see what
//! is on screen, and clear it.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::emergency::EmergencyInput;
use diesel::prelude::*;
use uuid::Uuid;

use super::events::{DoneQuery, notice};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, Frame, render};
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
}

async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
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
    render(
        &visitor,
        &EmergencyPage {
            lang,
            frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
            active,
            buildings: Choice::from_rows(names, |_| false),
            images: Choice::from_rows(images, |_| false),
        },
    )
}

async fn post(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let building = form.text("building_id");
    let image = form.text("media_id");
    let input = EmergencyInput {
        text: form.text("text"),
        building_id: match building.trim() {
            "" => None,
            id => Some(
                Uuid::parse_str(id)
                    .map_err(|_| AppError::invalid("building_id", "is not a building id"))?,
            ),
        },
        media_id: match image.trim() {
            "" => None,
            id => Some(
                Uuid::parse_str(id)
                    .map_err(|_| AppError::invalid("media_id", "is not an image id"))?,
            ),
        },
    };
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| emergency::post(conn, &user, &input))
    })
    .await?;
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
