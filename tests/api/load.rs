//! The quick variant of the load simulation: a few hundred screens polling and uploading plays
//! at a faster pace than real players, for 20 s against one server. Every answer must be what a
//! player expects and every play must be counted once. The long run (10,000 screens, 5 minutes,
//! p99 and memory) is `cargo bench -p civicast-tests --bench load`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use civicast_tests::load::{self, LoadPlan};
use civicast_tests::spawn_app;

#[tokio::test]
async fn three_hundred_screens_polling_and_uploading_get_no_errors_and_every_play_counts() {
    let app = spawn_app().await;
    let (screens, items) = load::seed(&app.address, &app.admin, 300, 20).await;
    assert_eq!(screens.len(), 300);
    let plan = LoadPlan {
        duration: Duration::from_secs(20),
        poll_interval: Duration::from_secs(2),
        slot: Duration::from_secs(1),
        upload_interval: Duration::from_secs(5),
        items,
    };
    let report = load::run(&app.address, screens, plan).await;
    println!(
        "polls: {} (p99 {:.1} ms), uploads: {} (p99 {:.1} ms), plays: {}",
        report.polls.count(),
        report.polls.percentile_ms(0.99),
        report.uploads.count(),
        report.uploads.percentile_ms(0.99),
        report.plays_accepted.load(Ordering::Relaxed),
    );
    assert_eq!(
        report.polls.error_count(),
        0,
        "{:?}",
        report.polls.first_errors()
    );
    assert_eq!(
        report.uploads.error_count(),
        0,
        "{:?}",
        report.uploads.first_errors()
    );
    // 300 screens, one poll each 2 s for 20 s: about 3,000, nearly all answered 304.
    assert!(
        report.polls.count() >= 2_500,
        "{} polls",
        report.polls.count()
    );
    assert!(report.unchanged.load(Ordering::Relaxed) >= report.polls.count() - 300);
    let sent = report.plays_sent.load(Ordering::Relaxed);
    assert!(sent >= 300 * 10, "{sent} plays sent");
    assert_eq!(report.plays_accepted.load(Ordering::Relaxed), sent);
}
