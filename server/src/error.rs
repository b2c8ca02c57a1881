//! The server's one error type and the one place where errors become HTTP responses.
//!
//! Every route returns `Result<_, AppError>`. Bad input is never a 500: extractor failures
//! (malformed JSON, wrong types, oversized bodies, bad query strings) are turned into
//! `AppError` by the handlers registered in [`configure_extractors`].

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use civicast_shared::ValidationErrors;
use civicast_shared::api::ErrorBody;
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

    fn code(&self) -> &'static str {
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

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            AppError::Unexpected(error) => {
                // The cause goes to the log, never to the client.
                tracing::error!(error = ?error, "unexpected error");
                "something went wrong on the server; it has been logged".to_owned()
            }
            AppError::Validation(errors) => format!("invalid input: {errors}"),
            other => other.to_string(),
        };
        let fields = match self {
            AppError::Validation(errors) => errors.0.clone(),
            _ => Vec::new(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, AppError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let AppError::MethodNotAllowed { allow, .. } = self {
            response.insert_header(("Allow", allow.as_str()));
        }
        response.json(ErrorBody {
            error: self.code().to_owned(),
            message,
            fields,
        })
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

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> AppError {
        AppError::Unexpected(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

/// Largest JSON body any route accepts.
pub const JSON_LIMIT_BYTES: usize = 256 * 1024;

fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app_error = match &error {
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType(
            "send the body as JSON with the header Content-Type: application/json".into(),
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            AppError::PayloadTooLarge(format!("the JSON body is larger than {limit} bytes"))
        }
        JsonPayloadError::Deserialize(serde_error) if serde_error.is_data() => {
            AppError::invalid("body", serde_error.to_string())
        }
        JsonPayloadError::Deserialize(serde_error) => {
            AppError::BadRequest(format!("the body is not valid JSON: {serde_error}"))
        }
        other => AppError::BadRequest(format!("could not read the body: {other}")),
    };
    app_error.into()
}

fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest(format!("invalid query string: {error}")).into()
}

fn path_error(error: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::NotFound(format!("no such resource ({error})")).into()
}

/// Extractor settings for the whole app, so that every bad input gets an `ErrorBody`.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT_BYTES)
            .error_handler(json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .app_data(web::PathConfig::default().error_handler(path_error));
}

/// Answers requests that match no route: 405 with the methods it answers when the path is a
/// documented one, 404 otherwise.
pub async fn not_found(request: HttpRequest) -> Result<HttpResponse, AppError> {
    let allowed = request
        .app_data::<web::Data<crate::api::KnownRoutes>>()
        .and_then(|known| known.methods_of(request.path()));
    if let Some(allow) = allowed {
        return Err(AppError::MethodNotAllowed {
            message: format!(
                "{} is not answered at {}; use {allow}",
                request.method(),
                request.path()
            ),
            allow,
        });
    }
    Err(AppError::NotFound(
        "there is no such route; see /api/v1/openapi.json".into(),
    ))
}
