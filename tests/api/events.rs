//! The moderation journey: an association submits, staff approve into building playlists,
//! reject with a reason or ask for changes; every decision is kept.

use chrono::{DateTime, Duration, Utc};
use civicast_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::event_body;

fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .expect("a timestamp")
        .parse()
        .expect("an RFC 3339 timestamp")
}

#[tokio::test]
async fn an_approved_event_lands_in_the_chosen_buildings_playlists_with_its_promotion_window() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let pool = app.building("Swimming pool").await;
    let town_hall = app.building("Town hall").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;

    let event = app
        .submit_event(
            &choir,
            &event_body("Winter concert", 30, &[&library, &pool]),
        )
        .await;
    assert_eq!(event["status"], "pending");
    let id = event["id"].as_str().unwrap();
    let path = format!("/api/v1/events/{id}");

    // The moderation queue shows it.
    let queue = app
        .expect(
            Method::GET,
            "/api/v1/events?status=pending",
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(queue["items"][0]["id"], id);

    let approved = app
        .expect(
            Method::POST,
            &format!("{path}/approve"),
            &staff,
            Some(&json!({ "building_ids": [library, town_hall] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(approved["status"], "approved");
    let starts = instant(&event["starts_at"]);
    let ends = instant(&event["ends_at"]);
    assert_eq!(
        instant(&approved["promotion_from"]),
        starts - Duration::days(14)
    );
    assert_eq!(instant(&approved["promotion_until"]), ends);

    // The association sees where and when.
    let seen = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(seen["status"], "approved");
    let mut buildings: Vec<&str> = seen["approved_building_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    buildings.sort();
    let mut expected = vec![library.as_str(), town_hall.as_str()];
    expected.sort();
    assert_eq!(buildings, expected);

    // Each chosen building's playlist holds the event with the window; the pool's does not.
    for building in [&library, &town_hall] {
        let playlists = app
            .expect(
                Method::GET,
                &format!("/api/v1/playlists?building_id={building}"),
                &staff,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(playlists["total"], 1);
        let playlist_id = playlists["items"][0]["id"].as_str().unwrap();
        let items = app
            .expect(
                Method::GET,
                &format!("/api/v1/playlists/{playlist_id}/items"),
                &staff,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(items["total"], 1);
        let item = &items["items"][0];
        assert_eq!(item["kind"], "event");
        assert_eq!(item["event_id"], id);
        assert_eq!(
            instant(&item["schedule"]["valid_from"]),
            starts - Duration::days(14)
        );
        assert_eq!(instant(&item["schedule"]["valid_until"]), ends);
    }
    let pool_playlists = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists?building_id={pool}"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(pool_playlists["total"], 0);

    // An edit sends it back to pending and off the screens.
    let mut edit = event_body("Winter concert (new time)", 31, &[&library]);
    edit["description"] = json!("Now with orchestra");
    let edited = app
        .expect(Method::PUT, &path, &choir, Some(&edit), StatusCode::OK)
        .await;
    assert_eq!(edited["status"], "pending");
    assert_eq!(edited["approved_building_ids"], json!([]));
    let playlists = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists?building_id={library}"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    let playlist_id = playlists["items"][0]["id"].as_str().unwrap();
    let items = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists/{playlist_id}/items"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(items["total"], 0);

    // A custom window is kept as given.
    let from = Utc::now() + Duration::days(1);
    let until = Utc::now() + Duration::days(5);
    let approved = app
        .expect(
            Method::POST,
            &format!("{path}/approve"),
            &staff,
            Some(&json!({ "building_ids": [library], "promotion_from": from.to_rfc3339(), "promotion_until": until.to_rfc3339(), "duration_ms": 8000 })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        instant(&approved["promotion_from"]).timestamp(),
        from.timestamp()
    );
    let items = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists/{playlist_id}/items"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(items["items"][0]["duration_ms"], 8000);

    // The history and the audit log say who decided what.
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
    assert_eq!(kinds, vec!["approved", "approved"]);
    let audit = app
        .expect(
            Method::GET,
            &format!("/api/v1/audit?entity_id={id}&action=event.approve"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(audit["total"], 2);
    assert_eq!(audit["items"][0]["actor"], "communications@example.org");
}

#[tokio::test]
async fn a_rejection_reaches_the_association_with_its_reason() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let event = app
        .submit_event(&choir, &event_body("Raffle", 12, &[&library]))
        .await;
    let path = format!("/api/v1/events/{}", event["id"].as_str().unwrap());

    let body = app
        .expect(
            Method::POST,
            &format!("{path}/reject"),
            &staff,
            Some(&json!({ "reason": "  " })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(body["fields"][0]["field"], "reason");

    app.expect(
        Method::POST,
        &format!("{path}/request-changes"),
        &staff,
        Some(&json!({ "reason": "Please add the start time" })),
        StatusCode::OK,
    )
    .await;
    let seen = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(seen["status"], "changes_requested");
    assert_eq!(seen["moderation_note"], "Please add the start time");

    app.expect(
        Method::POST,
        &format!("{path}/reject"),
        &staff,
        Some(&json!({ "reason": "Commercial events are not promoted" })),
        StatusCode::OK,
    )
    .await;
    let seen = app
        .expect(Method::GET, &path, &choir, None, StatusCode::OK)
        .await;
    assert_eq!(seen["status"], "rejected");
    assert_eq!(
        seen["moderation_note"],
        "Commercial events are not promoted"
    );
    let history = app
        .expect(
            Method::GET,
            &format!("{path}/decisions"),
            &choir,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(history[1]["decision"], "rejected");
    assert_eq!(history[1]["reason"], "Commercial events are not promoted");

    // Withdrawn events are final.
    app.expect(
        Method::POST,
        &format!("{path}/withdraw"),
        &choir,
        None,
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::POST,
        &format!("{path}/approve"),
        &staff,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::CONFLICT,
    )
    .await;
    app.expect(
        Method::PUT,
        &path,
        &choir,
        Some(&event_body("Raffle", 12, &[])),
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn an_unverified_association_cannot_submit_until_staff_verify_it() {
    let app = spawn_app().await;
    let organisation = app
        .expect(
            Method::POST,
            "/api/v1/organisations",
            &app.admin,
            Some(&json!({ "name": "Neighbourhood committee", "kind": "association", "contact_name": "An", "contact_email": "an@example.org" })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(organisation["verified"], false);
    let organisation_id = organisation["id"].as_str().unwrap();
    app.expect(
        Method::POST,
        "/api/v1/users",
        &app.admin,
        Some(&json!({ "email": "an@example.org", "display_name": "An", "password": "a long enough password", "role": "association", "organisation_id": organisation_id })),
        StatusCode::CREATED,
    )
    .await;
    let member = app.login("an@example.org", "a long enough password").await;
    let body = app
        .expect(
            Method::POST,
            "/api/v1/events",
            &member,
            Some(&event_body("Street party", 5, &[])),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not been verified")
    );

    app.expect(
        Method::POST,
        &format!("/api/v1/organisations/{organisation_id}/verify"),
        &app.admin,
        None,
        StatusCode::OK,
    )
    .await;
    app.submit_event(&member, &event_body("Street party", 5, &[]))
        .await;
}

#[tokio::test]
async fn events_that_are_over_leave_the_screens_and_stale_submissions_are_closed_with_a_reason() {
    let app = spawn_app().await;
    let library = app.building("Library").await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let approved = app
        .submit_event(&choir, &event_body("Winter concert", 3, &[&library]))
        .await;
    let approved_id = approved["id"].as_str().unwrap().to_owned();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{approved_id}/approve"),
        &staff,
        Some(&json!({ "building_ids": [library] })),
        StatusCode::OK,
    )
    .await;
    let pending = app
        .submit_event(&choir, &event_body("Spring concert", 5, &[&library]))
        .await;
    let pending_id = pending["id"].as_str().unwrap().to_owned();
    let later = app
        .submit_event(&choir, &event_body("Summer concert", 60, &[&library]))
        .await;
    let playlist_items = || async {
        let playlists = app
            .expect(
                Method::GET,
                &format!("/api/v1/playlists?building_id={library}"),
                &staff,
                None,
                StatusCode::OK,
            )
            .await;
        let playlist = playlists["items"][0]["id"].as_str().unwrap().to_owned();
        app.expect(
            Method::GET,
            &format!("/api/v1/playlists/{playlist}/items"),
            &staff,
            None,
            StatusCode::OK,
        )
        .await["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(playlist_items().await, 1);

    // Time is driven, not slept: the job runs as if it were ten days from now.
    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let ten_days_on = Utc::now() + Duration::days(10);
    let close = |pool: civicast_server::db::DbPool| {
        let mut conn = pool.get().unwrap();
        civicast_server::core::moderation::close_past_events(&mut conn, ten_days_on).unwrap()
    };
    let closed = close(pool.clone());
    assert_eq!((closed.ended, closed.stale), (1, 1));
    assert_eq!(
        playlist_items().await,
        0,
        "the event that is over left the screens"
    );

    let event = |id: String| {
        let app = &app;
        let choir = choir.clone();
        async move {
            app.expect(
                Method::GET,
                &format!("/api/v1/events/{id}"),
                &choir,
                None,
                StatusCode::OK,
            )
            .await
        }
    };
    assert_eq!(event(approved_id.clone()).await["status"], "expired");
    let stale = event(pending_id.clone()).await;
    assert_eq!(stale["status"], "expired");
    assert_eq!(
        stale["moderation_note"],
        civicast_server::core::moderation::STALE_REASON
    );
    let history = app
        .expect(
            Method::GET,
            &format!("/api/v1/events/{pending_id}/decisions"),
            &choir,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(history[0]["decision"], "expired");
    assert_eq!(
        history[0]["reason"],
        civicast_server::core::moderation::STALE_REASON
    );
    // An event still to come is left alone, and a second run changes nothing.
    assert_eq!(
        event(later["id"].as_str().unwrap().to_owned()).await["status"],
        "pending"
    );
    assert_eq!(close(pool), Default::default());
}
