//! Pairing with no vendor service in between: a player without a token asks for a code and shows
//! it full screen; staff type the code into the CMS and pick the screen or building; the player,
//! polling with a secret only it knows, collects its device token once.

use actix_web::{HttpResponse, get, post, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::{
    PAIRING_CODE_ALPHABET, PAIRING_CODE_LENGTH, PAIRING_SECRET_LENGTH, PairingClaim,
    PairingRequest, PairingState, PairingStatus, PairingTicket, normalise_pairing_code,
};
use civicast_shared::api::places::{Orientation, Screen, ScreenInput, ScreenKind};
use diesel::prelude::*;
use rand::Rng;
use rand::RngCore;
use serde_json::json;

use crate::api::screens::{find_screen, insert_screen, replace_device_token};
use crate::audit;
use crate::auth::{CurrentUser, token};
use crate::db::models::PairingRequestRow;
use crate::db::schema::pairing_requests;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::state::AppState;

/// How long a code on screen stays valid; the player asks for a new one after that.
const PAIRING_LIFETIME_MINUTES: i64 = 30;
/// Codes waiting at once; a flood of requests cannot fill the database.
const MAX_OPEN_PAIRINGS: i64 = 10_000;

fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..PAIRING_CODE_LENGTH)
        .map(|_| char::from(PAIRING_CODE_ALPHABET[rng.gen_range(0..PAIRING_CODE_ALPHABET.len())]))
        .collect()
}

fn new_secret() -> String {
    let mut bytes = [0u8; PAIRING_SECRET_LENGTH / 2];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn delete_expired(conn: &mut DbConnection) -> Result<(), AppError> {
    diesel::delete(pairing_requests::table.filter(pairing_requests::expires_at.le(db::now())))
        .execute(conn)?;
    Ok(())
}

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

/// Staff enter the code a player shows: the player becomes a new screen of a building, or
/// replaces the player of a registered screen.
pub(crate) fn claim_code(
    conn: &mut DbConnection,
    user: &CurrentUser,
    claim: &PairingClaim,
) -> Result<Screen, AppError> {
    user.require_staff()?;
    claim.validate()?;
    let code = normalise_pairing_code(&claim.code);
    let request = pairing_requests::table
        .find(&code)
        .filter(pairing_requests::expires_at.gt(db::now()))
        .select(PairingRequestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no screen shows the code {code}: check it, or restart the player for a new one"
            ))
        })?;
    if request.screen_id.is_some() {
        return Err(AppError::Conflict(format!(
            "the code {code} was already entered; the screen is paired"
        )));
    }
    let screen = match (claim.screen_id, claim.building_id) {
        (Some(screen_id), _) => find_screen(conn, &screen_id.to_string())
            .map_err(|_| AppError::invalid("screen_id", "no screen with this id"))?,
        (None, Some(building_id)) => {
            let (width, height) = (
                u32::try_from(request.width).unwrap_or_default(),
                u32::try_from(request.height).unwrap_or_default(),
            );
            let input = ScreenInput {
                building_id,
                playlist_id: None,
                name: claim.name.clone().unwrap_or_default(),
                kind: claim.kind.unwrap_or(ScreenKind::InformationScreen),
                width,
                height,
                orientation: if height > width {
                    Orientation::Portrait
                } else {
                    Orientation::Landscape
                },
            };
            input.validate()?;
            insert_screen(conn, user, &input)?
        }
        (None, None) => unreachable!("validated: one of screen_id and building_id"),
    };
    let device_token = replace_device_token(conn, &screen.id)?;
    diesel::update(pairing_requests::table.find(&code))
        .set((
            pairing_requests::screen_id.eq(Some(&screen.id)),
            pairing_requests::screen_token.eq(Some(device_token)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "screen.pair",
        "screen",
        &screen.id,
        json!({ "code": code, "player_version": request.player_version }),
    )?;
    find_screen(conn, &screen.id).map(Screen::from)
}
