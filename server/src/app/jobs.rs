//! Scheduled jobs, each on a cron expression from the settings (`sec min hour day month
//! weekday`, read in the city's time zone): closing events that are over, purging raw plays past
//! their retention, a nightly backup of the SQLite database, watching for screens offline in
//! their building's opening hours, and the notifications that come with time (daily digests,
//! the reminder of events starting soon that wait for a decision, events' first plays and
//! reach).
//!
//! A job due at an instant runs once however many instances share the database: the instance
//! that first inserts the `(job, due_at)` row into `job_runs` runs it, the others skip it. After
//! downtime only the latest missed run is made up, not every one. A claim left unfinished for
//! longer than its task's [`Task::lease`] belongs to an instance that died mid-run: the next
//! instance to look takes it over and runs it again (every job can run twice without harm).
//! Time is an argument ([`Jobs::run_due`]), so tests drive it instead of sleeping.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::schema::job_runs;
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;
use crate::on_backend;
use crate::settings::{Settings, parse_cron};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    CloseEvents,
    PurgeRawPlays,
    Backup,
    WatchScreens,
    SendDigests,
    RemindPending,
    NoticeEvents,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::CloseEvents => "close_events",
            Task::PurgeRawPlays => "purge_raw_plays",
            Task::Backup => "backup",
            Task::WatchScreens => "watch_screens",
            Task::SendDigests => "send_digests",
            Task::RemindPending => "remind_pending",
            Task::NoticeEvents => "notice_events",
        }
    }

    /// How long a run may take before its claim is taken to belong to a dead instance: far
    /// beyond the longest run seen, so a slow run is not started twice.
    pub fn lease(self) -> chrono::Duration {
        match self {
            Task::PurgeRawPlays | Task::Backup => chrono::Duration::hours(1),
            _ => chrono::Duration::minutes(15),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub task: Task,
    pub schedule: cron::Schedule,
}

/// One run a call of [`Jobs::run_due`] made, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub task: Task,
    pub due_at: DateTime<Utc>,
    pub outcome: String,
}

#[derive(Debug, Clone)]
pub struct Jobs {
    jobs: Vec<Job>,
    tz: Tz,
    data_dir: PathBuf,
    raw_play_retention_days: i64,
    backups_kept: usize,
    offline_alert_after: chrono::Duration,
}

impl Jobs {
    pub fn from_settings(settings: &Settings) -> Result<Jobs, String> {
        let jobs = [
            (Task::CloseEvents, &settings.close_events_cron),
            (Task::PurgeRawPlays, &settings.purge_raw_plays_cron),
            (Task::Backup, &settings.backup_cron),
            (Task::WatchScreens, &settings.watch_screens_cron),
            (Task::SendDigests, &settings.digest_cron),
            (Task::RemindPending, &settings.remind_pending_cron),
            (Task::NoticeEvents, &settings.notice_events_cron),
        ]
        .into_iter()
        .map(|(task, expression)| {
            Ok(Job {
                task,
                schedule: parse_cron(expression)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
        Ok(Jobs {
            jobs,
            tz: settings.city_time_zone,
            data_dir: settings.data_dir.clone(),
            raw_play_retention_days: settings.raw_play_retention_days,
            backups_kept: usize::from(settings.backups_kept),
            offline_alert_after: chrono::Duration::minutes(i64::from(
                settings.offline_alert_after_min,
            )),
        })
    }

    /// Runs each job whose latest due time falls in `(after, until]` and that no instance has
    /// claimed yet.
    pub fn run_due(
        &self,
        conn: &mut DbConnection,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<JobRun>, AppError> {
        let mut runs = self.make_up_abandoned(conn)?;
        for job in &self.jobs {
            let Some(due) = job
                .schedule
                .after(&after.with_timezone(&self.tz))
                .take_while(|t| t.with_timezone(&Utc) <= until)
                .last()
            else {
                continue;
            };
            let due_at = due.with_timezone(&Utc);
            if !claim(conn, job.task, due_at.naive_utc())? {
                continue;
            }
            runs.push(self.run_claimed(conn, job.task, due_at)?);
        }
        Ok(runs)
    }

    /// Runs again each run whose instance claimed it and stopped before finishing, once its
    /// lease is over; of the instances that see it, the one whose update lands takes it.
    fn make_up_abandoned(&self, conn: &mut DbConnection) -> Result<Vec<JobRun>, AppError> {
        let now = db::now();
        let shortest_lease = self.jobs.iter().map(|job| job.task.lease()).min();
        let Some(shortest_lease) = shortest_lease else {
            return Ok(Vec::new());
        };
        // One query for every job, newest first; each task's own lease is checked below.
        let unfinished: Vec<(String, NaiveDateTime, NaiveDateTime)> = job_runs::table
            .filter(job_runs::finished_at.is_null())
            .filter(job_runs::started_at.lt(now - shortest_lease))
            .select((job_runs::job, job_runs::due_at, job_runs::started_at))
            .order(job_runs::due_at.desc())
            .load(conn)?;
        let mut runs = Vec::new();
        for job in &self.jobs {
            let stale_before = now - job.task.lease();
            let Some((_, due_at, _)) = unfinished
                .iter()
                .find(|(name, _, started)| name == job.task.name() && *started < stale_before)
            else {
                continue;
            };
            let taken = diesel::update(
                job_runs::table
                    .find((job.task.name(), due_at))
                    .filter(job_runs::finished_at.is_null())
                    .filter(job_runs::started_at.lt(stale_before)),
            )
            .set(job_runs::started_at.eq(now))
            .execute(conn)?;
            if taken == 1 {
                tracing::warn!(job = job.task.name(), %due_at, "making up a run whose instance stopped mid-run");
                runs.push(self.run_claimed(conn, job.task, due_at.and_utc())?);
            }
        }
        Ok(runs)
    }

    /// Runs a run this instance claimed and records its outcome.
    fn run_claimed(
        &self,
        conn: &mut DbConnection,
        task: Task,
        due_at: DateTime<Utc>,
    ) -> Result<JobRun, AppError> {
        let outcome = match self.run(conn, task, due_at) {
            Ok(outcome) => outcome,
            Err(error) => format!("failed: {error}"),
        };
        diesel::update(job_runs::table.find((task.name(), due_at.naive_utc())))
            .set((
                job_runs::finished_at.eq(Some(db::now())),
                job_runs::outcome.eq(Some(&outcome)),
            ))
            .execute(conn)?;
        Ok(JobRun {
            task,
            due_at,
            outcome,
        })
    }

    fn run(
        &self,
        conn: &mut DbConnection,
        task: Task,
        due_at: DateTime<Utc>,
    ) -> Result<String, AppError> {
        match task {
            Task::CloseEvents => {
                let closed = crate::db::transaction(conn, |conn| {
                    crate::core::moderation::close_past_events(conn, due_at)
                })?;
                Ok(format!(
                    "{} ended, {} stale submissions closed",
                    closed.ended, closed.stale
                ))
            }
            Task::PurgeRawPlays => {
                let purged = crate::core::proof::retention::purge_raw_plays(
                    conn,
                    due_at.naive_utc(),
                    self.raw_play_retention_days,
                )?;
                Ok(format!("{purged} raw plays purged"))
            }
            Task::Backup => backup(
                conn,
                &self.data_dir.join("backups"),
                due_at,
                self.backups_kept,
            ),
            Task::WatchScreens => {
                let watched =
                    crate::core::alerts::watch_screens(conn, due_at, self.offline_alert_after)?;
                Ok(format!(
                    "{} offline alerts raised, {} resolved",
                    watched.raised, watched.resolved
                ))
            }
            Task::SendDigests => {
                let queued = crate::core::notify::outbox::queue_digests(conn)?;
                Ok(format!("{queued} digests queued"))
            }
            Task::RemindPending => {
                let pending = crate::core::notify::reminders::remind_pending(conn, due_at)?;
                Ok(format!("{pending} events starting soon still pending"))
            }
            Task::NoticeEvents => {
                let noticed = crate::core::notify::reminders::notice_events(conn, due_at)?;
                Ok(format!(
                    "{} first plays and {} reaches told",
                    noticed.on_screens, noticed.reach
                ))
            }
        }
    }
}

/// Takes the run of `task` due at `due_at` for this instance; false when another took it.
fn claim(conn: &mut DbConnection, task: Task, due_at: NaiveDateTime) -> Result<bool, AppError> {
    let row = (
        job_runs::job.eq(task.name()),
        job_runs::due_at.eq(due_at),
        job_runs::started_at.eq(db::now()),
    );
    let inserted = on_backend!(conn, |c| diesel::insert_into(job_runs::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// An online copy of the SQLite database (`VACUUM INTO`, consistent while the server writes)
/// into `folder`, keeping the newest `keep` copies.
fn backup(
    conn: &mut DbConnection,
    folder: &Path,
    due_at: DateTime<Utc>,
    keep: usize,
) -> Result<String, AppError> {
    let DbConnection::Sqlite(sqlite) = conn else {
        return Ok("skipped: back PostgreSQL up with pg_dump or its own tools".into());
    };
    std::fs::create_dir_all(folder).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("cannot create {}: {e}", folder.display()))
    })?;
    let file = folder.join(format!("civicast-{}.db", due_at.format("%Y%m%dT%H%M%SZ")));
    let path = file.to_string_lossy().replace('\'', "''");
    diesel::connection::SimpleConnection::batch_execute(sqlite, &format!("VACUUM INTO '{path}'"))?;
    let mut copies: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot list backups: {e}")))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("civicast-") && n.ends_with(".db"))
        })
        .collect();
    // The names sort by time.
    copies.sort();
    let removed = copies.len().saturating_sub(keep.max(1));
    for old in &copies[..removed] {
        std::fs::remove_file(old).map_err(|e| {
            AppError::Unexpected(anyhow::anyhow!("cannot remove {}: {e}", old.display()))
        })?;
    }
    Ok(format!(
        "{} written, {removed} older copies removed",
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
    ))
}

/// Runs due jobs every 20 seconds until the server stops.
pub async fn run_forever(jobs: Jobs, pool: DbPool) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(20));
    let mut checked_until = Utc::now();
    loop {
        tick.tick().await;
        let now = Utc::now();
        let (after, jobs_now) = (checked_until, jobs.clone());
        match db::run(&pool, move |conn| jobs_now.run_due(conn, after, now)).await {
            Ok(runs) => {
                for run in runs {
                    tracing::info!(job = run.task.name(), due_at = %run.due_at, outcome = %run.outcome, "job ran");
                }
                checked_until = now;
            }
            Err(error) => tracing::warn!(%error, "scheduled jobs could not run; trying again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_cron_expression_says_what_is_expected() {
        assert!(parse_cron("0 30 2 * * *").is_ok());
        let error = parse_cron("every night").unwrap_err();
        assert!(error.contains("sec min hour day month weekday"), "{error}");
    }
}
