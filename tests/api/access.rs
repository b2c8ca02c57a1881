//! Who may do what: every role's allowed and forbidden actions, and the separation of user and
//! screen tokens.

use civicast_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::event_body;

#[tokio::test]
async fn signing_in_needs_the_right_password_and_logout_revokes_the_token() {
    let app = spawn_app().await;
    let wrong = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(&json!({ "email": app.admin_email, "password": "not the password" })),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(&json!({ "email": "nobody@example.org", "password": "whatever it is" })),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");

    let me = app
        .expect(
            Method::GET,
            "/api/v1/auth/me",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(me["role"], "admin");
    let token = app.login(&app.admin_email, &app.admin_password).await;
    app.expect(
        Method::POST,
        "/api/v1/auth/logout",
        &token,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/auth/me",
        &token,
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // The other session is untouched.
    app.expect(
        Method::GET,
        "/api/v1/auth/me",
        &app.admin,
        None,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_app().await;
    let anonymous = app.send(Method::GET, "/api/v1/buildings", None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    app.expect(
        Method::GET,
        "/api/v1/buildings",
        "cvu_forged",
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let basic = app
        .client
        .get(app.url("/api/v1/buildings"))
        .basic_auth("admin", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_association_cannot_touch_another_associations_events_or_moderate() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, club) = app
        .organisation_with_member("Football club", "association", "association")
        .await;

    let event = app
        .submit_event(&choir, &event_body("Concert", 20, &[&library]))
        .await;
    let path = format!("/api/v1/events/{}", event["id"].as_str().unwrap());

    // The other association sees nothing and changes nothing.
    app.expect(Method::GET, &path, &club, None, StatusCode::NOT_FOUND)
        .await;
    app.expect(
        Method::PUT,
        &path,
        &club,
        Some(&event_body("Hijacked", 20, &[])),
        StatusCode::NOT_FOUND,
    )
    .await;
    app.expect(Method::DELETE, &path, &club, None, StatusCode::NOT_FOUND)
        .await;
    app.expect(
        Method::POST,
        &format!("{path}/withdraw"),
        &club,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.expect(
        Method::GET,
        &format!("{path}/decisions"),
        &club,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let listed = app
        .expect(Method::GET, "/api/v1/events", &club, None, StatusCode::OK)
        .await;
    assert_eq!(listed["total"], 0);
    let asked_for_other = app
        .expect(
            Method::GET,
            &format!(
                "/api/v1/events?organisation_id={}",
                event["organisation_id"].as_str().unwrap()
            ),
            &club,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(asked_for_other["total"], 0);

    // Not even the owner may moderate.
    let approve = json!({ "building_ids": [library] });
    app.expect(
        Method::POST,
        &format!("{path}/approve"),
        &choir,
        Some(&approve),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.expect(
        Method::POST,
        &format!("{path}/reject"),
        &choir,
        Some(&json!({ "reason": "no" })),
        StatusCode::FORBIDDEN,
    )
    .await;

    // The event is unchanged.
    let unchanged = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(unchanged["title"], "Concert");
    assert_eq!(unchanged["status"], "pending");
}

#[tokio::test]
async fn associations_cannot_administer_and_staff_cannot_manage_accounts() {
    let app = spawn_app().await;
    let (choir_id, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let (club_id, _) = app
        .organisation_with_member("Club", "association", "association")
        .await;
    let building = json!({ "name": "Pool", "address": "Street 1", "venue_type": "swimming_pool" });

    for (method, path) in [
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/api/v1/screens"),
        (Method::GET, "/api/v1/playlists"),
        (Method::GET, "/api/v1/audit"),
    ] {
        app.expect(method, path, &choir, None, StatusCode::FORBIDDEN)
            .await;
    }
    app.expect(
        Method::POST,
        "/api/v1/buildings",
        &choir,
        Some(&building),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.expect(
        Method::POST,
        "/api/v1/buildings",
        &staff,
        Some(&building),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.expect(
        Method::POST,
        "/api/v1/users",
        &staff,
        Some(&json!({ "email": "x@example.org", "display_name": "X", "password": "long enough password", "role": "admin" })),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.expect(
        Method::POST,
        &format!("/api/v1/organisations/{club_id}/verify"),
        &choir,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Members read their own organisation only.
    let own = app
        .expect(
            Method::GET,
            "/api/v1/organisations",
            &choir,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(own["total"], 1);
    assert_eq!(own["items"][0]["id"], choir_id.as_str());
    app.expect(
        Method::GET,
        &format!("/api/v1/organisations/{club_id}"),
        &choir,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Staff read everything.
    let all = app
        .expect(
            Method::GET,
            "/api/v1/organisations",
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(all["total"], 3);
    app.expect(Method::GET, "/api/v1/users", &staff, None, StatusCode::OK)
        .await;
    // Buildings are readable by everyone signed in (associations choose where to be shown).
    app.expect(
        Method::GET,
        "/api/v1/buildings",
        &choir,
        None,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn screen_tokens_and_user_tokens_each_stay_on_their_own_routes() {
    let app = spawn_app().await;
    let building = app.building("Town hall").await;
    let screen = app
        .expect(
            Method::POST,
            "/api/v1/screens",
            &app.admin,
            Some(&json!({ "building_id": building, "name": "Entrance", "kind": "information_screen", "width": 1920, "height": 1080, "orientation": "landscape" })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(screen["paired"], false);
    let screen_id = screen["id"].as_str().unwrap();
    let issued = app
        .expect(
            Method::POST,
            &format!("/api/v1/screens/{screen_id}/token"),
            &app.admin,
            None,
            StatusCode::CREATED,
        )
        .await;
    let device = issued["token"].as_str().unwrap().to_owned();

    let identity = app
        .expect(
            Method::GET,
            "/api/v1/screen/self",
            &device,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(identity["screen"]["id"], screen_id);
    assert_eq!(identity["building_name"], "Town hall");
    assert_eq!(identity["time_zone"], "Europe/Brussels");

    for path in [
        "/api/v1/buildings",
        "/api/v1/events",
        "/api/v1/auth/me",
        "/api/v1/media",
    ] {
        let refused = app
            .expect(Method::GET, path, &device, None, StatusCode::FORBIDDEN)
            .await;
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("screen token")
        );
    }
    app.expect(
        Method::GET,
        "/api/v1/screen/self",
        &app.admin,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;

    let seen = app
        .expect(
            Method::GET,
            &format!("/api/v1/screens/{screen_id}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(seen["paired"], true);
    assert!(seen["last_seen_at"].is_string());

    // A new token revokes the old one.
    app.expect(
        Method::POST,
        &format!("/api/v1/screens/{screen_id}/token"),
        &app.admin,
        None,
        StatusCode::CREATED,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/screen/self",
        &device,
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn repeated_wrong_passwords_from_one_address_are_refused_for_a_while() {
    let app = spawn_app().await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(&json!({ "email": app.admin_email, "password": password })),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("not the password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The sixth attempt for this account from this address is refused before the password is
    // even checked (other addresses are not: see hardening_auth.rs).
    let locked = attempt("not the password either").await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = locked.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert_eq!(
        body["message"],
        "too many failed sign-ins; try again in 15 minutes"
    );
}
