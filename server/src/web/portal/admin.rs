//! Administration pages: verifying associations, pairing screens, adding buildings and users,
//! and the audit log, searchable.

use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::events::{DoneQuery, notice};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Frame, render};
use civicast_shared::api::accounts::{Language, Role, UserCreate};
use civicast_shared::api::device::PairingClaim;
use civicast_shared::api::places::BuildingInput;
use civicast_shared::venue::VenueType;

use super::Choice;
use crate::core::accounts;
use crate::core::audit::{self, AuditFilter};
use crate::core::paging::Paging;
use crate::db;
use crate::db::models::{OrganisationRow, UserRow};
use crate::db::schema::{organisations, users};
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations", web::get().to(list_organisations))
        .route("/buildings", web::post().to(add_building))
        .route("/screens/pair", web::post().to(pair_screen))
        .route("/users", web::get().to(list_users))
        .route("/users", web::post().to(add_user))
        .route("/organisations/{id}/verify", web::post().to(verify))
        .route("/organisations/{id}/refuse", web::post().to(refuse))
        .route("/audit", web::get().to(audit));
}

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
            frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
            rows,
        },
    )
}

async fn verify(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let id = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| accounts::verify_organisation(conn, &user, &id))
    })
    .await?;
    Ok(visitor.redirect("/organisations?done=verified"))
}

async fn refuse(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let (id, reason) = (id.to_string(), form.text("reason"));
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::refuse_organisation(conn, &user, &id, &reason)
        })
    })
    .await?;
    Ok(visitor.redirect("/organisations?done=refused"))
}

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

fn optional_id(form: &FormData, name: &str) -> Result<Option<Uuid>, AppError> {
    let value = form.text(name);
    if value.trim().is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(value.trim())
        .map(Some)
        .map_err(|_| AppError::invalid(name, "is not an id"))
}

async fn add_building(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.clone();
    let venue_type = VenueType::parse(&form.text("venue_type"))
        .ok_or_else(|| AppError::invalid("venue_type", "choose a kind of building"))?;
    let input = BuildingInput {
        name: form.text("name"),
        address: form.text("address"),
        time_zone: form.text("time_zone").trim().to_owned(),
        venue_type,
        display_hours: None,
        opening_hours: Vec::new(),
    };
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::buildings::add_building(conn, &user, &input)
        })
    })
    .await?;
    Ok(visitor.redirect("/buildings?done=building"))
}

async fn pair_screen(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let claim = PairingClaim {
        code: form.text("code"),
        screen_id: None,
        building_id: optional_id(&form, "building_id")?,
        name: Some(form.text("name")),
        kind: None,
    };
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::pairing::claim_code(conn, &user, &claim)
        })
    })
    .await?;
    Ok(visitor.redirect("/buildings?done=paired"))
}

#[derive(Debug)]
struct UserLine {
    email: String,
    name: String,
    role: String,
    organisation: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    lang: Lang,
    frame: Frame,
    rows: Vec<UserLine>,
    roles: Vec<Choice>,
    organisations: Vec<Choice>,
    /// Without an SMTP server an invitation cannot reach anyone: the form says so.
    smtp_configured: bool,
}

async fn list_users(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.user()?.require_admin()?;
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
    render(
        &visitor,
        &UsersPage {
            lang,
            frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
            rows: users
                .into_iter()
                .map(|(user, organisation)| UserLine {
                    role: lang.role(user.role()),
                    email: user.email,
                    name: user.display_name,
                    organisation: organisation.unwrap_or_default(),
                })
                .collect(),
            // The least powerful role first, so that it is the one chosen unless someone
            // chooses otherwise.
            roles: Role::ALL
                .iter()
                .rev()
                .map(|r| Choice {
                    value: r.as_str().to_owned(),
                    label: lang.role(*r),
                    checked: false,
                })
                .collect(),
            organisations: Choice::from_rows(organisation_list, |_| false),
            smtp_configured: state.settings.smtp_url.is_some(),
        },
    )
}

async fn add_user(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.clone();
    user.require_admin()?;
    let role = Role::parse(&form.text("role"))
        .ok_or_else(|| AppError::invalid("role", "choose a role"))?;
    // The new user chooses their own password from the invitation e-mail: nobody types one in
    // for them or passes it on.
    let input = UserCreate {
        email: form.text("email"),
        display_name: form.text("display_name"),
        password: None,
        role,
        organisation_id: optional_id(&form, "organisation_id")?,
        language: Language::parse(&form.text("language")).unwrap_or(visitor.lang.language()),
    };
    civicast_shared::Validate::validate(&input)?;
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::accounts::add_user(conn, &user, &input, None)
        })
    })
    .await?;
    Ok(visitor.redirect("/users?done=invited"))
}
