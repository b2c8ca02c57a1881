//! Where errors become HTTP: each `AppError` kind gets its status code and JSON body here, and
//! extractor failures (malformed JSON, wrong types, oversized bodies, bad query strings) become
//! `AppError`s through the handlers registered in [`configure_extractors`], so bad input is
//! never a 500.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use civicast_shared::api::ErrorBody;

use crate::error::AppError;

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

fn path_error(error: PathError, request: &HttpRequest) -> actix_web::Error {
    // `PUT /services/import` reaches the route of `PUT /services/{id}`: the path is a documented
    // one that does not answer this method.
    if let Some(allow) = request
        .app_data::<web::Data<super::api::KnownRoutes>>()
        .and_then(|known| known.methods_of(request.path()))
        .filter(|allow| !allow.split(", ").any(|m| m == request.method().as_str()))
    {
        return AppError::MethodNotAllowed {
            message: format!(
                "{} is not answered at {}; use {allow}",
                request.method(),
                request.path()
            ),
            allow,
        }
        .into();
    }
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
        .app_data::<web::Data<super::api::KnownRoutes>>()
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
