//! Signing in and out, registering an association, and the language switch.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::form::FormData;
use super::i18n::Lang;
use super::session::{SESSION_DAYS, Visitor, local_path};
use super::{FieldErrors, FieldView, Frame, render};
use crate::core::accounts::{self, Registration};
use crate::core::auth::{password, sign_in, throttle};
use crate::db;
use crate::error::AppError;
use crate::web::extract::client_address;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(start))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/register", web::get().to(register_page))
        .route("/register", web::post().to(register))
        .route("/language/{code}", web::get().to(language));
}

/// The start page: the dashboard of each kind of user, or signing in.
async fn start(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, AppError> {
    if visitor.user.is_none() {
        return Ok(visitor.redirect("/login"));
    }
    super::dashboard::show(state, visitor).await
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    frame: Frame,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
    done: Option<String>,
}

/// What the sign-in page says after a registration, whether or not the address was new.
const REGISTERED: &str =
    "Thank you: your registration was received. Sign in with your e-mail address and password.";

async fn login_page(
    visitor: Visitor,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = match query.done.as_deref() {
        Some("registered") => Some(visitor.lang.t(REGISTERED)),
        Some(done @ ("reset" | "password_set")) => super::events::notice(visitor.lang, Some(done)),
        _ => None,
    };
    render(
        &visitor,
        &LoginPage {
            lang: visitor.lang,
            frame: Frame::of(&visitor).with_notice(notice),
            email: String::new(),
            next: local_path(query.next.as_deref()),
            error: None,
        },
    )
}

async fn login(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let email = form.text("email");
    let next = local_path(form.get("next"));
    let client = client_address(&req);
    let result = sign_in(
        &state.pool,
        &state.login_throttle,
        &client,
        &email,
        form.text("password"),
        "web",
        SESSION_DAYS,
    )
    .await;
    let (status, error) = match result {
        Ok(signed_in) => {
            let to = if next == "/" { "/".to_owned() } else { next };
            return Ok(visitor.start_session(signed_in.token, &to));
        }
        // Says when to try again, in the visitor's language.
        Err(AppError::TooManyRequests(message)) => (
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            sentence(&visitor.lang.message(&message)),
        ),
        Err(AppError::Unauthorized(_)) => (
            actix_web::http::StatusCode::UNAUTHORIZED,
            visitor.lang.t("Wrong e-mail address or password."),
        ),
        Err(other) => return Err(other),
    };
    // Shown on the form itself, not as an error page (and not a redirect for the 401).
    let page = LoginPage {
        lang: visitor.lang,
        frame: Frame::of(&visitor),
        email,
        next,
        error: Some(error),
    };
    let mut response = render(&visitor, &page)?;
    *response.status_mut() = status;
    Ok(response)
}

/// A message of the rules, which starts in lower case, as a sentence on its own.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

async fn logout(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    if let Some(user) = visitor.user.clone() {
        db::run(&state.pool, move |conn| {
            use crate::db::schema::auth_tokens;
            use diesel::prelude::*;
            diesel::delete(auth_tokens::table.find(&user.token_hash)).execute(conn)?;
            Ok(())
        })
        .await?;
    }
    Ok(visitor.end_session("/login"))
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    lang: Lang,
    frame: Frame,
    fields: Vec<FieldView>,
    has_errors: bool,
}

fn registration_fields(lang: Lang, form: &FormData) -> Vec<FieldView> {
    vec![
        FieldView::new(
            "name",
            lang.t("Name of the association"),
            "text",
            form.text("name"),
        )
        .required()
        .max(120)
        .autocomplete("organization"),
        FieldView::new(
            "contact_name",
            lang.t("Contact person"),
            "text",
            form.text("contact_name"),
        )
        .required()
        .max(120)
        .autocomplete("name"),
        FieldView::new(
            "contact_email",
            lang.t("E-mail address"),
            "email",
            form.text("contact_email"),
        )
        .required()
        .autocomplete("email"),
        FieldView::new(
            "description",
            lang.t("Short description"),
            "textarea",
            form.text("description"),
        )
        .max(1000),
        FieldView::new("password", lang.t("Password"), "password", String::new())
            .required()
            .autocomplete("new-password")
            .hint(lang.t(
                "At least 10 characters. You sign in with the e-mail address and this password.",
            )),
        FieldView::new(
            "password_again",
            lang.t("Repeat the password"),
            "password",
            String::new(),
        )
        .required()
        .autocomplete("new-password"),
    ]
}

async fn register_page(visitor: Visitor) -> Result<HttpResponse, AppError> {
    render(
        &visitor,
        &RegisterPage {
            lang: visitor.lang,
            frame: Frame::of(&visitor),
            fields: registration_fields(visitor.lang, &FormData::default()),
            has_errors: false,
        },
    )
}

/// Registers an association. Whether or not its e-mail address already has an account, a valid
/// registration gets the same answer after the same work (the password is hashed either way):
/// to the sign-in page, which says the registration was received. Only a new address is stored.
/// Registrations are limited per client address.
async fn register(
    state: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let lang = visitor.lang;
    let ticket = state
        .login_throttle
        .begin_registration(&client_address(&req), Instant::now())
        .map_err(|wait| {
            AppError::TooManyRequests(format!(
                "too many registrations from this address; try again in {}",
                throttle::minutes(wait)
            ))
        })?;
    let registration = Registration {
        name: form.text("name"),
        contact_name: form.text("contact_name"),
        contact_email: form.text("contact_email"),
        description: form.text("description"),
        password: form.text("password"),
        language: lang.language(),
    };
    let passwords_match = registration.password == form.text("password_again");
    let checked = registration.clone();
    let result = db::run(&state.pool, move |conn| {
        // Say everything that is wrong at once, the other fields' mistakes too.
        let mut errors = match accounts::check_registration(conn, &checked) {
            Ok(()) => civicast_shared::ValidationErrors::default(),
            Err(AppError::Validation(errors)) => errors,
            Err(other) => return Err(other),
        };
        if !passwords_match {
            errors.add("password_again", "the passwords differ");
        }
        Ok(errors.into_result()?)
    })
    .await;
    let result = match result {
        Ok(()) => store_registration(&state, registration).await,
        Err(error) => Err(error),
    };
    let errors = match result {
        Ok(()) => return Ok(visitor.redirect("/login?done=registered")),
        Err(error) => {
            state.login_throttle.forget_registration(ticket);
            FieldErrors::from_error(error, lang)?
        }
    };
    let mut fields = registration_fields(lang, &form);
    errors.place(&mut fields);
    let mut response = render(
        &visitor,
        &RegisterPage {
            lang,
            frame: Frame::of(&visitor),
            fields,
            has_errors: true,
        },
    )?;
    *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Stores a checked registration unless its address already has an account; the same work and
/// the same answer either way.
async fn store_registration(state: &AppState, registration: Registration) -> Result<(), AppError> {
    let secret = registration.password.clone();
    // Password hashing is slow on purpose: keep it off the async workers.
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&secret)).await??;
    let stored = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::register_association(conn, &registration, password_hash)
        })
    })
    .await;
    match stored {
        // Conflict: the same address or name registered a moment ago, side by side.
        Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

#[derive(Debug, Deserialize)]
struct BackQuery {
    back: Option<String>,
}

async fn language(
    state: web::Data<AppState>,
    visitor: Visitor,
    code: web::Path<String>,
    query: web::Query<BackQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&code)
        .ok_or_else(|| AppError::NotFound("the portal speaks nl and en".into()))?;
    // Signed in, the switch also sets the language of the user's notifications.
    if let Some(user) = &visitor.user {
        let id = user.id.to_string();
        db::run(&state.pool, move |conn| {
            accounts::set_language(conn, &id, lang.language())
        })
        .await?;
    }
    Ok(visitor.set_language(lang, &local_path(query.back.as_deref())))
}
