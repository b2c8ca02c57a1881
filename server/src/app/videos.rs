//! The video worker: `--video-jobs` loops per instance, each claiming the next queued video
//! rendition (`core::media::video`), running ffmpeg on a blocking thread and recording the
//! outcome. Progress is written at most once a second, which also renews the claim's lease.

use std::time::{Duration, Instant};

use crate::core::media::MediaStore;
use crate::core::media::video;
use crate::db::DbPool;

/// How long an idle loop waits before it looks for work again.
const IDLE: Duration = Duration::from_secs(1);

/// Runs `workers` loops until aborted (in one task, so that aborting it stops them all).
pub async fn run_forever(pool: DbPool, media: MediaStore, workers: u32) {
    let loops = (0..workers.max(1)).map(|_| work(pool.clone(), media.clone()));
    futures_util::future::join_all(loops).await;
}

async fn work(pool: DbPool, media: MediaStore) {
    loop {
        let job = match crate::db::run(&pool, video::claim_next).await {
            Ok(Some(job)) => job,
            Ok(None) => {
                tokio::time::sleep(IDLE).await;
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "video jobs could not be read");
                tokio::time::sleep(IDLE * 5).await;
                continue;
            }
        };
        let started = Instant::now();
        tracing::info!(media = %job.sha256, "making a video's screen rendition");
        let (pool2, media2, job2) = (pool.clone(), media.clone(), job.clone());
        let made = tokio::task::spawn_blocking(move || {
            let mut last = Instant::now();
            media2.render_video(&job2, |percent| {
                if last.elapsed() < Duration::from_secs(1) {
                    return true;
                }
                last = Instant::now();
                // A connection per report, not one held for the whole encode.
                let Ok(mut conn) = pool2.get() else {
                    return true;
                };
                video::report_progress(&mut conn, &job2.sha256, &job2.claim, percent)
                    .unwrap_or(true)
            })
        })
        .await;
        let job2 = job.clone();
        let outcome = match made {
            Ok(Ok(renditions)) => {
                crate::db::run(&pool, move |conn| video::finish(conn, &job2, &renditions)).await
            }
            Ok(Err(crate::error::AppError::Conflict(_))) => Ok(()),
            Ok(Err(error)) => {
                let reason = error.to_string();
                tracing::warn!(media = %job.sha256, %reason, "a video's rendition failed");
                crate::db::run(&pool, move |conn| video::fail(conn, &job2, &reason)).await
            }
            Err(error) => {
                let reason = format!("the rendition stopped: {error}");
                crate::db::run(&pool, move |conn| video::fail(conn, &job2, &reason)).await
            }
        };
        match outcome {
            Ok(()) => tracing::info!(
                media = %job.sha256,
                seconds = started.elapsed().as_secs_f32(),
                "video rendition job ended"
            ),
            Err(error) => {
                tracing::warn!(media = %job.sha256, %error, "a video job's outcome was not recorded")
            }
        }
    }
}
