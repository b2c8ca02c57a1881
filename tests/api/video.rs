//! Videos: uploads probed with ffprobe (and refused when they lie, are cut short, absurd or too
//! big), their still frames, the background job's H.264 rendition, and screens playing it.
//! Every clip is made here with ffmpeg.

use std::time::Duration;

use civicast_tests::{TestApp, ffmpeg_clip, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// 640 x 360 at 30 fps for 3 s, H.264 with a tone as AAC.
fn mp4_with_sound() -> Vec<u8> {
    ffmpeg_clip(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x360:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            "3",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ],
        "clip.mp4",
    )
}

/// 360 x 640 (portrait) at 25 fps for 2 s, VP9 without sound.
fn portrait_webm() -> Vec<u8> {
    ffmpeg_clip(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=360x640:rate=25",
            "-t",
            "2",
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-pix_fmt",
            "yuv420p",
        ],
        "clip.webm",
    )
}

async fn upload_ok(app: &TestApp, token: &str, bytes: Vec<u8>, content_type: &str) -> Value {
    let response = app.upload_media(token, bytes, content_type, "clip").await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// The refusal's status and message.
async fn refused(app: &TestApp, bytes: Vec<u8>, content_type: &str) -> (StatusCode, String) {
    let response = app
        .upload_media(&app.admin, bytes, content_type, "clip")
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    let message = body["fields"][0]["message"]
        .as_str()
        .or(body["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    (status, message)
}

/// Waits until the library entry's rendition job ends; returns the entry.
async fn rendered(app: &TestApp, id: &str) -> Value {
    for _ in 0..600 {
        let entry = app
            .expect(
                Method::GET,
                &format!("/api/v1/media/{id}"),
                &app.admin,
                None,
                StatusCode::OK,
            )
            .await;
        let state = entry["video"]["rendition"]["state"].as_str().unwrap();
        if state == "done" || state == "failed" {
            return entry;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the rendition of {id} did not finish within a minute");
}

fn rendition<'a>(entry: &'a Value, kind: &str) -> &'a Value {
    entry["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} rendition in {entry}"))
}

/// ffprobe's view of a file's streams (`codec_type`, `codec_name`, `profile`, `pix_fmt`, ...).
fn streams_of(bytes: &[u8]) -> Vec<Value> {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("r.mp4");
    std::fs::write(&path, bytes).unwrap();
    let output = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success());
    let decoded = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decoded.status.success() && decoded.stderr.is_empty(),
        "the rendition decodes without error: {}",
        String::from_utf8_lossy(&decoded.stderr)
    );
    let parsed: Value = serde_json::from_slice(&output.stdout).unwrap();
    parsed["streams"].as_array().unwrap().clone()
}

async fn manifest(app: &TestApp, screen: &str) -> (Value, String) {
    let response = app
        .send(Method::GET, "/api/v1/screen/manifest", Some(screen), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    (response.json().await.unwrap(), etag)
}

async fn screen_file(app: &TestApp, screen: &str, sha: &str) -> Vec<u8> {
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/screen/media/{sha}"),
            Some(screen),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_mp4_and_a_webm_are_probed_rendered_in_h264_and_played_by_screens() {
    let app = spawn_app().await;
    let mp4 = upload_ok(&app, &app.admin, mp4_with_sound(), "video/mp4").await;
    assert_eq!(mp4["content_type"], "video/mp4");
    assert_eq!(
        (mp4["width"].as_u64(), mp4["height"].as_u64()),
        (Some(640), Some(360))
    );
    let video = &mp4["video"];
    let duration = video["duration_ms"].as_u64().unwrap();
    assert!((2900..=3100).contains(&duration), "{video}");
    assert_eq!(video["frame_rate"], 30.0);
    assert_eq!(video["video_codec"], "h264");
    assert_eq!(video["audio_codec"], "aac");
    // The still frame and the thumbnail are there at once, as JPEGs.
    for (kind, width) in [("poster_frame", 640), ("thumbnail", 320)] {
        let still = rendition(&mp4, kind);
        assert_eq!(still["width"], width);
        let response = app
            .get(still["content_url"].as_str().unwrap(), &app.admin)
            .await;
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        let bytes = response.bytes().await.unwrap();
        let image = image::load_from_memory(&bytes).unwrap();
        assert_eq!(u64::from(image.width()), still["width"].as_u64().unwrap());
    }

    let webm = upload_ok(&app, &app.admin, portrait_webm(), "video/webm").await;
    assert_eq!(webm["content_type"], "video/webm");
    assert_eq!(
        (webm["width"].as_u64(), webm["height"].as_u64()),
        (Some(360), Some(640))
    );
    assert_eq!(webm["video"]["video_codec"], "vp9");
    assert_eq!(webm["video"]["frame_rate"], 25.0);
    assert_eq!(webm["video"]["audio_codec"], Value::Null);
    let webm_ms = webm["video"]["duration_ms"].as_u64().unwrap();
    assert!((1900..=2100).contains(&webm_ms), "{webm}");

    // Items without a duration last as long as their video; one asks for sound.
    let square = app.building("Market square").await;
    let playlist = app.playlist(&square, "Square").await;
    let silent_item = app
        .add_item(
            &playlist,
            &json!({ "kind": "slide", "media_id": mp4["id"] }),
        )
        .await;
    assert_eq!(silent_item["duration_ms"].as_u64(), Some(duration));
    assert_eq!(silent_item["sound"], false);
    let loud_item = app
        .add_item(
            &playlist,
            &json!({ "kind": "slide", "media_id": mp4["id"], "sound": true, "duration_ms": 5000 }),
        )
        .await;
    assert_eq!(loud_item["duration_ms"], 5000);
    app.add_item(
        &playlist,
        &json!({ "kind": "slide", "media_id": webm["id"] }),
    )
    .await;
    let (_, screen) = app.pair_screen(&square, "Hall", 1920, 1080).await;
    let (before, before_tag) = manifest(&app, &screen).await;

    let mp4 = rendered(&app, mp4["id"].as_str().unwrap()).await;
    assert_eq!(mp4["video"]["rendition"]["state"], "done", "{mp4}");
    assert_eq!(mp4["video"]["rendition"]["progress"], 100);
    let webm = rendered(&app, webm["id"].as_str().unwrap()).await;
    assert_eq!(webm["video"]["rendition"]["state"], "done", "{webm}");

    // Finishing a rendition raised the content version, so the manifest changes (within the
    // 250 ms in which an instance notices a change made outside a request), unless both were
    // done before the first read; the screen now plays each video as its H.264 rendition.
    let mut after = manifest(&app, &screen).await.0;
    if before["items"].as_array().unwrap().len() < 3 {
        let mut changed = false;
        for _ in 0..50 {
            let (now, tag) = manifest(&app, &screen).await;
            if tag != before_tag {
                (after, changed) = (now, true);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(changed, "the manifest did not change: {after}");
    }
    let items = after["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{after}");
    let silent = rendition(&mp4, "screen_1080p");
    let loud = rendition(&mp4, "screen_1080p_sound");
    assert_eq!(items[0]["media"]["sha256"], silent["sha256"]);
    assert_eq!(items[0]["media"]["content_type"], "video/mp4");
    assert_eq!(items[0]["media"]["duration_ms"].as_u64(), Some(duration));
    assert_eq!(items[0]["media"]["width"], 640);
    assert_eq!(items[0]["sound"], false);
    assert_eq!(items[1]["media"]["sha256"], loud["sha256"]);
    assert_eq!(items[1]["sound"], true);
    assert_eq!(
        items[2]["media"]["sha256"],
        rendition(&webm, "screen_1080p")["sha256"]
    );
    assert_eq!(
        (
            items[2]["media"]["width"].as_u64(),
            items[2]["media"]["height"].as_u64()
        ),
        (Some(360), Some(640))
    );

    // The renditions: H.264 High, yuv420p, within 1080p, keyframes every 2 s, no audio (the
    // sound variant has AAC), and they decode without error.
    for (item, with_sound) in [(&items[0], false), (&items[1], true), (&items[2], false)] {
        let sha = item["media"]["sha256"].as_str().unwrap();
        let bytes = screen_file(&app, &screen, sha).await;
        assert_eq!(
            bytes.len() as u64,
            item["media"]["size_bytes"].as_u64().unwrap()
        );
        let streams = streams_of(&bytes);
        let video: Vec<&Value> = streams
            .iter()
            .filter(|s| s["codec_type"] == "video")
            .collect();
        assert_eq!(video.len(), 1);
        assert_eq!(video[0]["codec_name"], "h264");
        assert_eq!(video[0]["profile"], "High");
        assert_eq!(video[0]["pix_fmt"], "yuv420p");
        assert!(video[0]["width"].as_u64().unwrap() <= 1920);
        assert!(video[0]["height"].as_u64().unwrap() <= 1920);
        let audio: Vec<&Value> = streams
            .iter()
            .filter(|s| s["codec_type"] == "audio")
            .collect();
        if with_sound {
            assert_eq!(audio.len(), 1);
            assert_eq!(audio[0]["codec_name"], "aac");
        } else {
            assert!(audio.is_empty(), "{streams:?}");
        }
    }
    // Served with ranges, for resumed downloads.
    let sha = items[0]["media"]["sha256"].as_str().unwrap();
    let part = app
        .client
        .get(app.url(&format!("/api/v1/screen/media/{sha}")))
        .bearer_auth(&screen)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap().len(), 100);
    // The original is kept, and never sent to a screen.
    let original = mp4["sha256"].as_str().unwrap();
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/screen/media/{original}"),
            Some(&screen),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .get(mp4["content_url"].as_str().unwrap(), &app.admin)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "video/mp4");
}

#[tokio::test]
async fn an_event_with_a_video_poster_lasts_as_long_as_its_video_and_sends_the_rendition() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let clip = ffmpeg_clip(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=1280x720:rate=24",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
        "trailer.mp4",
    );
    let poster = upload_ok(&app, &choir, clip, "video/mp4").await;
    let mut body = crate::event_body("Concert trailer", 10, &[&library]);
    body["poster_media_id"] = poster["id"].clone();
    let event = app.submit_event(&choir, &body).await;
    let id = event["id"].as_str().unwrap();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{id}/approve"),
        &app.admin,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::OK,
    )
    .await;
    let (_, screen) = app.pair_screen(&library, "Hall", 1920, 1080).await;
    let (first, _) = manifest(&app, &screen).await;
    let media = &first["items"][0]["media"];
    // Before its rendition is ready the poster is the still frame; after, the video.
    if media["content_type"] == "image/jpeg" {
        assert_eq!(
            media["sha256"],
            rendition(&poster, "poster_frame")["sha256"]
        );
        assert_eq!(media["duration_ms"], Value::Null);
    }
    let poster = rendered(&app, poster["id"].as_str().unwrap()).await;
    let mut after = manifest(&app, &screen).await.0;
    for _ in 0..50 {
        if after["items"][0]["media"]["content_type"] == "video/mp4" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = manifest(&app, &screen).await.0;
    }
    let item = &after["items"][0];
    let length = poster["video"]["duration_ms"].as_u64().unwrap();
    assert!((3900..=4100).contains(&length));
    assert_eq!(item["duration_ms"].as_u64(), Some(length));
    assert_eq!(
        item["media"]["sha256"],
        rendition(&poster, "screen_1080p")["sha256"]
    );
    assert_eq!(item["media"]["content_type"], "video/mp4");
    assert_eq!(item["media"]["duration_ms"].as_u64(), Some(length));
    assert_eq!(item["sound"], false);
}

#[tokio::test]
async fn videos_that_lie_are_cut_short_absurd_or_in_other_codecs_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    // A text file named .mp4.
    let (status, message) = refused(&app, b"just some notes\n".to_vec(), "video/mp4").await;
    assert_eq!(status, unprocessable);
    assert!(
        message.contains("not an MP4, WebM or MOV video"),
        "{message}"
    );

    // An MP4 cut in half: ffmpeg writes its index (moov) at the end, so nothing can be read.
    let whole = mp4_with_sound();
    let (status, message) = refused(&app, whole[..whole.len() / 2].to_vec(), "video/mp4").await;
    assert_eq!(status, unprocessable);
    assert!(
        message.contains("cannot be read") && message.contains("moov"),
        "{message}"
    );

    // Declared as WebM, but the content is an MP4.
    let (status, message) = refused(&app, whole.clone(), "video/webm").await;
    assert_eq!(status, unprocessable);
    assert!(
        message.contains("says video/webm but the content is video/mp4"),
        "{message}"
    );

    // A header that claims 20000 x 20000 (the `tkhd` box and the `avc1` sample entry patched)
    // over 640 x 360 pictures: ffprobe reports the stream's real size, but decoding meets
    // the header's, so the server refuses it and says why.
    let (status, message) = refused(&app, claiming_size(&whole, 20_000, 20_000), "video/mp4").await;
    assert_eq!(status, unprocessable);
    assert!(message.contains("20000x20000"), "{message}");

    // A real picture wider than 8K.
    let wide = ffmpeg_clip(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:size=8192x16:rate=5",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        "wide.mp4",
    );
    let (status, message) = refused(&app, wide, "video/mp4").await;
    assert_eq!(status, unprocessable);
    assert!(
        message.contains("8192x16") && message.contains("7680x4320"),
        "{message}"
    );

    // Sound only.
    let sound = ffmpeg_clip(
        &[
            "-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac", "-f", "mp4",
        ],
        "sound.mp4",
    );
    let (status, message) = refused(&app, sound, "video/mp4").await;
    assert_eq!(status, unprocessable);
    assert!(message.contains("no video stream"), "{message}");

    // MPEG-4 Part 2, which screens are not asked to play.
    let old = ffmpeg_clip(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-t",
            "1",
            "-c:v",
            "mpeg4",
        ],
        "old.mp4",
    );
    let (status, message) = refused(&app, old, "video/mp4").await;
    assert_eq!(status, unprocessable);
    assert!(
        message.contains("mpeg4") && message.contains("H.264"),
        "{message}"
    );

    let library = app
        .expect(
            Method::GET,
            "/api/v1/media",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(library["total"], 0, "nothing refused was kept");
}

/// `mp4` with the size in its track header and its `avc1` sample entry replaced.
fn claiming_size(mp4: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut bytes = mp4.to_vec();
    let find = |bytes: &[u8], what: &[u8], from: usize| {
        bytes[from..]
            .windows(what.len())
            .position(|w| w == what)
            .map(|i| i + from)
            .unwrap()
    };
    let tkhd = find(&bytes, b"tkhd", 0);
    let size = u32::from_be_bytes(bytes[tkhd - 4..tkhd].try_into().unwrap()) as usize;
    let end = tkhd - 4 + size;
    bytes[end - 8..end - 4].copy_from_slice(&(u32::from(width) << 16).to_be_bytes());
    bytes[end - 4..end].copy_from_slice(&(u32::from(height) << 16).to_be_bytes());
    // The sample entry: after its type, 6 reserved bytes, the data reference index (2) and 16
    // bytes of pre-defined and reserved fields come width and height.
    let avc1 = find(&bytes, b"avc1", find(&bytes, b"stsd", 0));
    let at = avc1 + 4 + 6 + 2 + 16;
    bytes[at..at + 2].copy_from_slice(&width.to_be_bytes());
    bytes[at + 2..at + 4].copy_from_slice(&height.to_be_bytes());
    bytes
}

#[tokio::test]
async fn a_video_over_its_limit_is_refused_with_413_while_images_keep_their_own_limit() {
    let app = spawn_app_with(|settings| {
        settings.video_max_mb = 1;
        settings.max_upload_mb = 2;
    })
    .await;
    // An MP4's first box, then 1.5 MiB: refused as it streams in, whatever it declares.
    let mut big = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41".to_vec();
    big.resize(3 << 19, 0);
    for declared in ["video/mp4", "application/octet-stream"] {
        let (status, message) = refused(&app, big.clone(), declared).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            message.contains("video is larger than the limit of 1 MiB"),
            "{message}"
        );
    }
    // An image of the same size is within the image limit: refused only for what it is.
    let mut not_video = vec![0u8; 3 << 19];
    not_video[..4].copy_from_slice(b"\x89PNG");
    let (status, _) = refused(&app, not_video, "image/png").await;
    assert_ne!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_rendition_job_abandoned_by_a_dead_instance_is_taken_over_once_its_lease_ran_out() {
    use civicast_server::core::media::video;
    use civicast_server::db::schema::video_jobs;
    use diesel::prelude::*;

    let app = spawn_app().await;
    let clip = ffmpeg_clip(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=25",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
        "short.mp4",
    );
    let entry = upload_ok(&app, &app.admin, clip, "video/mp4").await;
    let id = entry["id"].as_str().unwrap();
    let sha256 = entry["sha256"].as_str().unwrap().to_owned();
    assert_eq!(
        rendered(&app, id).await["video"]["rendition"]["state"],
        "done"
    );

    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    // Nothing waits: no claim.
    assert!(video::claim_next(&mut conn).unwrap().is_none());

    // An instance claimed it again and died: while its lease runs, nobody takes it over.
    let lease_until =
        |seconds: i64| (chrono::Utc::now() + chrono::Duration::seconds(seconds)).naive_utc();
    diesel::update(video_jobs::table.find(&sha256))
        .set((
            video_jobs::state.eq("running"),
            video_jobs::claimed_by.eq("dead instance"),
            video_jobs::claimed_until.eq(lease_until(60)),
        ))
        .execute(&mut conn)
        .unwrap();
    assert!(video::claim_next(&mut conn).unwrap().is_none());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let state: (String, String) = video_jobs::table
        .find(&sha256)
        .select((video_jobs::state, video_jobs::claimed_by.assume_not_null()))
        .first(&mut conn)
        .unwrap();
    assert_eq!(state, ("running".to_owned(), "dead instance".to_owned()));

    // Its lease runs out: this instance's worker takes it and finishes it; the dead one's
    // claim can no longer write.
    diesel::update(video_jobs::table.find(&sha256))
        .set(video_jobs::claimed_until.eq(lease_until(-1)))
        .execute(&mut conn)
        .unwrap();
    let entry = rendered(&app, id).await;
    assert_eq!(entry["video"]["rendition"]["state"], "done");
    let (claimed_by, attempts): (Option<String>, i32) = video_jobs::table
        .find(&sha256)
        .select((video_jobs::claimed_by, video_jobs::attempts))
        .first(&mut conn)
        .unwrap();
    assert_ne!(claimed_by.as_deref(), Some("dead instance"));
    assert_eq!(attempts, 2);
    assert!(!video::report_progress(&mut conn, &sha256, "dead instance", 50).unwrap());
}
