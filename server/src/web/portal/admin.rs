//! Administration pages: associations (each on its own page to change, verify, refuse with a
//! reason or remove), users (added with the least powerful role unless chosen otherwise; each on
//! its own page to change, disable or remove), and the audit log, searchable. A mistake in a form
//! is shown beside its field with what was typed kept; what cannot be undone is confirmed first.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::confirm::{self, Confirmation};
use super::events::DoneQuery;
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, FieldErrors, FieldView, Frame, render};
use civicast_shared::api::accounts::{
    Language, OrganisationInput, OrganisationKind, Role, UserCreate, UserUpdate,
};

use crate::core::accounts::{self, OrganisationContents};
use crate::core::audit::{self, AuditFilter};
use crate::core::paging::Paging;
use crate::db;
use crate::db::models::{OrganisationRow, UserRow};
use crate::db::schema::{organisations, users};
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations", web::get().to(list_organisations))
        .route(
            "/organisations/{id:[0-9a-fA-F-]{36}}",
            web::get().to(organisation_page),
        )
        .route(
            "/organisations/{id:[0-9a-fA-F-]{36}}",
            web::post().to(save_organisation),
        )
        .route("/organisations/{id}/verify", web::post().to(verify))
        .route("/organisations/{id}/refuse", web::post().to(refuse))
        .route(
            "/organisations/{id}/delete",
            web::post().to(delete_organisation),
        )
        .route("/users", web::get().to(list_users))
        .route("/users", web::post().to(add_user))
        .route("/users/{id:[0-9a-fA-F-]{36}}", web::get().to(user_page))
        .route("/users/{id:[0-9a-fA-F-]{36}}", web::post().to(save_user))
        .route("/users/{id}/disable", web::post().to(disable_user))
        .route("/users/{id}/enable", web::post().to(enable_user))
        .route("/users/{id}/delete", web::post().to(delete_user))
        .route("/audit", web::get().to(audit));
}

/// What the administration pages say after a change, else what the rest of the portal says.
pub fn done_notice(lang: Lang, done: Option<&str>) -> Option<String> {
    let text = match done? {
        "building_saved" => "The building was saved.",
        "building_deleted" => "The building was deleted.",
        "screen_saved" => "The screen was saved.",
        "screen_deleted" => "The screen was deleted.",
        "user_saved" => "The user was saved.",
        "user_disabled" => "The user was disabled: they can no longer sign in.",
        "user_enabled" => "The user was enabled again.",
        "user_deleted" => "The user was deleted.",
        "organisation_saved" => "The association was saved.",
        "organisation_deleted" => "The association was deleted.",
        "media_deleted" => "The file was deleted from the library.",
        other => return super::events::notice(lang, Some(other)),
    };
    Some(lang.t(text))
}

/// A select box of a form, with its choice and, after a failed post, what to fix.
#[derive(Debug)]
pub struct SelectView {
    pub name: &'static str,
    pub label: String,
    pub options: Vec<Choice>,
    /// The first, empty option ("Choose ..."), for a choice nobody should make by default.
    pub placeholder: Option<String>,
    pub required: bool,
    pub error: Option<String>,
}

impl SelectView {
    pub fn new(name: &'static str, label: String, options: Vec<Choice>) -> SelectView {
        SelectView {
            name,
            label,
            options,
            placeholder: None,
            required: false,
            error: None,
        }
    }

    pub fn placeholder(mut self, placeholder: String) -> SelectView {
        self.placeholder = Some(placeholder);
        self.required = true;
        self
    }

    /// Ticks the option with `value`.
    pub fn chosen(mut self, value: &str) -> SelectView {
        for option in &mut self.options {
            option.checked = option.value == value;
        }
        self
    }
}

/// Fills in the errors of the selects shown.
pub fn place_selects(errors: &FieldErrors, selects: &mut [SelectView]) {
    for select in selects {
        select.error = select.error.take().or_else(|| errors.take(&[select.name]));
    }
}

/// A form's page after a failed post: 422, so that the browser and tests know it was refused.
pub fn refused(response: Result<HttpResponse, AppError>) -> Result<HttpResponse, AppError> {
    let mut response = response?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// The rules' messages that carry what was typed, said in the visitor's language without it
/// (what was typed stays in the field beside the message).
pub fn field_message(lang: Lang, message: &str) -> String {
    if message.ends_with("is not an IANA time zone such as Europe/Brussels") {
        return lang.t("is not a time zone: write one such as Europe/Brussels");
    }
    if message.starts_with("must be between ") {
        return lang.t("must be between 64 and 16384 pixels");
    }
    lang.message(message)
}

/// The field errors of a refused change: a validation error's by field, a conflict (a name or an
/// address already taken) on `conflict_field` in the visitor's words; any other error passes.
pub fn errors_of(
    error: AppError,
    lang: Lang,
    conflict_field: &str,
    conflict: &str,
) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match error {
        AppError::Validation(found) => {
            for e in found.0 {
                errors.add(&e.field, field_message(lang, &e.message));
            }
        }
        AppError::Conflict(_) => errors.add(conflict_field, lang.t(conflict)),
        other => return Err(other),
    }
    Ok(errors)
}

fn optional_id(form: &FormData, name: &str) -> Result<Option<Uuid>, AppError> {
    let value = form.text(name);
    if value.trim().is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(value.trim())
        .map(Some)
        .map_err(|_| AppError::invalid(name, "is not an id"))
}

// ---- Associations ----

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    lang: Lang,
    frame: Frame,
    rows: Vec<OrganisationRow>,
}

async fn list_organisations(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let rows = db::run(&state.pool, |conn| {
        // Those waiting for verification first.
        Ok(organisations::table
            .filter(organisations::kind.eq("association"))
            .order((
                organisations::requested_name.is_null(),
                organisations::verified.asc(),
                organisations::name.asc(),
            ))
            .select(OrganisationRow::as_select())
            .load::<OrganisationRow>(conn)?)
    })
    .await?;
    let lang = visitor.lang;
    render(
        &visitor,
        &OrganisationsPage {
            lang,
            frame: Frame::of(&visitor).with_notice(done_notice(lang, query.done.as_deref())),
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    lang: Lang,
    frame: Frame,
    organisation: OrganisationRow,
    contents: OrganisationContents,
    /// Its members: (user id, name, e-mail address).
    members: Vec<(String, String, String)>,
    fields: Vec<FieldView>,
    has_errors: bool,
    reason: String,
    reason_error: Option<String>,
    /// Why the last action could not be done (a name taken since it was asked, a file in use).
    problem: Option<String>,
}

fn organisation_fields(lang: Lang, values: [String; 4]) -> Vec<FieldView> {
    let [name, contact_name, contact_email, description] = values;
    vec![
        FieldView::new("name", lang.t("Name"), "text", name)
            .required()
            .max(120),
        FieldView::new(
            "contact_name",
            lang.t("Contact person"),
            "text",
            contact_name,
        )
        .required()
        .max(120),
        FieldView::new(
            "contact_email",
            lang.t("E-mail address"),
            "email",
            contact_email,
        )
        .required(),
        FieldView::new(
            "description",
            lang.t("Short description"),
            "textarea",
            description,
        )
        .max(1000),
    ]
}

/// What the association's page needs besides its form.
struct OrganisationView {
    organisation: OrganisationRow,
    contents: OrganisationContents,
    members: Vec<(String, String, String)>,
}

async fn organisation_view(state: &AppState, id: Uuid) -> Result<OrganisationView, AppError> {
    let id = id.to_string();
    db::run(&state.pool, move |conn| {
        let organisation = accounts::find_organisation(conn, &id)?;
        let contents = accounts::organisation_contents(conn, &id)?;
        let members = users::table
            .filter(users::organisation_id.eq(&id))
            .order(users::email.asc())
            .select((users::id, users::display_name, users::email))
            .load(conn)?;
        Ok(OrganisationView {
            organisation,
            contents,
            members,
        })
    })
    .await
}

/// The association's page as it stands, or with what was typed and what to fix.
struct OrganisationDraft {
    values: Option<[String; 4]>,
    errors: FieldErrors,
    reason: String,
    reason_error: Option<String>,
    problem: Option<String>,
}

impl OrganisationDraft {
    fn none() -> OrganisationDraft {
        OrganisationDraft {
            values: None,
            errors: FieldErrors::default(),
            reason: String::new(),
            reason_error: None,
            problem: None,
        }
    }
}

async fn show_organisation(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    draft: OrganisationDraft,
    done: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let view = organisation_view(state, id).await?;
    let o = &view.organisation;
    let values = draft.values.unwrap_or_else(|| {
        [
            o.requested_name.clone().unwrap_or_else(|| o.name.clone()),
            o.contact_name.clone(),
            o.contact_email.clone(),
            o.description.clone(),
        ]
    });
    let mut fields = organisation_fields(lang, values);
    draft.errors.place(&mut fields);
    render(
        visitor,
        &OrganisationPage {
            lang,
            frame: Frame::of(visitor).with_notice(done_notice(lang, done)),
            organisation: view.organisation,
            contents: view.contents,
            members: view.members,
            fields,
            has_errors: !draft.errors.is_empty(),
            reason: draft.reason,
            reason_error: draft.reason_error,
            problem: draft.problem,
        },
    )
}

async fn organisation_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    show_organisation(
        &state,
        &visitor,
        id.into_inner(),
        OrganisationDraft::none(),
        query.done.as_deref(),
    )
    .await
}

async fn save_organisation(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let id = id.into_inner();
    let values = [
        form.text("name"),
        form.text("contact_name"),
        form.text("contact_email"),
        form.text("description"),
    ];
    let input = OrganisationInput {
        name: values[0].clone(),
        kind: OrganisationKind::Association,
        contact_name: values[1].clone(),
        contact_email: values[2].clone(),
        description: values[3].clone(),
    };
    let result = db::run(&state.pool, move |conn| {
        civicast_shared::Validate::validate(&input)?;
        crate::db::transaction(conn, |conn| {
            let row = accounts::find_organisation(conn, &id.to_string())?;
            let input = OrganisationInput {
                kind: OrganisationKind::parse(&row.kind).unwrap_or(input.kind),
                ..input
            };
            accounts::update_organisation(conn, &user, row, &input)
        })
    })
    .await;
    match result {
        Ok(_) => Ok(visitor.redirect(&format!("/organisations/{id}?done=organisation_saved"))),
        Err(error) => {
            let errors = errors_of(
                error,
                visitor.lang,
                "name",
                "Another organisation has this name, or one that reads like it.",
            )?;
            let draft = OrganisationDraft {
                values: Some(values),
                errors,
                ..OrganisationDraft::none()
            };
            refused(show_organisation(&state, &visitor, id, draft, None).await)
        }
    }
}

async fn verify(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let (id, lang) = (id.into_inner(), visitor.lang);
    if !confirm::is_confirmed(&form) {
        let organisation = organisation_view(&state, id).await?.organisation;
        let (title, consequence) = match &organisation.requested_name {
            Some(requested) => (
                format!("{} {requested}?", lang.t("Approve the new name")),
                lang.t("Screens show the new name from now on."),
            ),
            None => (
                format!("{} {}?", lang.t("Verify"), organisation.name),
                lang.t("Its members may submit events from now on; they are told by e-mail."),
            ),
        };
        return confirm::ask(
            &visitor,
            Confirmation {
                title,
                consequences: vec![consequence],
                action: format!("/organisations/{id}/verify"),
                fields: form.fields(),
                button: lang.t("Verify"),
                back: format!("/organisations/{id}"),
            },
        );
    }
    let key = id.to_string();
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::verify_organisation(conn, &user, &key)
        })
    })
    .await;
    match result {
        Ok(_) => Ok(visitor.redirect("/organisations?done=verified")),
        // The new name it asked for was taken, or came to read like another, since.
        Err(AppError::Conflict(_)) => {
            let draft = OrganisationDraft {
                problem: Some(
                    lang.t("Another organisation has this name, or one that reads like it."),
                ),
                ..OrganisationDraft::none()
            };
            refused(show_organisation(&state, &visitor, id, draft, None).await)
        }
        Err(other) => Err(other),
    }
}

async fn refuse(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let (id, lang) = (id.into_inner(), visitor.lang);
    let reason = form.text("reason");
    let view = organisation_view(&state, id).await?;
    let problem = if reason.trim().is_empty() {
        Some(lang.t("Say why the registration is refused: the association is told."))
    } else if reason.chars().count() > 1000 {
        Some(lang.message("must be at most 1000 characters"))
    } else if view.organisation.verified {
        Some(lang.t("A verified association cannot be refused."))
    } else {
        None
    };
    if let Some(problem) = problem {
        let draft = OrganisationDraft {
            reason,
            reason_error: Some(problem),
            ..OrganisationDraft::none()
        };
        return refused(show_organisation(&state, &visitor, id, draft, None).await);
    }
    if !confirm::is_confirmed(&form) {
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {}?", lang.t("Refuse"), view.organisation.name),
                consequences: vec![
                    format!("{} {reason}", lang.t("Its members are told why by e-mail:")),
                    format!(
                        "{} {}",
                        lang.t("The association and its user accounts are removed:"),
                        view.contents.members
                    ),
                ],
                action: format!("/organisations/{id}/refuse"),
                fields: form.fields(),
                button: lang.t("Refuse and remove"),
                back: format!("/organisations/{id}"),
            },
        );
    }
    let key = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::refuse_organisation(conn, &user, &key, &reason)
        })
    })
    .await?;
    Ok(visitor.redirect("/organisations?done=refused"))
}

/// What removing an association takes along, in words.
fn organisation_consequences(lang: Lang, contents: &OrganisationContents) -> Vec<String> {
    vec![
        format!("{}: {}", lang.t("User accounts removed"), contents.members),
        format!("{}: {}", lang.t("Events removed"), contents.events),
        format!(
            "{}: {}",
            lang.t("Playlist items that show them, removed"),
            contents.playlist_items
        ),
        format!(
            "{}: {}",
            lang.t("Files of its library removed"),
            contents.library_files
        ),
        lang.t("Its plays stay in the reports."),
    ]
}

async fn delete_organisation(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    if !confirm::is_confirmed(&form) {
        let view = organisation_view(&state, id).await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!(
                    "{} {}?",
                    lang.t("Delete the association"),
                    view.organisation.name
                ),
                consequences: organisation_consequences(lang, &view.contents),
                action: format!("/organisations/{id}/delete"),
                fields: form.fields(),
                button: lang.t("Delete the association"),
                back: format!("/organisations/{id}"),
            },
        );
    }
    let key = id.to_string();
    let result = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::delete_organisation(conn, &user, &key)
        })
    })
    .await;
    match result {
        Ok(_) => Ok(visitor.redirect("/organisations?done=organisation_deleted")),
        Err(AppError::Conflict(_)) => {
            let draft = OrganisationDraft {
                problem: Some(lang.t(
                    "A slide or an emergency message of the city uses a file of this association: remove it first.",
                )),
                ..OrganisationDraft::none()
            };
            refused(show_organisation(&state, &visitor, id, draft, None).await)
        }
        Err(other) => Err(other),
    }
}

// ---- Users ----

#[derive(Debug)]
struct UserLine {
    id: String,
    email: String,
    name: String,
    role: String,
    organisation: String,
    disabled: bool,
}

/// The add-user form as typed, and what to fix.
#[derive(Debug, Default)]
struct UserDraft {
    email: String,
    name: String,
    email_error: Option<String>,
    name_error: Option<String>,
    role_error: Option<String>,
    organisation_error: Option<String>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    lang: Lang,
    frame: Frame,
    rows: Vec<UserLine>,
    roles: Vec<Choice>,
    organisations: Vec<Choice>,
    languages: Vec<Choice>,
    draft: UserDraft,
    has_errors: bool,
    /// Without an SMTP server an invitation cannot reach anyone: the form says so.
    smtp_configured: bool,
}

/// The roles, the least powerful first (and chosen unless `chosen` says otherwise).
fn role_choices(lang: Lang, chosen: Option<Role>) -> Vec<Choice> {
    let chosen = chosen.unwrap_or(Role::Association);
    Role::ALL
        .iter()
        .rev()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: lang.role(*r),
            checked: *r == chosen,
        })
        .collect()
}

fn language_choices(chosen: Language) -> Vec<Choice> {
    [(Language::Nl, "Nederlands"), (Language::En, "English")]
        .into_iter()
        .map(|(language, label)| Choice {
            value: language.as_str().to_owned(),
            label: label.to_owned(),
            checked: language == chosen,
        })
        .collect()
}

async fn show_users(
    state: &AppState,
    visitor: &Visitor,
    form: Option<&FormData>,
    draft: UserDraft,
    done: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let (users, organisation_list) = db::run(&state.pool, |conn| {
        let users: Vec<(UserRow, Option<String>)> = users::table
            .left_join(organisations::table)
            .order(users::email.asc())
            .select((UserRow::as_select(), organisations::name.nullable()))
            .load(conn)?;
        let organisation_list = accounts::organisation_names(conn)?;
        Ok((users, organisation_list))
    })
    .await?;
    let typed = |name: &str| form.map(|f| f.text(name)).unwrap_or_default();
    let (role, organisation, language) = (
        Role::parse(&typed("role")),
        typed("organisation_id"),
        Language::parse(&typed("language")).unwrap_or(lang.language()),
    );
    let has_errors = draft.email_error.is_some()
        || draft.name_error.is_some()
        || draft.role_error.is_some()
        || draft.organisation_error.is_some();
    render(
        visitor,
        &UsersPage {
            lang,
            frame: Frame::of(visitor).with_notice(done_notice(lang, done)),
            rows: users
                .into_iter()
                .map(|(user, organisation)| UserLine {
                    role: lang.role(user.role()),
                    disabled: user.disabled_at.is_some(),
                    id: user.id,
                    email: user.email,
                    name: user.display_name,
                    organisation: organisation.unwrap_or_default(),
                })
                .collect(),
            roles: role_choices(lang, role),
            organisations: Choice::from_rows(organisation_list, |id| id == organisation),
            languages: language_choices(language),
            draft,
            has_errors,
            smtp_configured: state.settings.smtp_url.is_some(),
        },
    )
}

async fn list_users(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.user()?.require_admin()?;
    show_users(
        &state,
        &visitor,
        None,
        UserDraft::default(),
        query.done.as_deref(),
    )
    .await
}

async fn add_user(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.clone();
    user.require_admin()?;
    let lang = visitor.lang;
    let mut draft = UserDraft {
        email: form.text("email"),
        name: form.text("display_name"),
        ..UserDraft::default()
    };
    let role = Role::parse(&form.text("role"));
    let organisation_id = optional_id(&form, "organisation_id").unwrap_or(None);
    let result = match role {
        None => Err(AppError::invalid("role", "choose a role")),
        Some(role) => {
            // The new user chooses their own password from the invitation e-mail: nobody types
            // one in for them or passes it on.
            let input = UserCreate {
                email: draft.email.clone(),
                display_name: draft.name.clone(),
                password: None,
                role,
                organisation_id,
                language: Language::parse(&form.text("language")).unwrap_or(lang.language()),
            };
            db::run(&state.pool, move |conn| {
                civicast_shared::Validate::validate(&input)?;
                crate::db::transaction(conn, |conn| accounts::add_user(conn, &user, &input, None))
            })
            .await
        }
    };
    let errors = match result {
        Ok(_) => return Ok(visitor.redirect("/users?done=invited")),
        Err(error) => errors_of(
            error,
            lang,
            "email",
            "A user with this e-mail address already exists.",
        )?,
    };
    draft.email_error = errors.take(&["email"]);
    draft.name_error = errors.take(&["display_name"]);
    draft.role_error = errors.take(&["role"]);
    draft.organisation_error = errors.take(&["organisation_id"]);
    refused(show_users(&state, &visitor, Some(&form), draft, None).await)
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    lang: Lang,
    frame: Frame,
    id: String,
    email: String,
    disabled: bool,
    /// Whether this is the administrator looking at their own account.
    own: bool,
    fields: Vec<FieldView>,
    selects: Vec<SelectView>,
    has_errors: bool,
    problem: Option<String>,
}

async fn show_user(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    form: Option<&FormData>,
    errors: FieldErrors,
    done: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let key = id.to_string();
    let (row, organisation_list) = db::run(&state.pool, move |conn| {
        Ok((
            accounts::find_user(conn, &key)?,
            accounts::organisation_names(conn)?,
        ))
    })
    .await?;
    let typed = |name: &str, stored: &str| form.map_or_else(|| stored.to_owned(), |f| f.text(name));
    let mut fields = vec![
        FieldView::new(
            "email",
            lang.t("E-mail address"),
            "email",
            typed("email", &row.email),
        )
        .required()
        .autocomplete("off"),
        FieldView::new(
            "display_name",
            lang.t("Name"),
            "text",
            typed("display_name", &row.display_name),
        )
        .required()
        .max(120)
        .autocomplete("off"),
    ];
    errors.place(&mut fields);
    let role = Role::parse(&typed("role", &row.role)).unwrap_or(row.role());
    let organisation = typed(
        "organisation_id",
        row.organisation_id.as_deref().unwrap_or_default(),
    );
    let language = Language::parse(&typed("language", &row.language)).unwrap_or_default();
    let mut organisations = vec![Choice {
        value: String::new(),
        label: "—".to_owned(),
        checked: organisation.is_empty(),
    }];
    organisations.extend(Choice::from_rows(organisation_list, |o| o == organisation));
    let mut selects = vec![
        SelectView::new("role", lang.t("Role"), role_choices(lang, Some(role))),
        SelectView::new("organisation_id", lang.t("Organisation"), organisations),
        SelectView::new(
            "language",
            lang.t("Language of their e-mails"),
            language_choices(language),
        ),
    ];
    place_selects(&errors, &mut selects);
    let shown = [
        "email",
        "display_name",
        "role",
        "organisation_id",
        "language",
    ];
    let problem = errors.others(&shown).into_iter().next();
    render(
        visitor,
        &UserPage {
            lang,
            frame: Frame::of(visitor).with_notice(done_notice(lang, done)),
            own: visitor
                .user
                .as_ref()
                .is_some_and(|u| u.id.to_string() == row.id),
            id: row.id,
            email: row.email,
            disabled: row.disabled_at.is_some(),
            fields,
            selects,
            has_errors: !errors.is_empty(),
            problem,
        },
    )
}

async fn user_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.user()?.require_admin()?;
    show_user(
        &state,
        &visitor,
        id.into_inner(),
        None,
        FieldErrors::default(),
        query.done.as_deref(),
    )
    .await
}

async fn save_user(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    let result = match Role::parse(&form.text("role")) {
        None => Err(AppError::invalid("role", "choose a role")),
        Some(role) => {
            let input = UserUpdate {
                display_name: form.text("display_name"),
                role,
                organisation_id: optional_id(&form, "organisation_id").unwrap_or(None),
                password: None,
                email: Some(form.text("email")),
                language: Language::parse(&form.text("language")),
            };
            let key = id.to_string();
            db::run(&state.pool, move |conn| {
                crate::db::transaction(conn, |conn| {
                    accounts::update_user(conn, &user, &key, &input, None)
                })
            })
            .await
        }
    };
    let errors = match result {
        Ok(_) => return Ok(visitor.redirect(&format!("/users/{id}?done=user_saved"))),
        Err(AppError::Conflict(message)) if message.contains("administrator role") => {
            let mut errors = FieldErrors::default();
            errors.add(
                "role",
                lang.t("You cannot take away your own administrator role."),
            );
            errors
        }
        Err(error) => errors_of(
            error,
            lang,
            "email",
            "A user with this e-mail address already exists.",
        )?,
    };
    refused(show_user(&state, &visitor, id, Some(&form), errors, None).await)
}

async fn disable_user(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    if id == user.id {
        let mut errors = FieldErrors::default();
        errors.add("account", lang.t("You cannot disable your own account."));
        return refused(show_user(&state, &visitor, id, None, errors, None).await);
    }
    if !confirm::is_confirmed(&form) {
        let key = id.to_string();
        let row = db::run(&state.pool, move |conn| accounts::find_user(conn, &key)).await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {}?", lang.t("Disable"), row.email),
                consequences: vec![
                    lang.t("They can no longer sign in, and they are signed out everywhere now."),
                    lang.t("What they made stays; you can enable the account again later."),
                ],
                action: format!("/users/{id}/disable"),
                fields: form.fields(),
                button: lang.t("Disable the account"),
                back: format!("/users/{id}"),
            },
        );
    }
    let key = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| accounts::set_disabled(conn, &user, &key, true))
    })
    .await?;
    Ok(visitor.redirect(&format!("/users/{id}?done=user_disabled")))
}

async fn enable_user(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    let id = id.into_inner();
    let key = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::set_disabled(conn, &user, &key, false)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/users/{id}?done=user_enabled")))
}

async fn delete_user(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    if id == user.id {
        let mut errors = FieldErrors::default();
        errors.add("account", lang.t("You cannot delete your own account."));
        return refused(show_user(&state, &visitor, id, None, errors, None).await);
    }
    if !confirm::is_confirmed(&form) {
        let key = id.to_string();
        let row = db::run(&state.pool, move |conn| accounts::find_user(conn, &key)).await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {}?", lang.t("Delete the user"), row.email),
                consequences: vec![
                    lang.t("The account is removed with its notifications and sessions."),
                    lang.t("The events and files they made stay, without their name."),
                ],
                action: format!("/users/{id}/delete"),
                fields: form.fields(),
                button: lang.t("Delete the user"),
                back: format!("/users/{id}"),
            },
        );
    }
    let key = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| accounts::delete_user(conn, &user, &key))
    })
    .await?;
    Ok(visitor.redirect("/users?done=user_deleted"))
}

// ---- Audit log ----

#[derive(Debug, Deserialize)]
struct AuditQuery {
    q: Option<String>,
    page: Option<u32>,
}

#[derive(Debug)]
struct AuditLine {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    lang: Lang,
    frame: Frame,
    q: String,
    rows: Vec<AuditLine>,
    previous: Option<u32>,
    next: Option<u32>,
}

const AUDIT_PAGE: u32 = 50;

async fn audit(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let query = query.into_inner();
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let search = query.q.clone().unwrap_or_default().trim().to_owned();
    let filter = AuditFilter {
        words: search,
        ..AuditFilter::default()
    };
    let paging = Paging::of(page, AUDIT_PAGE);
    let (rows, total) =
        db::run(&state.pool, move |conn| audit::page(conn, &filter, paging)).await?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let more = paging.offset() + paging.limit() < total;
    let rows = rows
        .into_iter()
        .map(|row| AuditLine {
            at: lang.datetime(row.at.and_utc(), tz),
            actor: row.actor,
            action: row.action,
            detail: row.detail,
        })
        .collect();
    render(
        &visitor,
        &AuditPage {
            lang,
            frame: Frame::of(&visitor),
            q: query.q.unwrap_or_default(),
            rows,
            previous: (page > 1).then(|| page - 1),
            next: more.then_some(page + 1),
        },
    )
}
