//! Catch-up after a network cut: every screen of a building uploads the same hours of plays at
//! once. No batch may fail for meeting another (on PostgreSQL the rollup rows of the building
//! are shared by all its screens), every play counts once, and a second upload of the same
//! batches counts nothing. Also the purge of raw plays past their retention.

use std::sync::Arc;

use chrono::{Duration, Utc};
use civicast_server::db::schema::{play_days, play_hours, play_months, plays};
use civicast_server::db::{DatabaseUrl, DbConnection};
use civicast_tests::{TestApp, spawn_app};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

const SCREENS: usize = 20;
const HOURS: i64 = 4;
const PLAY_S: i64 = 8;
/// As many as the player sends at once.
const BATCH: usize = 500;

/// One screen's plays of the last `HOURS` hours, back to back, oldest first.
fn backlog(screen: &str, items: &[String]) -> Vec<Value> {
    let first_start = Utc::now() - Duration::hours(HOURS) - Duration::minutes(1);
    let count = HOURS * 3600 / PLAY_S;
    (0..count)
        .map(|n| {
            let started = first_start + Duration::seconds(n * PLAY_S);
            json!({
                "id": Uuid::now_v7(),
                "schema_version": 1,
                "seq": n,
                "screen_id": screen,
                "item_id": items[n as usize % items.len()],
                "kind": "announcement",
                "content_hash": "ab".repeat(32),
                "started_at": started.to_rfc3339(),
                "ended_at": (started + Duration::seconds(PLAY_S)).to_rfc3339(),
                "planned_ms": PLAY_S * 1000,
                "played_ms": PLAY_S * 1000,
                "clock_offset_ms": 0,
                "outcome": "complete",
                "display_on": true,
                "player_version": "test",
            })
        })
        .collect()
}

/// Every screen sends its backlog batch after batch, all screens at once, as players do when
/// the network comes back. Returns the receipts, or the status and body of a failed batch.
async fn upload_all_at_once(
    app: &TestApp,
    screens: &Arc<Vec<(String, Vec<Value>)>>,
) -> Vec<Result<Value, String>> {
    let mut tasks = Vec::new();
    for screen in 0..screens.len() {
        let (screens, client, url) = (
            Arc::clone(screens),
            app.client.clone(),
            app.url("/api/v1/screen/plays"),
        );
        tasks.push(tokio::spawn(async move {
            let (token, plays) = &screens[screen];
            let mut receipts = Vec::new();
            for batch in plays.chunks(BATCH) {
                let response = client
                    .post(&url)
                    .bearer_auth(token)
                    .json(&json!({ "plays": batch }))
                    .send()
                    .await
                    .expect("the server answers");
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                receipts.push(if status == StatusCode::OK {
                    Ok(serde_json::from_str(&body).expect("a receipt"))
                } else {
                    Err(format!("{status}: {body}"))
                });
            }
            receipts
        }));
    }
    let mut receipts = Vec::new();
    for task in tasks {
        receipts.extend(task.await.expect("the uploading task ends"));
    }
    receipts
}

/// Raw plays stored, and the plays in the hourly and in the daily rollups.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    raw: i64,
    hours: i64,
    days: i64,
    months: i64,
    hours_ms: i64,
    days_ms: i64,
}

async fn with_database<T: Send + 'static>(
    app: &TestApp,
    work: impl FnOnce(&mut DbConnection) -> T + Send + 'static,
) -> T {
    let url: DatabaseUrl = app.settings.database().expect("a database URL");
    tokio::task::spawn_blocking(move || {
        let pool = civicast_server::db::open(&url).expect("the database opens");
        work(&mut pool.get().expect("a connection"))
    })
    .await
    .expect("the database task ends")
}

fn counts(conn: &mut DbConnection) -> Counts {
    let sum = |values: Vec<i64>| values.into_iter().sum::<i64>();
    Counts {
        raw: plays::table.count().get_result(conn).unwrap(),
        hours: sum(play_hours::table
            .select(play_hours::plays)
            .load(conn)
            .unwrap()),
        days: sum(play_days::table
            .select(play_days::plays)
            .load(conn)
            .unwrap()),
        months: sum(play_months::table
            .select(play_months::plays)
            .load(conn)
            .unwrap()),
        hours_ms: sum(play_hours::table
            .select(play_hours::played_ms)
            .load(conn)
            .unwrap()),
        days_ms: sum(play_days::table
            .select(play_days::played_ms)
            .load(conn)
            .unwrap()),
    }
}

fn counted_once(plays: i64) -> Counts {
    Counts {
        raw: plays,
        hours: plays,
        days: plays,
        months: plays,
        hours_ms: plays * PLAY_S * 1000,
        days_ms: plays * PLAY_S * 1000,
    }
}

/// A building's paired screens (ids and device tokens) and the items of its playlist.
struct Building {
    screens: Vec<String>,
    tokens: Vec<String>,
    items: Vec<String>,
}

/// A building with a playlist of three announcements and `screens` paired screens.
async fn building_with_screens(app: &TestApp, screens: usize) -> Building {
    let building = app.building("Administrative centre").await;
    let playlist = app.playlist(&building, "Hall").await;
    let mut items = Vec::new();
    for n in 0..3 {
        let item = app
            .add_item(
                &playlist,
                &json!({ "kind": "announcement", "text": format!("Notice {n}") }),
            )
            .await;
        items.push(item["id"].as_str().unwrap().to_owned());
    }
    let mut paired = Vec::new();
    for n in 0..screens {
        let (screen, token) = app
            .pair_screen(&building, &format!("Floor {n}"), 1920, 1080)
            .await;
        paired.push((screen, token));
    }
    let (screens, tokens) = paired.into_iter().unzip();
    Building {
        screens,
        tokens,
        items,
    }
}

#[tokio::test]
async fn twenty_screens_catching_up_at_once_are_all_accepted_and_counted_once() {
    let app = spawn_app().await;
    let building = building_with_screens(&app, SCREENS).await;
    let screens: Arc<Vec<(String, Vec<Value>)>> = Arc::new(
        building
            .screens
            .iter()
            .zip(&building.tokens)
            .map(|(screen, token)| (token.clone(), backlog(screen, &building.items)))
            .collect(),
    );
    let sent: usize = screens.iter().map(|(_, plays)| plays.len()).sum();
    let batches = screens.len() * screens[0].1.len().div_ceil(BATCH);

    let receipts = upload_all_at_once(&app, &screens).await;
    let failed: Vec<&String> = receipts.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} of {batches} batches failed: {failed:?}",
        failed.len()
    );
    assert_eq!(receipts.len(), batches);
    let accepted: u64 = receipts
        .iter()
        .map(|r| r.as_ref().unwrap()["accepted"].as_u64().unwrap())
        .sum();
    assert_eq!(accepted, sent as u64);
    let expected = counted_once(sent as i64);
    assert_eq!(with_database(&app, counts).await, expected);

    // The answers were lost: every batch comes again, all at once, and nothing counts twice.
    let receipts = upload_all_at_once(&app, &screens).await;
    let failed: Vec<&String> = receipts.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "sent again: {failed:?}");
    for receipt in &receipts {
        let receipt = receipt.as_ref().unwrap();
        assert_eq!(receipt["accepted"], 0, "{receipt}");
    }
    let duplicates: u64 = receipts
        .iter()
        .map(|r| r.as_ref().unwrap()["duplicates"].as_u64().unwrap())
        .sum();
    assert_eq!(duplicates, sent as u64);
    assert_eq!(with_database(&app, counts).await, expected);

    let report = app
        .expect(
            reqwest::Method::GET,
            "/api/v1/reports/plays?by=screen",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    for screen in &building.screens {
        let row = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["key"] == screen.as_str())
            .unwrap_or_else(|| panic!("no row for {screen} in {report}"));
        assert_eq!(row["plays"], (HOURS * 3600 / PLAY_S) as f64, "{row}");
    }
}

#[tokio::test]
async fn the_purge_removes_raw_plays_past_the_retention_and_keeps_the_rollups() {
    let app = spawn_app().await;
    let building = building_with_screens(&app, 1).await;
    let (token, plays) = (
        &building.tokens[0],
        backlog(&building.screens[0], &building.items),
    );
    let sent = plays.len() as i64;
    for batch in plays.chunks(BATCH) {
        app.expect(
            reqwest::Method::POST,
            "/api/v1/screen/plays",
            token,
            Some(&json!({ "plays": batch })),
            StatusCode::OK,
        )
        .await;
    }
    let purge = |days_from_now: i64| {
        move |conn: &mut DbConnection| {
            let now = civicast_server::db::now() + Duration::days(days_from_now);
            let purged =
                civicast_server::core::proof::retention::purge_raw_plays(conn, now, 90).unwrap();
            (purged, counts(conn))
        }
    };
    // Within the retention nothing goes.
    let (purged, after) = with_database(&app, purge(10)).await;
    assert_eq!(purged, 0);
    assert_eq!(after, counted_once(sent));
    // Past it every raw play goes, the rollups stay, and running it again changes nothing.
    let (purged, after) = with_database(&app, purge(100)).await;
    assert_eq!(purged as i64, sent);
    assert_eq!(after.raw, 0);
    assert_eq!(after.hours, sent);
    assert_eq!(after.days, sent);
    let (purged, again) = with_database(&app, purge(100)).await;
    assert_eq!(purged, 0);
    assert_eq!(again, after);
}
