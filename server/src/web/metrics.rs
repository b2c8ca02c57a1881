//! Operations: `GET /metrics` in Prometheus's text format, `GET /livez` (the process answers)
//! and `GET /readyz` (it can serve: the database answers; the same check as `/healthz`).
//!
//! Requests are counted and timed by route pattern (`/api/v1/events/{id}`, never the id, so
//! the number of series stays bounded); plays ingested and refused are counted as they come;
//! screens online, the moderation queue and the database pool are read when scraped. No label
//! carries personal data.

use actix_web::{HttpResponse, get, web};
use chrono::Duration;
use civicast_shared::api::places::ONLINE_WINDOW_S;
use diesel::prelude::*;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::db::{self, schema};
use crate::error::AppError;
use crate::web::state::AppState;

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    plays: IntCounterVec,
    screens: IntGaugeVec,
    events: IntGaugeVec,
    pool: IntGaugeVec,
    /// Scrapes answered, so that a dashboard can tell a stalled scraper from a quiet server.
    scrapes: IntCounter,
    mails: IntCounterVec,
    manifests: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry =
            Registry::new_custom(Some("civicast".into()), None).expect("a valid metrics prefix");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer a request")
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let plays = IntCounterVec::new(
            Opts::new(
                "plays_received_total",
                "Play records received from screens, by what became of them",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let screens = IntGaugeVec::new(
            Opts::new(
                "screens",
                "Registered screens by whether they were seen lately; `alerted`: offline in \
                 their building's opening hours",
            ),
            &["state"],
        )
        .expect("valid metric");
        let events = IntGaugeVec::new(
            Opts::new(
                "events",
                "Events by status; pending is the moderation queue",
            ),
            &["status"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections"),
            &["state"],
        )
        .expect("valid metric");
        let scrapes = IntCounter::new("metrics_scrapes_total", "Scrapes of /metrics answered")
            .expect("valid metric");
        let mails = IntCounterVec::new(
            Opts::new(
                "mails_total",
                "E-mails handed to the SMTP server (sent), refused for good (failed), or to be \
                 tried again (retried), by this instance",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        for outcome in ["sent", "failed", "retried"] {
            mails.with_label_values(&[outcome]);
        }
        let manifests = IntCounterVec::new(
            Opts::new(
                "manifests_total",
                "Screens' manifests answered from this instance's memory, or built from the \
                 database (after a change to their building, or a first poll)",
            ),
            &["source"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_seconds.clone()),
            Box::new(plays.clone()),
            Box::new(screens.clone()),
            Box::new(events.clone()),
            Box::new(pool.clone()),
            Box::new(scrapes.clone()),
            Box::new(mails.clone()),
            Box::new(manifests.clone()),
        ] {
            registry.register(collector).expect("each metric once");
        }
        Metrics {
            registry,
            requests,
            request_seconds,
            plays,
            screens,
            events,
            pool,
            scrapes,
            mails,
            manifests,
        }
    }

    /// One e-mail the worker tried: `sent`, `failed` or `retried`.
    pub fn observe_mail(&self, outcome: &str) {
        self.mails.with_label_values(&[outcome]).inc();
    }

    /// One answered request; `route` is the matched pattern, not the path.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.request_seconds
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// The outcome of one batch of play records.
    pub fn observe_plays(&self, accepted: u32, duplicates: u32, refused: usize) {
        for (outcome, count) in [
            ("accepted", u64::from(accepted)),
            ("duplicate", u64::from(duplicates)),
            ("refused", refused as u64),
        ] {
            self.plays.with_label_values(&[outcome]).inc_by(count);
        }
    }

    fn render(&self) -> Result<String, AppError> {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot encode metrics: {e}")))?;
        String::from_utf8(buffer)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("metrics are not UTF-8: {e}")))
    }
}

#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")),
)]
#[get("/metrics")]
pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let pool_state = state.pool.state();
    let (screens, events) = db::run(&state.pool, |conn| {
        let seen_since = db::now() - Duration::seconds(ONLINE_WINDOW_S);
        let total: i64 = schema::screens::table.count().get_result(conn)?;
        let online: i64 = schema::screens::table
            .filter(schema::screens::last_seen_at.ge(seen_since))
            .count()
            .get_result(conn)?;
        let events: Vec<(String, i64)> = schema::events::table
            .group_by(schema::events::status)
            .select((schema::events::status, diesel::dsl::count_star()))
            .load(conn)?;
        let alerted: i64 = schema::screen_alerts::table
            .filter(schema::screen_alerts::resolved_at.is_null())
            .count()
            .get_result(conn)?;
        Ok(((online, total - online, alerted), events))
    })
    .await?;
    let metrics = &state.metrics;
    metrics
        .screens
        .with_label_values(&["online"])
        .set(screens.0);
    metrics
        .screens
        .with_label_values(&["offline"])
        .set(screens.1);
    metrics
        .screens
        .with_label_values(&["alerted"])
        .set(screens.2);
    for status in civicast_shared::api::events::EventStatus::ALL {
        let count = events
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n);
        metrics
            .events
            .with_label_values(&[status.as_str()])
            .set(count);
    }
    metrics
        .pool
        .with_label_values(&["idle"])
        .set(i64::from(pool_state.idle_connections));
    metrics.pool.with_label_values(&["in_use"]).set(i64::from(
        pool_state.connections - pool_state.idle_connections,
    ));
    let (from_memory, built) = state.device_cache.manifest_counts();
    for (source, total) in [("memory", from_memory), ("database", built)] {
        let counter = metrics.manifests.with_label_values(&[source]);
        counter.inc_by(total.saturating_sub(counter.get()));
    }
    metrics.scrapes.inc();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render()?))
}

/// The process is alive and answering; it checks nothing else, so that a slow database never
/// gets a healthy server restarted.
#[utoipa::path(tag = "operations", responses((status = 200, description = "alive")))]
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body("alive\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_pattern_and_plays_by_outcome() {
        let counted = Metrics::new();
        counted.observe_request("GET", "/api/v1/events/{id}", 200, 0.004);
        counted.observe_request("GET", "/api/v1/events/{id}", 200, 0.02);
        counted.observe_plays(490, 10, 2);
        let text = counted.render().unwrap();
        assert!(text.contains(
            "civicast_http_requests_total{method=\"GET\",route=\"/api/v1/events/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("civicast_plays_received_total{outcome=\"accepted\"} 490"));
        assert!(text.contains("civicast_plays_received_total{outcome=\"refused\"} 2"));
        assert!(text.contains("civicast_http_request_duration_seconds_bucket"));
    }
}
