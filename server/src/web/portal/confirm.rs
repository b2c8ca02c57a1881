//! The confirmation step of destructive actions (delete, reject, verify, an emergency message to
//! every screen): the first post of such a form answers a page that says what will happen and
//! what it takes along, with a form that posts the same fields again with `confirmed=yes`.
//! Without JavaScript, so that it works in every browser and reads well to a screen reader.

use actix_web::HttpResponse;
use askama::Template;

use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Frame, render};
use crate::error::AppError;

/// What to ask before an action, in the visitor's language.
#[derive(Debug)]
pub struct Confirmation {
    /// The question, e.g. "Delete the building Stadhuis?".
    pub title: String,
    /// What the action takes along or changes, said before it is done.
    pub consequences: Vec<String>,
    /// The URL the form posts to again.
    pub action: String,
    /// The fields of the first post, sent again (the CSRF token is added by the page).
    pub fields: Vec<(String, String)>,
    /// The button that does it, e.g. "Delete the building".
    pub button: String,
    /// Where "Cancel" goes.
    pub back: String,
}

/// Whether the post carries the visitor's confirmation.
pub fn is_confirmed(form: &FormData) -> bool {
    form.get("confirmed") == Some("yes")
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    lang: Lang,
    frame: Frame,
    confirmation: Confirmation,
}

/// The page that asks; nothing has been done yet.
pub fn ask(visitor: &Visitor, confirmation: Confirmation) -> Result<HttpResponse, AppError> {
    let fields = confirmation
        .fields
        .into_iter()
        .filter(|(name, _)| name != "csrf" && name != "confirmed")
        .collect();
    render(
        visitor,
        &ConfirmPage {
            lang: visitor.lang,
            frame: Frame::of(visitor),
            confirmation: Confirmation {
                fields,
                ..confirmation
            },
        },
    )
}
