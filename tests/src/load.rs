//! A load generator that behaves like many screens at once: each polls its manifest every poll
//! interval with the ETag it last got, plays one item per slot and uploads its plays in batches,
//! the way the player does. It talks to a server over HTTP on 127.0.0.1 only, counts every answer
//! that is not what a player expects as an error, and keeps every latency for percentiles.
//!
//! Used by the quick load test (`tests/api/load.rs`) and by the long run
//! (`cargo bench -p civicast-tests --bench load`), which can also drive a region through its load
//! balancer over HTTPS (`client` with the balancer's CA; `benches/region.py`). Like the player, a
//! screen keeps a batch of plays it has no receipt for and sends it again with its next upload;
//! the server answers the plays it already stored as duplicates.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use civicast_shared::api::plays::{PLAY_SCHEMA_VERSION, PlayKind, PlayOutcome, PlayRecord};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// One simulated screen: its id and device token.
#[derive(Debug, Clone)]
pub struct SimulatedScreen {
    pub id: Uuid,
    pub token: String,
}

/// What the screens play, and how they behave.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub duration: Duration,
    /// Between two manifest polls of one screen (the server tells players 10 s).
    pub poll_interval: Duration,
    /// The length of one slot: each screen records one play per slot.
    pub slot: Duration,
    /// Between two uploads of one screen's plays.
    pub upload_interval: Duration,
    /// Playlist items the plays name.
    pub items: Vec<Uuid>,
}

/// Latencies in microseconds, and the answers that were not what a player expects.
#[derive(Debug, Default)]
pub struct Traffic {
    latencies_us: Mutex<Vec<u32>>,
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    /// Errors a player answers by trying again later: a refused or reset connection, 502, 503,
    /// 504 (an instance gone or not ready behind a load balancer).
    pub retryable: AtomicU64,
    first_errors: Mutex<Vec<String>>,
    first_retryable: Mutex<Vec<String>>,
    kinds: Mutex<BTreeMap<String, u64>>,
}

/// An answer a player would not expect: a short kind ("503", "connect", "timeout", ...) and
/// what happened.
pub struct Failure {
    pub kind: String,
    pub detail: String,
}

impl Failure {
    fn status(what: &str, status: StatusCode) -> Failure {
        Failure {
            kind: status.as_u16().to_string(),
            detail: format!("{what}: {status}"),
        }
    }

    fn transport(what: &str, error: &reqwest::Error) -> Failure {
        let kind = if error.is_connect() {
            "connect"
        } else if error.is_timeout() {
            "timeout"
        } else if error.is_body() || error.is_decode() {
            "body"
        } else {
            "request"
        };
        Failure {
            kind: kind.into(),
            detail: format!("{what}: {error:?}"),
        }
    }

    fn other(what: &str, detail: String) -> Failure {
        Failure {
            kind: what.into(),
            detail,
        }
    }

    /// Whether a player tries again (it does for every failure, but only these are expected of
    /// a region losing an instance).
    pub fn retryable(&self) -> bool {
        matches!(self.kind.as_str(), "connect" | "502" | "503" | "504")
    }
}

impl Traffic {
    fn record(&self, started: Instant, failure: Option<Failure>) {
        let retryable = failure.as_ref().is_some_and(Failure::retryable);
        let error = failure.map(|failure| {
            *self
                .kinds
                .lock()
                .expect("kinds lock")
                .entry(failure.kind)
                .or_default() += 1;
            failure.detail
        });
        if retryable {
            self.retryable.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        self.latencies_us
            .lock()
            .expect("latencies lock")
            .push(micros);
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(error) = error {
            self.errors.fetch_add(1, Ordering::Relaxed);
            // The first few of each sort, so that the unexpected ones are not crowded out.
            let (list, keep) = if retryable {
                (&self.first_retryable, 5)
            } else {
                (&self.first_errors, 10)
            };
            let mut first = list.lock().expect("errors lock");
            if first.len() < keep {
                first.push(error);
            }
        }
    }

    /// The latency below which `fraction` of the requests finished, in milliseconds.
    pub fn percentile_ms(&self, fraction: f64) -> f64 {
        let mut latencies = self.latencies_us.lock().expect("latencies lock").clone();
        if latencies.is_empty() {
            return 0.0;
        }
        latencies.sort_unstable();
        let index = ((latencies.len() as f64 * fraction).ceil() as usize).clamp(1, latencies.len());
        f64::from(latencies[index - 1]) / 1000.0
    }

    pub fn count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn error_count(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Errors of the kinds a player retries (see `Failure::retryable`).
    pub fn retryable_count(&self) -> u64 {
        self.retryable.load(Ordering::Relaxed)
    }

    /// Errors by kind ("503", "connect", ...).
    pub fn error_kinds(&self) -> BTreeMap<String, u64> {
        self.kinds.lock().expect("kinds lock").clone()
    }

    /// The first few errors, to say what went wrong (those not of a retryable kind first).
    pub fn first_errors(&self) -> Vec<String> {
        let mut errors = self.first_errors.lock().expect("errors lock").clone();
        errors.extend(
            self.first_retryable
                .lock()
                .expect("errors lock")
                .iter()
                .cloned(),
        );
        errors
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub polls: Traffic,
    pub uploads: Traffic,
    /// Manifest polls answered 304.
    pub unchanged: AtomicU64,
    /// Plays in every upload, a batch sent again counted again.
    pub plays_sent: AtomicU64,
    /// Plays the server stored on receipt of an upload.
    pub plays_accepted: AtomicU64,
    /// Plays the server answered as already stored (a batch sent again after no receipt).
    pub plays_duplicates: AtomicU64,
    /// The ids of the plays a receipt covered (accepted or duplicate), each once: what a player
    /// deletes from its queue, so what must be in the database exactly once.
    pub acknowledged: Mutex<Vec<Uuid>>,
}

/// Creates a building with a playlist of `items` announcements and `count` screens with device
/// tokens, through the API as an administrator would. Returns the screens and the item ids.
pub async fn seed(
    base: &str,
    admin: &str,
    count: usize,
    items: usize,
) -> (Vec<SimulatedScreen>, Vec<Uuid>) {
    seed_with(&reqwest::Client::new(), base, admin, count, items).await
}

/// `seed` with a client of the caller's (one that trusts a load balancer's CA, say).
pub async fn seed_with(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    count: usize,
    items: usize,
) -> (Vec<SimulatedScreen>, Vec<Uuid>) {
    let call = |method: reqwest::Method, path: String, body: Value| {
        let request = client
            .request(method, format!("{base}/api/v1{path}"))
            .bearer_auth(admin)
            .json(&body);
        async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status();
            let body: Value = response.json().await.expect("a JSON body");
            assert!(status.is_success(), "{status}: {body}");
            body
        }
    };
    let building = call(
        reqwest::Method::POST,
        "/buildings".into(),
        json!({ "name": format!("Load {}", Uuid::now_v7()), "address": "127.0.0.1", "venue_type": "town_hall" }),
    )
    .await["id"]
        .as_str()
        .expect("a building id")
        .to_owned();
    let playlist = call(
        reqwest::Method::POST,
        "/playlists".into(),
        json!({ "building_id": building, "name": "Load" }),
    )
    .await["id"]
        .as_str()
        .expect("a playlist id")
        .to_owned();
    let mut item_ids = Vec::with_capacity(items);
    for n in 0..items {
        let item = call(
            reqwest::Method::POST,
            format!("/playlists/{playlist}/items"),
            json!({ "kind": "announcement", "text": format!("Announcement {n}: the town hall opens at nine") }),
        )
        .await;
        item_ids.push(
            item["id"]
                .as_str()
                .expect("an item id")
                .parse()
                .expect("a uuid"),
        );
    }
    // Eight at a time: the way a script of an administrator's would, without queueing thousands.
    let next = Arc::new(AtomicU64::new(0));
    let screens = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (next, screens, client, base, admin, building) = (
            next.clone(),
            screens.clone(),
            client.clone(),
            base.to_owned(),
            admin.to_owned(),
            building.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed) as usize;
                if n >= count {
                    break;
                }
                let screen = post_as(
                    &client,
                    &admin,
                    format!("{base}/api/v1/screens"),
                    Some(json!({
                        "building_id": building, "name": format!("Screen {n}"), "kind": "information_screen",
                        "width": 1920, "height": 1080, "orientation": "landscape",
                    })),
                )
                .await;
                let id = screen["id"].as_str().unwrap_or_else(|| panic!("{screen}"));
                let token = post_as(
                    &client,
                    &admin,
                    format!("{base}/api/v1/screens/{id}/token"),
                    None,
                )
                .await;
                screens.lock().expect("screens lock").push(SimulatedScreen {
                    id: id.parse().expect("a uuid"),
                    token: token["token"].as_str().expect("a token").to_owned(),
                });
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a seeding worker");
    }
    let screens = std::mem::take(&mut *screens.lock().expect("screens lock"));
    (screens, item_ids)
}

/// POSTs `body` (if any) with the administrator's token and reads the JSON answer.
async fn post_as(client: &reqwest::Client, token: &str, url: String, body: Option<Value>) -> Value {
    let mut request = client.post(url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

fn play(screen: &SimulatedScreen, seq: u64, item: Uuid, slot: Duration) -> PlayRecord {
    let ended_at = Utc::now();
    let slot = chrono::Duration::from_std(slot).unwrap_or_default();
    let slot_ms = u32::try_from(slot.num_milliseconds()).unwrap_or_default();
    PlayRecord {
        id: Uuid::now_v7(),
        schema_version: PLAY_SCHEMA_VERSION,
        seq,
        screen_id: screen.id,
        item_id: Some(item),
        kind: PlayKind::Announcement,
        content_hash: "ab".repeat(32),
        started_at: ended_at - slot,
        ended_at,
        planned_ms: slot_ms,
        played_ms: slot_ms,
        clock_offset_ms: 0,
        outcome: PlayOutcome::Complete,
        display_on: Some(true),
        player_version: "load".into(),
    }
}

/// One screen for the length of the plan: polls, plays and uploads, starting at a random point
/// of its intervals so that the screens spread out as real ones do.
async fn run_screen(
    client: reqwest::Client,
    base: Arc<str>,
    screen: SimulatedScreen,
    plan: Arc<LoadPlan>,
    report: Arc<LoadReport>,
    deadline: tokio::time::Instant,
) {
    let offset =
        |every: Duration| every.mul_f64(f64::from(fastrand_u32(&screen.id) % 1000) / 1000.0);
    let mut next_poll = tokio::time::Instant::now() + offset(plan.poll_interval);
    let mut next_slot = tokio::time::Instant::now() + offset(plan.slot);
    let mut next_upload = tokio::time::Instant::now() + plan.slot + offset(plan.upload_interval);
    let manifest_url = format!("{base}/api/v1/screen/manifest");
    let plays_url = format!("{base}/api/v1/screen/plays");
    let mut etag: Option<String> = None;
    let mut pending: Vec<PlayRecord> = Vec::new();
    let mut seq = 0u64;
    loop {
        let now = next_poll.min(next_slot).min(next_upload);
        if now >= deadline {
            break;
        }
        tokio::time::sleep_until(now).await;
        if now == next_slot {
            seq += 1;
            let item = plan.items[(seq as usize) % plan.items.len()];
            pending.push(play(&screen, seq, item, plan.slot));
            next_slot += plan.slot;
        } else if now == next_poll {
            let started = Instant::now();
            let mut request = client.get(&manifest_url).bearer_auth(&screen.token);
            if let Some(etag) = &etag {
                request = request.header("If-None-Match", etag);
            }
            let error = match request.send().await {
                Ok(response) if response.status() == StatusCode::NOT_MODIFIED => {
                    report.unchanged.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Ok(response) if response.status() == StatusCode::OK => {
                    etag = response
                        .headers()
                        .get("etag")
                        .and_then(|tag| tag.to_str().ok())
                        .map(str::to_owned);
                    match response.bytes().await {
                        Ok(_) => None,
                        Err(e) => Some(Failure::transport("manifest body", &e)),
                    }
                }
                Ok(response) => Some(Failure::status("manifest", response.status())),
                Err(e) => Some(Failure::transport("manifest", &e)),
            };
            report.polls.record(started, error);
            next_poll += plan.poll_interval;
        } else {
            let sent = pending.len() as u64;
            let started = Instant::now();
            let response = client
                .post(&plays_url)
                .bearer_auth(&screen.token)
                .json(&json!({ "plays": pending }))
                .send()
                .await;
            let error = match response {
                Ok(response) if response.status() == StatusCode::OK => {
                    match response.json::<Value>().await {
                        Ok(receipt) => {
                            let accepted = receipt["accepted"].as_u64().unwrap_or_default();
                            let duplicates = receipt["duplicates"].as_u64().unwrap_or_default();
                            report.plays_accepted.fetch_add(accepted, Ordering::Relaxed);
                            report
                                .plays_duplicates
                                .fetch_add(duplicates, Ordering::Relaxed);
                            // The receipt settles the batch: the player deletes it.
                            let batch = std::mem::take(&mut pending);
                            report
                                .acknowledged
                                .lock()
                                .expect("acknowledged lock")
                                .extend(batch.iter().map(|play| play.id));
                            (accepted + duplicates != sent)
                                .then(|| Failure::other("receipt", format!("plays: {receipt}")))
                        }
                        // No receipt: the batch stays queued and goes again with the next upload.
                        Err(e) => Some(Failure::transport("plays receipt", &e)),
                    }
                }
                Ok(response) => Some(Failure::status("plays", response.status())),
                Err(e) => Some(Failure::transport("plays", &e)),
            };
            report.plays_sent.fetch_add(sent, Ordering::Relaxed);
            report.uploads.record(started, error);
            next_upload += plan.upload_interval;
        }
    }
}

/// A number from the screen's id that spreads screens over their intervals.
fn fastrand_u32(id: &Uuid) -> u32 {
    let bytes = id.as_bytes();
    u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]])
}

/// Runs every screen for `plan.duration` against the server at `base`.
pub async fn run(base: &str, screens: Vec<SimulatedScreen>, plan: LoadPlan) -> Arc<LoadReport> {
    run_with(client(None), base, screens, plan).await
}

/// The screens' HTTP client: one pool for all, a 30 s timeout, and `ca_pem` trusted beside the
/// system's roots when given (a load balancer's own CA).
pub fn client(ca_pem: Option<&[u8]>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(30));
    if let Some(pem) = ca_pem {
        builder = builder
            .add_root_certificate(reqwest::Certificate::from_pem(pem).expect("a PEM certificate"));
    }
    builder.build().expect("an HTTP client")
}

/// `run` with a client of the caller's.
pub async fn run_with(
    client: reqwest::Client,
    base: &str,
    screens: Vec<SimulatedScreen>,
    plan: LoadPlan,
) -> Arc<LoadReport> {
    let report = Arc::new(LoadReport::default());
    let plan = Arc::new(plan);
    let base: Arc<str> = base.into();
    let deadline = tokio::time::Instant::now() + plan.duration;
    let tasks: Vec<_> = screens
        .into_iter()
        .map(|screen| {
            tokio::spawn(run_screen(
                client.clone(),
                base.clone(),
                screen,
                plan.clone(),
                report.clone(),
                deadline,
            ))
        })
        .collect();
    for task in tasks {
        task.await.expect("a screen's task");
    }
    report
}
