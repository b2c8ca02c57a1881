//! The signed-in user's notifications (the in-app inbox) and their choices of how they are told;
//! for administrators, the e-mail outbox and a test e-mail.

use actix_web::{HttpResponse, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::accounts::Language;
use civicast_shared::api::notifications::{Inbox, Notification, Outbox, Preferences, TestMail};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::notify::inbox::{self, Stored};
use crate::core::notify::messages::{Context, render};
use crate::core::notify::{self, Notice, outbox};
use crate::db::{self, models::stored_id};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(read_all)
        .service(read_one)
        .service(get_preferences)
        .service(put_preferences)
        .service(get_outbox)
        .service(send_test);
}

/// A stored notification in `language`.
pub(crate) fn written(stored: Stored, language: Language, context: &Context) -> Notification {
    let message = render(&stored.notice, language, context);
    Notification {
        id: stored_id(&stored.id),
        kind: stored.kind,
        subject: message.subject,
        body: message.paragraphs.join("\n"),
        link: message.action.1,
        created_at: stored.created_at,
        read_at: stored.read_at,
    }
}

async fn language_of(state: &AppState, user: &CurrentUser) -> Result<Language, AppError> {
    let id = user.id.to_string();
    Ok(
        db::run(&state.pool, move |conn| notify::recipient(conn, &id))
            .await?
            .language,
    )
}

/// The newest 100 notifications, in the user's language, and how many are unread.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = Inbox), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/notifications")]
async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Inbox>, AppError> {
    let id = user.id.to_string();
    let (language, unread, stored) = db::run(&state.pool, move |conn| {
        Ok((
            notify::recipient(conn, &id)?.language,
            inbox::unread_count(conn, &id)?,
            inbox::list(conn, &id, 100)?,
        ))
    })
    .await?;
    let context = Context::from_settings(&state.settings);
    Ok(web::Json(Inbox {
        unread,
        notifications: stored
            .into_iter()
            .map(|s| written(s, language, &context))
            .collect(),
    }))
}

/// Marks one notification read.
#[utoipa::path(
    tag = "notifications",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Notification), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/notifications/{id}/read")]
async fn read_one(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Notification>, AppError> {
    let language = language_of(&state, &user).await?;
    let (user_id, id) = (user.id.to_string(), id.into_inner().to_string());
    let stored = db::run(&state.pool, move |conn| {
        inbox::mark_read(conn, &user_id, &id)
    })
    .await?;
    Ok(web::Json(written(
        stored,
        language,
        &Context::from_settings(&state.settings),
    )))
}

/// Marks every notification read.
#[utoipa::path(
    tag = "notifications",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/notifications/read")]
async fn read_all(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let user_id = user.id.to_string();
    db::run(&state.pool, move |conn| {
        inbox::mark_all_read(conn, &user_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How the user is told of each kind of notification they receive.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/notifications/preferences")]
async fn get_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Preferences>, AppError> {
    let (id, role) = (user.id.to_string(), user.role);
    let preferences = db::run(&state.pool, move |conn| {
        notify::preferences(conn, &id, role)
    })
    .await?;
    Ok(web::Json(Preferences { preferences }))
}

/// Changes how the user is told of the kinds listed (the others keep their setting).
#[utoipa::path(
    tag = "notifications",
    request_body = Preferences,
    responses(
        (status = 200, body = Preferences),
        (status = 422, description = "a kind this user does not receive", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/notifications/preferences")]
async fn put_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<Preferences>,
) -> Result<web::Json<Preferences>, AppError> {
    let (id, role) = (user.id.to_string(), user.role);
    let chosen = body.into_inner().preferences;
    let preferences = db::run(&state.pool, move |conn| {
        notify::set_preferences(conn, &id, role, &chosen)
    })
    .await?;
    Ok(web::Json(Preferences { preferences }))
}

/// The outbox for administrators: counts per status and the newest 200 e-mails, with the SMTP
/// server's answer where one failed.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = Outbox), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/mail/outbox")]
async fn get_outbox(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Outbox>, AppError> {
    user.require_admin()?;
    Ok(web::Json(outbox_overview(&state, 200).await?))
}

pub(crate) async fn outbox_overview(state: &AppState, limit: i64) -> Result<Outbox, AppError> {
    let configured = state.settings.smtp_url.is_some();
    let context = Context::from_settings(&state.settings);
    db::run(&state.pool, move |conn| {
        outbox::overview(conn, configured, limit, |notice, language| {
            render(notice, language, &context).subject
        })
    })
    .await
}

/// Puts a test e-mail into the outbox for `to`, in the administrator's language.
#[utoipa::path(
    tag = "notifications",
    request_body = TestMail,
    responses((status = 202), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/mail/test")]
async fn send_test(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<TestMail>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let request = body.into_inner();
    request.validate()?;
    let language = language_of(&state, &user).await?;
    queue_test_mail(&state, request.to, language).await?;
    Ok(HttpResponse::Accepted().finish())
}

pub(crate) async fn queue_test_mail(
    state: &AppState,
    to: String,
    language: Language,
) -> Result<(), AppError> {
    db::run(&state.pool, move |conn| {
        notify::mail_to(conn, to.trim(), language, None, &Notice::Test)
    })
    .await
}
