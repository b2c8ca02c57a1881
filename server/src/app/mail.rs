//! The mail worker: sends the outbox through the SMTP server of `--smtp-url` with lettre (a
//! pool of connections, STARTTLS or TLS with the system's roots, AUTH from the URL).
//!
//! It claims due mails in batches (`core::notify::outbox::claim`), sends a few at a time, and
//! writes each outcome as soon as it is known: accepted (`sent`), refused with a 5xx answer
//! (`failed`, with the answer kept for administrators), or not taken for now (unreachable,
//! a 4xx answer, a timeout: tried again after a doubling wait). A request that causes a mail
//! only writes the outbox row; nothing waits for SMTP.

use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::core::notify::messages::{Context, render};
use crate::core::notify::outbox::{self, Claimed};
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::settings::Settings;
use crate::web::metrics::Metrics;

/// Mails claimed at once, and sent at once over the pool's connections.
const BATCH: i64 = 64;
const IN_FLIGHT: usize = 8;
/// How often an idle worker looks for due mail.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// The TLS mode `url` asks for, with the CA of `ca_file` trusted beside the system's roots.
fn tls_with_ca(url: &str, ca_file: &std::path::Path) -> anyhow::Result<Tls> {
    let pem = std::fs::read(ca_file)
        .map_err(|e| anyhow::anyhow!("--smtp-ca-file {}: {e}", ca_file.display()))?;
    let certificate = Certificate::from_pem(&pem)
        .map_err(|e| anyhow::anyhow!("--smtp-ca-file {}: {e}", ca_file.display()))?;
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port, |(host, _)| host)
        .trim_matches(['[', ']']);
    let parameters = TlsParameters::builder(host.to_owned())
        .add_root_certificate(certificate)
        .build_rustls()
        .map_err(|e| anyhow::anyhow!("--smtp-ca-file: {e}"))?;
    Ok(if url.starts_with("smtps://") {
        Tls::Wrapper(parameters)
    } else if url.contains("tls=required") {
        Tls::Required(parameters)
    } else {
        Tls::Opportunistic(parameters)
    })
}

/// Why a mail was not sent: for good (a 5xx answer, an address that cannot be written), or for
/// now.
enum Failure {
    Permanent(String),
    Transient(String),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    context: Context,
    /// The right-hand side of Message-IDs: the public address's host.
    domain: String,
    lease: chrono::Duration,
    retry_cap: chrono::Duration,
}

impl Mailer {
    /// The worker for these settings; `None` without `--smtp-url`.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &settings.smtp_url else {
            return Ok(None);
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
        if let Some(ca_file) = &settings.smtp_ca_file {
            builder = builder.tls(tls_with_ca(url, ca_file)?);
        }
        let transport = builder
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(IN_FLIGHT as u32))
            .build();
        let context = Context::from_settings(settings);
        let domain = context
            .public_url
            .split("://")
            .nth(1)
            .unwrap_or("civicast")
            .split(['/', ':'])
            .next()
            .unwrap_or("civicast")
            .to_owned();
        Ok(Some(Mailer {
            transport,
            from: settings
                .mail_from
                .parse()
                .map_err(|e| anyhow::anyhow!("--mail-from: {e}"))?,
            context,
            domain,
            lease: chrono::Duration::seconds(i64::from(settings.mail_claim_seconds)),
            retry_cap: chrono::Duration::seconds(i64::from(settings.mail_retry_max_seconds)),
        }))
    }

    /// Sends the outbox until the task is aborted.
    pub async fn run_forever(self, pool: DbPool, metrics: std::sync::Arc<Metrics>) {
        loop {
            let lease = self.lease;
            let claimed = db::run(&pool, move |conn| {
                outbox::claim(conn, Utc::now(), lease, BATCH)
            })
            .await;
            let batch = match claimed {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(%error, "the outbox could not be read");
                    tokio::time::sleep(IDLE_POLL * 4).await;
                    continue;
                }
            };
            let full = batch.len() as i64 == BATCH;
            let mailer = &self;
            futures_util::stream::iter(batch)
                .for_each_concurrent(IN_FLIGHT, |mail| {
                    let pool = pool.clone();
                    let metrics = metrics.clone();
                    async move {
                        let outcome = mailer.send(&mail).await;
                        if let Err(error) = mailer.record(&pool, &metrics, mail, outcome).await {
                            tracing::warn!(%error, "the outcome of an e-mail was not written");
                        }
                    }
                })
                .await;
            if !full {
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }

    async fn send(&self, mail: &Claimed) -> Result<(), Failure> {
        let message = self.message(mail).map_err(Failure::Permanent)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| {
                if error.is_permanent() {
                    Failure::Permanent(error.to_string())
                } else {
                    Failure::Transient(error.to_string())
                }
            })
    }

    fn message(&self, mail: &Claimed) -> Result<Message, String> {
        let written = render(&mail.notice, mail.language, &self.context);
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("the address {} cannot be written to: {e}", mail.recipient))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&written.subject)
            // The same id on every try: a copy sent again after a crash reads as the same mail.
            .message_id(Some(format!("<{}@{}>", mail.id, self.domain)))
            .multipart(MultiPart::alternative_plain_html(
                written.text(mail.language, &self.context),
                written.html(mail.language, &self.context),
            ))
            .map_err(|e| format!("the e-mail could not be built: {e}"))
    }

    async fn record(
        &self,
        pool: &DbPool,
        metrics: &Metrics,
        mail: Claimed,
        outcome: Result<(), Failure>,
    ) -> Result<(), AppError> {
        match outcome {
            Ok(()) => {
                metrics.observe_mail("sent");
                db::run(pool, move |conn| outbox::mark_sent(conn, &mail)).await
            }
            Err(Failure::Permanent(reason)) => {
                metrics.observe_mail("failed");
                tracing::warn!(recipient = %mail.recipient, %reason, "the SMTP server refused an e-mail");
                db::run(pool, move |conn| {
                    outbox::mark_failed(conn, &mail.id, &reason)
                })
                .await
            }
            Err(Failure::Transient(reason)) => {
                metrics.observe_mail("retried");
                let at = Utc::now() + outbox::backoff(mail.attempts, self.retry_cap);
                tracing::info!(recipient = %mail.recipient, %reason, next = %at, "an e-mail will be tried again");
                db::run(pool, move |conn| {
                    outbox::retry_at(conn, &mail.id, at, &reason)
                })
                .await
            }
        }
    }
}
