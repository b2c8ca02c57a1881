//! Pairing with no vendor service in between: a player without a token asks for a code and shows
//! it full screen; staff type the code into the CMS and pick the screen or building; the player,
//! polling with a secret only it knows, collects its device token once.

use actix_web::{HttpResponse, get, post, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::{
    PAIRING_SECRET_LENGTH, PairingClaim, PairingRequest, PairingState, PairingStatus, PairingTicket,
};
use civicast_shared::api::places::Screen;
use diesel::prelude::*;

use crate::core::auth::token;
use crate::core::places::pairing::{
    MAX_OPEN_PAIRINGS, PAIRING_LIFETIME_MINUTES, claim_code, delete_expired, new_code, new_secret,
};
use crate::db::models::PairingRequestRow;
use crate::db::schema::pairing_requests;
use crate::db::{self};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

/// A player without a token asks for a code to show on screen. No authentication: the code is
/// worth nothing until staff, signed in, claim it.
#[utoipa::path(
    tag = "screen device",
    request_body = PairingRequest,
    responses(
        (status = 201, body = PairingTicket),
        (status = 422, body = ErrorBody),
        (status = 503, description = "too many codes are waiting", body = ErrorBody),
    ),
)]
#[post("/pairing")]
pub(super) async fn request_pairing(
    state: web::Data<AppState>,
    body: web::Json<PairingRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let secret = new_secret();
    let secret_hash = token::hash(&secret);
    let ticket = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            delete_expired(conn)?;
            let open = pairing_requests::table.count().get_result::<i64>(conn)?;
            if open >= MAX_OPEN_PAIRINGS {
                return Err(AppError::Unavailable(
                    "too many pairing codes are waiting; try again in a few minutes".into(),
                ));
            }
            let now = db::now();
            let expires_at = now + chrono::Duration::minutes(PAIRING_LIFETIME_MINUTES);
            let mut code = new_code();
            for _ in 0..8 {
                let taken = pairing_requests::table
                    .find(&code)
                    .count()
                    .get_result::<i64>(conn)?;
                if taken == 0 {
                    break;
                }
                code = new_code();
            }
            diesel::insert_into(pairing_requests::table)
                .values(&PairingRequestRow {
                    code: code.clone(),
                    secret_hash,
                    width: i32::try_from(request.width).unwrap_or(i32::MAX),
                    height: i32::try_from(request.height).unwrap_or(i32::MAX),
                    player_version: request.player_version.trim().to_owned(),
                    screen_id: None,
                    screen_token: None,
                    created_at: now,
                    expires_at,
                })
                .execute(conn)?;
            Ok(PairingTicket {
                code,
                secret,
                expires_at: expires_at.and_utc(),
            })
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(ticket))
}

/// The player polls with its secret; once staff claimed the code, the answer carries the screen's
/// device token, and only this once.
#[utoipa::path(
    tag = "screen device",
    params(("secret" = String, Path, description = "the secret from the pairing ticket")),
    responses(
        (status = 200, body = PairingState),
        (status = 404, description = "unknown or expired: ask for a new code", body = ErrorBody),
    ),
)]
#[get("/pairing/{secret}")]
pub(super) async fn poll_pairing(
    state: web::Data<AppState>,
    secret: web::Path<String>,
) -> Result<web::Json<PairingState>, AppError> {
    let secret = secret.into_inner();
    let gone = || {
        AppError::NotFound("this pairing code is unknown or has expired: ask for a new one".into())
    };
    if secret.len() != PAIRING_SECRET_LENGTH {
        return Err(gone());
    }
    let secret_hash = token::hash(&secret);
    let answer = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let row = pairing_requests::table
                .filter(pairing_requests::secret_hash.eq(&secret_hash))
                .filter(pairing_requests::expires_at.gt(db::now()))
                .select(PairingRequestRow::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(gone)?;
            let (Some(screen_id), Some(screen_token)) = (row.screen_id, row.screen_token) else {
                return Ok(PairingState {
                    status: PairingStatus::Pending,
                    screen_id: None,
                    token: None,
                });
            };
            diesel::delete(pairing_requests::table.find(&row.code)).execute(conn)?;
            Ok(PairingState {
                status: PairingStatus::Paired,
                screen_id: Some(db::models::stored_id(&screen_id)),
                token: Some(screen_token),
            })
        })
    })
    .await?;
    Ok(web::Json(answer))
}

/// Staff enter the code shown on a screen, onto a registered screen or as a new screen in a
/// building; the player then collects its token with its next poll.
#[utoipa::path(
    tag = "screen device",
    request_body = PairingClaim,
    responses(
        (status = 200, body = Screen),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no screen shows this code", body = ErrorBody),
        (status = 409, description = "the code was already entered", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/pairing/claim")]
pub(super) async fn claim_pairing(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PairingClaim>,
) -> Result<web::Json<Screen>, AppError> {
    let claim = body.into_inner();
    let screen = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| claim_code(conn, &user, &claim))
    })
    .await?;
    Ok(web::Json(screen))
}
