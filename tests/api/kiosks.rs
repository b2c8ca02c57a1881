//! Kiosks over the API: a kiosk's settings and map page are checked and kept; its manifest
//! carries the whole city's approved agenda, its map with the places' opening hours and the
//! city's services, every picture fetchable by that kiosk only; it follows every change to
//! those, while other screens' manifests stay in memory; the service list imports from CSV all
//! or nothing, naming every bad line.

use civicast_tests::{TestApp, png, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::event_body;

/// Makes a paired screen a kiosk, as staff do on its page.
async fn make_kiosk(app: &TestApp, screen_id: &str, building_id: &str) {
    app.expect(
        Method::PUT,
        &format!("/api/v1/screens/{screen_id}"),
        &app.admin,
        Some(&json!({
            "building_id": building_id, "name": "Station kiosk", "kind": "kiosk",
            "width": 1080, "height": 1920, "orientation": "portrait"
        })),
        StatusCode::OK,
    )
    .await;
}

async fn manifest(app: &TestApp, token: &str) -> Value {
    app.expect(
        Method::GET,
        "/api/v1/screen/manifest",
        token,
        None,
        StatusCode::OK,
    )
    .await
}

fn fields(error: &Value) -> Vec<String> {
    error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

fn service(name: &str) -> Value {
    json!({
        "name": name, "identifier": "LGSL-373", "purpose": "Apply for a parking permit",
        "place": "City hall", "desk": "Desk 3", "hours": "Mon-Fri 9:00-12:00",
        "phone": "+32 56 27 00 00", "web_url": "https://city.example/parking"
    })
}

#[tokio::test]
async fn kiosk_settings_are_checked_whole_and_only_a_kiosk_has_them() {
    let app = spawn_app().await;
    let station = app.building("Station").await;
    let (screen, _) = app.pair_screen(&station, "Hall", 1080, 1920).await;
    let path = format!("/api/v1/screens/{screen}/kiosk");
    let not_kiosk = app
        .expect(
            Method::GET,
            &path,
            &app.admin,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(fields(&not_kiosk), ["kind"]);
    make_kiosk(&app, &screen, &station).await;

    let defaults = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert_eq!(defaults["idle_timeout_s"], 60);
    assert_eq!(defaults["diagonal_mm"], 1092);
    assert_eq!(defaults["map_media_id"], Value::Null);
    assert_eq!(defaults["updated_at"], Value::Null);

    let wrong = app
        .expect(
            Method::PUT,
            &path,
            &app.admin,
            Some(&json!({
                "idle_timeout_s": 5, "diagonal_mm": 9000, "map_media_id": null,
                "here": { "x": 1001, "y": 10 },
                "points": [{ "name": "", "at": { "x": 10, "y": 2000 }, "directions": "" }]
            })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        fields(&wrong),
        [
            "idle_timeout_s",
            "diagonal_mm",
            "here.x",
            "map_media_id",
            "points[0].name",
            "points[0].at.y"
        ]
    );
    let video_or_unknown = app
        .expect(
            Method::PUT,
            &path,
            &app.admin,
            Some(&json!({
                "idle_timeout_s": 90, "diagonal_mm": 1400,
                "map_media_id": "0190f0a0-0000-7000-8000-000000000000",
                "here": { "x": 500, "y": 500 },
                "points": [{ "name": "Tourist office", "at": { "x": 10, "y": 20 },
                             "building_id": "0190f0a0-0000-7000-8000-000000000000" }]
            })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        fields(&video_or_unknown),
        ["map_media_id", "points[0].building_id"]
    );
    // Nothing was stored by the refused changes.
    let still = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert_eq!(still["updated_at"], Value::Null);

    let map = app
        .upload_image(&app.admin, png(1600, 1200), "image/png")
        .await;
    let body = json!({
        "idle_timeout_s": 90, "diagonal_mm": 1400, "map_media_id": map["id"],
        "here": { "x": 480, "y": 520 },
        "points": [
            { "name": "Tourist office", "at": { "x": 100, "y": 900 },
              "directions": "Cross the square, second street left", "building_id": station },
            { "name": "Bus station", "at": { "x": 1000, "y": 0 } }
        ]
    });
    let stored = app
        .expect(Method::PUT, &path, &app.admin, Some(&body), StatusCode::OK)
        .await;
    let read = app
        .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
        .await;
    assert_eq!(stored, read);
    assert_eq!(read["idle_timeout_s"], 90);
    assert_eq!(read["here"], json!({ "x": 480, "y": 520 }));
    assert_eq!(read["points"][0]["building_id"], station.as_str());
    assert_eq!(read["points"][1]["directions"], "");
    assert!(read["updated_at"].is_string());

    // Associations do not set up kiosks.
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    app.expect(
        Method::PUT,
        &path,
        &choir,
        Some(&body),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.expect(
        Method::GET,
        "/api/v1/services",
        &choir,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_kiosk_carries_the_city_agenda_its_map_and_the_services_and_fetches_their_pictures() {
    let app = spawn_app().await;
    let station = app.building("Station").await;
    let museum = app.building("Museum").await;
    app.expect(
        Method::PUT,
        &format!("/api/v1/buildings/{museum}"),
        &app.admin,
        Some(&json!({
            "name": "Museum", "address": "Broelkaai 6, Kortrijk", "venue_type": "museum",
            "opening_hours": [{ "weekdays": ["Tue", "Wed"], "start": "10:00:00", "end": "17:00:00" }]
        })),
        StatusCode::OK,
    )
    .await;
    let (kiosk, kiosk_token) = app.pair_screen(&station, "Hall", 1080, 1920).await;
    make_kiosk(&app, &kiosk, &station).await;
    let (_, plain_token) = app.pair_screen(&museum, "Entrance", 1920, 1080).await;

    // An event approved for the museum only, with a poster; a later one without; one pending.
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let (_, staff) = app
        .organisation_with_member("Communications", "city_department", "staff")
        .await;
    let poster = app.upload_image(&choir, png(1200, 1600), "image/png").await;
    let mut concert = event_body("Winter concert", 5, &[&museum]);
    concert["poster_media_id"] = poster["id"].clone();
    let concert = app.submit_event(&choir, &concert).await;
    let later = app
        .submit_event(&choir, &event_body("Spring rehearsal", 40, &[&museum]))
        .await;
    app.submit_event(&choir, &event_body("Still pending", 2, &[&museum]))
        .await;
    for event in [&concert, &later] {
        app.expect(
            Method::POST,
            &format!("/api/v1/events/{}/approve", event["id"].as_str().unwrap()),
            &staff,
            Some(&json!({ "building_ids": [museum] })),
            StatusCode::OK,
        )
        .await;
    }
    let map = app
        .upload_image(&app.admin, png(2400, 1800), "image/png")
        .await;
    app.expect(
        Method::PUT,
        &format!("/api/v1/screens/{kiosk}/kiosk"),
        &app.admin,
        Some(&json!({
            "idle_timeout_s": 45, "diagonal_mm": 1397, "map_media_id": map["id"],
            "here": { "x": 480, "y": 520 },
            "points": [{ "name": "Museum", "at": { "x": 100, "y": 900 },
                         "directions": "Along the river", "building_id": museum }]
        })),
        StatusCode::OK,
    )
    .await;
    app.expect(
        Method::POST,
        "/api/v1/services",
        &staff,
        Some(&service("Parking permit")),
        StatusCode::CREATED,
    )
    .await;

    let manifest_json = manifest(&app, &kiosk_token).await;
    assert_eq!(manifest_json["kind"], "kiosk");
    let content = &manifest_json["kiosk"];
    assert_eq!(content["idle_timeout_s"], 45);
    assert_eq!(content["diagonal_mm"], 1397);
    let titles: Vec<&str> = content["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Winter concert", "Spring rehearsal"],
        "soonest first, approved only"
    );
    let event = &content["events"][0];
    assert_eq!(event["organiser"], "Choir");
    assert_eq!(event["category"], "music");
    assert_eq!(event["target_audiences"], json!(["seniors", "culture"]));
    let public_url = event["public_url"].as_str().unwrap();
    assert!(
        public_url.ends_with(&format!("/agenda/{}", concert["id"].as_str().unwrap())),
        "{public_url}"
    );
    // The poster as a 1080p screen gets it: its rendition.
    assert_eq!(event["poster"]["sha256"], poster["renditions"][0]["sha256"]);
    assert_eq!(content["events"][1]["poster"], Value::Null);
    assert_eq!(content["map"]["here"], json!({ "x": 480, "y": 520 }));
    assert_eq!(
        content["map"]["image"]["sha256"],
        map["renditions"][0]["sha256"]
    );
    let point = &content["map"]["points"][0];
    assert_eq!(point["directions"], "Along the river");
    assert_eq!(point["opening_hours"][0]["weekdays"], json!(["Tue", "Wed"]));
    assert_eq!(content["services"][0]["name"], "Parking permit");
    assert_eq!(content["services"][0]["desk"], "Desk 3");

    // Every picture is the kiosk's to fetch; the map is no other screen's.
    for picture in [
        &event["poster"]["sha256"],
        &content["map"]["image"]["sha256"],
    ] {
        let path = format!("/api/v1/screen/media/{}", picture.as_str().unwrap());
        let response = app.send(Method::GET, &path, Some(&kiosk_token), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(!response.bytes().await.unwrap().is_empty());
    }
    let map_path = format!(
        "/api/v1/screen/media/{}",
        content["map"]["image"]["sha256"].as_str().unwrap()
    );
    let refused = app
        .send(Method::GET, &map_path, Some(&plain_token), None)
        .await;
    assert!(refused.status().is_client_error(), "{}", refused.status());

    // The map is in use: the library keeps it, and says where it is used.
    let media_path = format!("/api/v1/media/{}", map["id"].as_str().unwrap());
    let kept = app
        .expect(
            Method::DELETE,
            &media_path,
            &app.admin,
            None,
            StatusCode::CONFLICT,
        )
        .await;
    assert!(
        kept["message"].as_str().unwrap().contains("1 kiosk map(s)"),
        "{kept}"
    );

    // A screen that is not a kiosk carries no kiosk content.
    let plain = manifest(&app, &plain_token).await;
    assert!(plain.get("kiosk").is_none(), "{plain}");
    assert_eq!(
        plain["items"].as_array().unwrap().len(),
        2,
        "the museum's own loop"
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
async fn a_kiosk_follows_every_service_and_event_change_and_other_screens_stay_in_memory() {
    let app = spawn_app().await;
    let station = app.building("Station").await;
    let museum = app.building("Museum").await;
    let (kiosk, kiosk_token) = app.pair_screen(&station, "Hall", 1080, 1920).await;
    make_kiosk(&app, &kiosk, &station).await;
    let (_, plain_token) = app.pair_screen(&station, "Lobby", 1920, 1080).await;
    let (_, museum_token) = app.pair_screen(&museum, "Entrance", 1920, 1080).await;
    let first = manifest(&app, &kiosk_token).await;
    assert_eq!(first["kiosk"]["services"], json!([]));
    let plain_before = manifest(&app, &plain_token).await;
    manifest(&app, &museum_token).await;

    let created = app
        .expect(
            Method::POST,
            "/api/v1/services",
            &app.admin,
            Some(&service("Parking permit")),
            StatusCode::CREATED,
        )
        .await;
    let (_, built_before) = manifest_counts(&app).await;
    let plain_after = manifest(&app, &plain_token).await;
    manifest(&app, &museum_token).await;
    assert_eq!(plain_before, plain_after);
    assert!(plain_after.get("kiosk").is_none());
    let (_, built) = manifest_counts(&app).await;
    assert_eq!(
        built, built_before,
        "a service leaves other screens in memory"
    );
    let second = manifest(&app, &kiosk_token).await;
    assert_eq!(second["kiosk"]["services"][0]["name"], "Parking permit");

    // An edit, a second name that differs only in capitals, and a removal.
    let id = created["id"].as_str().unwrap();
    let mut edited = service("Parking permit for residents");
    edited["web_url"] = Value::Null;
    app.expect(
        Method::PUT,
        &format!("/api/v1/services/{id}"),
        &app.admin,
        Some(&edited),
        StatusCode::OK,
    )
    .await;
    let third = manifest(&app, &kiosk_token).await;
    assert_eq!(
        third["kiosk"]["services"][0]["name"],
        "Parking permit for residents"
    );
    assert_eq!(third["kiosk"]["services"][0]["web_url"], Value::Null);
    app.expect(
        Method::POST,
        "/api/v1/services",
        &app.admin,
        Some(&service("PARKING PERMIT FOR RESIDENTS")),
        StatusCode::CONFLICT,
    )
    .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/services/{id}"),
        &app.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    app.expect(
        Method::DELETE,
        &format!("/api/v1/services/{id}"),
        &app.admin,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        manifest(&app, &kiosk_token).await["kiosk"]["services"],
        json!([])
    );

    // An event approved for another building reaches the kiosk at its next poll.
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let event = app
        .submit_event(&choir, &event_body("Winter concert", 5, &[&museum]))
        .await;
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{}/approve", event["id"].as_str().unwrap()),
        &app.admin,
        Some(&json!({ "building_ids": [museum] })),
        StatusCode::OK,
    )
    .await;
    let fourth = manifest(&app, &kiosk_token).await;
    assert_eq!(fourth["kiosk"]["events"][0]["title"], "Winter concert");
    // And a new map setting too.
    app.expect(
        Method::PUT,
        &format!("/api/v1/screens/{kiosk}/kiosk"),
        &app.admin,
        Some(&json!({ "idle_timeout_s": 300, "diagonal_mm": 800, "here": { "x": 1, "y": 2 } })),
        StatusCode::OK,
    )
    .await;
    let fifth = manifest(&app, &kiosk_token).await;
    assert_eq!(fifth["kiosk"]["idle_timeout_s"], 300);
    assert_eq!(fifth["kiosk"]["map"], Value::Null);
}

#[tokio::test]
async fn a_service_csv_with_bad_lines_changes_nothing_and_a_good_one_becomes_the_list() {
    let app = spawn_app().await;
    let import = |body: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/services/import"))
                .bearer_auth(&app.admin)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let kept = app
        .expect(
            Method::POST,
            "/api/v1/services",
            &app.admin,
            Some(&service("Passport")),
            StatusCode::CREATED,
        )
        .await;
    app.expect(
        Method::POST,
        "/api/v1/services",
        &app.admin,
        Some(&service("Dog licence")),
        StatusCode::CREATED,
    )
    .await;

    let bad = import(
        "name,identifier,purpose,place,desk,hours,phone,web_url\n\
         Passport,LGSL-1,Travel documents,City hall,Desk 1,Mon-Fri 9-12,,https://city.example/passport\n\
         Waste collection,,,Depot,,,,\n\
         Parking permit,,Residents' parking,City hall,Desk 3,,,\n\
         Library card,,Borrow books,Library,,,,ftp://library.example\n\
         Building permit,,Build or renovate,City hall,Desk 5,,,\n",
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = bad.json().await.unwrap();
    let errors: Vec<(String, String)> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "line 3");
    assert!(
        errors[0].1.starts_with("purpose: is required"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, "line 5");
    assert!(errors[1].1.starts_with("web_url:"), "{errors:?}");
    let unchanged = app
        .expect(
            Method::GET,
            "/api/v1/services",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    let names: Vec<&str> = unchanged
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dog licence", "Passport"], "nothing changed");

    let wrong_header = import("title,purpose,place\nPassport,Travel,City hall\n").await;
    assert_eq!(wrong_header.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = wrong_header.json().await.unwrap();
    assert_eq!(fields(&error), ["csv"]);

    let good = import(
        "name,purpose,place,web_url\n\
         PASSPORT,Travel documents,City hall,https://city.example/passport\n\
         Parking permit,Residents' parking,City hall,\n\
         \"Waste, bulky\",Collection on request,Depot,\n",
    )
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    let summary: Value = good.json().await.unwrap();
    assert_eq!(summary["added"], 2);
    assert_eq!(summary["updated"], 1);
    assert_eq!(summary["removed"], 1);
    let services = summary["services"].as_array().unwrap();
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Parking permit", "PASSPORT", "Waste, bulky"]);
    assert_eq!(
        services[1]["id"], kept["id"],
        "a service keeps its id by name"
    );
    assert_eq!(
        services[1]["identifier"],
        Value::Null,
        "the file is the list"
    );
    let listed = app
        .expect(
            Method::GET,
            "/api/v1/services",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(&listed, &summary["services"]);
}
