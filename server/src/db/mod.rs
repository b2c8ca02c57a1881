//! Storage: one diesel connection type over SQLite and PostgreSQL, its pool, and the embedded
//! migrations that run at start.
//!
//! The backend is chosen from the URL scheme, never by trying each (a SQLite connection accepts
//! any path, so a mistyped PostgreSQL URL would silently become a file).

pub mod models;
pub mod schema;
pub mod timestamp;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgresql");

/// A connection to whichever backend the server was started on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Where the data lives, parsed from `--database-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a
    /// plain path selects SQLite.
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.contains("://") {
            return Err(format!(
                "unsupported database URL '{url}': use postgres://... or a SQLite file path"
            ));
        }
        if path.is_empty() {
            return Err("the database URL is empty".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgresql",
        }
    }
}

/// r2d2 manager that opens the backend named by the URL and sets SQLite up for concurrent use.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> ConnectionManager {
        ConnectionManager { url }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut connection = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers work while one writer commits; NORMAL sync is durable in WAL mode
                // except for the last transactions on power loss, which the players' retries cover.
                // The busy timeout comes first: switching a new database to WAL takes a lock that
                // a connection opened beside it (the pool fills itself) must wait for, not fail on.
                connection
                    .batch_execute(
                        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    )
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(connection))
            }
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), Self::Error> {
        connection.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        connection.is_broken()
    }
}

pub type DbPool = r2d2::Pool<ConnectionManager>;

/// Opens the pool with the default size and brings the schema up to date.
pub fn open(url: &DatabaseUrl) -> anyhow::Result<DbPool> {
    open_sized(url, 16)
}

/// Opens the pool, at most `postgres_size` connections on PostgreSQL (SQLite keeps 8: one
/// writer at a time, readers beside it), and brings the schema up to date.
pub fn open_sized(url: &DatabaseUrl, postgres_size: u32) -> anyhow::Result<DbPool> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let max_size = match url {
        DatabaseUrl::Sqlite(_) => 8,
        DatabaseUrl::Postgres(_) => postgres_size,
    };
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(true)
        .build(ConnectionManager::new(url.clone()))
        .map_err(|e| anyhow::anyhow!("cannot open the database ({}): {e}", url.backend_name()))?;
    let mut connection = pool.get()?;
    run_migrations(&mut connection)?;
    Ok(pool)
}

fn run_migrations(connection: &mut DbConnection) -> anyhow::Result<()> {
    match connection {
        DbConnection::Sqlite(connection) => {
            connection
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("SQLite migration failed: {e}"))?;
        }
        DbConnection::Postgres(connection) => {
            // Several instances may start at once against one database: one migrates, the others wait.
            const MIGRATION_LOCK: i64 = 0x0C1F1CA5;
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(connection)?;
            let result = connection
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .execute(connection)?;
            result.map_err(|e| anyhow::anyhow!("PostgreSQL migration failed: {e}"))?;
        }
    }
    Ok(())
}

/// Runs the same diesel code on whichever backend `conn` is, for statements that diesel types
/// per backend (upserts, `INSERT ... ON CONFLICT DO NOTHING`).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// Runs `work` in a transaction. On SQLite the outermost one begins with `BEGIN IMMEDIATE`: it
/// takes the write lock at once, waiting on `busy_timeout` when another writer holds it. A
/// plain `BEGIN` would read first and fail with "database is locked", without waiting, when it
/// then writes after another writer committed (SQLite cannot upgrade a stale read snapshot).
pub fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    let outermost = AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()
        .map_err(E::from)?
        .is_none();
    if !outermost {
        return conn.transaction(work);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        unreachable!("the connection stays SQLite");
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(error)
        }
    }
}

/// Runs `work` on a pooled connection on the blocking thread pool.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut connection = pool.get()?;
        work(&mut connection)
    })
    .await?
}

/// Now, at the microsecond precision both backends store.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A client's instant at the precision both backends store.
pub fn to_db_time(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.naive_utc().trunc_subsecs(6)
}

/// A new time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The row of `$table` with id `$id` as `$row`, or a 404 that names `$what`: one lookup for every
/// table. (A macro, since diesel's tables share no type to be generic over.)
#[macro_export]
macro_rules! find_by_id {
    ($conn:expr, $table:expr, $row:ty, $id:expr, $what:literal) => {{
        let id: &str = $id;
        $table
            .find(id)
            .select(<$row>::as_select())
            .first::<$row>($conn)
            .optional()
            .map_err($crate::error::AppError::from)
            .and_then(|found| {
                found.ok_or_else(|| {
                    $crate::error::AppError::NotFound(format!(
                        concat!("no ", $what, " with id {}"),
                        id
                    ))
                })
            })
    }};
}

/// `Ok(())` when no row of `$table` but `$except_id` is called `$name`, else a 409 saying
/// "`$taken` '<name>' already exists" (`$taken` as in "a building named").
#[macro_export]
macro_rules! ensure_unique_name {
    ($conn:expr, $table:ident, $name:expr, $except_id:expr, $taken:literal) => {{
        let name: &str = $name;
        $table::table
            .filter($table::name.eq(name))
            .filter($table::id.ne($except_id))
            .count()
            .get_result::<i64>($conn)
            .map_err($crate::error::AppError::from)
            .and_then(|taken| {
                if taken > 0 {
                    Err($crate::error::AppError::Conflict(format!(
                        concat!($taken, " '{}' already exists"),
                        name
                    )))
                } else {
                    Ok(())
                }
            })
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/civicast/c.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/civicast/c.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/civicast.db").unwrap(),
            DatabaseUrl::Sqlite("data/civicast.db".into())
        );
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
    }
}
