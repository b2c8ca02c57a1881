//! P3 and P4 of `performance.md`, each beside its reference in the same run:
//!
//! - P3: plays ingested per second over HTTP (batches of 500, deduplicated, committed before the
//!   reply, SQLite) against the same rows inserted straight into SQLite by a minimal program
//!   (same schema, same batch size, `INSERT OR IGNORE`). On PostgreSQL the reference is `COPY`
//!   of the same rows, 500 per statement, into a table of the same shape (columns, key, day
//!   partitions) in the same database.
//! - P4: a year of plays for 100 screens (about 300 million plays, as rollups) reported by
//!   building x daypart through the API.
//!
//! Run: `cargo bench -p civicast-tests --bench proof_of_play` (release build; writes the
//! "Proof of play" section of BENCHMARKS.md). Everything runs on 127.0.0.1. With
//! `CIVICAST_TEST_POSTGRES_URL=postgres://...` the server runs on a fresh database of that
//! cluster and the figures are printed as rows for that section instead of written.

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
    if civicast_tests::on_postgres() {
        print_postgres_rows(&p3, &p4);
    } else {
        write_results(&p3, &p4);
    }
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

    let raw_per_s = match app.settings.database().unwrap() {
        civicast_server::db::DatabaseUrl::Sqlite(_) => raw_sqlite(&batches, &screens),
        civicast_server::db::DatabaseUrl::Postgres(url) => {
            raw_postgres_copy(&url, &batches, &screens)
        }
    };
    let direct_per_s = direct(&app, &screens, &items).await;
    println!(
        "P3: HTTP {http_per_s:.0} plays/s, direct {direct_per_s:.0}/s, reference (raw SQLite or COPY) {raw_per_s:.0} rows/s, duplicates {duplicates_per_s:.0}/s"
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
                civicast_shared::api::plays::PlayBatch {
                    plays,
                    kiosk_sessions: Vec::new(),
                },
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

diesel::table! {
    /// The reference's table on PostgreSQL: `plays`' columns, key and day partitions.
    plays_reference (id, started_at) {
        id -> Text,
        schema_version -> Integer,
        screen_id -> Text,
        seq -> BigInt,
        item_id -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        owner -> Nullable<Text>,
        kind -> Text,
        started_at -> Timestamp,
        ended_at -> Timestamp,
        planned_ms -> BigInt,
        played_ms -> BigInt,
        clock_offset_ms -> BigInt,
        outcome -> Text,
        display_on -> Nullable<Bool>,
        player_version -> Text,
        received_at -> Timestamp,
        building_id -> Nullable<Text>,
        daypart -> Nullable<Text>,
        multiplier -> Nullable<Double>,
        multiplier_version -> Nullable<Integer>,
        impressions_est -> Nullable<Double>,
    }
}

/// The reference on PostgreSQL: the same rows by `COPY FROM STDIN` (text format), one
/// statement and transaction per batch of 500, into the server's database.
fn raw_postgres_copy(
    url: &str,
    batches: &[(usize, Vec<PlayRecord>)],
    screens: &[(Uuid, String)],
) -> f64 {
    use diesel::prelude::*;
    use std::io::Write;
    let mut pg = diesel::PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "CREATE TABLE plays_reference (LIKE plays INCLUDING ALL) PARTITION BY RANGE (started_at)",
    )
    .execute(&mut pg)
    .unwrap();
    diesel::sql_query("CREATE TABLE plays_reference_default PARTITION OF plays_reference DEFAULT")
        .execute(&mut pg)
        .unwrap();
    let days: std::collections::BTreeSet<chrono::NaiveDate> = batches
        .iter()
        .flat_map(|(_, plays)| plays.iter().map(|play| play.started_at.date_naive()))
        .collect();
    for day in days {
        diesel::sql_query(format!(
            "CREATE TABLE plays_reference_p{} PARTITION OF plays_reference FOR VALUES FROM ('{day}') TO ('{}')",
            day.format("%Y%m%d"),
            day.succ_opt().unwrap()
        ))
        .execute(&mut pg)
        .unwrap();
    }
    let building = Uuid::now_v7().to_string();
    let started = Instant::now();
    for (screen, plays) in batches {
        let screen_id = screens[*screen].0.to_string();
        let received_at = Utc::now().naive_utc();
        let copied = diesel::copy_from(plays_reference::table)
            .from_raw_data(plays_reference::table, |out: &mut dyn Write| {
                for play in plays {
                    writeln!(
                        out,
                        "{}\t1\t{screen_id}\t{}\t{}\t{}\t\\N\tannouncement\t{}\t{}\t8000\t8000\t0\tcomplete\tt\tbench\t{received_at}\t{building}\t09-12\t\\N\t\\N\t\\N",
                        play.id,
                        play.seq,
                        play.item_id.unwrap(),
                        play.content_hash,
                        play.started_at.naive_utc(),
                        play.ended_at.naive_utc(),
                    )
                    .unwrap();
                }
                diesel::QueryResult::Ok(())
            })
            .execute(&mut pg)
            .unwrap();
        assert_eq!(copied, plays.len());
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
    let database = app.settings.database().unwrap();
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

/// One hourly rollup row of the filled year.
struct HourFill<'a> {
    hour: &'a str,
    screen: &'a str,
    item: &'a str,
    building: &'a str,
    daypart: &'a str,
    day_type: &'static str,
    local_hour: u32,
    plays: i64,
    impressions: f64,
}

/// A year of hourly rollups (every screen, every hour, four items) and the daily rollups they
/// sum to, written straight into the server's database as ingestion would have left them:
/// through SQLite's own library, or by `COPY` on PostgreSQL.
fn fill_rollups(
    database: &civicast_server::db::DatabaseUrl,
    buildings: &[String],
    screens_per_building: usize,
    items: usize,
    plays_per_item_hour: i64,
    year_start: DateTime<Utc>,
) -> (usize, usize, i64) {
    match database {
        civicast_server::db::DatabaseUrl::Sqlite(path) => fill_rollups_sqlite(
            path,
            buildings,
            screens_per_building,
            items,
            plays_per_item_hour,
            year_start,
        ),
        civicast_server::db::DatabaseUrl::Postgres(url) => fill_rollups_postgres(
            url,
            buildings,
            screens_per_building,
            items,
            plays_per_item_hour,
            year_start,
        ),
    }
}

/// Hands every hourly row of the year to `emit`; returns the daily sums, the hourly row count
/// and the plays.
fn year_of_rollups(
    buildings: &[String],
    screens_per_building: usize,
    items: usize,
    plays_per_item_hour: i64,
    year_start: DateTime<Utc>,
    mut emit: impl FnMut(&HourFill),
) -> (HashMap<DayKey, (i64, i64, f64)>, usize, i64) {
    let dayparts = default_dayparts();
    let tz = chrono_tz::Europe::Brussels;
    let multiplier = |played_s: f64| 120.0 * (40.0 + played_s) / 3600.0 * 0.6;
    let mut days: HashMap<DayKey, (i64, i64, f64)> = HashMap::new();
    let (mut hour_rows, mut plays) = (0, 0);
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
            let day = start
                .duration_trunc(TimeDelta::days(1))
                .unwrap()
                .naive_utc()
                .to_string();
            for screen in &screens {
                for item in &item_keys {
                    emit(&HourFill {
                        hour: &hour_text,
                        screen,
                        item,
                        building,
                        daypart: &daypart,
                        day_type,
                        local_hour: local.hour(),
                        plays: plays_per_item_hour,
                        impressions,
                    });
                    hour_rows += 1;
                    plays += plays_per_item_hour;
                    let entry = days
                        .entry((day.clone(), building.clone(), daypart.clone(), day_type))
                        .or_default();
                    entry.0 += plays_per_item_hour;
                    entry.1 += plays_per_item_hour * 8000;
                    entry.2 += impressions;
                }
            }
        }
    }
    (days, hour_rows, plays)
}

fn fill_rollups_sqlite(
    database: &Path,
    buildings: &[String],
    screens_per_building: usize,
    items: usize,
    plays_per_item_hour: i64,
    year_start: DateTime<Utc>,
) -> (usize, usize, i64) {
    let mut connection = rusqlite::Connection::open(database).unwrap();
    connection.busy_timeout(Duration::from_secs(30)).unwrap();
    let transaction = connection.transaction().unwrap();
    let (days, hour_rows, plays) = {
        let mut insert = transaction
            .prepare(
                "INSERT INTO play_hours (hour, screen_id, item_key, profile_version, building_id, \
                 kind, event_id, organisation_id, category, daypart, day_type, local_hour, plays, \
                 complete, played_ms, impressions) VALUES (?1, ?2, ?3, 1, ?4, 'announcement', \
                 NULL, NULL, NULL, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
            )
            .unwrap();
        let filled = year_of_rollups(
            buildings,
            screens_per_building,
            items,
            plays_per_item_hour,
            year_start,
            |row| {
                insert
                    .execute(rusqlite::params![
                        row.hour,
                        row.screen,
                        row.item,
                        row.building,
                        row.daypart,
                        row.day_type,
                        row.local_hour,
                        row.plays,
                        row.plays * 8000,
                        row.impressions,
                    ])
                    .unwrap();
            },
        );
        let mut insert_day = transaction
            .prepare(
                "INSERT INTO play_days (day, building_id, daypart, day_type, profile_version, \
                 plays, complete, played_ms, impressions) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7)",
            )
            .unwrap();
        for ((day, building, daypart, day_type), (count, ms, impressions)) in &filled.0 {
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
        // The monthly rows, as the ingestion adds them beside the daily ones.
        transaction
            .execute_batch(
                "INSERT INTO play_months (month, building_id, daypart, day_type, profile_version, \
                 plays, complete, played_ms, impressions) SELECT substr(day, 1, 7) || '-01 00:00:00', \
                 building_id, daypart, day_type, profile_version, SUM(plays), SUM(complete), \
                 SUM(played_ms), SUM(impressions) FROM play_days \
                 GROUP BY substr(day, 1, 7), building_id, daypart, day_type, profile_version",
            )
            .unwrap();
        filled
    };
    transaction.commit().unwrap();
    connection.execute_batch("ANALYZE;").unwrap();
    (hour_rows, days.len(), plays)
}

fn fill_rollups_postgres(
    url: &str,
    buildings: &[String],
    screens_per_building: usize,
    items: usize,
    plays_per_item_hour: i64,
    year_start: DateTime<Utc>,
) -> (usize, usize, i64) {
    use civicast_server::db::schema::{play_days, play_hours};
    use diesel::prelude::*;
    use std::io::Write;
    let mut pg = diesel::PgConnection::establish(url).unwrap();
    let copy_hours = |pg: &mut diesel::PgConnection, text: &str| {
        diesel::copy_from(play_hours::table)
            .from_raw_data(
                (
                    play_hours::hour,
                    play_hours::screen_id,
                    play_hours::item_key,
                    play_hours::profile_version,
                    play_hours::building_id,
                    play_hours::kind,
                    play_hours::daypart,
                    play_hours::day_type,
                    play_hours::local_hour,
                    play_hours::plays,
                    play_hours::complete,
                    play_hours::played_ms,
                    play_hours::impressions,
                ),
                |out: &mut dyn Write| {
                    out.write_all(text.as_bytes()).unwrap();
                    diesel::QueryResult::Ok(())
                },
            )
            .execute(pg)
            .unwrap();
    };
    let mut text = String::new();
    let (days, hour_rows, plays) = year_of_rollups(
        buildings,
        screens_per_building,
        items,
        plays_per_item_hour,
        year_start,
        |row| {
            use std::fmt::Write;
            writeln!(
                text,
                "{}\t{}\t{}\t1\t{}\tannouncement\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                row.hour,
                row.screen,
                row.item,
                row.building,
                row.daypart,
                row.day_type,
                row.local_hour,
                row.plays,
                row.plays,
                row.plays * 8000,
                row.impressions
            )
            .unwrap();
            if text.len() > 16 << 20 {
                copy_hours(&mut pg, &text);
                text.clear();
            }
        },
    );
    copy_hours(&mut pg, &text);
    let mut text = String::new();
    for ((day, building, daypart, day_type), (count, ms, impressions)) in &days {
        use std::fmt::Write;
        writeln!(
            text,
            "{day}\t{building}\t{daypart}\t{day_type}\t1\t{count}\t{count}\t{ms}\t{impressions}"
        )
        .unwrap();
    }
    diesel::copy_from(play_days::table)
        .from_raw_data(
            (
                play_days::day,
                play_days::building_id,
                play_days::daypart,
                play_days::day_type,
                play_days::profile_version,
                play_days::plays,
                play_days::complete,
                play_days::played_ms,
                play_days::impressions,
            ),
            |out: &mut dyn Write| {
                out.write_all(text.as_bytes()).unwrap();
                diesel::QueryResult::Ok(())
            },
        )
        .execute(&mut pg)
        .unwrap();
    diesel::sql_query(
        "INSERT INTO play_months (month, building_id, daypart, day_type, profile_version, plays, \
         complete, played_ms, impressions) SELECT date_trunc('month', day), building_id, daypart, \
         day_type, profile_version, SUM(plays), SUM(complete), SUM(played_ms), SUM(impressions) \
         FROM play_days GROUP BY date_trunc('month', day), building_id, daypart, day_type, \
         profile_version",
    )
    .execute(&mut pg)
    .unwrap();
    diesel::sql_query("ANALYZE play_hours, play_days, play_months")
        .execute(&mut pg)
        .unwrap();
    (hour_rows, days.len(), plays)
}

/// The PostgreSQL figures as rows for BENCHMARKS.md, printed (the section's SQLite rows stay).
fn print_postgres_rows(p3: &P3, p4: &P4) {
    let ratio = p3.http_per_s / p3.raw_per_s;
    println!(
        "| P3 (PostgreSQL) | plays ingested over HTTP, batches of {BATCH}, {CONNECTIONS} connections, deduplicated, committed before the reply | {http:.0} plays/s | COPY of the same rows into the same database, same columns, key and day partitions, {BATCH} per statement: {raw:.0} rows/s | {ratio:.2}x | >= 0.5x COPY | {verdict} |\n\
         | P3 (PostgreSQL) | the same batches sent again (all duplicates) | {dups:.0} plays/s | — | — | — | |\n\
         | P3 (PostgreSQL) | the server's ingestion called directly (no HTTP, no JSON, one connection) | {direct:.0} plays/s | COPY above | {direct_ratio:.2}x | — | |\n\
         | P4 (PostgreSQL) | a year of 100 screens by building x daypart ({plays:.0} plays as {hours} hourly and {days} daily rollup rows) | {median:.1} ms median of 15 | by building alone: {by_building:.1} ms | — | < 100 ms | {p4_verdict} |",
        http = p3.http_per_s,
        raw = p3.raw_per_s,
        verdict = if ratio >= 0.5 { "met" } else { "missed" },
        dups = p3.duplicates_per_s,
        direct = p3.direct_per_s,
        direct_ratio = p3.direct_per_s / p3.raw_per_s,
        plays = p4.plays,
        hours = p4.rollup_hours,
        days = p4.rollup_days,
        median = p4.median_ms,
        by_building = p4.by_building_ms,
        p4_verdict = if p4.median_ms < 100.0 {
            "met"
        } else {
            "missed"
        },
    );
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
