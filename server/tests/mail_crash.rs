//! The server binary killed with SIGKILL while it sends e-mail: the SMTP server (the tests'
//! `smtp_server.py`, in its slow mode: 0.5 s before it answers DATA, and it keeps a message even
//! when the client has gone) holds each message long enough for the kill to fall in the middle of
//! several. Started again on the same data, the server sends the rest after the lease of the mails
//! it held (`CIVICAST_MAIL_CLAIM_SECONDS=3`) ran out: none is lost, and only those in flight at the
//! kill arrive twice, with the same Message-ID (what SMTP itself allows: the server kept a message
//! whose 250 the client never read).

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::blocking::Client;
use serde_json::{Value, json};

use common::free_port;

const MAILS: usize = 40;
/// The mail worker's concurrency: at most this many mails are in flight at the kill.
const IN_FLIGHT_MAX: usize = 8;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `tests/src/smtp_server.py` on a free port, its messages kept in `dir/messages`.
fn smtp_server(dir: &Path) -> (Killed, u16) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/src/smtp_server.py");
    std::fs::write(dir.join("mode"), "slow").unwrap();
    let mut child = Command::new("/usr/bin/python3")
        .arg(&script)
        .args(["--port", "0", "--dir"])
        .arg(dir)
        .arg("--watch-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("/usr/bin/python3 with python3-aiosmtpd starts the test SMTP server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the SMTP server gets ready (is python3-aiosmtpd installed?)");
    let port = line
        .strip_prefix("ready ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the SMTP server said {line:?}"));
    (Killed(child), port)
}

/// One message the SMTP server kept: its number, Message-ID, recipients and time of arrival.
#[derive(Debug)]
struct Kept {
    number: u64,
    message_id: String,
    to: Vec<String>,
    received_at: f64,
}

fn kept(dir: &Path) -> Vec<Kept> {
    let messages = dir.join("messages");
    let Ok(entries) = std::fs::read_dir(&messages) else {
        return Vec::new();
    };
    let mut numbers: Vec<u64> = entries
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".eml")?
                .parse()
                .ok()
        })
        .collect();
    numbers.sort_unstable();
    numbers
        .into_iter()
        .map(|number| {
            let eml = std::fs::read_to_string(messages.join(format!("{number}.eml"))).unwrap();
            let mut lines = eml.lines();
            let mut message_id = String::new();
            while let Some(line) = lines.next() {
                if line.is_empty() {
                    break;
                }
                if line.to_ascii_lowercase().starts_with("message-id:") {
                    message_id = line["message-id:".len()..].trim().to_owned();
                    if message_id.is_empty() {
                        message_id = lines.next().unwrap_or_default().trim().to_owned();
                    }
                }
            }
            let envelope: Value = serde_json::from_str(
                &std::fs::read_to_string(messages.join(format!("{number}.json"))).unwrap(),
            )
            .unwrap();
            Kept {
                number,
                message_id: message_id.trim_matches(['<', '>']).to_owned(),
                to: envelope["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect(),
                received_at: envelope["received_at"].as_f64().unwrap_or_default(),
            }
        })
        .collect()
}

fn start_server(data: &Path, address: &str, smtp_port: u16) -> Killed {
    let child = Command::new(env!("CARGO_BIN_EXE_civicast-server"))
        .args(["--bind", address, "--workers", "2"])
        .arg("--data-dir")
        .arg(data)
        .arg("--smtp-url")
        .arg(format!("smtp://127.0.0.1:{smtp_port}"))
        .env_remove("DATABASE_URL")
        .env("CIVICAST_MAIL_CLAIM_SECONDS", "3")
        .env("CIVICAST_MAIL_RETRY_MAX_SECONDS", "1")
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
    Killed(child)
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn a_server_killed_while_sending_loses_no_mail_and_repeats_only_what_was_in_flight() {
    let smtp_dir = tempfile::tempdir().unwrap();
    let (_smtp, smtp_port) = smtp_server(smtp_dir.path());
    let data = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{address}/api/v1");
    let mut server = start_server(data.path(), &address, smtp_port);
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let password: PathBuf = data.path().join("initial-admin-password.txt");
    let password = std::fs::read_to_string(password).unwrap();
    let signed_in: Value = client
        .post(format!("{base}/auth/token"))
        .json(&json!({ "email": "admin@civicast.local", "password": password.trim() }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = signed_in["token"].as_str().expect("a token").to_owned();

    let queued_at = Instant::now();
    for n in 0..MAILS {
        let response = client
            .post(format!("{base}/mail/test"))
            .bearer_auth(&token)
            .json(&json!({ "to": format!("reader{n}@example.org") }))
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 202, "{:?}", response.text());
    }
    let queued_in = queued_at.elapsed();
    std::thread::sleep(Duration::from_millis(1500).saturating_sub(queued_in));

    // SIGKILL, in the middle of sending.
    let before_kill = kept(smtp_dir.path()).len();
    server.0.kill().unwrap();
    let killed_at = now();
    server.0.wait().unwrap();
    drop(server);
    // What was in the SMTP server's hands lands within its 0.5 s.
    std::thread::sleep(Duration::from_millis(800));
    let from_first = kept(smtp_dir.path()).len();
    assert!(
        from_first < MAILS,
        "all {MAILS} mails were sent before the kill ({from_first}): nothing was tested"
    );

    let restarted_at = Instant::now();
    let _server = start_server(data.path(), &address, smtp_port);
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut all = kept(smtp_dir.path());
    loop {
        let distinct: std::collections::HashSet<&str> =
            all.iter().map(|k| k.message_id.as_str()).collect();
        if distinct.len() >= MAILS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after the restart only {} distinct messages arrived of {MAILS} ({} in all)",
            distinct.len(),
            all.len()
        );
        std::thread::sleep(Duration::from_millis(100));
        all = kept(smtp_dir.path());
    }
    let all_in = restarted_at.elapsed();
    // Any late duplicate (a lease running out) would come within a few seconds.
    std::thread::sleep(Duration::from_secs(5));
    let all = kept(smtp_dir.path());

    let mut copies: HashMap<&str, Vec<&Kept>> = HashMap::new();
    for message in &all {
        assert!(
            !message.message_id.is_empty(),
            "message {} has no Message-ID",
            message.number
        );
        copies
            .entry(message.message_id.as_str())
            .or_default()
            .push(message);
    }
    let mut recipients: Vec<&str> = copies
        .values()
        .map(|c| c[0].to.first().map(String::as_str).unwrap_or_default())
        .collect();
    recipients.sort_unstable();
    recipients.dedup();
    let duplicated: Vec<(&&str, &Vec<&Kept>)> =
        copies.iter().filter(|(_, c)| c.len() > 1).collect();
    println!(
        "mail crash: {MAILS} queued in {queued_in:?}; {before_kill} received before the SIGKILL, \
         {from_first} once the SMTP server finished what it held; after the restart all in \
         {all_in:?}: {} messages, {} distinct Message-IDs, {} recipients, {} sent twice",
        all.len(),
        copies.len(),
        recipients.len(),
        duplicated.len()
    );
    assert_eq!(copies.len(), MAILS, "distinct Message-IDs");
    assert_eq!(recipients.len(), MAILS, "every recipient got its mail");
    assert!(
        duplicated.len() <= IN_FLIGHT_MAX,
        "{} messages sent twice, more than could be in flight",
        duplicated.len()
    );
    for (id, copies) in &duplicated {
        assert_eq!(copies.len(), 2, "{id} arrived {} times", copies.len());
        assert_eq!(copies[0].to, copies[1].to, "{id} went to two recipients");
        // The first copy was in the SMTP server's hands at the kill.
        let first = copies[0];
        assert!(
            first.number <= from_first as u64 && (first.received_at - killed_at).abs() < 1.0,
            "{id} arrived twice but its first copy (message {}, {:.2} s from the kill) was not \
             in flight at the kill",
            first.number,
            first.received_at - killed_at
        );
    }
}
