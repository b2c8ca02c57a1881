//! Health, the OpenAPI document, and restarts that keep the data.

use civicast_tests::{on_postgres, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(
        body["backend"],
        if on_postgres() {
            "postgresql"
        } else {
            "sqlite"
        }
    );
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    let expected = [
        ("post", "/api/v1/auth/token"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/auth/me"),
        ("get", "/api/v1/organisations"),
        ("post", "/api/v1/organisations"),
        ("get", "/api/v1/organisations/{id}"),
        ("put", "/api/v1/organisations/{id}"),
        ("delete", "/api/v1/organisations/{id}"),
        ("post", "/api/v1/organisations/{id}/verify"),
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/users/{id}"),
        ("put", "/api/v1/users/{id}"),
        ("delete", "/api/v1/users/{id}"),
        ("post", "/api/v1/users/{id}/disable"),
        ("post", "/api/v1/users/{id}/enable"),
        ("get", "/api/v1/buildings"),
        ("post", "/api/v1/buildings"),
        ("get", "/api/v1/buildings/{id}"),
        ("put", "/api/v1/buildings/{id}"),
        ("delete", "/api/v1/buildings/{id}"),
        ("get", "/api/v1/screens"),
        ("post", "/api/v1/screens"),
        ("get", "/api/v1/screens/{id}"),
        ("put", "/api/v1/screens/{id}"),
        ("delete", "/api/v1/screens/{id}"),
        ("post", "/api/v1/screens/{id}/token"),
        ("get", "/api/v1/screen/self"),
        ("get", "/api/v1/screen/manifest"),
        ("get", "/api/v1/screen/media/{sha256}"),
        ("post", "/api/v1/screen/status"),
        ("post", "/api/v1/screen/plays"),
        ("post", "/api/v1/pairing"),
        ("get", "/api/v1/pairing/{secret}"),
        ("post", "/api/v1/pairing/claim"),
        ("get", "/api/v1/playlists"),
        ("post", "/api/v1/playlists"),
        ("get", "/api/v1/playlists/{id}"),
        ("put", "/api/v1/playlists/{id}"),
        ("delete", "/api/v1/playlists/{id}"),
        ("get", "/api/v1/playlists/{id}/items"),
        ("post", "/api/v1/playlists/{id}/items"),
        ("get", "/api/v1/playlists/{id}/items/{item_id}"),
        ("put", "/api/v1/playlists/{id}/items/{item_id}"),
        ("delete", "/api/v1/playlists/{id}/items/{item_id}"),
        ("get", "/api/v1/events"),
        ("post", "/api/v1/events"),
        ("get", "/api/v1/events/{id}"),
        ("put", "/api/v1/events/{id}"),
        ("delete", "/api/v1/events/{id}"),
        ("post", "/api/v1/events/{id}/withdraw"),
        ("post", "/api/v1/events/{id}/approve"),
        ("post", "/api/v1/events/{id}/reject"),
        ("post", "/api/v1/events/{id}/request-changes"),
        ("get", "/api/v1/events/{id}/decisions"),
        ("get", "/api/v1/events/{id}/resubmission"),
        ("get", "/api/v1/media"),
        ("post", "/api/v1/media"),
        ("get", "/api/v1/media/{id}"),
        ("get", "/api/v1/media/{id}/content"),
        ("get", "/api/v1/media/{id}/renditions/{kind}"),
        ("delete", "/api/v1/media/{id}"),
        ("get", "/api/v1/audit"),
        ("get", "/api/v1/buildings/{id}/audience"),
        ("put", "/api/v1/buildings/{id}/audience"),
        ("get", "/api/v1/buildings/{id}/audience/versions"),
        ("post", "/api/v1/audience/import"),
        ("get", "/api/v1/audience/suggestions"),
        ("get", "/api/v1/reports/plays"),
        ("get", "/api/v1/reports/fairness"),
        ("get", "/api/v1/reports/delivery"),
        ("get", "/api/v1/reports/kiosks"),
        ("get", "/api/v1/emergency"),
        ("post", "/api/v1/emergency"),
        ("delete", "/api/v1/emergency/{id}"),
        ("get", "/api/v1/screen/emergency"),
        ("get", "/api/v1/screen/emergency/stream"),
        ("put", "/api/v1/screen/screenshot"),
        ("post", "/api/v1/screens/{id}/screenshot"),
        ("get", "/api/v1/screens/{id}/screenshot"),
        ("get", "/api/v1/screens/{id}/screenshot.jpg"),
        ("get", "/api/v1/alerts"),
        ("post", "/api/v1/auth/password"),
        ("put", "/api/v1/auth/password"),
        ("post", "/api/v1/auth/password-reset"),
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read"),
        ("post", "/api/v1/notifications/{id}/read"),
        ("get", "/api/v1/notifications/preferences"),
        ("put", "/api/v1/notifications/preferences"),
        ("get", "/api/v1/mail/outbox"),
        ("post", "/api/v1/mail/test"),
        ("post", "/api/v1/organisations/{id}/refuse"),
        ("get", "/api/v1/screens/{id}/kiosk"),
        ("put", "/api/v1/screens/{id}/kiosk"),
        ("get", "/api/v1/services"),
        ("post", "/api/v1/services"),
        ("post", "/api/v1/services/import"),
        ("put", "/api/v1/services/{id}"),
        ("delete", "/api/v1/services/{id}"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/livez"),
        ("get", "/metrics"),
    ];
    let mut documented = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            documented += 1;
            assert!(
                expected.contains(&(method.as_str(), path.as_str())),
                "undocumented route in the test list: {method} {path}"
            );
        }
    }
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    assert_eq!(documented, expected.len());
    // Every documented route answers (not the default 404 of an unknown route).
    for (method, path) in expected {
        let concrete = path
            .replace("{id}", "0190f0a0-0000-7000-8000-000000000000")
            .replace("{item_id}", "0190f0a0-0000-7000-8000-000000000001");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app
            .send(
                method.clone(),
                &concrete,
                Some(&app.admin),
                Some(&json!({})),
            )
            .await;
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(
            body["message"].as_str().unwrap_or(""),
            "there is no such route; see /api/v1/openapi.json",
            "{method} {concrete}"
        );
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn a_restart_keeps_the_data_and_the_sessions() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let event = app
        .submit_event(&choir, &crate::event_body("Concert", 20, &[&library]))
        .await;

    let app = app.restart().await;
    let building = app
        .expect(
            Method::GET,
            &format!("/api/v1/buildings/{library}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(building["name"], "Library");
    let stored = app
        .expect(
            Method::GET,
            &format!("/api/v1/events/{}", event["id"].as_str().unwrap()),
            &choir,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(stored["title"], "Concert");
    assert_eq!(stored["starts_at"], event["starts_at"]);
    // Starting again on a database with users creates no second administrator.
    let users = app
        .expect(
            Method::GET,
            "/api/v1/users",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(users["total"], 2);
}

#[tokio::test]
async fn operations_endpoints_report_liveness_readiness_and_metrics() {
    let app = spawn_app().await;
    for path in ["/livez", "/readyz", "/healthz"] {
        let response = app.send(Method::GET, path, None, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    app.submit_event(&choir, &crate::event_body("Concert", 20, &[&library]))
        .await;
    app.expect(
        Method::GET,
        "/api/v1/events/0190f0a0-0000-7000-8000-000000000000",
        &choir,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let text = app
        .send(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    // Requests are counted by route pattern, never by the id in the path.
    assert!(
        text.contains(
            "civicast_http_requests_total{method=\"GET\",route=\"/api/v1/events/{id}\",status=\"404\"} 1"
        ),
        "{text}"
    );
    assert!(!text.contains("0190f0a0"), "no ids in labels");
    assert!(text.contains("civicast_events{status=\"pending\"} 1"));
    assert!(text.contains("civicast_screens{state=\"online\"} 0"));
    assert!(text.contains("civicast_db_pool_connections{state=\"idle\"}"));
}
