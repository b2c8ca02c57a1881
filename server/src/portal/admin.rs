//! Staff's administration pages: verifying associations, and the audit log, searchable.

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
use crate::accounts;
use crate::db;
use crate::db::models::{AuditRow, OrganisationRow};
use crate::db::schema::{audit_log, organisations};
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations", web::get().to(list_organisations))
        .route("/organisations/{id}/verify", web::post().to(verify))
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
            .order((organisations::verified.asc(), organisations::name.asc()))
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
    let form = FormData::read(payload).await?;
    visitor.check_csrf(form.csrf())?;
    let user = visitor.staff()?.clone();
    let id = id.to_string();
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| accounts::verify_organisation(conn, &user, &id))
    })
    .await?;
    Ok(visitor.redirect("/organisations?done=verified"))
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

const AUDIT_PAGE: i64 = 50;

async fn audit(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let query = query.into_inner();
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let search = query.q.clone().unwrap_or_default().trim().to_owned();
    let offset = i64::from(page - 1) * AUDIT_PAGE;
    let rows = db::run(&state.pool, move |conn| {
        let mut q = audit_log::table.into_boxed();
        if !search.is_empty() {
            // Every word must appear in who, what, which entity or the details.
            for word in search.split_whitespace().take(8) {
                let pattern = format!("%{}%", word.replace(['%', '_'], ""));
                q = q.filter(
                    audit_log::actor
                        .like(pattern.clone())
                        .or(audit_log::action.like(pattern.clone()))
                        .or(audit_log::entity_id.like(pattern.clone()))
                        .or(audit_log::detail.like(pattern)),
                );
            }
        }
        Ok(q.order((audit_log::at.desc(), audit_log::id.desc()))
            .limit(AUDIT_PAGE + 1)
            .offset(offset)
            .select(AuditRow::as_select())
            .load::<AuditRow>(conn)?)
    })
    .await?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let more = rows.len() as i64 > AUDIT_PAGE;
    let rows = rows
        .into_iter()
        .take(AUDIT_PAGE as usize)
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
