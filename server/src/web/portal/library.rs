//! The media library: every file with its thumbnail, name, size, kind, who uploaded it and where
//! it is used (events' posters, playlist items, emergency messages); a file nobody uses can be
//! deleted, after a confirmation. Staff see every library; an association member their own.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

use super::admin::done_notice;
use super::confirm::{self, Confirmation};
use super::events::DoneQuery;
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Frame, render};
use crate::core::media::library::{self, LibraryEntry};
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/library", web::get().to(library_page))
        .route("/library/{id}/thumbnail", web::get().to(thumbnail))
        .route("/library/{id}/delete", web::post().to(delete_file));
}

#[derive(Debug)]
struct FileLine {
    id: String,
    name: String,
    size: String,
    video: bool,
    dimensions: String,
    uploaded: String,
    uploaded_by: String,
    organisation: String,
    /// (event id, title) of the events it is the poster of.
    events: Vec<(String, String)>,
    /// "Library (2)": the buildings whose playlists show it, with how many items.
    buildings: Vec<String>,
    emergency_messages: i64,
    kiosk_maps: Vec<String>,
    used: bool,
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    lang: Lang,
    frame: Frame,
    files: Vec<FileLine>,
    staff: bool,
    /// Whether the list stops at the newest files.
    cut: bool,
}

/// "1.4 MB", "820 kB".
fn size(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} kB", (bytes + 999) / 1000)
    }
}

/// "Library (2)" for each building, in the order first met.
fn buildings_of(items: &[String]) -> Vec<String> {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for building in items {
        match counted.iter_mut().find(|(name, _)| name == building) {
            Some((_, n)) => *n += 1,
            None => counted.push((building.clone(), 1)),
        }
    }
    counted
        .into_iter()
        .map(|(name, n)| if n > 1 { format!("{name} ({n})") } else { name })
        .collect()
}

fn line(lang: Lang, tz: chrono_tz::Tz, entry: LibraryEntry) -> FileLine {
    let used = entry.is_used();
    let row = entry.row;
    FileLine {
        size: size(row.size_bytes),
        video: row.duration_ms.is_some(),
        dimensions: format!("{} × {}", row.width, row.height),
        uploaded: lang.datetime(row.created_at.and_utc(), tz),
        uploaded_by: entry.uploaded_by.unwrap_or_else(|| "—".to_owned()),
        organisation: entry.organisation.unwrap_or_else(|| lang.t("The city")),
        buildings: buildings_of(&entry.items),
        events: entry.events,
        emergency_messages: entry.emergency_messages,
        kiosk_maps: entry.kiosk_maps,
        used,
        id: row.id,
        name: row.original_name,
    }
}

async fn library_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.0.clone();
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let staff = user.is_staff();
    let entries = db::run(&state.pool, move |conn| library::list(conn, &user)).await?;
    let cut = entries.len() >= usize::try_from(library::LIBRARY_PAGE).unwrap_or(usize::MAX);
    render(
        &visitor,
        &LibraryPage {
            lang,
            frame: Frame::of(&visitor).with_notice(done_notice(lang, query.done.as_deref())),
            files: entries.into_iter().map(|e| line(lang, tz, e)).collect(),
            staff,
            cut,
        },
    )
}

async fn thumbnail(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    crate::web::api::send_thumbnail(&state, user, &req, id.into_inner().to_string()).await
}

async fn delete_file(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    let (id, lang) = (id.into_inner(), visitor.lang);
    let key = id.to_string();
    if !confirm::is_confirmed(&form) {
        let who = user.clone();
        let entry = db::run(&state.pool, move |conn| {
            let row = library::find_visible(conn, &who, &key)?;
            Ok(library::describe(conn, vec![row])?.remove(0))
        })
        .await?;
        let consequences = if entry.is_used() {
            vec![lang.t("This file is in use: it cannot be deleted until nothing uses it.")]
        } else {
            vec![
                lang.t(
                    "The file leaves the library; no event, playlist or emergency message uses it.",
                ),
                lang.t("This cannot be undone."),
            ]
        };
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {}?", lang.t("Delete"), entry.row.original_name),
                consequences,
                action: format!("/library/{id}/delete"),
                fields: form.fields(),
                button: lang.t("Delete the file"),
                back: "/library".to_owned(),
            },
        );
    }
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| library::delete_unused(conn, &user, &key))
    })
    .await;
    match result {
        Ok(()) => Ok(visitor.redirect("/library?done=media_deleted")),
        // Used since the page was shown: the list says where.
        Err(AppError::Conflict(_)) => Ok(visitor.redirect("/library")),
        Err(other) => Err(other),
    }
}
