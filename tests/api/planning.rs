//! Planning rules through the API: an event sent again after changes were asked for is kept in
//! its history with what changed, and removing an event's item from a building's playlist (or
//! adding one) changes where the event is approved, as the portal shows it.

use civicast_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::event_body;

#[tokio::test]
async fn a_resubmission_is_in_the_history_with_the_fields_it_changed() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let pool = app.building("Swimming pool").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, other) = app
        .organisation_with_member("Band", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let mut body = event_body("Winter concert", 30, &[&library]);
    let event = app.submit_event(&choir, &body).await;
    let path = format!("/api/v1/events/{}", event["id"].as_str().unwrap());
    let resubmission = format!("{path}/resubmission");
    // A first submission was not sent again.
    app.expect(
        Method::GET,
        &resubmission,
        &staff,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.expect(
        Method::POST,
        &format!("{path}/request-changes"),
        &staff,
        Some(&json!({ "reason": "Name the hall" })),
        StatusCode::OK,
    )
    .await;
    body["venue"] = json!("Culture centre, great hall");
    body["requested_building_ids"] = json!([library, pool]);
    let edited = app
        .expect(Method::PUT, &path, &choir, Some(&body), StatusCode::OK)
        .await;
    assert_eq!(edited["status"], "pending");
    let history = app
        .expect(
            Method::GET,
            &format!("{path}/decisions"),
            &choir,
            None,
            StatusCode::OK,
        )
        .await;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["changes_requested", "resubmitted"]);
    for token in [&staff, &choir] {
        let changes = app
            .expect(Method::GET, &resubmission, token, None, StatusCode::OK)
            .await;
        assert_eq!(
            changes["changed_fields"],
            json!(["venue", "requested_building_ids"])
        );
        assert_eq!(changes["reason"], "Name the hall");
        assert_eq!(changes["previous"]["venue"], "Culture centre, Kortrijk");
        assert_eq!(changes["current"]["venue"], "Culture centre, great hall");
    }
    // Another association does not learn of it.
    app.expect(
        Method::GET,
        &resubmission,
        &other,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A decision closes the comparison.
    app.expect(
        Method::POST,
        &format!("{path}/approve"),
        &staff,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::GET,
        &resubmission,
        &staff,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn playlist_of(app: &civicast_tests::TestApp, token: &str, building: &str) -> String {
    let found = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists?building_id={building}"),
            token,
            None,
            StatusCode::OK,
        )
        .await;
    found["items"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn removing_an_event_from_a_playlist_changes_where_it_is_approved() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let pool = app.building("Swimming pool").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let event = app
        .submit_event(&choir, &event_body("Winter concert", 5, &[&library]))
        .await;
    let id = event["id"].as_str().unwrap();
    let path = format!("/api/v1/events/{id}");
    app.expect(
        Method::POST,
        &format!("{path}/approve"),
        &staff,
        Some(&json!({ "building_ids": [library, pool] })),
        StatusCode::OK,
    )
    .await;
    let playlist = playlist_of(&app, &staff, &pool).await;
    let items = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists/{playlist}/items"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    let item = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["event_id"] == id)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect(
        Method::DELETE,
        &format!("/api/v1/playlists/{playlist}/items/{item}"),
        &staff,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    // Staff and the association read the same: the library only, still approved.
    for token in [&staff, &choir] {
        let now: Value = app
            .expect(Method::GET, &path, token, None, StatusCode::OK)
            .await;
        assert_eq!(now["status"], "approved");
        assert_eq!(now["approved_building_ids"], json!([library]));
    }
    // Put back by staff, the pool is where it is approved again.
    app.expect(
        Method::POST,
        &format!("/api/v1/playlists/{playlist}/items"),
        &staff,
        Some(&json!({ "kind": "event", "event_id": id })),
        StatusCode::CREATED,
    )
    .await;
    let now = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(now["approved_building_ids"], json!([library, pool]));
}
