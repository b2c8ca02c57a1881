//! The player's side of the API: pairing by a code on screen, the manifest with its ETag, media
//! by hash with Range, and status reports that the CMS shows.

use civicast_tests::{TestApp, png, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::event_body;

#[tokio::test]
async fn a_player_pairs_by_a_code_that_staff_enter_and_collects_its_token_once() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let ticket = app
        .send(
            Method::POST,
            "/api/v1/pairing",
            None,
            Some(&json!({ "width": 1080, "height": 1920, "player_version": "0.1.0" })),
        )
        .await;
    assert_eq!(ticket.status(), StatusCode::CREATED);
    let ticket: Value = ticket.json().await.unwrap();
    let code = ticket["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let poll = format!("/api/v1/pairing/{}", ticket["secret"].as_str().unwrap());

    let waiting: Value = app
        .send(Method::GET, &poll, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["status"], "pending");
    assert_eq!(waiting["token"], Value::Null);

    // An association member cannot take over a screen.
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let claim = json!({ "code": code.to_lowercase(), "building_id": library, "name": "Entrance" });
    app.expect(
        Method::POST,
        "/api/v1/pairing/claim",
        &choir,
        Some(&claim),
        StatusCode::FORBIDDEN,
    )
    .await;

    // Staff type the code (in lower case, as people do); the screen takes the player's shape.
    let screen = app
        .expect(
            Method::POST,
            "/api/v1/pairing/claim",
            &app.admin,
            Some(&claim),
            StatusCode::OK,
        )
        .await;
    assert_eq!(screen["building_id"], library.as_str());
    assert_eq!(
        (screen["width"].as_u64(), screen["height"].as_u64()),
        (Some(1080), Some(1920))
    );
    assert_eq!(screen["orientation"], "portrait");
    assert_eq!(screen["paired"], true);
    let again = app
        .expect(
            Method::POST,
            "/api/v1/pairing/claim",
            &app.admin,
            Some(&claim),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(again["message"].as_str().unwrap().contains("already"));

    let paired: Value = app
        .send(Method::GET, &poll, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paired["status"], "paired");
    assert_eq!(paired["screen_id"], screen["id"]);
    let token = paired["token"].as_str().unwrap();
    assert!(token.starts_with("cvs_"));
    // The token is handed out once; the secret is spent.
    let spent = app.send(Method::GET, &poll, None, None).await;
    assert_eq!(spent.status(), StatusCode::NOT_FOUND);

    let me = app
        .expect(
            Method::GET,
            "/api/v1/screen/self",
            token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(me["screen"]["name"], "Entrance");

    // The audit log says who paired it.
    let log = app
        .expect(
            Method::GET,
            "/api/v1/audit?action=screen.pair",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(log["items"][0]["entity_id"], screen["id"]);
}

#[tokio::test]
async fn pairing_input_is_checked_and_unknown_codes_say_what_to_do() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let tiny = app
        .send(
            Method::POST,
            "/api/v1/pairing",
            None,
            Some(&json!({ "width": 10, "height": 1080, "player_version": "0.1.0" })),
        )
        .await;
    assert_eq!(tiny.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_code = app
        .expect(
            Method::POST,
            "/api/v1/pairing/claim",
            &app.admin,
            Some(&json!({ "code": "K7Q0M", "building_id": library, "name": "Hall" })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(bad_code["fields"][0]["field"], "code");
    let neither = app
        .expect(
            Method::POST,
            "/api/v1/pairing/claim",
            &app.admin,
            Some(&json!({ "code": "K7Q4MX" })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(neither["fields"][0]["field"], "screen_id");
    let unknown = app
        .expect(
            Method::POST,
            "/api/v1/pairing/claim",
            &app.admin,
            Some(&json!({ "code": "K7Q4MX", "building_id": library, "name": "Hall" })),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert!(unknown["message"].as_str().unwrap().contains("K7Q4MX"));
    let forged = app
        .send(
            Method::GET,
            &format!("/api/v1/pairing/{}", "ab".repeat(32)),
            None,
            None,
        )
        .await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_manifest_lists_the_loop_with_media_hashes_and_answers_304_when_unchanged() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (screen_id, token) = app.pair_screen(&library, "Hall", 1920, 1080).await;
    let playlist = app.playlist(&library, "Library loop").await;
    let slide_bytes = png(1920, 1080);
    let slide = app
        .upload_image(&app.admin, slide_bytes.clone(), "image/png")
        .await;
    app.add_item(
        &playlist,
        &json!({ "kind": "slide", "media_id": slide["id"], "duration_ms": 8000, "fit": "fill" }),
    )
    .await;
    app.add_item(
        &playlist,
        &json!({ "kind": "announcement", "text": "Closed on Monday <b>11/11</b>" }),
    )
    .await;
    // An approved event with a poster comes third.
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let poster = app.upload_image(&choir, png(1200, 1600), "image/png").await;
    let mut body = event_body("Winter concert", 5, &[&library]);
    body["poster_media_id"] = poster["id"].clone();
    let event = app.submit_event(&choir, &body).await;
    let event_id = event["id"].as_str().unwrap();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{event_id}/approve"),
        &staff,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::OK,
    )
    .await;

    let response = app
        .send(Method::GET, "/api/v1/screen/manifest", Some(&token), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let manifest: Value = response.json().await.unwrap();
    assert_eq!(manifest["screen_id"], screen_id.as_str());
    assert_eq!(manifest["time_zone"], "Europe/Brussels");
    let items = manifest["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["slide", "announcement", "event"]);
    assert_eq!(items[0]["media"]["sha256"], slide["sha256"]);
    assert_eq!(items[0]["fit"], "fill");
    assert_eq!(items[0]["duration_ms"], 8000);
    assert_eq!(items[1]["text"], "Closed on Monday <b>11/11</b>");
    assert_eq!(items[2]["event"]["title"], "Winter concert");
    assert_eq!(items[2]["event"]["organiser"], "Choir");
    assert_eq!(items[2]["event"]["link"], "https://choir.example/concert");
    // A 1200x1600 poster is larger than a 1080p screen: the screen gets its rendition.
    assert_eq!(poster["renditions"][0]["kind"], "screen_1080p");
    assert_eq!(
        items[2]["media"]["sha256"],
        poster["renditions"][0]["sha256"]
    );
    assert_eq!(items[2]["media"]["height"], 1440);
    assert!(
        items[2]["schedule"]["valid_from"].is_string(),
        "the promotion window travels"
    );

    // Nothing changed: 304 and no body.
    let unchanged = app
        .client
        .get(app.url("/api/v1/screen/manifest"))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert!(unchanged.text().await.unwrap().is_empty());

    // A withdrawn event leaves the manifest, and the ETag changes.
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{event_id}/withdraw"),
        &choir,
        None,
        StatusCode::OK,
    )
    .await;
    let changed = app
        .client
        .get(app.url("/api/v1/screen/manifest"))
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let manifest: Value = changed.json().await.unwrap();
    assert_eq!(manifest["items"].as_array().unwrap().len(), 2);

    // A user token is not a screen.
    app.expect(
        Method::GET,
        "/api/v1/screen/manifest",
        &app.admin,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Media by hash, whole or from an offset, cacheable for good.
    let media_path = format!("/api/v1/screen/media/{}", slide["sha256"].as_str().unwrap());
    let whole = app.send(Method::GET, &media_path, Some(&token), None).await;
    assert_eq!(whole.status(), StatusCode::OK);
    assert!(
        whole.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        whole.bytes().await.unwrap().as_ref(),
        slide_bytes.as_slice()
    );
    let rest = app
        .client
        .get(app.url(&media_path))
        .bearer_auth(&token)
        .header("range", "bytes=100-")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(rest.bytes().await.unwrap().as_ref(), &slide_bytes[100..]);
    let unknown = app
        .send(
            Method::GET,
            &format!("/api/v1/screen/media/{}", "0".repeat(64)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let tricky = app
        .send(
            Method::GET,
            "/api/v1/screen/media/..%2F..%2Fsecret",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(tricky.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_player_status_report_shows_in_the_cms_and_bad_reports_are_refused() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (screen_id, token) = app.pair_screen(&library, "Hall", 1920, 1080).await;
    let before = app
        .expect(
            Method::GET,
            &format!("/api/v1/screens/{screen_id}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(before["online"], false);
    assert_eq!(before["player"], Value::Null);

    let report = json!({
        "player_version": "0.1.0", "now_playing": null, "manifest_etag": "\"abc\"",
        "cache_bytes": 1234, "cache_files": 2, "width": 1920, "height": 1080, "uptime_s": 42
    });
    app.expect(
        Method::POST,
        "/api/v1/screen/status",
        &token,
        Some(&report),
        StatusCode::NO_CONTENT,
    )
    .await;
    let after = app
        .expect(
            Method::GET,
            &format!("/api/v1/screens/{screen_id}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(after["online"], true);
    assert_eq!(after["player"]["cache_bytes"], 1234);
    assert_eq!(after["player"]["uptime_s"], 42);
    assert_eq!(after["player"]["player_version"], "0.1.0");
    assert_eq!(after["player"]["unplayable"], json!([]));

    // A file the player could not decode is shown with the decoder's reason until a report
    // without it.
    let broken = "ab".repeat(32);
    let mut skipping = report.clone();
    skipping["unplayable"] =
        json!([{ "sha256": broken, "reason": "Internal data stream error: not an H.264 stream" }]);
    app.expect(
        Method::POST,
        "/api/v1/screen/status",
        &token,
        Some(&skipping),
        StatusCode::NO_CONTENT,
    )
    .await;
    let screen_path = format!("/api/v1/screens/{screen_id}");
    let shown = app
        .expect(Method::GET, &screen_path, &app.admin, None, StatusCode::OK)
        .await;
    assert_eq!(shown["player"]["unplayable"][0]["sha256"], broken);
    assert_eq!(
        shown["player"]["unplayable"][0]["reason"],
        "Internal data stream error: not an H.264 stream"
    );
    app.expect(
        Method::POST,
        "/api/v1/screen/status",
        &token,
        Some(&report),
        StatusCode::NO_CONTENT,
    )
    .await;
    let healed = app
        .expect(Method::GET, &screen_path, &app.admin, None, StatusCode::OK)
        .await;
    assert_eq!(healed["player"]["unplayable"], json!([]));
    let mut not_a_hash = report.clone();
    not_a_hash["unplayable"] = json!([{ "sha256": "clip.mp4", "reason": "broken" }]);
    let refused = app
        .expect(
            Method::POST,
            "/api/v1/screen/status",
            &token,
            Some(&not_a_hash),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(refused["fields"][0]["field"], "unplayable");

    let mut bad = report.clone();
    bad["width"] = json!(100_000);
    let refused = app
        .expect(
            Method::POST,
            "/api/v1/screen/status",
            &token,
            Some(&bad),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(refused["fields"][0]["field"], "width");
    let mut unknown_field = report.clone();
    unknown_field["camera"] = json!("on");
    let refused = app
        .send(
            Method::POST,
            "/api/v1/screen/status",
            Some(&token),
            Some(&unknown_field),
        )
        .await;
    assert!(refused.status().is_client_error());
}

#[tokio::test]
async fn a_changed_output_size_becomes_the_screens_resolution_and_a_staff_edit_stands() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (screen_id, token) = app.pair_screen(&library, "Hall", 1920, 540).await;
    let path = format!("/api/v1/screens/{screen_id}");
    let report = |width: u32, height: u32| {
        json!({
            "player_version": "0.1.0", "now_playing": null, "manifest_etag": null,
            "cache_bytes": 0, "cache_files": 0, "width": width, "height": height, "uptime_s": 1
        })
    };
    let send = |width: u32, height: u32| {
        let (app, token, path, body) = (&app, &token, &path, report(width, height));
        async move {
            app.expect(
                Method::POST,
                "/api/v1/screen/status",
                token,
                Some(&body),
                StatusCode::NO_CONTENT,
            )
            .await;
            app.expect(Method::GET, path, &app.admin, None, StatusCode::OK)
                .await
        }
    };
    let size = |screen: &Value| {
        (
            screen["width"].clone(),
            screen["height"].clone(),
            screen["orientation"].clone(),
        )
    };
    // Before the app knows its window (0x0), then the size it paired with: nothing changes.
    let seen = send(0, 0).await;
    assert_eq!(size(&seen), (json!(1920), json!(540), json!("landscape")));
    let seen = send(1920, 540).await;
    assert_eq!(size(&seen), (json!(1920), json!(540), json!("landscape")));
    // The monitor is turned: the screen follows, and the audit log says so.
    let seen = send(1080, 1920).await;
    assert_eq!(size(&seen), (json!(1080), json!(1920), json!("portrait")));
    assert_eq!(seen["player"]["width"], 1080);
    let audit = app
        .expect(
            Method::GET,
            &format!("/api/v1/audit?entity_id={screen_id}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        audit.to_string().contains("screen.output_changed"),
        "{audit}"
    );
    // Staff set another resolution by hand (an LED wall scaled by its controller): reports of
    // the same output leave it alone.
    let edit = json!({
        "building_id": library, "name": "Hall", "kind": "information_screen",
        "width": 1536, "height": 384, "orientation": "landscape"
    });
    app.expect(Method::PUT, &path, &app.admin, Some(&edit), StatusCode::OK)
        .await;
    let seen = send(1080, 1920).await;
    assert_eq!(size(&seen), (json!(1536), json!(384), json!("landscape")));
}

/// Polls the manifest on `app` until `done` accepts the status, for up to 2 s.
async fn within_two_seconds(
    app: &TestApp,
    token: &str,
    done: impl Fn(StatusCode) -> bool,
) -> reqwest::Response {
    let started = std::time::Instant::now();
    loop {
        let response = app
            .send(Method::GET, "/api/v1/screen/manifest", Some(token), None)
            .await;
        if done(response.status()) || started.elapsed() > std::time::Duration::from_secs(2) {
            return response;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn manifests_kept_in_memory_follow_every_change_on_this_instance_and_on_another() {
    let first = spawn_app().await;
    // A second instance on the same database, as in a region with several servers.
    let second = spawn_app_with(|settings| {
        settings.data_dir = first.settings.data_dir.clone();
        settings.database_url = first.settings.database_url.clone();
    })
    .await;
    let library = first.building("Library").await;
    let (screen_id, token) = first.pair_screen(&library, "Hall", 1920, 1080).await;
    let playlist = first.playlist(&library, "Library loop").await;
    first
        .add_item(
            &playlist,
            &json!({ "kind": "announcement", "text": "Open at nine" }),
        )
        .await;
    for app in [&first, &second] {
        let manifest: Value = within_two_seconds(app, &token, |s| s == StatusCode::OK)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(manifest["items"].as_array().unwrap().len(), 1);
    }

    // Changed through the first instance: its next poll has it at once.
    first
        .add_item(
            &playlist,
            &json!({ "kind": "announcement", "text": "Closed on Monday" }),
        )
        .await;
    let manifest: Value = first
        .send(Method::GET, "/api/v1/screen/manifest", Some(&token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["items"][1]["text"], "Closed on Monday");

    // The second instance kept the old manifest; it gives the new one within two seconds.
    let started = std::time::Instant::now();
    loop {
        let manifest: Value = second
            .send(Method::GET, "/api/v1/screen/manifest", Some(&token), None)
            .await
            .json()
            .await
            .unwrap();
        if manifest["items"].as_array().unwrap().len() == 2 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "the second instance still answers {manifest}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A new token revokes the old one everywhere: at once here, within two seconds there.
    let renewed: Value = first
        .expect(
            Method::POST,
            &format!("/api/v1/screens/{screen_id}/token"),
            &first.admin,
            None,
            StatusCode::CREATED,
        )
        .await;
    let old = first
        .send(Method::GET, "/api/v1/screen/manifest", Some(&token), None)
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let old = within_two_seconds(&second, &token, |s| s == StatusCode::UNAUTHORIZED).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new_token = renewed["token"].as_str().unwrap();
    let manifest: Value = within_two_seconds(&second, new_token, |s| s == StatusCode::OK)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["items"].as_array().unwrap().len(), 2);
    second.stop().await;
}

#[tokio::test]
async fn the_manifest_carries_the_citys_look_with_its_logo_from_the_library() {
    let first = spawn_app().await;
    let logo = first
        .upload_image(&first.admin, png(800, 400), "image/png")
        .await;
    let library = first.building("Library").await;
    let (_, token) = first.pair_screen(&library, "Hall", 1920, 1080).await;
    // The look is set up when the server starts: here a second instance on the same data.
    let logo_id: uuid::Uuid = logo["id"].as_str().unwrap().parse().unwrap();
    let second = spawn_app_with(|settings| {
        settings.data_dir = first.settings.data_dir.clone();
        settings.database_url = first.settings.database_url.clone();
        settings.city_name = Some("Stad Kortrijk".into());
        settings.city_accent = Some("#7fd1ff".into());
        settings.city_ground = Some("#1b3a2a".into());
        settings.city_logo_media_id = Some(logo_id);
    })
    .await;
    let manifest: Value = second
        .expect(
            Method::GET,
            "/api/v1/screen/manifest",
            &token,
            None,
            StatusCode::OK,
        )
        .await;
    let look = &manifest["look"];
    assert_eq!(look["city_name"], "Stad Kortrijk");
    assert_eq!(look["accent"], "#7fd1ff");
    assert_eq!(look["ground"], "#1b3a2a");
    assert_eq!(look["logo"]["sha256"], logo["sha256"]);
    assert_eq!(look["logo"]["width"], 800);
    // The player may fetch the logo like any file its manifest names.
    let sha = look["logo"]["sha256"].as_str().unwrap();
    let file = second
        .send(
            Method::GET,
            &format!("/api/v1/screen/media/{sha}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(file.status(), StatusCode::OK);
    // Without a look set up, the manifest says so with an empty one.
    let plain: Value = first
        .expect(
            Method::GET,
            "/api/v1/screen/manifest",
            &token,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        plain["look"],
        json!({ "city_name": null, "accent": null, "ground": null, "logo": null })
    );
}

/// Manifests this instance answered from memory and built from the database, from `/metrics`.
async fn manifest_counts(app: &TestApp) -> (u64, u64) {
    let text = app.metrics().await;
    let count = |source: &str| {
        let prefix = format!("civicast_manifests_total{{source=\"{source}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .map_or(0, |n| n.trim().parse().unwrap())
    };
    (count("memory"), count("database"))
}

#[tokio::test]
async fn an_edit_in_one_building_leaves_the_other_buildings_manifests_in_memory() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let museum = app.building("Museum").await;
    let (_, library_screen) = app.pair_screen(&library, "Hall", 1920, 1080).await;
    let (_, museum_screen) = app.pair_screen(&museum, "Entrance", 1920, 1080).await;
    let library_loop = app.playlist(&library, "Library loop").await;
    app.playlist(&museum, "Museum loop").await;
    let poll = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.expect(
                Method::GET,
                "/api/v1/screen/manifest",
                &token,
                None,
                StatusCode::OK,
            )
            .await
        }
    };
    poll(&library_screen).await;
    poll(&museum_screen).await;
    let before = manifest_counts(&app).await;
    poll(&library_screen).await;
    poll(&museum_screen).await;
    let unchanged = manifest_counts(&app).await;
    assert_eq!(unchanged, (before.0 + 2, before.1), "both from memory");

    // A new item in the library: its screen gets it at once, the museum's stays in memory.
    app.add_item(
        &library_loop,
        &json!({ "kind": "announcement", "text": "Closed on Monday" }),
    )
    .await;
    let manifest = poll(&library_screen).await;
    assert_eq!(manifest["items"][0]["text"], "Closed on Monday");
    poll(&museum_screen).await;
    let after_item = manifest_counts(&app).await;
    assert_eq!(
        after_item,
        (unchanged.0 + 1, unchanged.1 + 1),
        "only the library's manifest was built again"
    );

    // The museum renamed: the other way round.
    app.expect(
        Method::PUT,
        &format!("/api/v1/buildings/{museum}"),
        &app.admin,
        Some(&json!({ "name": "City museum", "address": "Square 1", "venue_type": "museum" })),
        StatusCode::OK,
    )
    .await;
    let manifest = poll(&museum_screen).await;
    assert_eq!(manifest["building_name"], "City museum");
    poll(&library_screen).await;
    assert_eq!(
        manifest_counts(&app).await,
        (after_item.0 + 1, after_item.1 + 1),
        "only the museum's manifest was built again"
    );
}
