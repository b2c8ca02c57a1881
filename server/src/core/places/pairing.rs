//! Pairing a player with a screen: the code a player shows and the secret it polls with, and
//! staff claiming the code for a new or a registered screen.

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::places::screens::{
    find_screen, insert_screen, orientation_of, replace_device_token,
};
use crate::db::models::PairingRequestRow;
use crate::db::schema::pairing_requests;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use civicast_shared::Validate;
use civicast_shared::api::device::{
    PAIRING_CODE_ALPHABET, PAIRING_CODE_LENGTH, PAIRING_SECRET_LENGTH, PairingClaim,
    normalise_pairing_code,
};
use civicast_shared::api::places::{Screen, ScreenInput, ScreenKind};
use diesel::prelude::*;
use rand::Rng;
use rand::RngCore;
use serde_json::json;

/// How long a code on screen stays valid; the player asks for a new one after that.
pub const PAIRING_LIFETIME_MINUTES: i64 = 30;

/// Codes waiting at once; a flood of requests cannot fill the database.
pub const MAX_OPEN_PAIRINGS: i64 = 10_000;

pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..PAIRING_CODE_LENGTH)
        .map(|_| char::from(PAIRING_CODE_ALPHABET[rng.gen_range(0..PAIRING_CODE_ALPHABET.len())]))
        .collect()
}

pub fn new_secret() -> String {
    let mut bytes = [0u8; PAIRING_SECRET_LENGTH / 2];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn delete_expired(conn: &mut DbConnection) -> Result<(), AppError> {
    diesel::delete(pairing_requests::table.filter(pairing_requests::expires_at.le(db::now())))
        .execute(conn)?;
    Ok(())
}

/// Staff enter the code a player shows: the player becomes a new screen of a building, or
/// replaces the player of a registered screen.
pub fn claim_code(
    conn: &mut DbConnection,
    user: &Actor,
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
                orientation: orientation_of(width, height),
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
