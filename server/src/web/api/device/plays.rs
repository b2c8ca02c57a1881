//! Proof-of-play uploads: a player sends batches from its durable queue and deletes them once
//! this route answers, which it does only after the batch is committed.

use actix_web::{post, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::plays::{MAX_BATCH_BYTES, MAX_BATCH_PLAYS, PlayBatch, PlayReceipt};

use crate::core::proof::ingest;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

/// Stores a batch of plays from the calling screen. Every record is settled in the answer:
/// accepted, a duplicate of one already stored, or refused for good with its reason.
#[utoipa::path(
    tag = "screen device",
    request_body = PlayBatch,
    responses(
        (status = 200, body = PlayReceipt),
        (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/screen/plays")]
pub(super) async fn post_plays(
    state: web::Data<AppState>,
    screen: CurrentScreen,
    payload: web::Payload,
) -> Result<web::Json<PlayReceipt>, AppError> {
    // Batches are larger than other JSON bodies, so this route reads its own, up to its limit.
    let body = crate::web::api::read_body(payload, MAX_BATCH_BYTES).await?;
    let batch: PlayBatch = serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            AppError::invalid("plays", e.to_string())
        } else {
            AppError::BadRequest(format!("the body is not valid JSON: {e}"))
        }
    })?;
    if batch.plays.len() > MAX_BATCH_PLAYS {
        return Err(AppError::invalid(
            "plays",
            format!(
                "a batch holds at most {MAX_BATCH_PLAYS} plays (this one has {})",
                batch.plays.len()
            ),
        ));
    }
    let screen_id = screen.id.to_string();
    let writer = std::sync::Arc::clone(&state.sqlite_writer);
    let receipt = db::run(&state.pool, move |conn| {
        ingest::ingest_beside_others(conn, &writer, &screen_id, batch, chrono::Utc::now())
    })
    .await?;
    state
        .metrics
        .observe_plays(receipt.accepted, receipt.duplicates, receipt.refused.len());
    if !receipt.refused.is_empty() {
        tracing::info!(
            screen = %screen.id,
            refused = receipt.refused.len(),
            first_reason = %receipt.refused[0].reason,
            "plays refused"
        );
    }
    Ok(web::Json(receipt))
}
