//! Videos: what an upload is (ffprobe, never our own container parsing), its still frame, and
//! the player-safe renditions that a background job makes with ffmpeg (H.264 High, yuv420p,
//! at most 1080p turned like the video, a keyframe every 2 s, no audio, faststart MP4; and the
//! same picture with the source's sound as AAC when it has sound).
//!
//! Jobs are rows of `video_jobs`, one per content: any instance claims the oldest waiting one
//! with a conditional UPDATE, renews its lease while ffmpeg reports progress, and a claim whose
//! lease ran out (its instance died) is taken again. The renditions are stored like an image's,
//! and inserting their rows raises the content version of the buildings that show the video.

use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::Duration;
use civicast_shared::api::media::{RenditionJob, RenditionKind, RenditionState};
use diesel::prelude::*;
use serde::Deserialize;

use super::{MediaStore, StoredRendition, remove_all};
use crate::db::schema::{media_assets, video_jobs};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Codecs a screen's rendition can be made from (ffprobe's names).
pub const ACCEPTED_CODECS: [&str; 4] = ["h264", "hevc", "vp9", "av1"];
/// Largest accepted picture: 8K, either way round.
pub const MAX_LONG_SIDE: u32 = 7680;
pub const MAX_SHORT_SIDE: u32 = 4320;
/// Longest accepted video: far beyond any playlist item, short of a recording left running.
pub const MAX_DURATION_MS: u32 = 3 * 60 * 60 * 1000;
/// How long a claimed job stays its instance's without news; ffmpeg's progress renews it.
pub const LEASE_SECONDS: i64 = 120;

/// The container an upload's first bytes show, before ffprobe reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// ISO base media (`ftyp`): MP4, or QuickTime MOV by its brand.
    IsoMedia,
    /// EBML: WebM (or another Matroska, which is refused).
    Ebml,
}

/// The container of content starting with `head`, if it looks like a video.
pub fn sniff(head: &[u8]) -> Option<Container> {
    if head.len() >= 8 && &head[4..8] == b"ftyp" {
        return Some(Container::IsoMedia);
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(Container::Ebml);
    }
    None
}

/// What ffprobe read from an accepted video.
#[derive(Debug, Clone, PartialEq)]
pub struct Probed {
    pub content_type: &'static str,
    /// As shown (a video recorded turned is measured turned).
    pub width: u32,
    pub height: u32,
    pub duration_ms: u32,
    pub frame_rate: f64,
    pub video_codec: String,
    pub audio_codec: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ProbeOutput {
    #[serde(default)]
    streams: Vec<ProbeStream>,
    format: Option<ProbeFormat>,
}

#[derive(Debug, Deserialize)]
struct ProbeStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
    #[serde(default)]
    tags: std::collections::HashMap<String, String>,
    #[serde(default)]
    disposition: std::collections::HashMap<String, i64>,
}

#[derive(Debug, Deserialize)]
struct ProbeFormat {
    format_name: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    tags: std::collections::HashMap<String, String>,
}

fn refused(reason: impl Into<String>) -> AppError {
    AppError::invalid("file", reason)
}

fn tool_missing(tool: &str, error: std::io::Error) -> AppError {
    AppError::Unexpected(anyhow::anyhow!(
        "cannot run {tool} (install ffmpeg on the server): {error}"
    ))
}

/// The last lines a tool wrote to stderr, as a reason a person can read.
fn reason_of(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines[lines.len().saturating_sub(3)..].join("; ");
    if tail.is_empty() {
        "no reason given".to_owned()
    } else {
        tail.chars().take(500).collect()
    }
}

/// A rate such as `30000/1001`, in frames per second.
fn rate(text: Option<&str>) -> Option<f64> {
    let text = text?;
    let (num, den) = text.split_once('/').unwrap_or((text, "1"));
    let (num, den): (f64, f64) = (num.parse().ok()?, den.parse().ok()?);
    (den > 0.0 && num > 0.0).then_some(num / den)
}

/// Checks a video upload with ffprobe and refuses what a screen could not play or what is not
/// what it says: the declared type must match the content, there must be a video stream of an
/// accepted codec at a sane size, length and rate, and its first and last second must decode.
pub fn probe(path: &Path, head: &[u8], declared_type: Option<&str>) -> Result<Probed, AppError> {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| tool_missing("ffprobe", e))?;
    if !output.status.success() {
        return Err(refused(format!(
            "the video cannot be read (is it complete? a file cut short loses its index): {}",
            reason_of(&output.stderr).replace(&path.display().to_string(), "upload")
        )));
    }
    let parsed: ProbeOutput = serde_json::from_slice(&output.stdout)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("ffprobe's JSON: {e}")))?;
    let format = parsed
        .format
        .ok_or_else(|| refused("the video cannot be read: ffprobe found no container"))?;
    let names = format.format_name.as_deref().unwrap_or_default();
    let content_type = if names.contains("mp4") {
        let brand = format.tags.get("major_brand").map(|b| b.trim());
        if brand == Some("qt") {
            "video/quicktime"
        } else {
            "video/mp4"
        }
    } else if names.contains("webm") {
        // ffprobe names Matroska and WebM alike; the EBML header's DocType tells them apart.
        if !head.windows(4).any(|w| w == b"webm") {
            return Err(refused(
                "Matroska (MKV) files are not accepted: upload an MP4, WebM or MOV video",
            ));
        }
        "video/webm"
    } else {
        return Err(refused(format!(
            "{names} files are not accepted: upload an MP4, WebM or MOV video"
        )));
    };
    if let Some(declared) = declared_type {
        let declared = declared
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if (declared.starts_with("video/") || declared.starts_with("image/"))
            && declared != content_type
        {
            return Err(refused(format!(
                "the request says {declared} but the content is {content_type}"
            )));
        }
    }
    let video = parsed
        .streams
        .iter()
        .find(|s| {
            s.codec_type.as_deref() == Some("video")
                && s.disposition.get("attached_pic").copied().unwrap_or(0) == 0
        })
        .ok_or_else(|| refused("the file holds no video stream: upload a video"))?;
    let codec = video.codec_name.clone().unwrap_or_default();
    if !ACCEPTED_CODECS.contains(&codec.as_str()) {
        return Err(refused(format!(
            "videos in {} are not accepted: encode it as H.264, H.265 (HEVC), VP9 or AV1",
            if codec.is_empty() {
                "an unknown codec"
            } else {
                &codec
            }
        )));
    }
    let (coded_width, coded_height) = (video.width.unwrap_or(0), video.height.unwrap_or(0));
    let (long, short) = (coded_width.max(coded_height), coded_width.min(coded_height));
    if short == 0 || long > MAX_LONG_SIDE || short > MAX_SHORT_SIDE {
        return Err(refused(format!(
            "the video says it is {coded_width}x{coded_height} pixels; the largest accepted is \
             {MAX_LONG_SIDE}x{MAX_SHORT_SIDE} (8K), either way round: export it smaller"
        )));
    }
    let turned = rotation(video).is_some_and(|degrees| degrees.rem_euclid(180) == 90);
    let (width, height) = if turned {
        (coded_height, coded_width)
    } else {
        (coded_width, coded_height)
    };
    let seconds = format
        .duration
        .as_deref()
        .or(video.duration.as_deref())
        .or(video.tags.get("DURATION").map(String::as_str))
        .and_then(parse_seconds)
        .unwrap_or(0.0);
    let duration_ms = (seconds * 1000.0).round();
    if !(duration_ms >= 100.0 && duration_ms <= f64::from(MAX_DURATION_MS)) {
        return Err(refused(format!(
            "the video says it lasts {seconds:.1} s; accepted are videos from 0.1 s to {} hours",
            MAX_DURATION_MS / 3_600_000
        )));
    }
    let frame_rate = rate(video.avg_frame_rate.as_deref())
        .or_else(|| rate(video.r_frame_rate.as_deref()))
        .unwrap_or(0.0);
    if !(1.0..=240.0).contains(&frame_rate) {
        return Err(refused(format!(
            "the video's frame rate ({frame_rate:.2} frames a second) is not between 1 and 240"
        )));
    }
    let audio_codec = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"))
        .and_then(|s| s.codec_name.clone());
    check_decodes(path)?;
    Ok(Probed {
        content_type,
        width,
        height,
        duration_ms: duration_ms as u32,
        frame_rate,
        video_codec: codec,
        audio_codec,
    })
}

/// "HH:MM:SS.fff" (Matroska's tag) or plain seconds.
fn parse_seconds(text: &str) -> Option<f64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds.is_finite().then_some(seconds);
    }
    let mut total = 0.0;
    for part in text.split(':') {
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(total)
}

/// The display rotation a stream carries, in degrees.
fn rotation(stream: &ProbeStream) -> Option<i64> {
    stream
        .side_data_list
        .iter()
        .find_map(|side| side.get("rotation").and_then(serde_json::Value::as_i64))
        .or_else(|| stream.tags.get("rotate").and_then(|r| r.parse().ok()))
}

/// Decodes the first and the last second: a file whose index is whole but whose data was cut
/// short, or damaged, fails here at upload instead of on a screen. (The rendition job decodes
/// the rest.)
fn check_decodes(path: &Path) -> Result<(), AppError> {
    for window in [["-t", "1"], ["-sseof", "-1"]] {
        let mut command = Command::new("ffmpeg");
        command.args(["-nostdin", "-v", "error", "-xerror"]);
        if window[0] == "-sseof" {
            command.args(window);
        }
        command.arg("-i").arg(path);
        if window[0] == "-t" {
            command.args(window);
        }
        let output = command
            .args(["-map", "0:v:0", "-f", "null", "-"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| tool_missing("ffmpeg", e))?;
        if !output.status.success() || !output.stderr.is_empty() {
            return Err(refused(format!(
                "the video is truncated or damaged, or its header does not match its pictures: {}",
                reason_of(&output.stderr).replace(&path.display().to_string(), "upload")
            )));
        }
    }
    Ok(())
}

/// The still frame of a video (JPEG, fitted into 1080p, turned like the video): at 1 s, or
/// at a tenth of a shorter video.
pub fn poster_frame(path: &Path, probed: &Probed) -> Result<Vec<u8>, AppError> {
    let at_ms = (probed.duration_ms / 10).min(1000);
    let (width, height) = RenditionKind::PosterFrame
        .fitted(probed.width, probed.height)
        .unwrap_or((probed.width, probed.height));
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-ss"])
        .arg(format!("{}.{:03}", at_ms / 1000, at_ms % 1000))
        .arg("-i")
        .arg(path)
        .args(["-map", "0:v:0", "-frames:v", "1", "-vf"])
        .arg(format!("scale={width}:{height}"))
        .args(["-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "-"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| tool_missing("ffmpeg", e))?;
    if !output.status.success() || output.stdout.is_empty() {
        return Err(refused(format!(
            "no picture could be taken from the video: {}",
            reason_of(&output.stderr).replace(&path.display().to_string(), "upload")
        )));
    }
    Ok(output.stdout)
}

/// The still frame and the library's thumbnail of it.
pub fn stills(path: &Path, probed: &Probed) -> Result<Vec<super::renditions::Rendered>, AppError> {
    let jpeg = poster_frame(path, probed)?;
    let image = image::load_from_memory(&jpeg)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the still frame: {e}")))?;
    let (width, height) = (image.width(), image.height());
    let mut rendered: Vec<_> = super::renditions::render(&image)?
        .into_iter()
        .filter(|r| r.kind == RenditionKind::Thumbnail)
        .collect();
    if rendered.is_empty() {
        // Already thumbnail-sized: the frame is its own thumbnail.
        rendered.push(super::renditions::Rendered {
            kind: RenditionKind::Thumbnail,
            width,
            height,
            jpeg: jpeg.clone(),
        });
    }
    rendered.insert(
        0,
        super::renditions::Rendered {
            kind: RenditionKind::PosterFrame,
            width,
            height,
            jpeg,
        },
    );
    Ok(rendered)
}

/// What a job needs to know of its video.
#[derive(Debug, Clone)]
pub struct Job {
    pub sha256: String,
    /// This claim; every later write names it, so a job taken over is not written twice.
    pub claim: String,
    pub width: u32,
    pub height: u32,
    pub duration_ms: u32,
    pub frame_rate: f64,
    pub has_audio: bool,
}

/// Queues the renditions of a newly stored video (once per content).
pub fn enqueue(conn: &mut DbConnection, sha256: &str) -> Result<(), AppError> {
    let now = db::now();
    crate::on_backend!(conn, |c| diesel::insert_into(video_jobs::table)
        .values((
            video_jobs::source_sha256.eq(sha256),
            video_jobs::state.eq(RenditionState::Queued.as_str()),
            video_jobs::progress.eq(0),
            video_jobs::attempts.eq(0),
            video_jobs::created_at.eq(now),
            video_jobs::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Claims the oldest waiting job, or one whose instance stopped renewing its lease; `None`
/// when there is nothing to do. Two instances racing for one job: the conditional UPDATE lets
/// exactly one of them have it.
pub fn claim_next(conn: &mut DbConnection) -> Result<Option<Job>, AppError> {
    let now = db::now();
    let claimable = || {
        video_jobs::state
            .eq(RenditionState::Queued.as_str())
            .or(video_jobs::state
                .eq(RenditionState::Running.as_str())
                .and(video_jobs::claimed_until.lt(now)))
    };
    // Read first: an idle instance asks every second, and a read takes no write lock.
    let candidates: Vec<String> = video_jobs::table
        .filter(claimable())
        .order(video_jobs::created_at.asc())
        .select(video_jobs::source_sha256)
        .limit(4)
        .load(conn)?;
    for sha256 in candidates {
        let claim = db::new_id();
        let taken = diesel::update(
            video_jobs::table
                .filter(video_jobs::source_sha256.eq(&sha256))
                .filter(claimable()),
        )
        .set((
            video_jobs::state.eq(RenditionState::Running.as_str()),
            video_jobs::claimed_by.eq(&claim),
            video_jobs::claimed_until.eq(now + Duration::seconds(LEASE_SECONDS)),
            video_jobs::attempts.eq(video_jobs::attempts + 1),
            video_jobs::progress.eq(0),
            video_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
        if taken == 0 {
            continue;
        }
        let facts = media_assets::table
            .filter(media_assets::sha256.eq(&sha256))
            .select((
                media_assets::width,
                media_assets::height,
                media_assets::duration_ms,
                media_assets::frame_rate,
                media_assets::audio_codec,
            ))
            .first::<(i32, i32, Option<i32>, Option<f64>, Option<String>)>(conn)
            .optional()?;
        let Some((width, height, Some(duration_ms), frame_rate, audio)) = facts else {
            // Removed from every library meanwhile: nothing to make.
            finish_without(
                conn,
                &sha256,
                &claim,
                "the video was removed from the library",
            )?;
            continue;
        };
        return Ok(Some(Job {
            sha256,
            claim,
            width: u32::try_from(width).unwrap_or_default(),
            height: u32::try_from(height).unwrap_or_default(),
            duration_ms: u32::try_from(duration_ms).unwrap_or_default(),
            frame_rate: frame_rate.unwrap_or(30.0),
            has_audio: audio.is_some(),
        }));
    }
    Ok(None)
}

/// Notes a job's progress (0 to 99) and renews its lease; `false` when the claim is no longer
/// this job's (taken over after a stall), so the caller stops.
pub fn report_progress(
    conn: &mut DbConnection,
    sha256: &str,
    claim: &str,
    percent: u8,
) -> Result<bool, AppError> {
    let now = db::now();
    let updated = diesel::update(
        video_jobs::table
            .filter(video_jobs::source_sha256.eq(sha256))
            .filter(video_jobs::claimed_by.eq(claim))
            .filter(video_jobs::state.eq(RenditionState::Running.as_str())),
    )
    .set((
        video_jobs::progress.eq(i32::from(percent.min(99))),
        video_jobs::claimed_until.eq(now + Duration::seconds(LEASE_SECONDS)),
        video_jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a finished job's renditions and marks it done, in one transaction: the rows' insert
/// raises the content version of every building that shows the video.
pub fn finish(
    conn: &mut DbConnection,
    job: &Job,
    renditions: &[StoredRendition],
) -> Result<(), AppError> {
    db::transaction(conn, |conn| {
        super::record_renditions(conn, &job.sha256, renditions)?;
        diesel::update(
            video_jobs::table
                .filter(video_jobs::source_sha256.eq(&job.sha256))
                .filter(video_jobs::claimed_by.eq(&job.claim)),
        )
        .set((
            video_jobs::state.eq(RenditionState::Done.as_str()),
            video_jobs::progress.eq(100),
            video_jobs::error.eq(None::<String>),
            video_jobs::claimed_until.eq(None::<chrono::NaiveDateTime>),
            video_jobs::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
        Ok(())
    })
}

/// Marks a job failed with its reason (ffmpeg's words), shown in the library.
pub fn fail(conn: &mut DbConnection, job: &Job, reason: &str) -> Result<(), AppError> {
    finish_without(conn, &job.sha256, &job.claim, reason)
}

fn finish_without(
    conn: &mut DbConnection,
    sha256: &str,
    claim: &str,
    reason: &str,
) -> Result<(), AppError> {
    diesel::update(
        video_jobs::table
            .filter(video_jobs::source_sha256.eq(sha256))
            .filter(video_jobs::claimed_by.eq(claim)),
    )
    .set((
        video_jobs::state.eq(RenditionState::Failed.as_str()),
        video_jobs::error.eq(Some(reason.chars().take(1000).collect::<String>())),
        video_jobs::claimed_until.eq(None::<chrono::NaiveDateTime>),
        video_jobs::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// The rendition jobs of these contents, by SHA-256.
pub fn jobs_of(
    conn: &mut DbConnection,
    sources: &[&str],
) -> Result<std::collections::HashMap<String, RenditionJob>, AppError> {
    Ok(video_jobs::table
        .filter(video_jobs::source_sha256.eq_any(sources))
        .select((
            video_jobs::source_sha256,
            video_jobs::state,
            video_jobs::progress,
            video_jobs::error,
        ))
        .load::<(String, String, i32, Option<String>)>(conn)?
        .into_iter()
        .map(|(sha256, state, progress, error)| {
            let job = RenditionJob {
                state: RenditionState::parse(&state).unwrap_or(RenditionState::Queued),
                progress: u8::try_from(progress.clamp(0, 100)).unwrap_or(0),
                error,
            };
            (sha256, job)
        })
        .collect())
}

/// The rendition job of a library entry, if it is a video.
pub fn job_of_entry(
    conn: &mut DbConnection,
    media_id: &str,
) -> Result<Option<RenditionJob>, AppError> {
    let Some(sha256) = media_assets::table
        .find(media_id)
        .filter(media_assets::duration_ms.is_not_null())
        .select(media_assets::sha256)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(jobs_of(conn, &[sha256.as_str()])?.remove(&sha256))
}

/// The picture size of the screen rendition: fitted into 1080p turned like the video, never
/// enlarged, in even numbers (4:2:0 needs them).
pub fn rendition_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = RenditionKind::Screen1080p
        .fitted(width, height)
        .unwrap_or((width, height));
    ((w & !1).max(2), (h & !1).max(2))
}

/// The ffmpeg arguments of the silent screen rendition of `job` from `source` into `output`.
pub fn rendition_args(job: &Job, source: &Path, output: &Path) -> Vec<std::ffi::OsString> {
    let (width, height) = rendition_size(job.width, job.height);
    let frame_rate = job.frame_rate.min(60.0);
    let mut filters = format!("scale={width}:{height},setsar=1,format=yuv420p");
    if job.frame_rate > 60.5 {
        filters = format!("fps=60,{filters}");
    }
    let keyframes = ((frame_rate * 2.0).round() as u32).max(1).to_string();
    let mut args: Vec<std::ffi::OsString> = vec![
        "-nostdin".into(),
        "-v".into(),
        "error".into(),
        "-y".into(),
        "-i".into(),
        source.into(),
    ];
    for arg in [
        "-map",
        "0:v:0",
        "-vf",
        &filters,
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-preset",
        "fast",
        "-crf",
        "20",
        "-g",
        &keyframes,
        "-keyint_min",
        &keyframes,
        "-sc_threshold",
        "0",
        "-an",
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        "-movflags",
        "+faststart",
        "-progress",
        "pipe:1",
        "-nostats",
        "-f",
        "mp4",
    ] {
        args.push(arg.into());
    }
    args.push(output.into());
    args
}

impl MediaStore {
    /// Makes `job`'s renditions, telling `progress` the percent done as ffmpeg goes (it
    /// answers `false` to stop), and stores them. Runs on a blocking thread of the runtime.
    pub fn render_video(
        &self,
        job: &Job,
        mut progress: impl FnMut(u8) -> bool,
    ) -> Result<Vec<StoredRendition>, AppError> {
        let runtime = tokio::runtime::Handle::current();
        let source = runtime.block_on(self.local_file(&job.sha256))?;
        let work = tempfile::tempdir_in(&self.incoming)
            .map_err(|e| AppError::storing("a video work folder", e))?;
        let silent = work.path().join("screen.mp4");
        let mut child = Command::new("ffmpeg")
            .args(rendition_args(job, &source, &silent))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| tool_missing("ffmpeg", e))?;
        let mut stderr = child.stderr.take().expect("piped");
        let errors = std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.read_to_end(&mut text);
            text
        });
        let stdout = child.stdout.take().expect("piped");
        let total_us = u64::from(job.duration_ms.max(1)) * 1000;
        let mut stopped = false;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(value) = line.strip_prefix("out_time_us=")
                && let Ok(done) = value.trim().parse::<u64>()
            {
                let percent = (done.saturating_mul(100) / total_us).min(99) as u8;
                if !progress(percent) {
                    stopped = true;
                    let _ = child.kill();
                    break;
                }
            }
        }
        let status = child.wait().map_err(|e| tool_missing("ffmpeg", e))?;
        let stderr = errors.join().unwrap_or_default();
        if stopped {
            return Err(AppError::Conflict(
                "another instance took this video's job over".into(),
            ));
        }
        if !status.success() {
            return Err(refused(format!(
                "ffmpeg could not make the screen rendition: {}",
                reason_of(&stderr).replace(&source.display().to_string(), "the video")
            )));
        }
        let (width, height) = rendition_size(job.width, job.height);
        let mut made = vec![(RenditionKind::Screen1080p, silent.clone())];
        if job.has_audio {
            let with_sound = work.path().join("screen-sound.mp4");
            let output = Command::new("ffmpeg")
                .args(["-nostdin", "-v", "error", "-y", "-i"])
                .arg(&silent)
                .arg("-i")
                .arg(&source)
                .args([
                    "-map",
                    "0:v:0",
                    "-map",
                    "1:a:0",
                    "-c:v",
                    "copy",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "160k",
                    "-ac",
                    "2",
                    "-shortest",
                    "-map_metadata",
                    "-1",
                    "-movflags",
                    "+faststart",
                    "-f",
                    "mp4",
                ])
                .arg(&with_sound)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| tool_missing("ffmpeg", e))?;
            if !output.status.success() {
                return Err(refused(format!(
                    "ffmpeg could not add the sound: {}",
                    reason_of(&output.stderr).replace(&source.display().to_string(), "the video")
                )));
            }
            made.push((RenditionKind::Screen1080pSound, with_sound));
        }
        let mut added = Vec::new();
        let stored = (|| -> Result<Vec<StoredRendition>, AppError> {
            let mut stored = Vec::new();
            for (kind, path) in &made {
                let (sha256, size_bytes, new_file) = self.put_file(path)?;
                if new_file {
                    added.push(self.path_of(&sha256));
                }
                stored.push(StoredRendition {
                    kind: *kind,
                    content_type: "video/mp4",
                    sha256,
                    width,
                    height,
                    size_bytes,
                });
            }
            let hashes: Vec<&str> = stored.iter().map(|r| r.sha256.as_str()).collect();
            runtime.block_on(self.share(&hashes))?;
            Ok(stored)
        })()
        .inspect_err(|_| remove_all(&added))?;
        Ok(stored)
    }

    /// Moves a file made here into the store under its hash: (hash, size, whether it is new).
    fn put_file(&self, path: &Path) -> Result<(String, u64, bool), AppError> {
        use sha2::{Digest, Sha256};
        let mut file =
            std::fs::File::open(path).map_err(|e| AppError::storing("a rendition", e))?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)
            .map_err(|e| AppError::storing("a rendition", e))?;
        let sha256 = hex::encode(hasher.finalize());
        let destination = self.path_of(&sha256);
        if destination.exists() {
            return Ok((sha256, size, false));
        }
        // Made in a folder under `incoming/`, so on the store's file system: a rename places it.
        file.sync_all()
            .map_err(|e| AppError::storing("a rendition", e))?;
        let parent = destination.parent().expect("media paths have a parent");
        std::fs::create_dir_all(parent).map_err(|e| AppError::storing("a media folder", e))?;
        std::fs::rename(path, &destination).map_err(|e| AppError::storing("a rendition", e))?;
        Ok((sha256, size, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_told_by_their_first_bytes() {
        assert_eq!(
            sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"),
            Some(Container::IsoMedia)
        );
        assert_eq!(
            sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]),
            Some(Container::Ebml)
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(sniff(b"ftyp"), None);
    }

    #[test]
    fn renditions_fit_1080p_turned_never_enlarged_in_even_sizes() {
        assert_eq!(rendition_size(3840, 2160), (1920, 1080));
        assert_eq!(rendition_size(2160, 3840), (1080, 1920));
        assert_eq!(rendition_size(640, 360), (640, 360));
        assert_eq!(rendition_size(641, 361), (640, 360));
        assert_eq!(rendition_size(7680, 1000), (1920, 250));
    }

    #[test]
    fn rates_and_lengths_read_as_ffprobe_writes_them() {
        assert_eq!(rate(Some("30/1")), Some(30.0));
        assert!((rate(Some("30000/1001")).unwrap() - 29.97).abs() < 0.01);
        assert_eq!(rate(Some("0/0")), None);
        assert_eq!(parse_seconds("3.000000"), Some(3.0));
        assert_eq!(parse_seconds("00:01:02.500000000"), Some(62.5));
    }
}
