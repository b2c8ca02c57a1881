//! The durable play queue: an SQLite file in the data directory. A play counts once its insert
//! has committed (synchronous=FULL: fsynced); it leaves the queue only when the server has
//! acknowledged the batch that carried it. A kiosk's finished sessions wait beside the plays
//! (`queued_kiosk_sessions`) until a receipt settles them.

use std::path::Path;

use civicast_shared::api::kiosk::KioskSession;
use civicast_shared::api::plays::PlayRecord;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("play queue: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("play queue holds a record that does not parse: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Most records kept; at a play every 8 s that is over 50 days, longer than the server accepts
/// late records, so the oldest dropped beyond it would be refused anyway.
pub const MAX_QUEUED: i64 = 600_000;
/// Most kiosk sessions kept while the server is away (a busy kiosk has a few hundred a day).
pub const MAX_QUEUED_SESSIONS: i64 = 50_000;

pub struct PlayQueue {
    connection: Connection,
}

impl std::fmt::Debug for PlayQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlayQueue")
    }
}

impl PlayQueue {
    /// Opens (or creates) the queue; each thread opens its own.
    pub fn open(path: &Path) -> Result<PlayQueue, QueueError> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        connection.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS queued_plays (
                 seq INTEGER PRIMARY KEY,
                 record TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS play_counter (
                 only INTEGER PRIMARY KEY CHECK (only = 1),
                 last_seq INTEGER NOT NULL
             );
             INSERT OR IGNORE INTO play_counter (only, last_seq) VALUES (1, 0);
             CREATE TABLE IF NOT EXISTS queued_kiosk_sessions (
                 queued INTEGER PRIMARY KEY,
                 id TEXT NOT NULL UNIQUE,
                 record TEXT NOT NULL
             );",
        )?;
        Ok(PlayQueue { connection })
    }

    /// Stores a play durably and gives it the next sequence number (which never repeats, even
    /// after the queue empties). Returns the record as stored.
    pub fn push(&mut self, mut record: PlayRecord) -> Result<PlayRecord, QueueError> {
        let transaction = self.connection.transaction()?;
        let seq: i64 = transaction.query_row(
            "UPDATE play_counter SET last_seq = last_seq + 1 WHERE only = 1 RETURNING last_seq",
            [],
            |row| row.get(0),
        )?;
        record.seq = u64::try_from(seq).unwrap_or_default();
        transaction.execute(
            "INSERT INTO queued_plays (seq, record) VALUES (?1, ?2)",
            params![seq, serde_json::to_string(&record)?],
        )?;
        transaction.execute(
            "DELETE FROM queued_plays WHERE seq <= ?1",
            params![seq - MAX_QUEUED],
        )?;
        transaction.commit()?;
        Ok(record)
    }

    /// The oldest `limit` records, oldest first.
    pub fn oldest(&self, limit: usize) -> Result<Vec<PlayRecord>, QueueError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT record FROM queued_plays ORDER BY seq LIMIT ?1")?;
        let rows = statement
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                row.get::<_, String>(0)
            })?;
        let mut records = Vec::new();
        for row in rows {
            records.push(serde_json::from_str(&row?)?);
        }
        Ok(records)
    }

    /// Removes every record up to and including `seq`: the server settled them.
    pub fn acknowledge_through(&mut self, seq: u64) -> Result<usize, QueueError> {
        Ok(self.connection.execute(
            "DELETE FROM queued_plays WHERE seq <= ?1",
            params![i64::try_from(seq).unwrap_or(i64::MAX)],
        )?)
    }

    /// Stores a kiosk's finished session durably, until a receipt settles it.
    pub fn push_session(&mut self, session: &KioskSession) -> Result<(), QueueError> {
        self.connection.execute(
            "INSERT OR IGNORE INTO queued_kiosk_sessions (id, record) VALUES (?1, ?2)",
            params![session.id.to_string(), serde_json::to_string(session)?],
        )?;
        self.connection.execute(
            "DELETE FROM queued_kiosk_sessions WHERE queued <= \
             (SELECT MAX(queued) FROM queued_kiosk_sessions) - ?1",
            params![MAX_QUEUED_SESSIONS],
        )?;
        Ok(())
    }

    /// The oldest `limit` sessions, oldest first.
    pub fn oldest_sessions(&self, limit: usize) -> Result<Vec<KioskSession>, QueueError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT record FROM queued_kiosk_sessions ORDER BY queued LIMIT ?1")?;
        let rows = statement
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                row.get::<_, String>(0)
            })?;
        let mut sessions = Vec::new();
        for row in rows {
            sessions.push(serde_json::from_str(&row?)?);
        }
        Ok(sessions)
    }

    /// Removes the sessions the server settled.
    pub fn remove_sessions(&mut self, ids: &[Uuid]) -> Result<usize, QueueError> {
        let transaction = self.connection.transaction()?;
        let mut removed = 0;
        for id in ids {
            removed += transaction.execute(
                "DELETE FROM queued_kiosk_sessions WHERE id = ?1",
                params![id.to_string()],
            )?;
        }
        transaction.commit()?;
        Ok(removed)
    }

    pub fn len(&self) -> Result<u64, QueueError> {
        let count: i64 =
            self.connection
                .query_row("SELECT COUNT(*) FROM queued_plays", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    pub fn is_empty(&self) -> Result<bool, QueueError> {
        Ok(self
            .connection
            .query_row("SELECT 1 FROM queued_plays LIMIT 1", [], |row| {
                row.get::<_, i64>(0)
            })
            .optional()?
            .is_none())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use civicast_shared::api::plays::{PLAY_SCHEMA_VERSION, PlayKind, PlayOutcome};
    use uuid::Uuid;

    use super::*;

    fn play() -> PlayRecord {
        let now = Utc::now();
        PlayRecord {
            id: Uuid::now_v7(),
            schema_version: PLAY_SCHEMA_VERSION,
            seq: 0,
            screen_id: Uuid::now_v7(),
            item_id: Some(Uuid::now_v7()),
            kind: PlayKind::Slide,
            content_hash: "0".repeat(64),
            started_at: now - Duration::seconds(8),
            ended_at: now,
            planned_ms: 8000,
            played_ms: 8000,
            clock_offset_ms: 0,
            outcome: PlayOutcome::Complete,
            display_on: None,
            player_version: "test".into(),
        }
    }

    #[test]
    fn plays_survive_reopening_and_leave_only_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plays.sqlite");
        let mut queue = PlayQueue::open(&path).unwrap();
        let pushed: Vec<PlayRecord> = (0..5).map(|_| queue.push(play()).unwrap()).collect();
        assert_eq!(
            pushed.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        drop(queue);

        let mut queue = PlayQueue::open(&path).unwrap();
        let batch = queue.oldest(3).unwrap();
        assert_eq!(batch, pushed[..3]);
        assert_eq!(queue.acknowledge_through(batch[2].seq).unwrap(), 3);
        assert_eq!(queue.oldest(10).unwrap(), pushed[3..]);
        queue.acknowledge_through(5).unwrap();
        assert!(queue.is_empty().unwrap());
        // Sequence numbers go on growing after the queue emptied, so gaps stay visible.
        assert_eq!(queue.push(play()).unwrap().seq, 6);
    }

    #[test]
    fn kiosk_sessions_wait_beside_the_plays_until_settled() {
        use civicast_shared::api::kiosk::{KioskLanguage, KioskPage};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plays.sqlite");
        let mut queue = PlayQueue::open(&path).unwrap();
        let now = Utc::now();
        let sessions: Vec<KioskSession> = (0..3)
            .map(|_| KioskSession {
                id: Uuid::now_v7(),
                screen_id: Uuid::now_v7(),
                started_at: now - Duration::seconds(60),
                ended_at: now,
                clock_offset_ms: 0,
                language: KioskLanguage::German,
                pages: vec![KioskPage::WhatsOn, KioskPage::Map],
                events_viewed: Vec::new(),
                qr_shown: 0,
                searches: 1,
            })
            .collect();
        for session in &sessions {
            queue.push_session(session).unwrap();
        }
        // The same session again (a retry) is kept once.
        queue.push_session(&sessions[0]).unwrap();
        drop(queue);
        let mut queue = PlayQueue::open(&path).unwrap();
        assert_eq!(queue.oldest_sessions(10).unwrap(), sessions);
        assert!(queue.is_empty().unwrap(), "sessions are not plays");
        assert_eq!(
            queue
                .remove_sessions(&[sessions[0].id, sessions[2].id])
                .unwrap(),
            2
        );
        assert_eq!(queue.oldest_sessions(10).unwrap(), sessions[1..2]);
    }
}
