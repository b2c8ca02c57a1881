//! Faults on the real server binary: killed with SIGKILL while players upload plays, it loses no
//! play it acknowledged, and after the players resend everything (as they do with what was not
//! acknowledged) it counts every play exactly once.

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use uuid::Uuid;

use common::free_port;

fn start(data: &Path, address: &str) -> Child {
    let server = Command::new(env!("CARGO_BIN_EXE_civicast-server"))
        .args(["--bind", address, "--workers", "2"])
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(address).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn call(client: &Client, method: &str, url: String, token: &str, body: Option<Value>) -> Value {
    let mut request = client
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().unwrap_or(Value::Null)
}

/// One batch of `size` sound plays of `item` on `screen`, ended within the last minutes.
fn batch(screen: &str, item: &str, first_seq: i64, size: i64) -> Value {
    let plays: Vec<Value> = (0..size)
        .map(|n| {
            let ended = Utc::now() - chrono::Duration::seconds(60 + n);
            json!({
                "id": Uuid::now_v7(),
                "schema_version": 1,
                "seq": first_seq + n,
                "screen_id": screen,
                "item_id": item,
                "kind": "announcement",
                "content_hash": "cd".repeat(32),
                "started_at": (ended - chrono::Duration::seconds(10)).to_rfc3339(),
                "ended_at": ended.to_rfc3339(),
                "planned_ms": 10_000,
                "played_ms": 10_000,
                "clock_offset_ms": 0,
                "outcome": "complete",
                "display_on": true,
                "player_version": "fault-test",
            })
        })
        .collect();
    json!({ "plays": plays })
}

#[test]
fn sigkill_during_play_ingestion_loses_no_acknowledged_play_and_counts_none_twice() {
    let data = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{address}/api/v1");
    let mut server = start(data.path(), &address);
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let password = std::fs::read_to_string(data.path().join("initial-admin-password.txt")).unwrap();
    let login = client
        .post(format!("{base}/auth/token"))
        .json(&json!({ "email": "admin@civicast.local", "password": password.trim() }))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    let admin = login["token"].as_str().unwrap().to_owned();
    let building = call(
        &client,
        "POST",
        format!("{base}/buildings"),
        &admin,
        Some(json!({ "name": "Library", "address": "Square 2", "venue_type": "library" })),
    );
    let building = building["id"].as_str().unwrap().to_owned();
    let playlist = call(
        &client,
        "POST",
        format!("{base}/playlists"),
        &admin,
        Some(json!({ "building_id": building, "name": "Main" })),
    );
    let item = call(
        &client,
        "POST",
        format!(
            "{base}/playlists/{}/items",
            playlist["id"].as_str().unwrap()
        ),
        &admin,
        Some(json!({ "kind": "announcement", "text": "Welcome" })),
    );
    let item = item["id"].as_str().unwrap().to_owned();
    let ticket: Value = client
        .post(format!("{base}/pairing"))
        .json(&json!({ "width": 1920, "height": 1080, "player_version": "fault-test" }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let screen = call(
        &client,
        "POST",
        format!("{base}/pairing/claim"),
        &admin,
        Some(json!({ "code": ticket["code"], "building_id": building, "name": "Entrance" })),
    );
    let screen = screen["id"].as_str().unwrap().to_owned();
    let paired: Value = client
        .get(format!(
            "{base}/pairing/{}",
            ticket["secret"].as_str().unwrap()
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = paired["token"].as_str().unwrap().to_owned();

    // 60 batches of 100, sent one after another as a player's uploader does; the server is
    // killed while they go.
    let batches: Vec<Value> = (0..60)
        .map(|b| batch(&screen, &item, b * 100, 100))
        .collect();
    let progress = Arc::new(AtomicUsize::new(0));
    let sender = {
        let (client, base, token, batches, progress) = (
            client.clone(),
            base.clone(),
            token.clone(),
            batches.clone(),
            Arc::clone(&progress),
        );
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            for (index, batch) in batches.iter().enumerate() {
                let sent = client
                    .post(format!("{base}/screen/plays"))
                    .bearer_auth(&token)
                    .json(batch)
                    .send();
                match sent {
                    Ok(response) if response.status().is_success() => {
                        let receipt: Value = response.json().unwrap();
                        assert_eq!(receipt["accepted"], 100, "{receipt}");
                        acknowledged.push(index);
                        progress.store(acknowledged.len(), Ordering::SeqCst);
                    }
                    // The server is gone: what was not acknowledged is sent again later.
                    _ => break,
                }
            }
            acknowledged
        })
    };
    // Killed once a few batches are in, with more on the way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while progress.load(Ordering::SeqCst) < 5 {
        assert!(Instant::now() < deadline, "the uploads did not start");
        std::thread::sleep(Duration::from_millis(1));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let acknowledged = sender.join().unwrap();
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < batches.len(),
        "the kill fell in the middle of the uploads ({} of {} acknowledged)",
        acknowledged.len(),
        batches.len()
    );

    // Restarted on the same data, it gets every batch again.
    let mut server = start(data.path(), &address);
    let mut duplicates = 0;
    let mut accepted = 0;
    for (index, batch) in batches.iter().enumerate() {
        let receipt = call(
            &client,
            "POST",
            format!("{base}/screen/plays"),
            &token,
            Some(batch.clone()),
        );
        assert_eq!(receipt["refused"], json!([]), "{receipt}");
        if acknowledged.contains(&index) {
            // Nothing acknowledged was lost: every play of it is already there.
            assert_eq!(receipt["duplicates"], 100, "batch {index}: {receipt}");
        }
        duplicates += receipt["duplicates"].as_u64().unwrap();
        accepted += receipt["accepted"].as_u64().unwrap();
    }
    assert_eq!(accepted + duplicates, 6000);
    assert!(duplicates >= 100 * acknowledged.len() as u64);

    // Counted once each: the report sees 6000 plays, not one more.
    let report = call(
        &client,
        "GET",
        format!("{base}/reports/plays?by=screen"),
        &admin,
        None,
    );
    assert_eq!(report["rows"][0]["key"], screen.as_str(), "{report}");
    assert_eq!(
        report["rows"][0]["plays"].as_f64(),
        Some(6000.0),
        "{report}"
    );
    println!(
        "killed after {} of 60 acknowledged batches; {accepted} plays arrived only on the resend",
        acknowledged.len()
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
