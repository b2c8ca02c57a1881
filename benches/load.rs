//! The load simulation: 10,000 screens against one server on SQLite for 5 minutes, from this one
//! process on 127.0.0.1. Each screen polls its manifest every 10 s with its ETag, records one
//! play per 10 s slot and uploads its plays every 60 s, as the player does: about 1,000 polls
//! and 1,000 plays a second in all. The server runs as its own process (the release binary), so
//! that its memory can be read from `/proc` every 10 s.
//!
//! Run: `cargo bench -p civicast-tests --bench load` (writes the "Load" section of
//! BENCHMARKS.md). `-- --screens N --minutes M` change the size; the defaults are the brief's.
//!
//! Against servers started elsewhere (a region behind its load balancer, `benches/region.py`):
//! `-- --base-url https://localhost:PORT --ca-file CA.pem --admin-password-file FILE
//! --report-json OUT.json --acknowledged-file IDS.txt` starts no server, prints `load started`
//! when the screens start (so that the caller can stop an instance on cue), writes its figures
//! as JSON and the id of every play a receipt covered, one a line, and leaves BENCHMARKS.md alone.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use civicast_tests::load::{self, LoadPlan};
use serde_json::{Value, json};

#[derive(Clone)]
struct Options {
    screens: usize,
    minutes: f64,
    base_url: Option<String>,
    ca_file: Option<PathBuf>,
    admin_password_file: Option<PathBuf>,
    report_json: Option<PathBuf>,
    acknowledged_file: Option<PathBuf>,
}

fn options() -> Options {
    let mut options = Options {
        screens: 10_000,
        minutes: 5.0,
        base_url: None,
        ca_file: None,
        admin_password_file: None,
        report_json: None,
        acknowledged_file: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.windows(2) {
        let value = pair[1].clone();
        match pair[0].as_str() {
            "--screens" => options.screens = value.parse().expect("--screens takes a number"),
            "--minutes" => options.minutes = value.parse().expect("--minutes takes a number"),
            "--base-url" => options.base_url = Some(value.trim_end_matches('/').to_owned()),
            "--ca-file" => options.ca_file = Some(value.into()),
            "--admin-password-file" => options.admin_password_file = Some(value.into()),
            "--report-json" => options.report_json = Some(value.into()),
            "--acknowledged-file" => options.acknowledged_file = Some(value.into()),
            _ => {}
        }
    }
    options
}

fn traffic_json(traffic: &load::Traffic) -> Value {
    json!({
        "count": traffic.count(),
        "p50_ms": traffic.percentile_ms(0.5),
        "p99_ms": traffic.percentile_ms(0.99),
        "max_ms": traffic.percentile_ms(1.0),
        "errors": traffic.error_count(),
        "retryable_errors": traffic.retryable_count(),
        "error_kinds": traffic.error_kinds(),
        "first_errors": traffic.first_errors(),
    })
}

/// The run against a server started elsewhere (`--base-url`): figures as JSON, no section.
async fn run_external(options: Options, base: String) {
    let ca = options
        .ca_file
        .as_ref()
        .map(|path| std::fs::read(path).expect("the CA file"));
    let client = load::client(ca.as_deref());
    let password_file = options
        .admin_password_file
        .as_ref()
        .expect("--admin-password-file with --base-url");
    let password = std::fs::read_to_string(password_file).expect("the admin password file");
    let login: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({ "email": "admin@civicast.local", "password": password.trim() }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body");
    let admin = login["token"].as_str().expect("a token").to_owned();
    let seeding = Instant::now();
    let (screens, items) = load::seed_with(&client, &base, &admin, options.screens, 20).await;
    println!(
        "{} screens paired in {:.0?}",
        screens.len(),
        seeding.elapsed()
    );
    let plan = LoadPlan {
        duration: Duration::from_secs_f64(options.minutes * 60.0),
        poll_interval: Duration::from_secs(10),
        slot: Duration::from_secs(10),
        upload_interval: Duration::from_secs(60),
        items,
    };
    println!("load started");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let started = Instant::now();
    let report = load::run_with(client, &base, screens, plan).await;
    let elapsed = started.elapsed().as_secs_f64();
    let acknowledged = std::mem::take(&mut *report.acknowledged.lock().expect("acknowledged"));
    if let Some(path) = &options.acknowledged_file {
        let mut text = String::with_capacity(acknowledged.len() * 37);
        for id in &acknowledged {
            text.push_str(&id.to_string());
            text.push('\n');
        }
        std::fs::write(path, text).expect("the acknowledged file is written");
    }
    let figures = json!({
        "screens": options.screens,
        "minutes": options.minutes,
        "elapsed_s": elapsed,
        "seeding_s": seeding.elapsed().as_secs_f64() - elapsed,
        "polls": traffic_json(&report.polls),
        "unchanged": report.unchanged.load(Ordering::Relaxed),
        "uploads": traffic_json(&report.uploads),
        "plays_sent": report.plays_sent.load(Ordering::Relaxed),
        "plays_accepted": report.plays_accepted.load(Ordering::Relaxed),
        "plays_duplicates": report.plays_duplicates.load(Ordering::Relaxed),
        "plays_acknowledged": acknowledged.len(),
    });
    println!("{figures:#}");
    if let Some(path) = &options.report_json {
        std::fs::write(path, figures.to_string()).expect("the report is written");
    }
}

/// The release server binary, built first unless `CIVICAST_SERVER_BIN` names one.
fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CIVICAST_SERVER_BIN") {
        return path.into();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--release", "-p", "civicast-server"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(built.success(), "the release server builds");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("release/civicast-server")
}

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

struct Server {
    child: Child,
    base: String,
    admin: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server() -> Server {
    let data = tempfile::tempdir().expect("a temporary directory");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(server_binary())
        .args(["--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let base = format!("http://127.0.0.1:{port}");
    let password_file = data.path().join("initial-admin-password.txt");
    let client = reqwest::Client::new();
    let started = Instant::now();
    let admin = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server answers within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        let Ok(password) = std::fs::read_to_string(&password_file) else {
            continue;
        };
        let Ok(response) = client
            .post(format!("{base}/api/v1/auth/token"))
            .json(&json!({ "email": "admin@civicast.local", "password": password.trim() }))
            .send()
            .await
        else {
            continue;
        };
        let body: Value = response.json().await.expect("a JSON body");
        break body["token"].as_str().expect("a token").to_owned();
    };
    Server {
        child,
        base,
        admin,
        _data: data,
    }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        if let Some(base) = options.base_url.clone() {
            return run_external(options, base).await;
        }
        let server = start_server().await;
        let pid = server.child.id();
        let seeding = Instant::now();
        let (screens, items) = load::seed(&server.base, &server.admin, options.screens, 20).await;
        println!("{} screens paired in {:.0?}", screens.len(), seeding.elapsed());
        let plan = LoadPlan {
            duration: Duration::from_secs_f64(options.minutes * 60.0),
            poll_interval: Duration::from_secs(10),
            slot: Duration::from_secs(10),
            upload_interval: Duration::from_secs(60),
            items,
        };
        let sampler = tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_secs(10));
            loop {
                tick.tick().await;
                let rss = rss_mib(pid);
                println!("server memory: {rss:.1} MiB");
                samples.push(rss);
                if samples.len() as f64 * 10.0 >= options.minutes * 60.0 {
                    return samples;
                }
            }
        });
        let started = Instant::now();
        let report = load::run(&server.base, screens, plan).await;
        let elapsed = started.elapsed().as_secs_f64();
        let memory = sampler.await.expect("the memory sampler");
        let minute = memory.len().min(6);
        let first_minute = memory[..minute].iter().cloned().fold(0.0, f64::max);
        let last_minute = memory[memory.len() - minute..]
            .iter()
            .cloned()
            .fold(0.0, f64::max);
        let (polls, uploads) = (&report.polls, &report.uploads);
        let errors = polls.error_count() + uploads.error_count();
        let sent = report.plays_sent.load(Ordering::Relaxed);
        let accepted = report.plays_accepted.load(Ordering::Relaxed);
        let section = format!(
            "## Load\n\n\
             Command: `cargo bench -p civicast-tests --bench load` — {date}, {machine}, release server \
             binary on SQLite (its own process) and the load generator (one process, one shared \
             connection pool) on the same machine, 127.0.0.1.\n\n\
             | figure | measured |\n\
             | --- | --- |\n\
             | screens, run length | {screens}, {minutes:.1} min ({elapsed:.0} s) |\n\
             | manifest polls (every 10 s, with ETag) | {poll_count} ({poll_rate:.0}/s), {unchanged} answered 304; p50 {poll_p50:.1} ms, p99 {poll_p99:.1} ms, max {poll_max:.1} ms |\n\
             | play uploads (every 60 s, one play per 10 s slot) | {upload_count} ({upload_rate:.0}/s); p50 {upload_p50:.1} ms, p99 {upload_p99:.1} ms, max {upload_max:.1} ms |\n\
             | plays | {sent} sent ({play_rate:.0}/s), {accepted} accepted |\n\
             | errors (any answer a player would not expect) | {errors} |\n\
             | server memory (RSS, sampled every 10 s) | highest in the first minute {first_minute:.1} MiB, in the last minute {last_minute:.1} MiB; all samples: {samples} |\n",
            date = chrono::Utc::now().format("%Y-%m-%d"),
            machine = civicast_tests::bench::machine(),
            screens = options.screens,
            minutes = options.minutes,
            poll_count = polls.count(),
            poll_rate = polls.count() as f64 / elapsed,
            unchanged = report.unchanged.load(Ordering::Relaxed),
            poll_p50 = polls.percentile_ms(0.5),
            poll_p99 = polls.percentile_ms(0.99),
            poll_max = polls.percentile_ms(1.0),
            upload_count = uploads.count(),
            upload_rate = uploads.count() as f64 / elapsed,
            upload_p50 = uploads.percentile_ms(0.5),
            upload_p99 = uploads.percentile_ms(0.99),
            upload_max = uploads.percentile_ms(1.0),
            play_rate = sent as f64 / elapsed,
            samples = memory
                .iter()
                .map(|mib| format!("{mib:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        if errors > 0 {
            eprintln!(
                "errors: {:?} {:?}",
                polls.first_errors(),
                uploads.first_errors()
            );
        }
        civicast_tests::bench::write_section("## Load", &section);
        drop(server);
    });
}
