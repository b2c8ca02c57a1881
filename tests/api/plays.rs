//! Proof of play through the API: batches stored exactly once, every bad record refused with its
//! reason, reports with small cells suppressed, an association confined to its own figures,
//! audience profiles (set and imported) turning plays into estimated impressions, and targeting
//! suggestions.

use chrono::{Duration, Utc};
use civicast_tests::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::event_body;

/// A sound play record of `played_s` seconds that ended `ended_ago_s` seconds ago.
fn play(screen: &str, item: &str, kind: &str, ended_ago_s: i64, played_s: i64) -> Value {
    let ended = Utc::now() - Duration::seconds(ended_ago_s);
    let started = ended - Duration::seconds(played_s);
    json!({
        "id": Uuid::now_v7(),
        "schema_version": 1,
        "seq": 1,
        "screen_id": screen,
        "item_id": item,
        "kind": kind,
        "content_hash": "ab".repeat(32),
        "started_at": started.to_rfc3339(),
        "ended_at": ended.to_rfc3339(),
        "planned_ms": played_s * 1000,
        "played_ms": played_s * 1000,
        "clock_offset_ms": 0,
        "outcome": "complete",
        "display_on": true,
        "player_version": "test",
    })
}

async fn upload(app: &TestApp, token: &str, plays: &[Value]) -> Value {
    app.expect(
        Method::POST,
        "/api/v1/screen/plays",
        token,
        Some(&json!({ "plays": plays })),
        StatusCode::OK,
    )
    .await
}

/// A building with a playlist holding one announcement, and a paired screen in it.
struct Place {
    building: String,
    playlist: String,
    item: String,
    screen: String,
    token: String,
}

async fn place(app: &TestApp, name: &str) -> Place {
    let building = app.building(name).await;
    let playlist = app.playlist(&building, "Main").await;
    let item = app
        .add_item(
            &playlist,
            &json!({ "kind": "announcement", "text": format!("Welcome to the {name}") }),
        )
        .await;
    let (screen, token) = app.pair_screen(&building, "Entrance", 1920, 1080).await;
    Place {
        building,
        playlist,
        item: item["id"].as_str().unwrap().to_owned(),
        screen,
        token,
    }
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    app.expect(
        Method::GET,
        &format!("/api/v1/reports/plays?{query}"),
        token,
        None,
        StatusCode::OK,
    )
    .await
}

async fn report_at(app: &TestApp, token: &str, path: &str) -> Value {
    app.expect(Method::GET, path, token, None, StatusCode::OK)
        .await
}

fn row<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {report}"))
}

#[tokio::test]
async fn a_large_batch_mixing_stored_and_new_plays_counts_each_once() {
    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    let (screen, item) = (library.screen.as_str(), library.item.as_str());
    let batch: Vec<Value> = (0..230)
        .map(|n| play(screen, item, "announcement", 60 + n * 10, 8))
        .collect();
    // Every third play arrived in an earlier batch whose answer was lost.
    let earlier: Vec<Value> = batch.iter().step_by(3).cloned().collect();
    let receipt = upload(&app, &library.token, &earlier).await;
    assert_eq!(receipt["accepted"], 77, "{receipt}");

    let receipt = upload(&app, &library.token, &batch).await;
    assert_eq!(receipt["accepted"], 153, "{receipt}");
    assert_eq!(receipt["duplicates"], 77);
    // A batch of only new plays after that goes in whole.
    let fresh: Vec<Value> = (0..120)
        .map(|n| play(screen, item, "announcement", 5000 + n * 10, 8))
        .collect();
    let receipt = upload(&app, &library.token, &fresh).await;
    assert_eq!(receipt["accepted"], 120, "{receipt}");
    let by_screen = report(&app, &app.admin, "by=screen").await;
    assert_eq!(row(&by_screen, screen)["plays"], 350.0);
    assert_eq!(row(&by_screen, screen)["on_screen_s"], 350.0 * 8.0);
}

#[tokio::test]
async fn plays_are_counted_once_and_each_bad_record_is_refused_with_its_reason() {
    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    let museum = place(&app, "Museum").await;
    let (screen, item) = (library.screen.as_str(), library.item.as_str());

    let mut batch: Vec<Value> = (0..12)
        .map(|n| play(screen, item, "announcement", 60 + n * 10, 8))
        .collect();
    batch.push(batch[0].clone()); // the same play twice in one batch
    let mut reversed = play(screen, item, "announcement", 30, 8);
    let (start, end) = (reversed["started_at"].clone(), reversed["ended_at"].clone());
    reversed["started_at"] = end;
    reversed["ended_at"] = start;
    let mut zero = play(screen, item, "announcement", 30, 8);
    zero["ended_at"] = zero["started_at"].clone();
    zero["played_ms"] = json!(0);
    let unknown_item = play(screen, &Uuid::now_v7().to_string(), "announcement", 30, 8);
    let too_late = play(screen, item, "announcement", 31 * 24 * 3600, 8);
    let other_screen = play(&museum.screen, &museum.item, "announcement", 30, 8);
    let other_building = play(screen, &museum.item, "announcement", 30, 8);
    let bad = [
        (reversed, "ended_at is before started_at"),
        (zero, "zero length"),
        (unknown_item, "not a playlist item"),
        (too_late, "too late"),
        (other_screen, "not the screen whose token"),
        (other_building, "another building"),
    ];
    batch.extend(bad.iter().map(|(record, _)| record.clone()));

    let receipt = upload(&app, &library.token, &batch).await;
    assert_eq!(receipt["accepted"], 12, "{receipt}");
    assert_eq!(receipt["duplicates"], 1);
    let refused = receipt["refused"].as_array().unwrap();
    assert_eq!(refused.len(), bad.len());
    for (refusal, (record, reason)) in refused.iter().zip(&bad) {
        assert_eq!(refusal["id"], record["id"]);
        assert!(
            refusal["reason"].as_str().unwrap().contains(reason),
            "expected '{reason}', got {refusal}"
        );
    }

    // A retry of the same batch (the answer was lost) counts nothing twice.
    let again = upload(&app, &library.token, &batch).await;
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["duplicates"], 13);
    let by_screen = report(&app, &app.admin, "by=screen").await;
    assert_eq!(row(&by_screen, screen)["plays"], 12.0);
    assert_eq!(row(&by_screen, screen)["completion_pct"], 100.0);
    assert_eq!(row(&by_screen, screen)["on_screen_s"], 96.0);
    assert_eq!(by_screen["total"]["plays"], 12.0);

    // Whole-batch errors: too many records, not JSON, a user's token.
    let many: Vec<Value> = (0..1001)
        .map(|_| play(screen, item, "announcement", 30, 8))
        .collect();
    let answer = app
        .expect(
            Method::POST,
            "/api/v1/screen/plays",
            &library.token,
            Some(&json!({ "plays": many })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(
        answer["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 1000")
    );
    let not_json = app
        .client
        .post(app.url("/api/v1/screen/plays"))
        .bearer_auth(&library.token)
        .body("plays: many")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    app.expect(
        Method::POST,
        "/api/v1/screen/plays",
        &app.admin,
        Some(&json!({ "plays": [] })),
        StatusCode::FORBIDDEN,
    )
    .await;
    // Nothing of the refused uploads was stored.
    let by_screen = report(&app, &app.admin, "by=screen").await;
    assert_eq!(by_screen["total"]["plays"], 12.0);
}

/// The item id of `event` in `playlist`.
async fn event_item(app: &TestApp, playlist: &str, event: &str) -> String {
    let items = app
        .expect(
            Method::GET,
            &format!("/api/v1/playlists/{playlist}/items"),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["event_id"] == event)
        .and_then(|item| item["id"].as_str())
        .expect("the event is in the playlist")
        .to_owned()
}

#[tokio::test]
async fn an_association_sees_only_its_own_figures_and_small_cells_stay_hidden_in_totals() {
    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    let mut events = Vec::new();
    for (name, plays) in [("Choir", 15), ("Chess club", 4), ("Football club", 30)] {
        let (organisation, member) = app
            .organisation_with_member(name, "association", "association")
            .await;
        let event = app
            .submit_event(&member, &event_body(name, 5, &[library.building.as_str()]))
            .await;
        let id = event["id"].as_str().unwrap().to_owned();
        app.expect(
            Method::POST,
            &format!("/api/v1/events/{id}/approve"),
            &app.admin,
            Some(&json!({ "building_ids": [library.building] })),
            StatusCode::OK,
        )
        .await;
        let item = event_item(&app, &library.playlist, &id).await;
        let batch: Vec<Value> = (0..plays)
            .map(|n| play(&library.screen, &item, "event", 100 + n * 10, 8))
            .collect();
        assert_eq!(
            upload(&app, &library.token, &batch).await["accepted"],
            plays
        );
        events.push((organisation, member, id));
    }
    let [
        (choir_org, choir, choir_event),
        (_, _, chess_event),
        (football_org, _, football_event),
    ] = &events[..]
    else {
        unreachable!()
    };

    // Staff see every event; the chess club's 4 plays are hidden, and so is the next smallest
    // (the choir's 15), so that the total (49) minus what is shown cannot reveal the 4.
    let by_event = report(&app, &app.admin, "by=event").await;
    assert_eq!(row(&by_event, chess_event)["plays"], "<10");
    assert_eq!(row(&by_event, chess_event)["on_screen_s"], "<10");
    assert_eq!(row(&by_event, choir_event)["plays"], "<10");
    assert_eq!(row(&by_event, football_event)["plays"], 30.0);
    assert_eq!(row(&by_event, football_event)["label"], "Football club");
    assert_eq!(by_event["total"]["plays"], 49.0);
    let csv = app
        .get("/api/v1/reports/plays?by=event&format=csv", &app.admin)
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("event,label,plays,completion_pct,on_screen_s,impressions_est"));
    assert!(
        csv.contains(&format!("{chess_event},Chess club,<10,<10,<10")),
        "{csv}"
    );
    assert!(csv.contains("total,Total,49,"), "{csv}");
    let svg = app
        .get("/api/v1/reports/plays?by=event&format=svg", &app.admin)
        .await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("&lt;10 plays") && svg.contains("30 plays"));

    // The choir sees its own event only, with its real count, by every grouping.
    let own = report(&app, choir, "by=event").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(row(&own, choir_event)["plays"], 15.0);
    assert_eq!(own["total"]["plays"], 15.0);
    let own = report(&app, choir, "by=organisation").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(row(&own, choir_org)["plays"], 15.0);
    let own = report(&app, choir, "by=building").await;
    assert_eq!(own["total"]["plays"], 15.0);
    // Others' figures look absent, whichever way they are asked for.
    for query in [
        format!("by=event&event_id={football_event}"),
        format!("by=building&organisation_id={football_org}"),
    ] {
        app.expect(
            Method::GET,
            &format!("/api/v1/reports/plays?{query}"),
            choir,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    app.expect(
        Method::GET,
        "/api/v1/reports/fairness",
        choir,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Booked against delivered: each event holds a quarter of the loop beside the city's
    // announcement; the association sees its own event only.
    let delivery = report_at(&app, &app.admin, "/api/v1/reports/delivery").await;
    let rows = delivery["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let football = rows
        .iter()
        .find(|r| r["event_id"] == *football_event)
        .unwrap();
    assert_eq!(football["delivered_s"], 240.0);
    assert!(
        football["booked_s"].as_f64().unwrap() >= 3600.0 * 0.25 - 1.0,
        "{football}"
    );
    let chess = rows.iter().find(|r| r["event_id"] == *chess_event).unwrap();
    assert_eq!(chess["delivered_s"], "<10");
    let own = report_at(&app, choir, "/api/v1/reports/delivery").await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    assert_eq!(own["rows"][0]["event_id"], *choir_event);
    assert_eq!(own["rows"][0]["delivered_s"], 120.0);

    // Fairness: three associations booked equal loop time; delivery was 15 / 4 / 30.
    let fairness = app
        .expect(
            Method::GET,
            "/api/v1/reports/fairness",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    let rows = fairness["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(
            (row["entitled_pct"].as_f64().unwrap() - 33.3).abs() < 0.1,
            "{row}"
        );
    }
    let football = rows.iter().find(|r| r["name"] == "Football club").unwrap();
    assert_eq!(football["below_80_pct"], false);
    let chess = rows.iter().find(|r| r["name"] == "Chess club").unwrap();
    assert_eq!(chess["below_80_pct"], true);
    assert_eq!(chess["share_of_voice_pct"], "<10");
    let jain = fairness["jain_index"].as_f64().unwrap();
    assert!(jain > 0.33 && jain < 1.0, "{jain}");
}

fn profile_rows(visitors: f64, youth: f64) -> Value {
    let mut rows = Vec::new();
    for daypart in [
        "07-09", "09-12", "12-14", "14-17", "17-19", "19-22", "22-07",
    ] {
        for day_type in ["weekday", "weekend"] {
            rows.push(json!({
                "daypart": daypart, "day_type": day_type, "visitors_per_hour": visitors,
                "dwell_s": 50.0, "visibility": 0.5, "segments": { "youth": youth, "seniors": 0.2 }
            }));
        }
    }
    Value::Array(rows)
}

#[tokio::test]
async fn audience_profiles_turn_plays_into_estimated_impressions_and_suggest_buildings() {
    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    let youth_centre = app.building("Youth centre").await;
    let path = format!("/api/v1/buildings/{}/audience", library.building);

    let bad = app
        .expect(
            Method::PUT,
            &path,
            &app.admin,
            Some(&json!({ "source": "", "rows": [{
                "daypart": "noon", "day_type": "weekday", "visitors_per_hour": -1.0,
                "dwell_s": 50.0, "visibility": 1.5, "segments": { "gamers": 0.5 }
            }] })),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let fields: Vec<&str> = bad["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in [
        "source",
        "rows[0].daypart",
        "rows[0].visitors_per_hour",
        "rows[0].visibility",
        "rows[0].segments",
    ] {
        assert!(fields.contains(&field), "{field} missing from {bad}");
    }
    app.expect(Method::GET, &path, &app.admin, None, StatusCode::NOT_FOUND)
        .await;

    let profile = app
        .expect(
            Method::PUT,
            &path,
            &app.admin,
            Some(&json!({ "source": "gate counts 2025", "rows": profile_rows(360.0, 0.3) })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(profile["version"], 1);
    assert!(profile["method"].as_str().unwrap().contains("Estimated"));

    // 20 plays of 10 s: 360 visitors/h x (50 + 10) s / 3600 x 0.5 = 3 people each.
    let batch: Vec<Value> = (0..20)
        .map(|n| {
            play(
                &library.screen,
                &library.item,
                "announcement",
                60 + n * 12,
                10,
            )
        })
        .collect();
    upload(&app, &library.token, &batch).await;
    let by_building = report(&app, &app.admin, "by=building").await;
    let figures = row(&by_building, &library.building);
    assert_eq!(figures["plays"], 20.0);
    assert_eq!(figures["impressions_est"], 60.0);
    assert_eq!(figures["segment_impressions_est"]["youth"], 18.0);
    assert_eq!(figures["segment_impressions_est"]["seniors"], 12.0);
    assert_eq!(by_building["profile_versions"][0]["version"], 1);
    assert_eq!(by_building["plays_without_profile"], 0.0);
    assert!(
        by_building["method"]
            .as_str()
            .unwrap()
            .contains("Estimated")
    );

    // CSV import: a bad line stores nothing and says which line to fix.
    let import = |csv: String| {
        app.client
            .post(app.url("/api/v1/audience/import"))
            .bearer_auth(&app.admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
    };
    let header =
        "building,daypart,day_type,visitors_per_hour,dwell_s,visibility,source,youth,seniors";
    let bad = import(format!(
        "{header}\nYouth centre,09-12,weekday,80,30,0.8,staff estimate,0.7,0.05\n\
         Youth centre,09-12,someday,80,30,0.8,staff estimate,0.7,0.05\n\
         Nowhere,09-12,weekday,80,30,0.8,staff estimate,0.7,0.05\n\
         Youth centre,12-14,weekday,many,30,0.8,staff estimate,0.7,0.05\n"
    ))
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad: Value = bad.json().await.unwrap();
    let text = bad.to_string();
    assert!(
        text.contains("line 3") && text.contains("weekday or weekend"),
        "{text}"
    );
    assert!(
        text.contains("line 4") && text.contains("Nowhere"),
        "{text}"
    );
    // An unreadable line does not hide the mistakes on the others: every line is named.
    assert!(
        text.contains("line 5") && text.contains("'many' is not a number"),
        "{text}"
    );
    let centre_path = format!("/api/v1/buildings/{youth_centre}/audience");
    app.expect(
        Method::GET,
        &centre_path,
        &app.admin,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let mut csv = format!("{header}\n");
    for daypart in [
        "07-09", "09-12", "12-14", "14-17", "17-19", "19-22", "22-07",
    ] {
        csv.push_str(&format!(
            "Youth centre,{daypart},weekday,80,30,0.8,staff estimate,0.7,0.05\n"
        ));
    }
    let created = import(csv).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let centre = app
        .expect(Method::GET, &centre_path, &app.admin, None, StatusCode::OK)
        .await;
    assert_eq!(centre["source"], "staff estimate");
    assert_eq!(centre["rows"][0]["segments"]["youth"], 0.7);

    // For a youth event the youth centre comes first; any signed-in member may ask.
    let (_, member) = app
        .organisation_with_member("Skaters", "association", "association")
        .await;
    let suggestions = app
        .expect(
            Method::GET,
            "/api/v1/audience/suggestions?segments=youth",
            &member,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        suggestions["buildings"][0]["building_id"],
        youth_centre.as_str()
    );
    assert!(
        suggestions["buildings"][0]["composition_index"]
            .as_f64()
            .unwrap()
            > 100.0
    );
    assert!(
        suggestions["buildings"][1]["composition_index"]
            .as_f64()
            .unwrap()
            < 100.0
    );
    assert_eq!(suggestions["estimated"], true);
    // The reason a building fits: when the audiences are most present there.
    let peak = &suggestions["buildings"][0]["peak"];
    assert!(peak["segment_share"].as_f64().unwrap() > 0.0, "{peak}");
    assert!(
        peak["daypart"].is_string() && peak["day_type"].is_string(),
        "{peak}"
    );
    app.expect(
        Method::GET,
        "/api/v1/audience/suggestions?segments=gamers",
        &member,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Members may read profiles but not change them.
    app.expect(
        Method::PUT,
        &path,
        &member,
        Some(&json!({ "source": "mine", "rows": profile_rows(1.0, 0.1) })),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn an_emergency_takeover_is_a_play_without_an_item_and_counts_as_city_content() {
    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    let mut takeover = play(&library.screen, &library.item, "emergency", 30, 45);
    takeover["item_id"] = Value::Null;
    let receipt = upload(&app, &library.token, &[takeover]).await;
    assert_eq!(receipt["accepted"], 1, "{receipt}");
    let by_owner = report(&app, &app.admin, "by=organisation").await;
    assert_eq!(
        by_owner["total"]["on_screen_s"], "<10",
        "one play stays hidden"
    );
}

#[tokio::test]
async fn a_player_clock_an_hour_wrong_still_places_its_plays_at_the_right_time() {
    use civicast_server::db::schema::plays;
    use diesel::prelude::*;

    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    // The player's clock runs an hour fast; it measured that from the server's Date headers
    // and says so in each record.
    let mut fast = play(&library.screen, &library.item, "announcement", 30, 10);
    for field in ["started_at", "ended_at"] {
        let on_player: chrono::DateTime<Utc> = fast[field].as_str().unwrap().parse().unwrap();
        fast[field] = json!((on_player + Duration::hours(1)).to_rfc3339());
    }
    fast["clock_offset_ms"] = json!(-3_600_000);
    let receipt = upload(&app, &library.token, std::slice::from_ref(&fast)).await;
    assert_eq!(receipt["accepted"], 1, "{receipt}");

    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let (started, ended): (chrono::NaiveDateTime, chrono::NaiveDateTime) = plays::table
        .filter(plays::id.eq(fast["id"].as_str().unwrap()))
        .select((plays::started_at, plays::ended_at))
        .first(&mut conn)
        .unwrap();
    // Stored on the server's clock: it ended about 30 s ago, not an hour from now.
    let ended_ago = Utc::now().naive_utc() - ended;
    assert!(
        ended_ago > Duration::seconds(25) && ended_ago < Duration::seconds(120),
        "ended {ended_ago:?} ago"
    );
    assert_eq!(ended - started, Duration::seconds(10));

    // Without the offset the same record would lie in the future: refused with the reason.
    let mut unexplained = fast.clone();
    unexplained["id"] = json!(Uuid::now_v7());
    unexplained["clock_offset_ms"] = json!(0);
    let receipt = upload(&app, &library.token, &[unexplained]).await;
    assert_eq!(receipt["accepted"], 0, "{receipt}");
    assert!(receipt.to_string().contains("future"), "{receipt}");
}

/// Review finding 3: titles and names that a spreadsheet would run as formulas leave the CSV
/// exports as text (a leading `'`, as OWASP recommends), while numbers stay numbers.
#[tokio::test]
async fn csv_exports_carry_formula_looking_titles_and_names_as_text() {
    let app = spawn_app().await;
    let library = place(&app, "Library").await;
    let name = "=HYPERLINK(\"http://attacker.example\",\"Click\")";
    let (organisation, member) = app
        .organisation_with_member(name, "association", "association")
        .await;
    let mut body = event_body("+SUM(A1:A9)", 5, &[library.building.as_str()]);
    body["title"] = json!("@cmd|' /C calc'!A0");
    let event = app.submit_event(&member, &body).await;
    let id = event["id"].as_str().unwrap().to_owned();
    app.expect(
        Method::POST,
        &format!("/api/v1/events/{id}/approve"),
        &app.admin,
        Some(&json!({ "building_ids": [library.building] })),
        StatusCode::OK,
    )
    .await;
    let item = event_item(&app, &library.playlist, &id).await;
    let batch: Vec<Value> = (0..12)
        .map(|n| play(&library.screen, &item, "event", 100 + n * 10, 8))
        .collect();
    upload(&app, &library.token, &batch).await;

    let by_event = app
        .get("/api/v1/reports/plays?by=event&format=csv", &app.admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        by_event.contains(&format!("{id},'@cmd|' /C calc'!A0,12,")),
        "{by_event}"
    );
    let by_organisation = app
        .get(
            "/api/v1/reports/plays?by=organisation&format=csv",
            &app.admin,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        by_organisation.contains(&format!(
            "{organisation},\"'=HYPERLINK(\"\"http://attacker.example\"\",\"\"Click\"\")\",12,"
        )),
        "{by_organisation}"
    );
    assert!(
        !by_organisation.contains(",=HYPERLINK"),
        "{by_organisation}"
    );
}
