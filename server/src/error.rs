//! The server's one error type, used by every layer. It knows nothing of HTTP: `web::error`
//! is the one place where each kind becomes a status code and a JSON body.

use civicast_shared::ValidationErrors;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The path exists, but not for this method; `allow` lists the ones it answers.
    #[error("{message}")]
    MethodNotAllowed { allow: String, message: String },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Validation(#[from] ValidationErrors),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unavailable(String),
    /// The server's disk is full: nothing was stored.
    #[error("{0}")]
    InsufficientStorage(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a user is told when the disk filled up while their change was written.
const DISK_FULL: &str = "the server's disk is full, so nothing was stored; ask an administrator \
                         to free space, then try again";

impl AppError {
    /// An I/O error while storing `what`: a full disk says so (507), anything else is logged.
    pub fn storing(what: &str, error: std::io::Error) -> AppError {
        match error.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                tracing::warn!(%error, what, "disk full");
                AppError::InsufficientStorage(DISK_FULL.into())
            }
            _ => AppError::Unexpected(anyhow::anyhow!("cannot store {what}: {error}")),
        }
    }

    /// A 422 for one field, for rules that need the database (unknown ids, duplicates, ...).
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        let mut errors = ValidationErrors::default();
        errors.add(field, message);
        AppError::Validation(errors)
    }

    /// The stable machine-readable name of this kind of error, as in `ErrorBody::error`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Validation(_) => "validation_failed",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::InsufficientStorage(_) => "insufficient_storage",
            AppError::Unexpected(_) => "internal",
        }
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> AppError {
        match error {
            DieselError::NotFound => AppError::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::Conflict(format!("already exists: {}", info.message()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::Conflict(
                    "other records still refer to this one (or it refers to one that is gone)"
                        .into(),
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                AppError::Unavailable("the database connection was lost; try again".into())
            }
            // SQLite's SQLITE_FULL; PostgreSQL's disk_full (53100) has no kind of its own either.
            DieselError::DatabaseError(_, info)
                if info.message().contains("database or disk is full")
                    || info.message().contains("No space left on device") =>
            {
                tracing::warn!(message = info.message(), "disk full");
                AppError::InsufficientStorage(DISK_FULL.into())
            }
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(error: r2d2::Error) -> AppError {
        tracing::warn!(%error, "no database connection");
        AppError::Unavailable("the database is not reachable; try again shortly".into())
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> AppError {
        AppError::Unexpected(anyhow::anyhow!("blocking task failed: {error}"))
    }
}
