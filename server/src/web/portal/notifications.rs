//! The portal's notification pages: the inbox behind the header's bell, the account page (own
//! password, language, how one is told of each kind), the pages that set a password from an
//! invitation or reset link, and the administrators' e-mail page (the outbox, a test e-mail).

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::accounts::{Language, PasswordChange};
use civicast_shared::api::notifications::{Delivery, NotificationKind, OutboxMail, Preference};
use uuid::Uuid;

use super::events::{DoneQuery, notice};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{FieldErrors, Frame, render};
use crate::core::accounts;
use crate::core::auth::{password, password_links};
use crate::core::notify::messages::Context;
use crate::core::notify::{self, inbox};
use crate::db;
use crate::error::AppError;
use crate::web::api::{auth, notifications as api};
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/inbox", web::get().to(inbox_page))
        .route("/inbox/read", web::post().to(read_all))
        .route("/inbox/{id}/open", web::post().to(open))
        .route("/account", web::get().to(account_page))
        .route("/account/password", web::post().to(change_password))
        .route("/account/preferences", web::post().to(save_preferences))
        .route("/account/language", web::post().to(save_language))
        .route("/password/forgot", web::get().to(forgot_page))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/{token}", web::get().to(set_page))
        .route("/password/{token}", web::post().to(set))
        .route("/mail", web::get().to(mail_page))
        .route("/mail/test", web::post().to(test_mail));
}

#[derive(Debug)]
struct InboxLine {
    id: String,
    subject: String,
    body: String,
    when: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    lang: Lang,
    frame: Frame,
    lines: Vec<InboxLine>,
}

async fn inbox_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let id = user.id.to_string();
    let stored = db::run(&state.pool, move |conn| inbox::list(conn, &id, 100)).await?;
    let context = Context::from_settings(&state.settings);
    let lines = stored
        .into_iter()
        .map(|s| {
            let unread = s.read_at.is_none();
            let when = lang.datetime(s.created_at, tz);
            let written = api::written(s, lang.language(), &context);
            InboxLine {
                id: written.id.to_string(),
                subject: written.subject,
                body: written.body,
                when,
                unread,
            }
        })
        .collect();
    render(
        &visitor,
        &InboxPage {
            lang,
            frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
            lines,
        },
    )
}

/// Marks a notification read and goes to the page it is about.
async fn open(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user_id = visitor.user()?.id.to_string();
    let id = id.to_string();
    let stored = db::run(&state.pool, move |conn| {
        inbox::mark_read(conn, &user_id, &id)
    })
    .await?;
    Ok(visitor.redirect(&stored.notice.link()))
}

async fn read_all(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user_id = visitor.user()?.id.to_string();
    db::run(&state.pool, move |conn| {
        inbox::mark_all_read(conn, &user_id)
    })
    .await?;
    Ok(visitor.redirect("/inbox?done=read"))
}

#[derive(Debug)]
struct PreferenceLine {
    kind: &'static str,
    label: String,
    choices: Vec<(&'static str, String, bool)>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    lang: Lang,
    frame: Frame,
    email: String,
    /// After a refused password change: what to fix, beside the current or the new password.
    password_errors: PasswordErrors,
    preferences: Vec<PreferenceLine>,
}

#[derive(Debug, Default)]
struct PasswordErrors {
    current: Option<String>,
    new: Option<String>,
}

impl PasswordErrors {
    fn any(&self) -> bool {
        self.current.is_some() || self.new.is_some()
    }
}

fn kind_label(lang: Lang, kind: NotificationKind) -> String {
    lang.t(match kind {
        NotificationKind::OrganisationDecision => "My association is verified or refused",
        NotificationKind::EventDecision => "A decision on one of our events",
        NotificationKind::EventOnScreens => "One of our events is on screen for the first time",
        NotificationKind::EventReach => "The reach of one of our events, once it is over",
        NotificationKind::Submission => "An event is submitted or submitted again",
        NotificationKind::PendingSoon => "Events starting within 7 days still wait (daily)",
        NotificationKind::ScreenOffline => "A screen goes offline in opening hours, or comes back",
        _ => "Other",
    })
}

async fn account_view(
    state: &AppState,
    visitor: &Visitor,
    password_errors: PasswordErrors,
    done: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?;
    let lang = visitor.lang;
    let (id, role) = (user.id.to_string(), user.role);
    let chosen = db::run(&state.pool, move |conn| {
        notify::preferences(conn, &id, role)
    })
    .await?;
    let preferences = chosen
        .into_iter()
        .map(|p| PreferenceLine {
            kind: p.kind.as_str(),
            label: kind_label(lang, p.kind),
            choices: [
                (Delivery::Immediately, "By e-mail at once"),
                (Delivery::Digest, "In a daily e-mail"),
                (Delivery::InApp, "Only here, in the portal"),
            ]
            .into_iter()
            .map(|(delivery, label)| (delivery.as_str(), lang.t(label), delivery == p.delivery))
            .collect(),
        })
        .collect();
    render(
        visitor,
        &AccountPage {
            lang,
            frame: Frame::of(visitor).with_notice(notice(lang, done)),
            email: user.email.clone(),
            password_errors,
            preferences,
        },
    )
}

async fn account_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    account_view(
        &state,
        &visitor,
        PasswordErrors::default(),
        query.done.as_deref(),
    )
    .await
}

async fn change_password(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    let lang = visitor.lang;
    let request = PasswordChange {
        current_password: form.text("current_password"),
        new_password: form.text("new_password"),
    };
    let result = if request.new_password != form.text("new_password_again") {
        Err(AppError::invalid(
            "new_password",
            "the two new passwords are not the same",
        ))
    } else {
        auth::change_own_password(&state, user, request).await
    };
    match result {
        Ok(()) => Ok(visitor.redirect("/account?done=password")),
        Err(error) => {
            let errors = FieldErrors::from_error(error, lang)?;
            let password_errors = PasswordErrors {
                current: errors.take(&["current_password"]),
                new: errors.take(&["new_password"]),
            };
            let mut response = account_view(&state, &visitor, password_errors, None).await?;
            *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

async fn save_preferences(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?;
    let (id, role) = (user.id.to_string(), user.role);
    let chosen: Vec<Preference> = NotificationKind::choosable_by(role)
        .iter()
        .filter_map(|&kind| {
            Delivery::parse(&form.text(kind.as_str())).map(|delivery| Preference { kind, delivery })
        })
        .collect();
    db::run(&state.pool, move |conn| {
        notify::set_preferences(conn, &id, role, &chosen)
    })
    .await?;
    Ok(visitor.redirect("/account?done=preferences"))
}

/// Stores the language the user reads their notifications in, and switches the portal to it.
async fn save_language(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let id = visitor.user()?.id.to_string();
    let language = Language::parse(&form.text("language"))
        .ok_or_else(|| AppError::invalid("language", "choose nl or en"))?;
    db::run(&state.pool, move |conn| {
        accounts::set_language(conn, &id, language)
    })
    .await?;
    Ok(visitor.set_language(Lang::of(language), "/account?done=language"))
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    lang: Lang,
    frame: Frame,
    error: Option<String>,
}

async fn forgot_page(visitor: Visitor) -> Result<HttpResponse, AppError> {
    render(
        &visitor,
        &ForgotPage {
            lang: visitor.lang,
            frame: Frame::of(&visitor),
            error: None,
        },
    )
}

/// Asks for a reset link: the next page says the same whether or not the address has an account.
async fn forgot(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let email = form.text("email");
    let mut errors = civicast_shared::ValidationErrors::default();
    errors.email("email", &email);
    if let Err(error) = errors.into_result() {
        let errors = FieldErrors::from_error(error.into(), visitor.lang)?;
        return render(
            &visitor,
            &ForgotPage {
                lang: visitor.lang,
                frame: Frame::of(&visitor),
                error: errors.take(&["email"]),
            },
        );
    }
    db::run(&state.pool, move |conn| {
        password_links::request_reset(conn, &email, chrono::Utc::now())
    })
    .await?;
    Ok(visitor.redirect("/login?done=reset"))
}

#[derive(Template)]
#[template(path = "password_set.html")]
struct SetPage {
    lang: Lang,
    frame: Frame,
    token: String,
    email: String,
    invitation: bool,
    /// The link does not work (used or expired): the page says so and offers a new one.
    broken: bool,
    error: Option<String>,
}

async fn set_view(
    state: &AppState,
    visitor: &Visitor,
    token: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let looked_up = token.clone();
    let found = db::run(&state.pool, move |conn| {
        password_links::look_up(conn, &looked_up, chrono::Utc::now())
    })
    .await;
    let (broken, invitation, email) = match found {
        Ok((purpose, email)) => (false, purpose == password_links::Purpose::Invitation, email),
        Err(AppError::Validation(_)) => (true, false, String::new()),
        Err(other) => return Err(other),
    };
    render(
        visitor,
        &SetPage {
            lang: visitor.lang,
            frame: Frame::of(visitor),
            token,
            email,
            invitation,
            broken,
            error,
        },
    )
}

async fn set_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_view(&state, &visitor, token.into_inner(), None).await
}

async fn set(
    state: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let token = token.into_inner();
    let request = civicast_shared::api::accounts::PasswordSet {
        token: token.clone(),
        password: form.text("password"),
    };
    let checked = if request.password != form.text("password_again") {
        Err(AppError::invalid(
            "password",
            "the two passwords are not the same",
        ))
    } else {
        civicast_shared::Validate::validate(&request).map_err(AppError::from)
    };
    let result = match checked {
        Ok(()) => {
            let plain = request.password.clone();
            let hash = web::block(move || password::hash(&plain)).await??;
            db::run(&state.pool, move |conn| {
                password_links::redeem(conn, &request.token, hash, chrono::Utc::now())
            })
            .await
            .map(|_| ())
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => Ok(visitor.redirect("/login?done=password_set")),
        Err(error) => {
            let errors = FieldErrors::from_error(error, visitor.lang)?;
            set_view(&state, &visitor, token, Some(errors.others(&[]).join(" "))).await
        }
    }
}

#[derive(Debug)]
struct MailLine {
    recipient: String,
    subject: String,
    status: String,
    attempts: i32,
    error: String,
    when: String,
}

#[derive(Template)]
#[template(path = "mail.html")]
struct MailPage {
    lang: Lang,
    frame: Frame,
    smtp_configured: bool,
    counts: Vec<(String, i64)>,
    lines: Vec<MailLine>,
    own_email: String,
}

async fn mail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?;
    user.require_admin()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let outbox = api::outbox_overview(&state, 100).await?;
    let status = |mail: &OutboxMail| {
        lang.t(match mail.status.as_str() {
            "queued" => "Queued",
            "sending" => "Sending",
            "sent" => "Sent",
            _ => "Failed",
        })
    };
    let lines = outbox
        .mails
        .iter()
        .map(|mail| MailLine {
            recipient: mail.recipient.clone(),
            subject: mail.subject.clone(),
            status: if mail.status.as_str() == "queued" && mail.attempts > 0 {
                format!(
                    "{} ({} {})",
                    status(mail),
                    lang.t("next try"),
                    lang.datetime(mail.next_attempt_at, tz)
                )
            } else {
                status(mail)
            },
            attempts: mail.attempts,
            error: mail.last_error.clone().unwrap_or_default(),
            when: lang.datetime(mail.sent_at.unwrap_or(mail.created_at), tz),
        })
        .collect();
    render(
        &visitor,
        &MailPage {
            lang,
            frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
            smtp_configured: outbox.smtp_configured,
            counts: vec![
                (lang.t("Queued"), outbox.queued + outbox.sending),
                (lang.t("Sent"), outbox.sent),
                (lang.t("Failed"), outbox.failed),
            ],
            lines,
            own_email: user.email.clone(),
        },
    )
}

async fn test_mail(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    visitor.user()?.require_admin()?;
    let request = civicast_shared::api::notifications::TestMail {
        to: form.text("to"),
    };
    civicast_shared::Validate::validate(&request)?;
    api::queue_test_mail(&state, request.to, visitor.lang.language()).await?;
    Ok(visitor.redirect("/mail?done=test_mail"))
}
