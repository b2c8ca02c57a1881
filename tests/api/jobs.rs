//! Scheduled jobs, with time driven instead of slept: each due run happens once, whichever of
//! several instances gets to it, and the nightly backup keeps the newest copies.

use chrono::{Duration, Utc};
use civicast_server::app::jobs::{Jobs, Task};
use civicast_server::core::alerts::{Watched, watch_screens};
use civicast_tests::{on_postgres, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::event_body;

#[tokio::test]
async fn each_due_job_runs_once_across_instances_and_backups_keep_the_newest() {
    let app = spawn_app_with(|settings| settings.backups_kept = 2).await;
    let (_, choir) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    let event = app
        .submit_event(&choir, &event_body("Spring concert", 3, &[]))
        .await;

    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let this_instance = Jobs::from_settings(&app.settings).unwrap();
    let other_instance = Jobs::from_settings(&app.settings).unwrap();
    let start = Utc::now();
    let ten_days_on = start + Duration::days(10);

    // Ten days pass: each job makes up its latest missed run, once.
    let runs = this_instance
        .run_due(&mut conn, start, ten_days_on)
        .unwrap();
    let mut tasks: Vec<Task> = runs.iter().map(|run| run.task).collect();
    tasks.sort_by_key(|t| t.name());
    assert_eq!(
        tasks,
        [
            Task::Backup,
            Task::CloseEvents,
            Task::NoticeEvents,
            Task::PurgeRawPlays,
            Task::RemindPending,
            Task::SendDigests,
            Task::WatchScreens
        ]
    );
    let closing = runs.iter().find(|r| r.task == Task::CloseEvents).unwrap();
    assert_eq!(closing.outcome, "0 ended, 1 stale submissions closed");
    let stored = app
        .expect(
            Method::GET,
            &format!("/api/v1/events/{}", event["id"].as_str().unwrap()),
            &choir,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(stored["status"], "expired");

    // The same due times, again or from another instance on the same database: nothing runs.
    assert!(
        this_instance
            .run_due(&mut conn, start, ten_days_on)
            .unwrap()
            .is_empty()
    );
    assert!(
        other_instance
            .run_due(&mut conn, start, ten_days_on)
            .unwrap()
            .is_empty()
    );

    // Three more nights: a backup each night, the newest two kept.
    for night in 0..3 {
        let from = ten_days_on + Duration::days(night);
        let runs = other_instance
            .run_due(&mut conn, from, from + Duration::days(1))
            .unwrap();
        let backup = runs.iter().find(|r| r.task == Task::Backup).unwrap();
        if on_postgres() {
            assert!(backup.outcome.starts_with("skipped"), "{}", backup.outcome);
        } else {
            assert!(backup.outcome.contains("written"), "{}", backup.outcome);
        }
    }
    if !on_postgres() {
        let folder = app.settings.data_dir.join("backups");
        let mut copies: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        copies.sort();
        assert_eq!(copies.len(), 2, "{copies:?}");
        // A copy is a whole database that opens on its own, with the data in it.
        let copy = rusqlite::Connection::open(copies.last().unwrap()).unwrap();
        let events: i64 = copy
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(events, 1);
    }
}

#[tokio::test]
async fn a_screen_silent_in_opening_hours_raises_one_alert_until_it_calls_again() {
    let app = spawn_app_with(|_| {}).await;
    let at = Utc::now() + Duration::minutes(10);
    let every_day = json!(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    let hours = |from: Duration, to: Duration| {
        json!([{
            "weekdays": every_day,
            "start": (at + from).format("%H:%M:00").to_string(),
            "end": (at + to).format("%H:%M:00").to_string(),
        }])
    };
    let building = |name: &str, opening_hours: serde_json::Value| {
        json!({
            "name": name,
            "address": "Grote Markt 1",
            "time_zone": "UTC",
            "venue_type": "library",
            "opening_hours": opening_hours,
        })
    };
    let open = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&building(
                "Library",
                hours(Duration::hours(-1), Duration::hours(1)),
            )),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(open["opening_hours"][0]["weekdays"], every_day);
    let closed = app
        .expect(
            Method::POST,
            "/api/v1/buildings",
            &app.admin,
            Some(&building(
                "Archive",
                hours(Duration::hours(3), Duration::hours(4)),
            )),
            StatusCode::CREATED,
        )
        .await;
    // Paired, and silent since.
    let (entrance, entrance_token) = app
        .pair_screen(open["id"].as_str().unwrap(), "Entrance", 1920, 1080)
        .await;
    app.pair_screen(closed["id"].as_str().unwrap(), "Reading room", 1920, 1080)
        .await;

    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    let quiet_for = Duration::minutes(5);
    // Ten minutes on: the library is open, the archive closed; one alert.
    assert_eq!(
        watch_screens(&mut conn, at, quiet_for).unwrap(),
        Watched {
            raised: 1,
            resolved: 0
        }
    );
    let alerts = app
        .expect(
            Method::GET,
            "/api/v1/alerts",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["screen_id"], entrance.as_str());
    assert_eq!(alerts[0]["screen_name"], "Entrance");
    assert_eq!(alerts[0]["building_name"], "Library");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("civicast_screens{state=\"alerted\"} 1"),
        "{metrics}"
    );
    // Associations do not see screens' alerts.
    let (_, member) = app
        .organisation_with_member("Choir", "association", "association")
        .await;
    assert_eq!(
        app.get("/api/v1/alerts", &member).await.status(),
        StatusCode::FORBIDDEN
    );

    // A minute later, still silent: no second alert.
    assert_eq!(
        watch_screens(&mut conn, at + Duration::minutes(1), quiet_for).unwrap(),
        Watched::default()
    );
    // The screen calls again: the watch a minute later resolves the alert.
    app.expect(
        Method::GET,
        "/api/v1/screen/emergency",
        &entrance_token,
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        watch_screens(&mut conn, Utc::now() + Duration::minutes(1), quiet_for).unwrap(),
        Watched {
            raised: 0,
            resolved: 1
        }
    );
    let alerts = app
        .expect(
            Method::GET,
            "/api/v1/alerts",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(alerts, json!([]));

    // Bad opening hours are refused field by field; the building keeps its hours.
    let refused = app
        .expect(
            Method::PUT,
            &format!("/api/v1/buildings/{}", open["id"].as_str().unwrap()),
            &app.admin,
            Some(&building(
                "Library",
                json!([{ "weekdays": [], "start": "09:00:00", "end": "09:00:00" }]),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let fields: Vec<_> = refused["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["opening_hours[0].weekdays", "opening_hours[0]"]);
    let kept = app
        .expect(
            Method::GET,
            &format!("/api/v1/buildings/{}", open["id"].as_str().unwrap()),
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(kept["opening_hours"], open["opening_hours"]);
}

#[tokio::test]
async fn a_run_whose_instance_died_mid_run_is_made_up_once_after_its_lease() {
    use civicast_server::db::schema::job_runs;
    use diesel::prelude::*;

    let app = civicast_tests::spawn_app().await;
    let pool = civicast_server::db::open(&app.settings.database().unwrap()).unwrap();
    let mut conn = pool.get().unwrap();
    // The database keeps microseconds.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    // One instance claimed last night's closing two hours ago and died; another claimed the
    // purge a minute ago and is still at it.
    let died = (now - Duration::hours(10)).naive_utc();
    let busy = (now - Duration::hours(1)).naive_utc();
    for (task, due_at, started_at) in [
        (Task::CloseEvents, died, now - Duration::hours(2)),
        (Task::PurgeRawPlays, busy, now - Duration::minutes(1)),
    ] {
        diesel::insert_into(job_runs::table)
            .values((
                job_runs::job.eq(task.name()),
                job_runs::due_at.eq(due_at),
                job_runs::started_at.eq(started_at.naive_utc()),
            ))
            .execute(&mut conn)
            .unwrap();
    }

    // Nothing is due in the window: only the abandoned run is made up, by one instance.
    let this_instance = Jobs::from_settings(&app.settings).unwrap();
    let other_instance = Jobs::from_settings(&app.settings).unwrap();
    let runs = this_instance.run_due(&mut conn, now, now).unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].task, Task::CloseEvents);
    assert_eq!(runs[0].due_at.naive_utc(), died);
    assert_eq!(runs[0].outcome, "0 ended, 0 stale submissions closed");
    assert_eq!(other_instance.run_due(&mut conn, now, now).unwrap(), []);

    let (finished, outcome): (Option<chrono::NaiveDateTime>, Option<String>) = job_runs::table
        .find((Task::CloseEvents.name(), died))
        .select((job_runs::finished_at, job_runs::outcome))
        .first(&mut conn)
        .unwrap();
    assert!(finished.is_some());
    assert_eq!(
        outcome.as_deref(),
        Some("0 ended, 0 stale submissions closed")
    );
    // The purge still running elsewhere is left to its instance.
    let purge_finished: Option<chrono::NaiveDateTime> = job_runs::table
        .find((Task::PurgeRawPlays.name(), busy))
        .select(job_runs::finished_at)
        .first(&mut conn)
        .unwrap();
    assert_eq!(purge_finished, None);
}
