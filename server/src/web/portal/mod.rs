//! The web portal: server-rendered pages for association members (register, submit events,
//! preview them on three screen shapes, follow their status) and communications staff (the
//! moderation queue, approving into building playlists, verifying associations, the audit log).
//!
//! Pages are askama templates under `server/templates`, which escape everything by default.
//! Handlers call the same domain rules as the JSON API ([`crate::core::moderation`],
//! [`crate::core::accounts`]) and return [`AppError`]; [`html_errors`] shows those errors as pages in
//! the visitor's language, and sends a visitor who is not signed in to the sign-in page.

mod account;
mod admin;
mod agenda;
mod audience;
mod buildings;
mod calendar;
pub mod confirm;
mod dashboard;
mod emergency;
mod events;
mod figures;
mod form;
mod hours;
pub mod i18n;
mod kiosk_reports;
mod kiosks;
mod library;
mod moderation;
mod notifications;
mod playlists;
mod preview;
mod reports;
mod screens;
mod services;
mod session;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use i18n::Lang;
use session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(from_fn(html_errors))
            .wrap(from_fn(security_headers))
            .route("/static/portal.css", web::get().to(stylesheet))
            .route("/static/portal.js", web::get().to(script))
            .route("/favicon.ico", web::get().to(favicon_ico))
            .route("/favicon.svg", web::get().to(favicon_svg))
            .route("/static/fonts/{name}", web::get().to(screen_font))
            .configure(account::configure)
            .configure(agenda::configure)
            .configure(events::configure)
            .configure(moderation::configure)
            .configure(admin::configure)
            .configure(buildings::configure)
            .configure(library::configure)
            .configure(playlists::configure)
            .configure(calendar::configure)
            .configure(audience::configure)
            .configure(reports::configure)
            .configure(kiosk_reports::configure)
            .configure(screens::configure)
            .configure(kiosks::configure)
            .configure(services::configure)
            .configure(hours::configure)
            .configure(emergency::configure)
            .configure(notifications::configure)
            .default_service(web::to(crate::web::error::not_found)),
    );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/portal.css"))
}

/// The browser tab's icon: the Civicast mark, as SVG for browsers that take it and as the
/// `/favicon.ico` every browser asks for.
async fn favicon_svg() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../../../static/favicon.svg"))
}

async fn favicon_ico() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(&include_bytes!("../../../static/favicon.ico")[..])
}

/// The screens' fonts, so that the preview sets words as the player does.
async fn screen_font(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let bytes =
        preview::font(&name).ok_or_else(|| AppError::NotFound(format!("no font {name}")))?;
    let kind = if name.ends_with(".ttf") {
        "font/ttf"
    } else {
        "font/otf"
    };
    Ok(HttpResponse::Ok()
        .content_type(kind)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(bytes))
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/portal.js"))
}

/// What every page's frame shows: the menu for this user, the language switch, a notice.
#[derive(Debug)]
pub struct Frame {
    pub csrf: String,
    pub signed_in: bool,
    pub staff: bool,
    pub admin: bool,
    pub user_label: String,
    pub here: String,
    pub notice: Option<String>,
    pub unread: i64,
    pub pending: i64,
}

impl Frame {
    pub fn of(visitor: &Visitor) -> Frame {
        Frame {
            csrf: visitor.csrf.clone(),
            signed_in: visitor.user.is_some(),
            staff: visitor.user.as_ref().is_some_and(|u| u.is_staff()),
            admin: visitor
                .user
                .as_ref()
                .is_some_and(|u| u.role == civicast_shared::api::accounts::Role::Admin),
            user_label: visitor
                .user
                .as_ref()
                .map(|u| u.email.clone())
                .unwrap_or_default(),
            here: visitor.here.clone(),
            notice: None,
            unread: visitor.unread,
            pending: visitor.pending,
        }
    }

    /// Whether the page shown is `path` or one below it, for the menu's current-page marker.
    pub fn is_here(&self, path: &str) -> bool {
        let here = self.here.split(['?', '#']).next().unwrap_or_default();
        here == path
            || (path != "/" && here.starts_with(path) && here[path.len()..].starts_with('/'))
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Frame {
        self.notice = notice;
        self
    }
}

/// One input of a form, with its value and, after a failed post, what to fix.
#[derive(Debug)]
pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    /// The input type, or `textarea`.
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: Option<String>,
    pub required: bool,
    pub autocomplete: &'static str,
    pub maxlength: usize,
}

impl FieldView {
    pub fn new(name: &'static str, label: String, kind: &'static str, value: String) -> FieldView {
        FieldView {
            name,
            label,
            kind,
            value,
            error: None,
            hint: None,
            required: false,
            autocomplete: "",
            maxlength: 0,
        }
    }

    pub fn required(mut self) -> FieldView {
        self.required = true;
        self
    }

    pub fn max(mut self, maxlength: usize) -> FieldView {
        self.maxlength = maxlength;
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> FieldView {
        self.autocomplete = autocomplete;
        self
    }

    pub fn hint(mut self, hint: String) -> FieldView {
        self.hint = Some(hint);
        self
    }

    /// The ids that describe the input, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// One option of a select or one checkbox of a group.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

impl Choice {
    /// Options from `(id, name)` rows, those for which `checked` holds ticked.
    pub fn from_rows(rows: Vec<(String, String)>, checked: impl Fn(&str) -> bool) -> Vec<Choice> {
        rows.into_iter()
            .map(|(value, label)| Choice {
                checked: checked(&value),
                value,
                label,
            })
            .collect()
    }
}

/// The messages of a failed validation, by field, in the visitor's language.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// The messages of a validation error; any other error is passed back.
    pub fn from_error(error: AppError, lang: Lang) -> Result<FieldErrors, AppError> {
        match error {
            AppError::Validation(errors) => Ok(FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|e| (e.field, lang.message(&e.message)))
                    .collect(),
            )),
            other => Err(other),
        }
    }

    pub fn add(&mut self, field: &str, message: String) {
        self.0.push((field.to_owned(), message));
    }

    /// The first message for any of `fields`.
    pub fn take(&self, fields: &[&str]) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| fields.contains(&f.as_str()))
            .map(|(_, m)| m.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages about fields the form does not show, for its summary.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(_, m)| m.clone())
            .collect()
    }

    /// Fills in the errors of the fields shown; messages for fields not shown are returned.
    pub fn place(&self, fields: &mut [FieldView]) {
        for field in fields {
            field.error = self.take(&[field.name]);
        }
    }
}

/// Renders a template as the visitor's page.
pub fn render(visitor: &Visitor, template: &impl Template) -> Result<HttpResponse, AppError> {
    let html = template
        .render()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("a page failed to render: {e}")))?;
    Ok(visitor.page(html))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    frame: Frame,
    heading: String,
    message: String,
    /// The page of this site the visitor came from, to go back and correct a form.
    back: Option<String>,
}

/// The path of the page that sent the visitor here, when it is a page of this site.
fn came_from(req: &actix_web::HttpRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let info = req.connection_info();
    let path = referer.strip_prefix(&format!("{}://{}", info.scheme(), info.host()))?;
    let path = session::local_path(Some(path));
    (path != "/").then_some(path)
}

/// Turns the errors of portal routes into pages: 401 into the sign-in page (coming back
/// afterwards), every other error into a page in the visitor's language with the same status.
async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = session::language_of(req.request());
    let back = came_from(req.request());
    let here = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let response = next.call(req).await?;
    let status = response.status();
    // Pages that answer with an error status themselves (a form with mistakes) stay as they are.
    let Some(error) = response.response().error() else {
        return Ok(response.map_into_boxed_body());
    };
    let message = match error.as_error::<AppError>() {
        Some(AppError::Unexpected(_)) | None => lang.t("Something went wrong"),
        // The same words whether it does not exist or belongs to someone else.
        Some(AppError::NotFound(_)) => {
            lang.t("This page does not exist, or it is not yours to see.")
        }
        Some(AppError::Validation(errors)) => errors
            .0
            .iter()
            .map(|e| lang.message(&e.message))
            .collect::<Vec<_>>()
            .join("; "),
        Some(app_error) => lang.message(&app_error.to_string()),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let (request, _) = response.into_parts();
    if status == StatusCode::UNAUTHORIZED {
        let to = format!(
            "/login?next={}",
            form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
        );
        let redirect = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish();
        return Ok(ServiceResponse::new(request, redirect));
    }
    let heading = match status {
        StatusCode::NOT_FOUND => lang.t("Page not found"),
        StatusCode::FORBIDDEN => lang.t("Not allowed"),
        _ => lang.t("Something went wrong"),
    };
    let visitor_frame = Frame {
        csrf: String::new(),
        signed_in: false,
        staff: false,
        admin: false,
        user_label: String::new(),
        here,
        notice: None,
        unread: 0,
        pending: 0,
    };
    let page = ErrorPage {
        lang,
        frame: visitor_frame,
        heading,
        message,
        back,
    };
    let body = page.render().unwrap_or_else(|_| "error".to_owned());
    let mut html = HttpResponse::build(status);
    // A 405 keeps the list of methods the path answers.
    if let Some(allow) = allow {
        html.insert_header((header::ALLOW, allow));
    }
    let html = html.content_type("text/html; charset=utf-8").body(body);
    Ok(ServiceResponse::new(request, html))
}

/// Headers every page carries: no framing by other sites, no type sniffing, no referrer leaks,
/// and a content security policy that allows only this site's own scripts.
async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let pairs = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in pairs {
        headers.insert(name, header::HeaderValue::from_static(value));
    }
    Ok(response)
}
