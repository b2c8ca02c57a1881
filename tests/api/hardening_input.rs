//! Issue 22, findings 5 and 10 (part): the exact requests of the review, each now refused with
//! the field named and nothing stored. Dates lie in the years 2000 to 2200, play times and
//! clock offsets within what a player's clock can explain, and texts show what they say.

use chrono::{Duration, Utc};
use civicast_tests::{TestApp, on_postgres, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::event_body;

/// Checks a validation answer: 422 with `field` named in its fields.
async fn refused(response: reqwest::Response, field: &str) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["fields"]
            .as_array()
            .is_some_and(|fields| fields.iter().any(|f| f["field"] == field)),
        "{field} not named: {body}"
    );
    body
}

async fn event_count(app: &TestApp) -> u64 {
    let page = app
        .expect(
            Method::GET,
            "/api/v1/events",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    page["total"].as_u64().expect("a total")
}

#[tokio::test]
async fn report_periods_at_the_ends_of_time_are_refused_naming_the_field() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/reports/plays?by=event&to=-262143-01-01T00:00:00Z",
        "/api/v1/reports/delivery?to=-262143-01-01T00:00:00Z",
        "/api/v1/reports/fairness?to=-262143-01-01T00:00:00Z",
    ] {
        let body = refused(app.get(path, &app.admin).await, "to").await;
        assert!(body["message"].as_str().unwrap().contains("2000 to 2200"));
    }
    let far_from = "/api/v1/reports/plays?by=building&from=%2B262142-12-31T23:59:59Z";
    refused(app.get(far_from, &app.admin).await, "from").await;
    // A period inside the calendar still answers.
    let fine = "/api/v1/reports/plays?by=event&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z";
    app.expect(Method::GET, fine, &app.admin, None, StatusCode::OK)
        .await;

    // The portal's report page, in the visitor's language.
    let portal = crate::generated::portal_cookies(&app).await;
    for (to, page) in [
        ("-262143-01-01", "/reports"),
        ("%2B262142-12-31", "/reports.csv"),
    ] {
        let response = app
            .client
            .get(app.url(&format!("{page}?by=event&to={to}")))
            .header("cookie", &portal)
            .header("accept-language", "nl-BE")
            .send()
            .await
            .expect("the portal answers");
        let status = response.status();
        let html = response.text().await.unwrap_or_default();
        assert!(status.is_client_error(), "{page} answered {status}");
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(html.contains("2000 tot 2200"), "{html}");
        }
    }
}

/// A play record that is sound but for what the test changes.
fn play(screen: &str, item: &str) -> Value {
    let ended = Utc::now() - Duration::seconds(12);
    json!({
        "id": Uuid::now_v7(), "schema_version": 1, "seq": 1, "screen_id": screen,
        "item_id": item, "kind": "announcement", "content_hash": "ab".repeat(32),
        "started_at": (ended - Duration::seconds(8)).to_rfc3339(),
        "ended_at": ended.to_rfc3339(), "planned_ms": 8000, "played_ms": 8000,
        "clock_offset_ms": 0, "outcome": "complete", "display_on": true,
        "player_version": "test",
    })
}

/// A bad record is refused in the receipt with its field named (the batch itself is answered,
/// so that the player drops the record instead of retrying the whole batch for ever), and
/// nothing of it is stored.
#[tokio::test]
async fn play_records_at_the_ends_of_time_are_refused_and_not_stored() {
    let app = spawn_app().await;
    let building = app.building("Library").await;
    let playlist = app.playlist(&building, "Loop").await;
    let item = app
        .add_item(
            &playlist,
            &json!({ "kind": "announcement", "text": "Welcome" }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (screen, token) = app.pair_screen(&building, "Hall", 1920, 1080).await;

    let mut offset = play(&screen, &item);
    offset["clock_offset_ms"] = json!(i64::MIN);
    let mut started = play(&screen, &item);
    started["started_at"] = json!("-262143-01-01T00:00:00Z");
    let mut ended = play(&screen, &item);
    ended["ended_at"] = json!("+262142-12-31T23:59:59Z");
    let receipt = app
        .expect(
            Method::POST,
            "/api/v1/screen/plays",
            &token,
            Some(&json!({ "plays": [offset, started, ended] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(receipt["accepted"], 0, "{receipt}");
    let reasons: Vec<&str> = receipt["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 3, "{receipt}");
    assert!(reasons[0].contains("clock_offset_ms"), "{reasons:?}");
    assert!(reasons[1].contains("started_at"), "{reasons:?}");
    assert!(reasons[2].contains("ended_at"), "{reasons:?}");

    let report = app
        .expect(
            Method::GET,
            "/api/v1/reports/plays?by=screen",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(report["total"]["plays"], 0.0, "{report}");
}

#[tokio::test]
async fn an_event_ending_at_the_end_of_time_is_refused_and_not_stored() {
    let app = spawn_app().await;
    let building = app.building("Library").await;
    let (_, member) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let before = event_count(&app).await;
    let mut body = event_body("Concert", 10, &[&building]);
    body["ends_at"] = json!("+262142-12-31T23:59:59Z");
    let answer = refused(app.post("/api/v1/events", &member, &body).await, "ends_at").await;
    assert!(answer["message"].as_str().unwrap().contains("2000 to 2200"));
    let mut early = event_body("Concert", 10, &[&building]);
    early["starts_at"] = json!("-262143-01-01T00:00:00Z");
    refused(
        app.post("/api/v1/events", &member, &early).await,
        "starts_at",
    )
    .await;

    // An edit and an approval are held to the same calendar.
    let event = app
        .submit_event(&member, &event_body("Concert", 10, &[&building]))
        .await;
    let id = event["id"].as_str().unwrap();
    refused(
        app.put(&format!("/api/v1/events/{id}"), &member, &body)
            .await,
        "ends_at",
    )
    .await;
    let approve = json!({
        "building_ids": [building],
        "promotion_from": "-262143-01-01T00:00:00Z",
        "promotion_until": "+262142-12-31T23:59:59Z",
    });
    let answer = refused(
        app.post(
            &format!("/api/v1/events/{id}/approve"),
            &app.admin,
            &approve,
        )
        .await,
        "promotion_from",
    )
    .await;
    assert_eq!(answer["fields"][1]["field"], "promotion_until");
    assert_eq!(event_count(&app).await, before + 1);
    let stored = app
        .expect(
            Method::GET,
            &format!("/api/v1/events/{id}"),
            &member,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(stored["status"], "pending");
    assert_eq!(stored["ends_at"], event["ends_at"]);

    // A playlist item's schedule too.
    let playlist = app.playlist(&building, "Loop").await;
    let item = json!({
        "kind": "announcement", "text": "Welcome",
        "schedule": { "valid_until": "+262142-12-31T23:59:59Z" },
    });
    refused(
        app.post(
            &format!("/api/v1/playlists/{playlist}/items"),
            &app.admin,
            &item,
        )
        .await,
        "schedule.valid_until",
    )
    .await;
}

/// A database written before dates were bounded may hold such an event: its pages still show.
#[tokio::test]
async fn an_event_stored_at_the_end_of_time_before_the_bound_still_shows() {
    let app = spawn_app().await;
    let building = app.building("Library").await;
    let (_, member) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let event = app
        .submit_event(&member, &event_body("Concert", 10, &[&building]))
        .await;
    let id = event["id"].as_str().unwrap().to_owned();
    if let Some(url) = app
        .settings
        .database_url
        .as_deref()
        .filter(|_| on_postgres())
    {
        use diesel::{Connection, RunQueryDsl};
        let mut database = diesel::PgConnection::establish(url).expect("the test database");
        diesel::sql_query(format!(
            "UPDATE events SET starts_at = '262142-12-31 23:30:00', \
             ends_at = '262142-12-31 23:59:59' WHERE id = '{id}'"
        ))
        .execute(&mut database)
        .expect("an old row");
    } else {
        let database = rusqlite::Connection::open(app.settings.data_dir.join("civicast.db"))
            .expect("the test database");
        database
            .execute(
                "UPDATE events SET starts_at = '+262142-12-31 23:30:00', \
                 ends_at = '+262142-12-31 23:59:59' WHERE id = ?1",
                [&id],
            )
            .expect("an old row");
    }
    let portal = crate::generated::portal_cookies(&app).await;
    for path in [
        format!("/events/{id}"),
        format!("/events/{id}/edit"),
        "/events".to_owned(),
        "/moderation".to_owned(),
        "/".to_owned(),
    ] {
        let response = app
            .client
            .get(app.url(&path))
            .header("cookie", &portal)
            .send()
            .await
            .expect("the portal answers");
        assert!(
            response.status().as_u16() < 500,
            "{path} answered {}",
            response.status()
        );
    }
    let stored = app
        .expect(
            Method::GET,
            &format!("/api/v1/events/{id}"),
            &member,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        stored["ends_at"].as_str().unwrap().contains("262142"),
        "{stored}"
    );
    let (_, screen) = app.pair_screen(&building, "Hall", 1920, 1080).await;
    let approve = json!({ "building_ids": [building] });
    let response = app
        .post(
            &format!("/api/v1/events/{id}/approve"),
            &app.admin,
            &approve,
        )
        .await;
    assert!(response.status().as_u16() < 500, "{}", response.status());
    let manifest = app.get("/api/v1/screen/manifest", &screen).await;
    assert!(manifest.status().as_u16() < 500, "{}", manifest.status());
}

#[tokio::test]
async fn invisible_titles_are_empty_and_direction_controls_are_stripped() {
    let app = spawn_app().await;
    let building = app.building("Library").await;
    let (_, member) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let before = event_count(&app).await;
    let mut blank = event_body("x", 10, &[&building]);
    blank["title"] = json!("\u{200b}\u{200b}\u{2060}\u{feff}\u{200d}");
    refused(app.post("/api/v1/events", &member, &blank).await, "title").await;
    assert_eq!(event_count(&app).await, before);

    let mut spoofed = event_body("x", 10, &[&building]);
    spoofed["title"] = json!("\u{202e}trecnoc rioh\u{202c}C \u{2066}day\u{2069}");
    spoofed["link"] = json!("https://choir.example/\u{202e}gpj.exe");
    spoofed["venue"] = json!("\u{200f}Hall\u{200e}\u{061c}");
    let stored = app.submit_event(&member, &spoofed).await;
    assert_eq!(stored["title"], "trecnoc riohC day");
    assert_eq!(stored["link"], "https://choir.example/gpj.exe");
    assert_eq!(stored["venue"], "Hall");

    // Buildings, playlists, organisations and users follow the same rules.
    let blank_name =
        json!({ "name": "\u{3164}\u{200b}", "address": "Markt 1", "venue_type": "library" });
    refused(
        app.post("/api/v1/buildings", &app.admin, &blank_name).await,
        "name",
    )
    .await;
    let organisation = app
        .expect(
            Method::POST,
            "/api/v1/organisations",
            &app.admin,
            Some(&json!({
                "name": "\u{202e}Club\u{202c}", "kind": "association",
                "contact_name": "Ann\u{2067}", "contact_email": "ann@example.org",
            })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(organisation["name"], "Club");
    assert_eq!(organisation["contact_name"], "Ann");
    let user = json!({
        "email": "zero@example.org", "display_name": "\u{200b}", "role": "staff",
        "password": "a long enough password",
    });
    refused(
        app.post("/api/v1/users", &app.admin, &user).await,
        "display_name",
    )
    .await;
    // Joiners inside an emoji sequence are kept.
    let family = "\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467} family day";
    let mut emoji = event_body(family, 10, &[&building]);
    emoji["title"] = json!(family);
    assert_eq!(app.submit_event(&member, &emoji).await["title"], family);
}
