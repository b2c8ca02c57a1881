//! The media library over HTTP: uploads as a raw request body, listing, metadata and download
//! of files and their renditions.
//! Association members see only their organisation's files.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use std::collections::HashMap;

use civicast_shared::api::media::{MediaAsset, MediaRendition, RenditionKind, VideoInfo};
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::core::media::add_to_library;
use crate::db::models::{MediaAssetRow, stored_opt_id};
use crate::db::schema::{media_assets, media_renditions};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_media)
        .service(upload_media)
        .service(get_media)
        .service(media_content)
        .service(media_rendition)
        .service(delete_media);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// The file's name as the user knows it (shown in the library, never used as a path).
    filename: Option<String>,
    /// The organisation whose library receives the file (staff only; members upload to their own).
    organisation_id: Option<Uuid>,
}

/// Refuses names that try to act as paths, so that no later code is tempted to trust them.
/// A file name as the library shows it: direction controls and other invisible characters are
/// stripped (so "poster\u{202E}gnp.exe" cannot pass for a PNG), folders and controls refused.
fn check_filename(name: &str) -> Result<String, AppError> {
    let name = civicast_shared::validation::clean(name);
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("filename", "must be 1 to 200 characters"));
    }
    if name.contains(['/', '\\'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control)
    {
        return Err(AppError::invalid(
            "filename",
            "must be a plain file name without folders, slashes or control characters",
        ));
    }
    Ok(name.to_owned())
}

fn find_visible(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> Result<MediaAssetRow, AppError> {
    let not_found = || AppError::NotFound(format!("no media with id {id}"));
    let row = media_assets::table
        .find(id)
        .select(MediaAssetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    if !user.can_access_organisation(stored_opt_id(row.organisation_id.as_deref())) {
        return Err(not_found());
    }
    Ok(row)
}

/// The library entries of `rows` with their renditions.
fn with_renditions(
    conn: &mut DbConnection,
    rows: Vec<MediaAssetRow>,
) -> Result<Vec<MediaAsset>, AppError> {
    let sources: Vec<&str> = rows.iter().map(|row| row.sha256.as_str()).collect();
    // kind, sha256, width, height, size: by the original's sha256.
    type Made = (String, String, i32, i32, i64);
    let mut renditions: HashMap<String, Vec<Made>> = HashMap::new();
    for (source, kind, sha256, width, height, size) in media_renditions::table
        .filter(media_renditions::source_sha256.eq_any(&sources))
        .order((media_renditions::source_sha256, media_renditions::kind))
        .select((
            media_renditions::source_sha256,
            media_renditions::kind,
            media_renditions::sha256,
            media_renditions::width,
            media_renditions::height,
            media_renditions::size_bytes,
        ))
        .load::<(String, String, String, i32, i32, i64)>(conn)?
    {
        renditions
            .entry(source)
            .or_default()
            .push((kind, sha256, width, height, size));
    }
    let videos: Vec<&str> = rows
        .iter()
        .filter(|row| row.duration_ms.is_some())
        .map(|row| row.sha256.as_str())
        .collect();
    let mut jobs = crate::core::media::video::jobs_of(conn, &videos)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let made = renditions.remove(&row.sha256).unwrap_or_default();
            let id = row.id.clone();
            let video = row.duration_ms.map(|duration_ms| VideoInfo {
                duration_ms: u32::try_from(duration_ms).unwrap_or_default(),
                frame_rate: row.frame_rate.unwrap_or_default(),
                video_codec: row.video_codec.clone().unwrap_or_default(),
                audio_codec: row.audio_codec.clone(),
                rendition: jobs.remove(&row.sha256).unwrap_or(
                    civicast_shared::api::media::RenditionJob {
                        state: civicast_shared::api::media::RenditionState::Queued,
                        progress: 0,
                        error: None,
                    },
                ),
            });
            let mut asset = MediaAsset::from(row);
            asset.video = video;
            asset.renditions = made
                .into_iter()
                .filter_map(|(kind, sha256, width, height, size)| {
                    let kind = RenditionKind::parse(&kind)?;
                    Some(MediaRendition {
                        content_url: format!("/api/v1/media/{id}/renditions/{kind}"),
                        kind,
                        sha256,
                        width: u32::try_from(width).unwrap_or_default(),
                        height: u32::try_from(height).unwrap_or_default(),
                        size_bytes: u64::try_from(size).unwrap_or_default(),
                    })
                })
                .collect();
            asset
        })
        .collect())
}

#[utoipa::path(
    tag = "media",
    params(PageQuery),
    responses((status = 200, body = Page<MediaAsset>)),
    security(("bearer" = [])),
)]
#[get("/media")]
async fn list_media(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<MediaAsset>>, AppError> {
    let paging = Paging::from_query(query.into_inner())?;
    let page = db::run(&state.pool, move |conn| {
        let visible = || {
            let mut q = media_assets::table.into_boxed();
            if !user.is_staff() {
                let own = user
                    .organisation_id
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                q = q.filter(media_assets::organisation_id.eq(own));
            }
            q
        };
        let total = visible().count().get_result::<i64>(conn)?;
        let rows = visible()
            .order(media_assets::created_at.desc())
            .limit(paging.limit())
            .offset(paging.offset())
            .select(MediaAssetRow::as_select())
            .load::<MediaAssetRow>(conn)?;
        Ok(paging.page(with_renditions(conn, rows)?, total))
    })
    .await?;
    Ok(web::Json(page))
}

/// Uploads a JPEG, PNG or WebP image, or an MP4, WebM or MOV video (H.264, H.265, VP9 or AV1,
/// up to 8K), as the raw request body. The type is checked from the content; an image must
/// decode completely and stay within the size limits; a video is read with ffprobe, gets a
/// still frame and thumbnail at once and its screen renditions from a background job (see
/// `video.rendition`). Uploading the same file again to the same library returns the existing
/// entry (200).
#[utoipa::path(
    tag = "media",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, body = MediaAsset),
        (status = 200, description = "the library already holds this file", body = MediaAsset),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/media")]
async fn upload_media(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let original_name = match &query.filename {
        Some(name) => check_filename(name)?,
        None => "upload".to_owned(),
    };
    let organisation_id = if user.is_staff() {
        query.organisation_id
    } else {
        query.organisation_id.or(user.organisation_id)
    };
    let declared_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (uploader, library) = ((*user).clone(), organisation_id.map(|id| id.to_string()));
    db::run(&state.pool, move |conn| {
        crate::core::media::check_may_upload(conn, &uploader, library.as_deref())
    })
    .await?;
    let stored = state
        .media
        .receive(declared_type, declared_length, payload)
        .await?;
    let (asset, created) = db::run(&state.pool, move |conn| {
        let (row, created) = crate::db::transaction(conn, |conn| {
            let organisation = organisation_id.map(|id| id.to_string());
            add_to_library(conn, Some(&user), organisation, stored, original_name)
        })?;
        let asset = with_renditions(conn, vec![row])?.remove(0);
        Ok((asset, created))
    })
    .await?;
    Ok(if created {
        HttpResponse::Created().json(asset)
    } else {
        HttpResponse::Ok().json(asset)
    })
}

#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MediaAsset), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/media/{id}")]
async fn get_media(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<MediaAsset>, AppError> {
    let id = id.into_inner().to_string();
    let asset = db::run(&state.pool, move |conn| {
        let row = find_visible(conn, &user, &id)?;
        Ok(with_renditions(conn, vec![row])?.remove(0))
    })
    .await?;
    Ok(web::Json(asset))
}

/// The file itself, with ETag, Range and long-lived cache headers (content never changes).
#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        (status = 206, description = "a requested range"),
        (status = 304, description = "unchanged since the client's copy"),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/media/{id}/content")]
async fn media_content(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    send_content(&state, user, &req, id.into_inner().to_string()).await
}

/// A rendition of the file, as the entry's `renditions` list them: `screen_1080p` and
/// `thumbnail` (JPEG) of an image; `poster_frame`, `thumbnail` (JPEG), `screen_1080p` and
/// `screen_1080p_sound` (MP4) of a video.
#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path), ("kind" = RenditionKind, Path)),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "unchanged since the client's copy"),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/media/{id}/renditions/{kind}")]
async fn media_rendition(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, kind) = path.into_inner();
    let kind = RenditionKind::parse(&kind).ok_or_else(|| {
        AppError::NotFound(format!(
            "no rendition kind {kind:?}: use screen_1080p, thumbnail, poster_frame or \
             screen_1080p_sound"
        ))
    })?;
    let id = id.to_string();
    let (sha256, content_type) = db::run(&state.pool, move |conn| {
        let row = find_visible(conn, &user, &id)?;
        media_renditions::table
            .find((&row.sha256, kind.as_str()))
            .select((media_renditions::sha256, media_renditions::content_type))
            .first::<(String, String)>(conn)
            .optional()?
            .ok_or_else(|| {
                AppError::NotFound(if row.duration_ms.is_some() {
                    format!("this video has no {kind} rendition (yet)")
                } else {
                    format!("this image has no {kind} rendition (it is small enough as it is)")
                })
            })
    })
    .await?;
    send_file(&req, state.media.local_file(&sha256).await?, &content_type).await
}

/// Removes a library entry that no event, playlist item or emergency message uses any more.
#[utoipa::path(
    tag = "media",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[delete("/media/{id}")]
async fn delete_media(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::media::library::delete_unused(conn, &user, &id)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a library file the user may see, cached privately for good (its id never changes
/// content); the portal shows posters through this too.
pub(crate) async fn send_content(
    state: &AppState,
    user: CurrentUser,
    req: &HttpRequest,
    id: String,
) -> Result<HttpResponse, AppError> {
    let row = db::run(&state.pool, move |conn| find_visible(conn, &user, &id)).await?;
    send_file(
        req,
        state.media.local_file(&row.sha256).await?,
        &row.content_type,
    )
    .await
}

/// A poster as the portal shows it: an image as it is; a video's still frame, or with
/// `moving` its screen rendition (404 until it is ready).
pub(crate) async fn send_poster(
    state: &AppState,
    user: CurrentUser,
    req: &HttpRequest,
    id: String,
    moving: bool,
) -> Result<HttpResponse, AppError> {
    let (sha256, content_type) = db::run(&state.pool, move |conn| {
        let row = find_visible(conn, &user, &id)?;
        if row.duration_ms.is_none() {
            return if moving {
                Err(AppError::NotFound("this poster is an image".into()))
            } else {
                Ok((row.sha256, row.content_type))
            };
        }
        let kind = if moving {
            RenditionKind::Screen1080p
        } else {
            RenditionKind::PosterFrame
        };
        media_renditions::table
            .find((&row.sha256, kind.as_str()))
            .select((media_renditions::sha256, media_renditions::content_type))
            .first::<(String, String)>(conn)
            .optional()?
            .ok_or_else(|| AppError::NotFound("the video's screen version is not ready yet".into()))
    })
    .await?;
    send_file(req, state.media.local_file(&sha256).await?, &content_type).await
}

/// A library file's thumbnail as the portal's library shows it: the thumbnail made at upload,
/// else (an image small enough as it is) the image itself, else a video's still frame.
pub(crate) async fn send_thumbnail(
    state: &AppState,
    user: CurrentUser,
    req: &HttpRequest,
    id: String,
) -> Result<HttpResponse, AppError> {
    let (sha256, content_type) = db::run(&state.pool, move |conn| {
        let row = find_visible(conn, &user, &id)?;
        for kind in [RenditionKind::Thumbnail, RenditionKind::PosterFrame] {
            if let Some(found) = media_renditions::table
                .find((&row.sha256, kind.as_str()))
                .select((media_renditions::sha256, media_renditions::content_type))
                .first::<(String, String)>(conn)
                .optional()?
            {
                return Ok(found);
            }
        }
        if row.duration_ms.is_some() {
            return Err(AppError::NotFound("this video has no still yet".into()));
        }
        Ok((row.sha256, row.content_type))
    })
    .await?;
    send_file(req, state.media.local_file(&sha256).await?, &content_type).await
}

/// A stored file with ETag, Range and long-lived cache headers (content never changes).
async fn send_file(
    req: &HttpRequest,
    path: std::path::PathBuf,
    content_type: &str,
) -> Result<HttpResponse, AppError> {
    let shown = path.display().to_string();
    let file = web::block(move || actix_files::NamedFile::open(path))
        .await?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("media file {shown} is missing: {e}")))?;
    let mime: mime::Mime = content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut response = file
        .set_content_type(mime)
        .disable_content_disposition()
        .into_response(req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        CacheControl(vec![
            CacheDirective::Private,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ])
        .to_string()
        .parse()
        .expect("a valid header value"),
    );
    Ok(response)
}
