//! Emergency messages reach every running screen at once through the push channel, also when
//! they are posted on another server instance sharing the database, and leave the same way.

use std::time::{Duration, Instant};

use civicast_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Reads the push stream until an `emergency` event comes, and returns its state.
async fn next_event(stream: &mut reqwest::Response, buffer: &mut String) -> Value {
    next_push(stream, buffer, "emergency").await
}

/// Reads the push stream until an event of `kind` comes, and returns its data.
pub async fn next_push(stream: &mut reqwest::Response, buffer: &mut String, kind: &str) -> Value {
    let heading = format!("event: {kind}\n");
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block
                .lines()
                .find_map(|line| line.strip_prefix("data: "))
                .filter(|_| block.starts_with(&heading))
            {
                return serde_json::from_str(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

pub async fn open_stream(app: &TestApp, token: &str) -> reqwest::Response {
    let response = app
        .client
        .get(app.url("/api/v1/screen/emergency/stream"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    response
}

#[tokio::test]
async fn a_message_posted_on_one_instance_reaches_screens_on_another_within_two_seconds() {
    let first = spawn_app().await;
    // A second instance on the same database (and, on SQLite, the same data directory).
    let second = spawn_app_with(|settings| {
        settings.data_dir = first.settings.data_dir.clone();
        settings.database_url = first.settings.database_url.clone();
    })
    .await;
    let town_hall = first.building("Town hall").await;
    let library = first.building("Library").await;
    let (_, town_hall_screen) = first.pair_screen(&town_hall, "Entrance", 1920, 1080).await;
    let (_, library_screen) = first.pair_screen(&library, "Desk", 1080, 1920).await;

    let mut town_hall_stream = open_stream(&second, &town_hall_screen).await;
    let mut library_stream = open_stream(&first, &library_screen).await;
    let (mut town_hall_buffer, mut library_buffer) = (String::new(), String::new());
    assert_eq!(
        next_event(&mut town_hall_stream, &mut town_hall_buffer).await,
        json!({ "message": null })
    );
    assert_eq!(
        next_event(&mut library_stream, &mut library_buffer).await,
        json!({ "message": null })
    );

    // Everywhere: posted on the first instance, seen by a screen on the second.
    let posted_at = Instant::now();
    let message = first
        .expect(
            Method::POST,
            "/api/v1/emergency",
            &first.admin,
            Some(&json!({ "text": "Evacuate the building by the nearest exit" })),
            StatusCode::CREATED,
        )
        .await;
    let seen = next_event(&mut town_hall_stream, &mut town_hall_buffer).await;
    let latency = posted_at.elapsed();
    // Reported, not asserted: speed is for benchmarks (the goal is under 2 s).
    println!("emergency message from one instance to a screen on another: {latency:?}");
    assert_eq!(
        seen["message"]["text"],
        "Evacuate the building by the nearest exit"
    );
    let library_seen = next_event(&mut library_stream, &mut library_buffer).await;
    assert_eq!(library_seen["message"]["id"], message["id"]);

    // The polling route says the same, for a player whose stream broke.
    let polled = second
        .expect(
            Method::GET,
            "/api/v1/screen/emergency",
            &town_hall_screen,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(polled["message"]["id"], message["id"]);

    // A newer message for the library only: the library's screen switches, the town hall's not.
    let library_only = second
        .expect(
            Method::POST,
            "/api/v1/emergency",
            &second.admin,
            Some(&json!({ "text": "Library closes now", "building_id": library })),
            StatusCode::CREATED,
        )
        .await;
    let switched = next_event(&mut library_stream, &mut library_buffer).await;
    assert_eq!(switched["message"]["id"], library_only["id"]);
    let town_hall_now = first
        .expect(
            Method::GET,
            "/api/v1/screen/emergency",
            &town_hall_screen,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(town_hall_now["message"]["id"], message["id"]);

    // Cleared, both: every screen goes back to its playlist.
    for id in [&message["id"], &library_only["id"]] {
        first
            .expect(
                Method::DELETE,
                &format!("/api/v1/emergency/{}", id.as_str().unwrap()),
                &first.admin,
                None,
                StatusCode::NO_CONTENT,
            )
            .await;
    }
    let mut last = next_event(&mut town_hall_stream, &mut town_hall_buffer).await;
    assert_eq!(last, json!({ "message": null }));
    loop {
        last = next_event(&mut library_stream, &mut library_buffer).await;
        if last["message"].is_null() {
            break;
        }
        // Between the two clearings the library shows the message for everyone again.
        assert_eq!(last["message"]["id"], message["id"]);
    }

    // Only staff post, and a screen token cannot.
    let (_, choir) = first
        .organisation_with_member("Choir", "association", "association")
        .await;
    for token in [&choir, &town_hall_screen] {
        let refused = first
            .send(
                Method::POST,
                "/api/v1/emergency",
                Some(token),
                Some(&json!({ "text": "Not an emergency" })),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    let empty = first
        .send(
            Method::POST,
            "/api/v1/emergency",
            Some(&first.admin),
            Some(&json!({ "text": "   " })),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Stopping an instance ends its streams instead of waiting out the 30 s a graceful stop
    // allows (players reconnect to another instance or after the restart).
    let stopping = Instant::now();
    second.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(20),
        "the stop waited for the streams: {:?}",
        stopping.elapsed()
    );
    let rest = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = town_hall_stream.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the stream ended with the server");
}
