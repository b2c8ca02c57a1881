//! Request bodies must keep moving: a client that sends its body a byte at a time would
//! otherwise hold a connection, a task and (for an upload) a temporary file for as long as it
//! likes. A body that stops for [`IDLE`] or averages under [`MIN_BYTES_PER_S`] once [`GRACE`]
//! has passed ends with an error, which the handler reading it answers as a bad request.
//!
//! Only the time spent waiting for the client counts: a handler that pauses between reads (to
//! write a chunk to disk) does not use up the client's allowance.

use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use bytes::Bytes;
use futures_util::StreamExt;

type BoxedPayloadStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>>;

/// Longest wait for the next part of a body.
pub const IDLE: Duration = Duration::from_secs(10);
/// How long a body may start slowly before its average pace counts.
pub const GRACE: Duration = Duration::from_secs(10);
/// The slowest average pace accepted after [`GRACE`]: a 50 MiB poster still arrives over a
/// link a thousand times slower than a building's usual uplink.
pub const MIN_BYTES_PER_S: u64 = 1024;

/// Middleware: wraps the body of every request that has one.
pub async fn keep_bodies_moving(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if has_body(&req) {
        let payload = req.take_payload();
        // Fused: a reader such as the multipart parser may poll again after the end.
        let paced: BoxedPayloadStream = Box::pin(paced(payload).fuse());
        req.set_payload(Payload::from(paced));
    }
    next.call(req).await
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|length| length.trim() != "0")
}

struct Pace {
    inner: Payload,
    waited: Duration,
    received: u64,
    ended: bool,
}

fn too_slow(why: String) -> PayloadError {
    PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, why))
}

fn paced(
    inner: Payload,
) -> impl futures_util::Stream<Item = Result<Bytes, PayloadError>> + 'static {
    let pace = Pace {
        inner,
        waited: Duration::ZERO,
        received: 0,
        ended: false,
    };
    futures_util::stream::unfold(pace, |mut pace| async move {
        if pace.ended {
            return None;
        }
        let started = tokio::time::Instant::now();
        let next = tokio::time::timeout(IDLE, pace.inner.next()).await;
        pace.waited += started.elapsed();
        let item = match next {
            Err(_) => Err(too_slow(format!(
                "no part of the request body came for {} s; send it again on a working connection",
                IDLE.as_secs()
            ))),
            Ok(None) => return None,
            Ok(Some(Err(error))) => Err(error),
            Ok(Some(Ok(bytes))) => {
                pace.received += bytes.len() as u64;
                let expected = MIN_BYTES_PER_S.saturating_mul(pace.waited.as_secs());
                if pace.waited > GRACE && pace.received < expected {
                    Err(too_slow(format!(
                        "the request body came slower than {MIN_BYTES_PER_S} bytes a second; \
                         send it again on a faster connection"
                    )))
                } else {
                    Ok(bytes)
                }
            }
        };
        pace.ended = item.is_err();
        Some((item, pace))
    })
}
