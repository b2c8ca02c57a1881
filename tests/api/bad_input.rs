//! Every kind of bad input gets a clear error with the right status, and changes nothing.

use civicast_tests::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::event_body;

async fn raw_post(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(&app.admin)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn building_count(app: &TestApp) -> u64 {
    app.expect(
        Method::GET,
        "/api/v1/buildings",
        &app.admin,
        None,
        StatusCode::OK,
    )
    .await["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn malformed_bodies_get_a_clear_error_and_store_nothing() {
    let app = spawn_app().await;
    let before = building_count(&app).await;

    let (status, body) = raw_post(
        &app,
        "/api/v1/buildings",
        "application/json",
        "{\"name\": \"Pool\",",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"));

    let (status, body) = raw_post(&app, "/api/v1/buildings", "text/plain", "{}").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );

    let unknown_field = json!({ "name": "Pool", "address": "Street 1", "venue_type": "swimming_pool", "colour": "red" });
    let body = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&unknown_field),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(body["message"].as_str().unwrap().contains("colour"));

    let wrong_type = json!({ "name": 42, "address": "Street 1", "venue_type": "swimming_pool" });
    app.expect(
        Method::POST,
        "/api/v1/buildings",
        &app.admin,
        Some(&wrong_type),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let unknown_venue = json!({ "name": "Castle", "address": "Street 1", "venue_type": "castle" });
    app.expect(
        Method::POST,
        "/api/v1/buildings",
        &app.admin,
        Some(&unknown_venue),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let missing = json!({ "name": "Pool" });
    let body = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&missing),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(body["message"].as_str().unwrap().contains("address"));

    let too_long =
        json!({ "name": "x".repeat(121), "address": "Street 1", "venue_type": "library" });
    let body = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&too_long),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "name");
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 120")
    );

    let bad_zone = json!({ "name": "Pool", "address": "Street 1", "venue_type": "library", "time_zone": "Europe/Kortrijk" });
    let body = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&bad_zone),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "time_zone");

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(300 * 1024));
    let (status, body) = raw_post(&app, "/api/v1/buildings", "application/json", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "payload_too_large");

    assert_eq!(building_count(&app).await, before);
}

#[tokio::test]
async fn invalid_event_dates_and_references_are_refused_and_nothing_is_half_written() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;

    let mut reversed = event_body("Concert", 10, &[&library]);
    reversed["ends_at"] = json!((chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339());
    let body = app
        .expect(
            Method::POST,
            "/api/v1/events",
            &choir,
            Some(&reversed),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "ends_at");
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("after starts_at")
    );

    let over = event_body("Concert", -10, &[&library]);
    let body = app
        .expect(
            Method::POST,
            "/api/v1/events",
            &choir,
            Some(&over),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(body["message"].as_str().unwrap().contains("already over"));

    let not_a_date = json!({ "title": "Concert", "starts_at": "next friday", "ends_at": "2027-01-01T00:00:00Z", "venue": "Hall", "category": "music" });
    app.expect(
        Method::POST,
        "/api/v1/events",
        &choir,
        Some(&not_a_date),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let unknown_building = event_body("Concert", 10, &["0190f0a0-0000-7000-8000-000000000000"]);
    let body = app
        .expect(
            Method::POST,
            "/api/v1/events",
            &choir,
            Some(&unknown_building),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "requested_building_ids");

    let mut bad_link = event_body("Concert", 10, &[]);
    bad_link["link"] = json!("javascript:alert(1)");
    app.expect(
        Method::POST,
        "/api/v1/events",
        &choir,
        Some(&bad_link),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let listed = app
        .expect(Method::GET, "/api/v1/events", &choir, None, StatusCode::OK)
        .await;
    assert_eq!(listed["total"], 0);

    // A failed edit leaves the stored event as it was.
    let event = app
        .submit_event(&choir, &event_body("Concert", 10, &[&library]))
        .await;
    let path = format!("/api/v1/events/{}", event["id"].as_str().unwrap());
    let mut bad_edit = event_body("Renamed", 10, &["0190f0a0-0000-7000-8000-000000000000"]);
    bad_edit["ends_at"] = event["ends_at"].clone();
    app.expect(
        Method::PUT,
        &path,
        &choir,
        Some(&bad_edit),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let stored = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(stored["title"], "Concert");
}

#[tokio::test]
async fn unknown_ids_routes_and_queries_get_clear_errors() {
    let app = spawn_app().await;
    let body = app
        .expect(
            Method::GET,
            "/api/v1/buildings/0190f0a0-0000-7000-8000-000000000000",
            &app.admin,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(body["error"], "not_found");
    app.expect(
        Method::GET,
        "/api/v1/buildings/not-a-uuid",
        &app.admin,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/no-such-thing",
        &app.admin,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let body = app
        .expect(
            Method::GET,
            "/api/v1/buildings?per_page=1000",
            &app.admin,
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(body["message"].as_str().unwrap().contains("per_page"));
    app.expect(
        Method::GET,
        "/api/v1/buildings?page=0",
        &app.admin,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/buildings?page=abc",
        &app.admin,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/events?status=lost",
        &app.admin,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn duplicates_conflict_and_references_in_use_cannot_be_deleted() {
    let app = spawn_app().await;
    app.building("Library").await;
    let again = json!({ "name": "Library", "address": "Elsewhere 2", "venue_type": "library" });
    let body = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&again),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(body["message"].as_str().unwrap().contains("already exists"));

    // A building with screens is no longer refused: it goes with its screens and playlists,
    // said first in the portal (tests/api/administration.rs).

    let (_, _) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let users = app
        .expect(
            Method::GET,
            "/api/v1/users",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    let duplicate_user = json!({ "email": users["items"][0]["email"], "display_name": "Again", "password": "a long enough password", "role": "staff" });
    app.expect(
        Method::POST,
        "/api/v1/users",
        &app.admin,
        Some(&duplicate_user),
        StatusCode::CONFLICT,
    )
    .await;
    let short_password = json!({ "email": "new@example.org", "display_name": "New", "password": "short", "role": "staff" });
    let body = app
        .expect(
            Method::POST,
            "/api/v1/users",
            &app.admin,
            Some(&short_password),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "password");
}

#[tokio::test]
async fn another_method_on_a_documented_path_answers_405_with_the_methods_it_takes() {
    let app = spawn_app().await;
    let response = app
        .send(
            Method::DELETE,
            "/api/v1/auth/logout",
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
    assert!(
        body["message"].as_str().unwrap().contains("use POST"),
        "{body}"
    );
    // A path with an id: the template matches; an unknown path stays 404.
    let screen = app
        .send(
            Method::PATCH,
            "/api/v1/screens/0190f0a0-0000-7000-8000-000000000000",
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(screen.headers()["allow"], "GET, PUT, DELETE");
    let unknown = app
        .send(Method::GET, "/api/v1/no-such-thing", Some(&app.admin), None)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // A page number past any list is refused rather than read.
    let far = app
        .send(
            Method::GET,
            "/api/v1/buildings?page=2147483648",
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(far.status(), StatusCode::BAD_REQUEST);
}
