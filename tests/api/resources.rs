//! Create, read, update, delete and paging of buildings, screens, playlists with their items,
//! organisations and users.

use civicast_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn buildings_and_screens_round_trip_and_page() {
    let app = spawn_app().await;
    for name in ["Library", "Pool", "Town hall"] {
        app.building(name).await;
    }
    let first = app
        .expect(
            Method::GET,
            "/api/v1/buildings?per_page=2",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(first["total"], 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["items"][0]["name"], "Library");
    let second = app
        .expect(
            Method::GET,
            "/api/v1/buildings?per_page=2&page=2",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(second["items"][0]["name"], "Town hall");
    assert_eq!(first["items"][0]["openooh_venue_id"], 80102);

    let library = first["items"][0]["id"].as_str().unwrap().to_owned();
    let updated = app
        .expect(
            Method::PUT,
            &format!("/api/v1/buildings/{library}"),
            &app.admin,
            Some(&json!({ "name": "Central library", "address": "Square 2", "venue_type": "library", "time_zone": "Europe/Brussels" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["name"], "Central library");

    let wall_playlist = app
        .expect(
            Method::POST,
            "/api/v1/playlists",
            &app.admin,
            Some(&json!({ "building_id": library, "name": "LED wall loop" })),
            StatusCode::CREATED,
        )
        .await;
    let screen = json!({
        "building_id": library, "playlist_id": wall_playlist["id"], "name": "Square wall",
        "kind": "led_wall", "width": 1536, "height": 384, "orientation": "landscape"
    });
    let created = app
        .expect(
            Method::POST,
            "/api/v1/screens",
            &app.admin,
            Some(&screen),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["kind"], "led_wall");
    assert_eq!(created["playlist_id"], wall_playlist["id"]);
    let screen_path = format!("/api/v1/screens/{}", created["id"].as_str().unwrap());

    let mut sideways = screen.clone();
    sideways["orientation"] = json!("portrait");
    let body = app
        .expect(
            Method::PUT,
            &screen_path,
            &app.admin,
            Some(&sideways),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "orientation");

    let other_building = second["items"][0]["id"].as_str().unwrap();
    let mut moved = screen.clone();
    moved["building_id"] = json!(other_building);
    let body = app
        .expect(
            Method::PUT,
            &screen_path,
            &app.admin,
            Some(&moved),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "playlist_id");
    moved["playlist_id"] = json!(null);
    let moved = app
        .expect(
            Method::PUT,
            &screen_path,
            &app.admin,
            Some(&moved),
            StatusCode::OK,
        )
        .await;
    assert_eq!(moved["building_id"], other_building);
    assert!(moved["playlist_id"].is_null());

    let filtered = app
        .expect(
            Method::GET,
            &format!("/api/v1/screens?building_id={other_building}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(filtered["total"], 1);
    app.expect(
        Method::DELETE,
        &screen_path,
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    app.expect(
        Method::GET,
        &screen_path,
        &app.admin,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/buildings/{library}"),
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let playlists = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists?building_id={library}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(playlists["total"], 0);
}

#[tokio::test]
async fn playlist_items_keep_their_order_when_added_moved_and_removed() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let playlist = app
        .expect(
            Method::POST,
            "/api/v1/playlists",
            &staff,
            Some(&json!({ "building_id": library, "name": "Main" })),
            StatusCode::CREATED,
        )
        .await;
    let items_path = format!(
        "/api/v1/playlists/{}/items",
        playlist["id"].as_str().unwrap()
    );
    let mut ids = Vec::new();
    for text in ["Opening hours", "Closed on Monday", "Wi-Fi"] {
        let item = app
            .expect(
                Method::POST,
                &items_path,
                &staff,
                Some(&json!({ "kind": "announcement", "text": text, "duration_ms": 5000 })),
                StatusCode::CREATED,
            )
            .await;
        ids.push(item["id"].as_str().unwrap().to_owned());
    }
    let texts = |items: &serde_json::Value| -> Vec<String> {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = app
        .expect(Method::GET, &items_path, &staff, None, StatusCode::OK)
        .await;
    assert_eq!(
        texts(&listed),
        ["Opening hours", "Closed on Monday", "Wi-Fi"]
    );

    // Insert at the front, move the last to position 1, then delete one: no gaps, right order.
    app.expect(
        Method::POST,
        &items_path,
        &staff,
        Some(&json!({ "kind": "announcement", "text": "Welcome", "position": 0 })),
        StatusCode::CREATED,
    )
    .await;
    let moved = app
        .expect(
            Method::PUT,
            &format!("{items_path}/{}", ids[2]),
            &staff,
            Some(&json!({ "kind": "announcement", "text": "Free Wi-Fi", "position": 1, "schedule": { "weekdays": ["Mon", "Tue"], "time_windows": [{ "start": "09:00:00", "end": "17:00:00" }] } })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(moved["position"], 1);
    assert_eq!(moved["schedule"]["weekdays"], json!(["Mon", "Tue"]));
    app.expect(
        Method::DELETE,
        &format!("{items_path}/{}", ids[0]),
        &staff,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let listed = app
        .expect(Method::GET, &items_path, &staff, None, StatusCode::OK)
        .await;
    assert_eq!(
        texts(&listed),
        ["Welcome", "Free Wi-Fi", "Closed on Monday"]
    );
    let positions: Vec<u64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);

    // Items are checked against their kind and their references.
    let body = app
        .expect(
            Method::POST,
            &items_path,
            &staff,
            Some(&json!({ "kind": "slide" })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "media_id");
    let body = app
        .expect(
            Method::POST,
            &items_path,
            &staff,
            Some(&json!({ "kind": "announcement", "text": "x", "duration_ms": 500 })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "duration_ms");
    let body = app
        .expect(
            Method::POST,
            &items_path,
            &staff,
            Some(&json!({ "kind": "event", "event_id": "0190f0a0-0000-7000-8000-000000000000" })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "event_id");
    let reversed = json!({ "kind": "announcement", "text": "x", "schedule": { "valid_from": "2027-02-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z" } });
    let body = app
        .expect(
            Method::POST,
            &items_path,
            &staff,
            Some(&reversed),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "schedule.valid_until");
    let listed = app
        .expect(Method::GET, &items_path, &staff, None, StatusCode::OK)
        .await;
    assert_eq!(listed["total"], 3);
}

#[tokio::test]
async fn organisations_and_users_are_managed_by_admins() {
    let app = spawn_app().await;
    let (choir_id, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;

    // A member edits their own organisation (a new name of a verified one waits for staff)
    // but cannot turn it into a city department.
    let own = format!("/api/v1/organisations/{choir_id}");
    let edit = json!({ "name": "Kortrijk Choir", "kind": "association", "contact_name": "Els", "contact_email": "els@choir.example", "description": "Since 1950" });
    let updated = app
        .expect(Method::PUT, &own, &choir, Some(&edit), StatusCode::OK)
        .await;
    assert_eq!(updated["name"], "Choir");
    assert_eq!(updated["requested_name"], "Kortrijk Choir");
    assert_eq!(updated["description"], "Since 1950");
    let mut promote = edit.clone();
    promote["kind"] = json!("city_department");
    app.expect(
        Method::PUT,
        &own,
        &choir,
        Some(&promote),
        StatusCode::FORBIDDEN,
    )
    .await;

    let me = app
        .expect(Method::GET, "/api/v1/auth/me", &choir, None, StatusCode::OK)
        .await;
    let member_path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    app.expect(Method::GET, &member_path, &choir, None, StatusCode::OK)
        .await;
    // (Removing an organisation takes its members along: tests/api/administration.rs.)

    // A new password signs the member out everywhere.
    let update = json!({ "display_name": "Els", "role": "association", "organisation_id": choir_id, "password": "another long password" });
    app.expect(
        Method::PUT,
        &member_path,
        &app.admin,
        Some(&update),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/auth/me",
        &choir,
        None,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    app.login("choir@example.org", "another long password")
        .await;

    // An association member must belong to an association.
    let (department, _) = app
        .organisation_with_member("Culture department", "city_department", "staff")
        .await;
    let wrong =
        json!({ "display_name": "Els", "role": "association", "organisation_id": department });
    let body = app
        .expect(
            Method::PUT,
            &member_path,
            &app.admin,
            Some(&wrong),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "organisation_id");

    let admin = app
        .expect(
            Method::GET,
            "/api/v1/auth/me",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/users/{}", admin["id"].as_str().unwrap()),
        &app.admin,
        None,
        StatusCode::CONFLICT,
    )
    .await;
    app.expect(
        Method::DELETE,
        &member_path,
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    app.expect(
        Method::DELETE,
        &own,
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let audit = app
        .expect(
            Method::GET,
            &format!("/api/v1/audit?entity_id={choir_id}"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "organisation.delete",
            "organisation.update",
            "organisation.verify",
            "organisation.create"
        ]
    );
}

#[tokio::test]
async fn display_hours_are_set_cleared_and_must_leave_the_screens_on_some_of_the_day() {
    let app = spawn_app().await;
    let id = app.building("Library").await;
    let path = format!("/api/v1/buildings/{id}");
    let mut input = serde_json::json!({
        "name": "Library",
        "address": "Main street 1",
        "venue_type": "library",
        "display_hours": { "start": "07:00:00", "end": "22:00:00" },
    });
    let set = app
        .expect(Method::PUT, &path, &app.admin, Some(&input), StatusCode::OK)
        .await;
    assert_eq!(set["display_hours"]["start"], "07:00:00");
    input["display_hours"] = serde_json::Value::Null;
    app.expect(Method::PUT, &path, &app.admin, Some(&input), StatusCode::OK)
        .await;
    let stored = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert!(stored["display_hours"].is_null(), "cleared: {stored}");
    input["display_hours"] = serde_json::json!({ "start": "07:00:00", "end": "07:00:00" });
    let refused = app
        .expect(
            Method::PUT,
            &path,
            &app.admin,
            Some(&input),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(refused["fields"][0]["field"], "display_hours");
}
