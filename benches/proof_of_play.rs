//! P3 and P4 of `performance.md`, each beside its reference in the same run:
//!
//! - P3: plays ingested per second over HTTP (batches of 500, deduplicated, committed before the
//!   reply, SQLite) against the same rows inserted straight into SQLite by a minimal program
//!   (same schema, same batch size, `INSERT OR IGNORE`).
//! - P4: a year of plays for 100 screens (about 300 million plays, as rollups) reported by
//!   building x daypart through the API.
//!
//! Run: `cargo bench -p civicast-tests --bench proof_of_play` (release build; writes the
//! "Proof of play" section of BENCHMARKS.md). Everything runs on 127.0.0.1.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Timelike, Utc};
use civicast_shared::api::audience::{DayType, daypart_of, default_dayparts};
use civicast_shared::api::plays::{PLAY_SCHEMA_VERSION, PlayKind, PlayOutcome, PlayRecord};
use civicast_tests::{TestApp, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const BATCH: usize = 500;
const BATCHES: usize = 600;
const CONNECTIONS: usize = 8;
const SCREENS: usize = 20;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // `CIVICAST_BENCH_ONLY=direct` times only the direct ingestion call (for profiling it);
    // `=p3` stops after P3. Neither writes BENCHMARKS.md.
    let only = std::env::var("CIVICAST_BENCH_ONLY").unwrap_or_default();
    if only == "direct" {
        let per_s = runtime.block_on(async {
            let app = spawn_app_with(|_| {}).await;
            let (screens, items) = setup(&app).await;
            direct(&app, &screens, &items).await
        });
        println!("P3 direct: {per_s:.0} plays/s");
        return;
    }
    let p3 = runtime.block_on(p3());
    if only == "p3" {
        return;
    }
    let p4 = runtime.block_on(p4());
    write_results(&p3, &p4);
}

struct P3 {
    http_per_s: f64,
    raw_per_s: f64,
    duplicates_per_s: f64,
    /// The server's ingestion called directly, without HTTP or JSON: where the time goes.
    direct_per_s: f64,
}

struct P4 {
    median_ms: f64,
    samples: Vec<f64>,
    plays: f64,
    rollup_hours: usize,
    rollup_days: usize,
    by_building_ms: f64,
}

async fn setup(app: &TestApp) -> (Vec<(Uuid, String)>, Vec<Uuid>) {
    let building = app.building("Town hall").await;
    let playlist = app.playlist(&building, "Hall").await;
    let mut items = Vec::new();
    for n in 0..4 {
        let item = app
            .add_item(
                &playlist,
                &json!({ "kind": "announcement", "text": format!("Notice {n}") }),
            )
            .await;
        items.push(item["id"].as_str().unwrap().parse().unwrap());
    }
    let mut screens = Vec::new();
    for n in 0..SCREENS {
        let (id, token) = app
            .pair_screen(&building, &format!("Screen {n}"), 1920, 1080)
            .await;
        screens.push((id.parse().unwrap(), token));
    }
    (screens, items)
}

fn batches(screens: &[(Uuid, String)], items: &[Uuid]) -> Vec<(usize, Vec<PlayRecord>)> {
    let now = Utc::now();
    (0..BATCHES)
        .map(|b| {
            let screen = b % screens.len();
            let plays = (0..BATCH)
                .map(|n| {
                    let ended = now
                        - chrono::Duration::seconds(((BATCHES - b) * BATCH + n) as i64 % 86_400);
                    PlayRecord {
                        id: Uuid::now_v7(),
                        schema_version: PLAY_SCHEMA_VERSION,
                        seq: (b * BATCH + n) as u64,
                        screen_id: screens[screen].0,
                        item_id: Some(items[n % items.len()]),
                        kind: PlayKind::Announcement,
                        content_hash: "ab".repeat(32),
                        started_at: ended - chrono::Duration::seconds(8),
                        ended_at: ended,
                        planned_ms: 8000,
                        played_ms: 8000,
                        clock_offset_ms: 0,
                        outcome: PlayOutcome::Complete,
                        display_on: Some(true),
                        player_version: "bench".into(),
                    }
                })
                .collect();
            (screen, plays)
        })
        .collect()
}

/// Posts every body with `CONNECTIONS` concurrent clients; returns seconds taken.
async fn post_all(
    app: &TestApp,
    bodies: Arc<Vec<(String, Vec<u8>)>>,
    expect_accepted: usize,
) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (bodies, next, client, url) = (
            Arc::clone(&bodies),
            Arc::clone(&next),
            reqwest::Client::new(),
            app.url("/api/v1/screen/plays"),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((token, body)) = bodies.get(index) else {
                    break;
                };
                let response = client
                    .post(&url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let receipt: Value = response.json().await.unwrap();
                assert_eq!(receipt["accepted"], expect_accepted, "{receipt}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

async fn p3() -> P3 {
    let app = spawn_app_with(|_| {}).await;
    let (screens, items) = setup(&app).await;
    let batches = batches(&screens, &items);
    let bodies: Vec<(String, Vec<u8>)> = batches
        .iter()
        .map(|(screen, plays)| {
            (
                screens[*screen].1.clone(),
                serde_json::to_vec(&json!({ "plays": plays })).unwrap(),
            )
        })
        .collect();
    let bodies = Arc::new(bodies);
    let seconds = post_all(&app, Arc::clone(&bodies), BATCH).await;
    let http_per_s = (BATCHES * BATCH) as f64 / seconds;
    // The same batches again: every record is a duplicate, found by its id.
    let again = Arc::new(bodies[..BATCHES / 4].to_vec());
    let dup_seconds = post_all(&app, again, 0).await;
    let duplicates_per_s = (BATCHES / 4 * BATCH) as f64 / dup_seconds;

    let raw_per_s = raw_sqlite(&batches, &screens);
    let direct_per_s = direct(&app, &screens, &items).await;
    println!(
        "P3: HTTP {http_per_s:.0} plays/s, direct {direct_per_s:.0}/s, raw SQLite {raw_per_s:.0} rows/s, duplicates {duplicates_per_s:.0}/s"
    );
    P3 {
        http_per_s,
        raw_per_s,
        duplicates_per_s,
        direct_per_s,
    }
}

/// Fresh batches through `proof::ingest::ingest` on the server's own database, one after the
/// other on one connection: the server's ingestion cost without HTTP, JSON or concurrency.
async fn direct(app: &TestApp, screens: &[(Uuid, String)], items: &[Uuid]) -> f64 {
    let batches = batches(screens, items);
    let url = app.settings.database().unwrap();
    tokio::task::spawn_blocking(move || {
        let pool = civicast_server::db::open(&url).unwrap();
        let mut conn = pool.get().unwrap();
        let started = Instant::now();
        for (screen, plays) in batches {
            let receipt = civicast_server::core::proof::ingest::ingest(
                &mut conn,
                &plays[0].screen_id.to_string(),
                civicast_shared::api::plays::PlayBatch { plays },
                Utc::now(),
            )
            .unwrap();
            assert_eq!(receipt.accepted as usize, BATCH, "screen {screen}");
        }
        (BATCHES * BATCH) as f64 / started.elapsed().as_secs_f64()
    })
    .await
    .unwrap()
}

/// The reference: the same rows into the same schema (the server's migrations), straight
/// through SQLite, 500 per transaction, with the server's pragmas.
fn raw_sqlite(batches: &[(usize, Vec<PlayRecord>)], screens: &[(Uuid, String)]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.db");
    civicast_server::db::open(&civicast_server::db::DatabaseUrl::Sqlite(path.clone())).unwrap();
    let mut connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    let building = Uuid::now_v7().to_string();
    let started = Instant::now();
    for (screen, plays) in batches {
        let transaction = connection.transaction().unwrap();
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT OR IGNORE INTO plays (id, schema_version, screen_id, seq, item_id, \
                     content_hash, owner, kind, started_at, ended_at, planned_ms, played_ms, \
                     clock_offset_ms, outcome, display_on, player_version, received_at, \
                     building_id, daypart, multiplier, multiplier_version, impressions_est) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, \
                     ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
                )
                .unwrap();
            let screen_id = screens[*screen].0.to_string();
            for play in plays {
                insert
                    .execute(rusqlite::params![
                        play.id.to_string(),
                        1,
                        screen_id,
                        play.seq as i64,
                        play.item_id.map(|id| id.to_string()),
                        play.content_hash,
                        Option::<String>::None,
                        "announcement",
                        play.started_at.naive_utc().to_string(),
                        play.ended_at.naive_utc().to_string(),
                        8000,
                        8000,
                        0,
                        "complete",
                        true,
                        "bench",
                        Utc::now().naive_utc().to_string(),
                        building,
                        "09-12",
                        Option::<f64>::None,
                        Option::<i32>::None,
                        Option::<f64>::None,
                    ])
                    .unwrap();
            }
        }
        transaction.commit().unwrap();
    }
    (BATCHES * BATCH) as f64 / started.elapsed().as_secs_f64()
}

async fn p4() -> P4 {
    const BUILDINGS: usize = 50;
    const SCREENS_PER_BUILDING: usize = 2;
    const ITEMS: usize = 4;
    const PLAYS_PER_ITEM_HOUR: i64 = 86;
    let app = spawn_app_with(|_| {}).await;
    let mut buildings = Vec::new();
    let mut rows = Vec::new();
    for daypart in default_dayparts() {
        for day_type in ["weekday", "weekend"] {
            rows.push(json!({
                "daypart": daypart.name, "day_type": day_type, "visitors_per_hour": 120.0,
                "dwell_s": 40.0, "visibility": 0.6,
                "segments": { "youth": 0.2, "seniors": 0.3, "families": 0.25 }
            }));
        }
    }
    for b in 0..BUILDINGS {
        let id = app.building(&format!("Building {b:02}")).await;
        app.expect(
            Method::PUT,
            &format!("/api/v1/buildings/{id}/audience"),
            &app.admin,
            Some(&json!({ "source": "bench", "rows": rows })),
            StatusCode::CREATED,
        )
        .await;
        buildings.push(id);
    }
    let database = match app.settings.database().unwrap() {
        civicast_server::db::DatabaseUrl::Sqlite(path) => path,
        civicast_server::db::DatabaseUrl::Postgres(_) => panic!("P4 runs on SQLite"),
    };
    let year_start: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
    let (hours, days, plays) = fill_rollups(
        &database,
        &buildings,
        SCREENS_PER_BUILDING,
        ITEMS,
        PLAYS_PER_ITEM_HOUR,
        year_start,
    );
    let year_end = year_start + chrono::Duration::days(365);
    let query = format!(
        "/api/v1/reports/plays?by=building_daypart&from={}&to={}",
        year_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        year_end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
    .replace('+', "%2B");
    let time = |path: String| {
        let app = &app;
        async move {
            let started = Instant::now();
            let report = app
                .expect(Method::GET, &path, &app.admin, None, StatusCode::OK)
                .await;
            (started.elapsed().as_secs_f64() * 1000.0, report)
        }
    };
    let (_, warm) = time(query.clone()).await;
    assert_eq!(warm["rows"].as_array().unwrap().len(), BUILDINGS * 7);
    assert_eq!(warm["total"]["plays"].as_f64().unwrap(), plays as f64);
    let mut samples = Vec::new();
    for _ in 0..15 {
        samples.push(time(query.clone()).await.0);
    }
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    let by_building = query.replace("by=building_daypart", "by=building");
    let mut building_samples = Vec::new();
    for _ in 0..7 {
        building_samples.push(time(by_building.clone()).await.0);
    }
    building_samples.sort_by(f64::total_cmp);
    println!(
        "P4: median {:.1} ms over {} plays",
        sorted[sorted.len() / 2],
        plays
    );
    P4 {
        median_ms: sorted[sorted.len() / 2],
        samples,
        plays: plays as f64,
        rollup_hours: hours,
        rollup_days: days,
        by_building_ms: building_samples[building_samples.len() / 2],
    }
}

/// Day, building, daypart and day type of a daily rollup row.
type DayKey = (String, String, String, &'static str);

/// A year of hourly rollups (every screen, every hour, four items) and the daily rollups they
/// sum to, written straight into the server's database as ingestion would have left them.
fn fill_rollups(
    database: &Path,
    buildings: &[String],
    screens_per_building: usize,
    items: usize,
    plays_per_item_hour: i64,
    year_start: DateTime<Utc>,
) -> (usize, usize, i64) {
    let mut connection = rusqlite::Connection::open(database).unwrap();
    connection.busy_timeout(Duration::from_secs(30)).unwrap();
    let dayparts = default_dayparts();
    let tz = chrono_tz::Europe::Brussels;
    let multiplier = |played_s: f64| 120.0 * (40.0 + played_s) / 3600.0 * 0.6;
    let transaction = connection.transaction().unwrap();
    let mut days: HashMap<DayKey, (i64, i64, f64)> = HashMap::new();
    let (mut hour_rows, mut plays) = (0, 0);
    {
        let mut insert = transaction
            .prepare(
                "INSERT INTO play_hours (hour, screen_id, item_key, profile_version, building_id, \
                 kind, event_id, organisation_id, category, daypart, day_type, local_hour, plays, \
                 complete, played_ms, impressions) VALUES (?1, ?2, ?3, 1, ?4, 'announcement', \
                 NULL, NULL, NULL, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
            )
            .unwrap();
        let item_keys: Vec<String> = (0..items).map(|_| Uuid::now_v7().to_string()).collect();
        for building in buildings {
            let screens: Vec<String> = (0..screens_per_building)
                .map(|_| Uuid::now_v7().to_string())
                .collect();
            for hour in 0..365 * 24 {
                let start = year_start + chrono::Duration::hours(hour);
                let local = start.with_timezone(&tz);
                let daypart = daypart_of(&dayparts, local.hour()).to_owned();
                let day_type = DayType::of(local.date_naive()).as_str();
                let impressions = multiplier(8.0) * plays_per_item_hour as f64;
                let hour_text = start.naive_utc().to_string();
                for screen in &screens {
                    for item in &item_keys {
                        insert
                            .execute(rusqlite::params![
                                hour_text,
                                screen,
                                item,
                                building,
                                daypart,
                                day_type,
                                local.hour(),
                                plays_per_item_hour,
                                plays_per_item_hour * 8000,
                                impressions,
                            ])
                            .unwrap();
                        hour_rows += 1;
                        plays += plays_per_item_hour;
                        let day = start
                            .duration_trunc(TimeDelta::days(1))
                            .unwrap()
                            .naive_utc()
                            .to_string();
                        let entry = days
                            .entry((day, building.clone(), daypart.clone(), day_type))
                            .or_default();
                        entry.0 += plays_per_item_hour;
                        entry.1 += plays_per_item_hour * 8000;
                        entry.2 += impressions;
                    }
                }
            }
        }
        let mut insert_day = transaction
            .prepare(
                "INSERT INTO play_days (day, building_id, daypart, day_type, profile_version, \
                 plays, complete, played_ms, impressions) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7)",
            )
            .unwrap();
        for ((day, building, daypart, day_type), (count, ms, impressions)) in &days {
            insert_day
                .execute(rusqlite::params![
                    day,
                    building,
                    daypart,
                    day_type,
                    count,
                    ms,
                    impressions
                ])
                .unwrap();
        }
    }
    transaction.commit().unwrap();
    connection.execute_batch("ANALYZE;").unwrap();
    (hour_rows, days.len(), plays)
}

fn write_results(p3: &P3, p4: &P4) {
    let ratio = p3.http_per_s / p3.raw_per_s;
    let p3_met = ratio >= 0.4 && p3.http_per_s >= 100_000.0;
    let samples: Vec<String> = p4.samples.iter().map(|ms| format!("{ms:.0}")).collect();
    let section = format!(
        "## Proof of play (P3, P4)\n\n\
         Command: `cargo bench -p civicast-tests --bench proof_of_play` — {date}, {machine}, \
         release build, server and load generator in one process on 127.0.0.1 (SQLite, WAL).\n\n\
         | # | figure | measured | reference, same run | ratio | goal | |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n\
         | P3 | plays ingested over HTTP, batches of {BATCH}, {CONNECTIONS} connections, deduplicated, committed before the reply | {http:.0} plays/s | the same rows straight into SQLite, same schema, {BATCH} per transaction: {raw:.0} rows/s | {ratio:.2}x | >= 0.4x raw and >= 100k plays/s | {p3_verdict} |\n\
         | P3 | the same batches sent again (all duplicates) | {dups:.0} plays/s | — | — | — | |\n\
         | P3 | the server's ingestion called directly (no HTTP, no JSON, one connection) | {direct:.0} plays/s | raw SQLite above | {direct_ratio:.2}x | — | |\n\
         | P4 | a year of 100 screens by building x daypart ({plays:.0} plays as {hours} hourly and {days} daily rollup rows) | {median:.1} ms median of 15 ({samples} ms) | by building alone: {by_building:.1} ms | — | < 100 ms | {p4_verdict} |\n",
        date = Utc::now().format("%Y-%m-%d"),
        machine = civicast_tests::bench::machine(),
        http = p3.http_per_s,
        raw = p3.raw_per_s,
        dups = p3.duplicates_per_s,
        direct = p3.direct_per_s,
        direct_ratio = p3.direct_per_s / p3.raw_per_s,
        p3_verdict = if p3_met { "met" } else { "missed" },
        plays = p4.plays,
        hours = p4.rollup_hours,
        days = p4.rollup_days,
        median = p4.median_ms,
        samples = samples.join(", "),
        by_building = p4.by_building_ms,
        p4_verdict = if p4.median_ms < 100.0 {
            "met"
        } else {
            "missed"
        },
    );
    civicast_tests::bench::write_section("## Proof of play (P3, P4)", &section);
}
