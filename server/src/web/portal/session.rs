//! Who is looking at a page: the language, the CSRF token of their forms and, once signed in,
//! the user behind the session cookie.
//!
//! The session cookie holds a user token (the same kind as the API's bearer tokens, issued as
//! kind `web`), HttpOnly and SameSite=Lax, Secure when the portal is reached over HTTPS (real
//! TLS, or a trusted reverse proxy saying so: see `extract::is_https`). Every form carries a
//! CSRF token and a POST is refused unless it is the right one. Signed in, the token is derived
//! from the session token (a hash of it), which no other page can read: a CSRF cookie planted by
//! a sibling subdomain cannot be paired with a forged form. Signed out (sign-in, registration),
//! it is the value of a random pre-session cookie (SameSite=Strict), sent back in the form.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::i18n::Lang;
use crate::core::auth::token;
use crate::error::AppError;
use crate::web::extract::{CurrentUser, is_https, user_for_token};

pub const SESSION_COOKIE: &str = "civicast_session";
pub const CSRF_COOKIE: &str = "civicast_csrf";
pub const LANG_COOKIE: &str = "civicast_lang";
/// How long a portal session lasts.
pub const SESSION_DAYS: i64 = 7;

#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    /// The CSRF token this visitor's forms carry: derived from the session when signed in,
    /// else the pre-session cookie's value.
    pub csrf: String,
    /// The pre-session cookie, set with the next page when the browser did not send one.
    pre_session: String,
    pre_session_is_new: bool,
    pub user: Option<CurrentUser>,
    /// Whether the request came over HTTPS, so that cookies are marked Secure.
    pub secure: bool,
    /// The path and query of this page, for the language switch to come back to.
    pub here: String,
    /// The signed-in user's unread notifications, for the bell in the header.
    pub unread: i64,
    /// Events waiting for a decision, shown to staff beside "Moderation".
    pub pending: i64,
}

/// The language a request asks for: the switch's cookie, else the browser's preference.
pub fn language_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .unwrap_or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map_or(Lang::Nl, Lang::from_accept_language)
        })
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The CSRF token of a signed-in session: only who holds the session token can compute it.
fn session_csrf(session_token: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"civicast portal csrf\0")
        .chain_update(session_token.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Visitor {
    /// The signed-in user, or 401 (which the portal turns into the sign-in page).
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user
            .as_ref()
            .ok_or_else(|| AppError::Unauthorized("sign in first".into()))
    }

    pub fn staff(&self) -> Result<&CurrentUser, AppError> {
        let user = self.user()?;
        user.require_staff()?;
        Ok(user)
    }

    /// Refuses a form whose CSRF field is not this session's token (signed in) or this
    /// browser's pre-session cookie (signed out).
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        let known = self.user.is_some() || !self.pre_session_is_new;
        match sent {
            Some(sent) if known && same_secret(sent, &self.csrf) => Ok(()),
            _ => Err(AppError::Forbidden(
                "The form expired. Go back, reload the page and send it again.".into(),
            )),
        }
    }

    fn cookie<'c>(&self, name: &'c str, value: String, same_site: SameSite) -> Cookie<'c> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(self.secure)
            .finish()
    }

    /// An HTML page, with the pre-session cookie when this browser had none.
    pub fn page(&self, html: String) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if self.pre_session_is_new {
            response.cookie(self.cookie(CSRF_COOKIE, self.pre_session.clone(), SameSite::Strict));
        }
        response.body(html)
    }

    /// A redirect after a form was handled (303, so that reloading does not send it again).
    pub fn redirect(&self, to: &str) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to.to_owned()))
            .finish()
    }

    /// Starts a session: the session cookie, and a fresh pre-session cookie for the forms after
    /// signing out, so that one seen before signing in is worth nothing afterwards.
    pub fn start_session(&self, session_token: String, to: &str) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to.to_owned()))
            .cookie(self.cookie(SESSION_COOKIE, session_token, SameSite::Lax))
            .cookie(self.cookie(CSRF_COOKIE, random_token(), SameSite::Strict))
            .finish()
    }

    pub fn end_session(&self, to: &str) -> HttpResponse {
        let mut gone = self.cookie(SESSION_COOKIE, String::new(), SameSite::Lax);
        gone.make_removal();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to.to_owned()))
            .cookie(gone)
            .finish()
    }

    pub fn set_language(&self, lang: Lang, to: &str) -> HttpResponse {
        let mut cookie = self.cookie(LANG_COOKIE, lang.code().to_owned(), SameSite::Lax);
        cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to.to_owned()))
            .cookie(cookie)
            .finish()
    }
}

/// A path on this site to go back to; anything else (another host, `//evil`) becomes the start.
pub fn local_path(wanted: Option<&str>) -> String {
    match wanted {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Visitor, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let lang = language_of(req);
        let csrf_cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
        let session = req
            .cookie(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|t| t.starts_with(token::USER_PREFIX) && t.len() <= 200);
        let secure = is_https(req);
        let here = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
        let state = crate::web::extract::app_state(req);
        Box::pin(async move {
            let state = state?;
            let user = match &session {
                Some(session) => user_for_token(&state, session).await?,
                None => None,
            };
            let (pre_session, pre_session_is_new) = match csrf_cookie {
                Some(value) if value.len() >= 32 && value.len() <= 64 => (value, false),
                _ => (random_token(), true),
            };
            let csrf = match (&user, &session) {
                (Some(_), Some(session)) => session_csrf(session),
                _ => pre_session.clone(),
            };
            let (unread, pending) = match &user {
                Some(user) => {
                    let (id, staff) = (user.id.to_string(), user.is_staff());
                    crate::db::run(&state.pool, move |conn| {
                        crate::core::notify::inbox::header_counts(conn, &id, staff)
                    })
                    .await?
                }
                None => (0, 0),
            };
            Ok(Visitor {
                lang,
                csrf,
                pre_session,
                pre_session_is_new,
                user,
                secure,
                here,
                unread,
                pending,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed_back() {
        assert_eq!(
            local_path(Some("/events?status=pending")),
            "/events?status=pending"
        );
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn a_session_csrf_token_belongs_to_its_session() {
        let a = session_csrf("cvu_one");
        assert_eq!(a, session_csrf("cvu_one"));
        assert_ne!(a, session_csrf("cvu_two"));
        assert!(!a.contains("cvu_one"));
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
