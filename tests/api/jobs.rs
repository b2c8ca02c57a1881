//! Scheduled jobs, with time driven instead of slept: each due run happens once, whichever of
//! several instances gets to it, and the nightly backup keeps the newest copies.

use chrono::{Duration, Utc};
use civicast_server::jobs::{Jobs, Task};
use civicast_tests::{on_postgres, spawn_app_with};
use reqwest::{Method, StatusCode};

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
        [Task::Backup, Task::CloseEvents, Task::PurgeRawPlays]
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
