//! Administration over the API: a disabled user cannot sign in and their tokens stop working
//! until enabled again; removing a building takes its screens (and their tokens) and playlists
//! along; removing an organisation takes its members, events and library; a file in use is not
//! removed.

use civicast_tests::{png, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_their_tokens_stop_working_until_enabled() {
    let app = spawn_app().await;
    let user = app
        .expect(
            Method::POST,
            "/api/v1/users",
            &app.admin,
            Some(&json!({
                "email": "leaver@example.org", "display_name": "Leaver",
                "password": "a long enough password", "role": "staff"
            })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(user["disabled"], false);
    let id = user["id"].as_str().unwrap();
    let token = app
        .login("leaver@example.org", "a long enough password")
        .await;
    let disabled = app
        .expect(
            Method::POST,
            &format!("/api/v1/users/{id}/disable"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(disabled["disabled"], true);
    app.expect(
        Method::GET,
        "/api/v1/auth/me",
        &token,
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let refused = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(&json!({ "email": "leaver@example.org", "password": "a long enough password" })),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // Only administrators disable, and never themselves.
    let me = app
        .expect(
            Method::GET,
            "/api/v1/auth/me",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    app.expect(
        Method::POST,
        &format!("/api/v1/users/{}/disable", me["id"].as_str().unwrap()),
        &app.admin,
        None,
        StatusCode::CONFLICT,
    )
    .await;
    let enabled = app
        .expect(
            Method::POST,
            &format!("/api/v1/users/{id}/enable"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(enabled["disabled"], false);
    let again = app
        .login("leaver@example.org", "a long enough password")
        .await;
    app.expect(
        Method::POST,
        &format!("/api/v1/users/{id}/disable"),
        &again,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn removing_a_building_takes_its_screens_and_playlists_along() {
    let app = spawn_app().await;
    let building = app.building("Sporthal").await;
    let playlist = app.playlist(&building, "Sporthal").await;
    app.add_item(
        &playlist,
        &json!({ "kind": "announcement", "text": "Welkom", "duration_ms": 10000 }),
    )
    .await;
    let (screen, token) = app.pair_screen(&building, "Inkom", 1920, 1080).await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/buildings/{building}"),
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    for path in [
        format!("/api/v1/buildings/{building}"),
        format!("/api/v1/screens/{screen}"),
        format!("/api/v1/playlists/{playlist}"),
    ] {
        app.expect(Method::GET, &path, &app.admin, None, StatusCode::NOT_FOUND)
            .await;
    }
    app.expect(
        Method::GET,
        "/api/v1/screen/self",
        &token,
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn removing_an_organisation_takes_its_members_events_and_library_along() {
    let app = spawn_app().await;
    let (organisation, member) = app
        .organisation_with_member("Schaakclub", "association", "association")
        .await;
    let poster = app.upload_image(&member, png(1200, 800), "image/png").await;
    let unused = app
        .upload_image(&app.admin, png(640, 480), "image/png")
        .await;
    let event = app
        .submit_event(
            &member,
            &json!({
                "title": "Simultaan", "description": "Tegen de kampioen",
                "starts_at": "2030-05-01T18:00:00Z", "ends_at": "2030-05-01T22:00:00Z",
                "venue": "Stadhuis", "category": "culture", "poster_media_id": poster["id"],
            }),
        )
        .await;
    // The city's own file in use by a slide cannot be removed; an unused one can.
    let building = app.building("Stadhuis").await;
    let playlist = app.playlist(&building, "Stadhuis").await;
    let used = app
        .upload_image(&app.admin, png(1920, 1080), "image/png")
        .await;
    app.add_item(
        &playlist,
        &json!({ "kind": "slide", "media_id": used["id"], "duration_ms": 8000 }),
    )
    .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/media/{}", used["id"].as_str().unwrap()),
        &app.admin,
        None,
        StatusCode::CONFLICT,
    )
    .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/media/{}", unused["id"].as_str().unwrap()),
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;

    app.expect(
        Method::DELETE,
        &format!("/api/v1/organisations/{organisation}"),
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    for path in [
        format!("/api/v1/organisations/{organisation}"),
        format!("/api/v1/events/{}", event["id"].as_str().unwrap()),
        format!("/api/v1/media/{}", poster["id"].as_str().unwrap()),
    ] {
        app.expect(Method::GET, &path, &app.admin, None, StatusCode::NOT_FOUND)
            .await;
    }
    app.expect(
        Method::GET,
        "/api/v1/auth/me",
        &member,
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn an_event_is_no_longer_approved_into_a_removed_building() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let pool = app.building("Swimming pool").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let event = app
        .submit_event(
            &choir,
            &crate::event_body("Winter concert", 5, &[&library, &pool]),
        )
        .await;
    let path = format!("/api/v1/events/{}", event["id"].as_str().unwrap());
    app.expect(
        Method::POST,
        &format!("{path}/approve"),
        &app.admin,
        Some(&json!({ "building_ids": [library, pool] })),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/buildings/{pool}"),
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let after = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(after["approved_building_ids"], json!([library]));
}
