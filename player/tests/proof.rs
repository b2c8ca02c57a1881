//! Proof of play end to end: the player's durable queue and uploader against the real server,
//! through a proxy that can cut the network or swallow the server's answers after it committed,
//! with a server restart in the middle. Every play recorded on the player must be counted on the
//! server exactly once.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use civicast_player::net::Endpoint;
use civicast_player::net::clock::ClockOffset;
use civicast_player::net::storage::DataDir;
use civicast_player::proof::queue::PlayQueue;
use civicast_player::proof::{self, ProofConfig};
use civicast_shared::api::plays::{PLAY_SCHEMA_VERSION, PlayKind, PlayOutcome, PlayRecord};
use civicast_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const PASS: u8 = 0;
/// Connections are closed at once: the network is down.
const DOWN: u8 = 1;
/// Requests reach the server, answers never reach the player: acknowledgements are lost.
const SWALLOW: u8 = 2;

/// A TCP proxy in front of the server whose behaviour the test switches.
struct Proxy {
    port: u16,
    mode: Arc<AtomicU8>,
    counts: Arc<Counts>,
}

/// What the proxy did to the player's traffic.
#[derive(Default)]
struct Counts {
    refused: AtomicUsize,
    answers_lost: AtomicUsize,
}

impl Proxy {
    fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let counts = Arc::new(Counts::default());
        let (shared, shared_counts) = (Arc::clone(&mode), Arc::clone(&counts));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (mode, counts) = (Arc::clone(&shared), Arc::clone(&shared_counts));
                std::thread::spawn(move || relay(client, upstream, &mode, &counts));
            }
        });
        Proxy { port, mode, counts }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// Waits until the fault set up has hit the player at least once.
    async fn wait_for(&self, count: &AtomicUsize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while count.load(Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline, "the uploader never tried");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn relay(client: TcpStream, upstream: u16, mode: &AtomicU8, counts: &Counts) {
    if mode.load(Ordering::SeqCst) == DOWN {
        counts.refused.fetch_add(1, Ordering::SeqCst);
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (mut from_client, mut to_server) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut buffer = [0u8; 16 * 1024];
            while let Ok(n) = from_client.read(&mut buffer) {
                if mode.load(Ordering::SeqCst) == DOWN {
                    // The network went down under an open connection: nothing gets through.
                    counts.refused.fetch_add(1, Ordering::SeqCst);
                    let _ = from_client.shutdown(Shutdown::Both);
                    break;
                }
                if n == 0 || to_server.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
            let _ = to_server.shutdown(Shutdown::Write);
        });
        answer(server, client, mode, counts);
    });
}

/// Relays the server's answers, or drops them (after the server committed) when told to.
fn answer(server: TcpStream, client: TcpStream, mode: &AtomicU8, counts: &Counts) {
    let (mut from_server, mut to_client) = (server, client);
    let mut buffer = [0u8; 16 * 1024];
    while let Ok(n) = from_server.read(&mut buffer) {
        if n == 0 {
            break;
        }
        match mode.load(Ordering::SeqCst) {
            PASS => {
                if to_client.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
            // The server has answered (so it committed): drop the answer and the connection.
            _ => {
                counts.answers_lost.fetch_add(1, Ordering::SeqCst);
                break;
            }
        }
    }
    let _ = to_client.shutdown(Shutdown::Both);
}

fn record(screen: Uuid, item: Uuid) -> PlayRecord {
    let ended = Utc::now();
    PlayRecord {
        id: Uuid::now_v7(),
        schema_version: PLAY_SCHEMA_VERSION,
        seq: 0,
        screen_id: screen,
        item_id: Some(item),
        kind: PlayKind::Announcement,
        content_hash: "cd".repeat(32),
        started_at: ended - chrono::Duration::seconds(8),
        ended_at: ended,
        planned_ms: 8000,
        played_ms: 8000,
        clock_offset_ms: 0,
        outcome: PlayOutcome::Complete,
        display_on: None,
        player_version: "e2e".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_play_recorded_is_counted_once_through_outages_lost_answers_and_a_restart() {
    let app = spawn_app().await;
    let building = app.building("Town hall").await;
    let playlist = app.playlist(&building, "Hall").await;
    let item = app
        .add_item(
            &playlist,
            &json!({ "kind": "announcement", "text": "Welcome" }),
        )
        .await;
    let item: Uuid = item["id"].as_str().unwrap().parse().unwrap();
    let (screen, token) = app.pair_screen(&building, "Hall", 1920, 1080).await;
    let screen: Uuid = screen.parse().unwrap();
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = Proxy::start(port);

    let data_dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(data_dir.path());
    data.save_token(&token).unwrap();
    let config = ProofConfig {
        data: data.clone(),
        server: Endpoint::new(&format!("http://127.0.0.1:{}", proxy.port), None).unwrap(),
        clock: Arc::new(ClockOffset::default()),
        upload_every: Duration::from_millis(200),
    };
    let queue_path = config.queue_path();
    // The uploader's blocking HTTP client must not be made on an async worker thread.
    let log = tokio::task::spawn_blocking(move || proof::start(config))
        .await
        .unwrap()
        .unwrap();

    // The player plays: 1,500 plays, written as they end, in bursts between the faults.
    const PLAYS: usize = 1500;
    let play_some = |count: usize| {
        let started = Instant::now();
        for _ in 0..count {
            log.record(record(screen, item));
        }
        // Handing a play over never waits on disk or network.
        assert!(started.elapsed() < Duration::from_millis(500));
    };
    play_some(300);
    tokio::time::sleep(Duration::from_millis(600)).await;

    proxy.set(DOWN);
    play_some(300);
    proxy.wait_for(&proxy.counts.refused).await;
    proxy.set(SWALLOW);
    play_some(300);
    proxy.wait_for(&proxy.counts.answers_lost).await;
    proxy.set(PASS);
    play_some(200);

    // The server goes down in the middle of the catch-up and comes back on the same address.
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.stop().await;
    play_some(200);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let app = app.start_again().await;
    play_some(PLAYS - 1300);

    // Wait until the player's queue is empty (every batch acknowledged).
    let queue = PlayQueue::open(&queue_path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while !queue.is_empty().unwrap() {
        assert!(
            Instant::now() < deadline,
            "{} plays still queued",
            queue.len().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The faults really happened: connections refused, and committed batches whose
    // acknowledgement never reached the player (which therefore sent them again).
    assert!(proxy.counts.refused.load(Ordering::SeqCst) >= 1);
    assert!(proxy.counts.answers_lost.load(Ordering::SeqCst) >= 1);
    let report = app
        .expect(
            Method::GET,
            "/api/v1/reports/plays?by=screen",
            &app.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(report["total"]["plays"], json!(PLAYS as f64), "{report}");
    let row: &Value = &report["rows"][0];
    assert_eq!(row["key"], screen.to_string());
    assert_eq!(row["on_screen_s"], json!((PLAYS * 8) as f64));
}
