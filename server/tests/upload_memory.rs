//! Decompression bombs against the real server binary: twenty clients upload at once a PNG of
//! 7071x7071 pixels that weighs about 150 KB and unpacks to 150 MB. Every upload gets its answer
//! and the server's peak memory (VmHWM in /proc) stays within its decode budget; a file already
//! stored is not decoded again, and an image that could never fit the budget is refused before
//! it is decoded.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use image::ImageEncoder;
use reqwest::blocking::Client;
use serde_json::{Value, json};

use common::free_port;

const SIDE: u32 = 7071;
const CLIENTS: usize = 20;
const BUDGET_MB: u64 = 448;
/// What the server holds beside decodes while twenty uploads stream in: their 1 MiB write
/// buffers, the HTTP layer's, and the allocator's slack.
const ALLOWANCE_MB: u64 = 64;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, budget_mb: u64) -> Server {
    let address = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_civicast-server"))
        .args(["--bind", &address, "--workers", "2"])
        .args(["--decode-memory-mb", &budget_mb.to_string()])
        .arg("--data-dir")
        .arg(data)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://{address}/api/v1"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(&address).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The bomb, once encoded: a black RGB PNG of SIDE x SIDE pixels.
fn bomb() -> Vec<u8> {
    let mut png = Vec::new();
    let black = vec![0u8; (SIDE * SIDE * 3) as usize];
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::NoFilter,
    )
    .write_image(&black, SIDE, SIDE, image::ExtendedColorType::Rgb8)
    .unwrap();
    png
}

/// The same pixels under another SHA-256: a text chunk with `label` right after the header.
fn variant(bomb: &[u8], label: &str) -> Vec<u8> {
    let header_end = 8 + 4 + 4 + 13 + 4;
    let mut chunk = b"tEXt".to_vec();
    chunk.extend_from_slice(b"Comment\0");
    chunk.extend_from_slice(label.as_bytes());
    let mut png = bomb[..header_end].to_vec();
    png.write_all(&((chunk.len() - 4) as u32).to_be_bytes())
        .unwrap();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    png.extend_from_slice(&bomb[header_end..]);
    png
}

fn admin_token(client: &Client, server: &Server, data: &Path) -> String {
    let password = std::fs::read_to_string(data.join("initial-admin-password.txt")).unwrap();
    let response: Value = client
        .post(format!("{}/auth/token", server.base))
        .json(&json!({ "email": "admin@civicast.local", "password": password.trim() }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    response["token"].as_str().unwrap().to_owned()
}

fn upload(client: &Client, server: &Server, token: &str, png: Vec<u8>) -> (u16, Value) {
    let response = client
        .post(format!("{}/media?filename=bomb.png", server.base))
        .bearer_auth(token)
        .header("content-type", "image/png")
        .body(png)
        .send()
        .expect("every upload gets an answer");
    (response.status().as_u16(), response.json().unwrap())
}

#[test]
fn twenty_concurrent_decompression_bombs_stay_within_the_decode_budget() {
    let bomb = bomb();
    assert!(bomb.len() < 400_000, "the bomb is {} bytes", bomb.len());
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), BUDGET_MB);
    let client = Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let token = admin_token(&client, &server, data.path());
    let pid = server.child.id();
    let before_kib = status_kib(pid, "VmRSS:");

    let started = Instant::now();
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let uploads: Vec<_> = (0..CLIENTS)
            .map(|n| {
                let (client, server, token) = (&client, &server, &token);
                let png = variant(&bomb, &format!("client {n}"));
                scope.spawn(move || upload(client, server, token, png))
            })
            .collect();
        uploads.into_iter().map(|u| u.join().unwrap()).collect()
    });
    let peak_kib = status_kib(pid, "VmHWM:");
    let grew_mib = peak_kib.saturating_sub(before_kib) / 1024;
    eprintln!(
        "{CLIENTS} bombs of {SIDE}x{SIDE} ({} bytes) in {:.1} s: resident {} MiB before, peak {} MiB \
         (+{grew_mib} MiB) with a decode budget of {BUDGET_MB} MiB",
        bomb.len(),
        started.elapsed().as_secs_f64(),
        before_kib / 1024,
        peak_kib / 1024
    );
    // Every upload is answered: taken, or (only on a slow machine, where twenty decodes take
    // longer than an upload waits for its turn) told to come back.
    let mut taken = 0;
    for (status, body) in &answers {
        match status {
            201 => {
                assert_eq!(body["width"], SIDE, "{body}");
                taken += 1;
            }
            503 => assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("busy checking other images"),
                "{body}"
            ),
            _ => panic!("{status}: {body}"),
        }
    }
    eprintln!("{taken} of {CLIENTS} taken");
    assert!(taken >= 2, "only {taken} uploads were taken");
    assert!(
        grew_mib <= BUDGET_MB + ALLOWANCE_MB,
        "the server grew by {grew_mib} MiB, beyond its decode budget of {BUDGET_MB} MiB"
    );
    drop(server);

    // Already stored: taken without decoding, even by a server whose budget it would not fit.
    let server = start(data.path(), 64);
    let token = admin_token(&client, &server, data.path());
    let first_taken = answers
        .iter()
        .position(|(status, _)| *status == 201)
        .unwrap();
    let again = variant(&bomb, &format!("client {first_taken}"));
    let (status, body) = upload(&client, &server, &token, again);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["width"], SIDE, "{body}");
    // New: refused before decoding, saying why.
    let (status, body) = upload(&client, &server, &token, variant(&bomb, "new"));
    assert_eq!(status, 413, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("MiB of memory") && message.contains("fewer pixels"),
        "{message}"
    );
}
