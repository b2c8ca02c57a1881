//! Writes the audit log: every change through the API records who did what to which record, in
//! the same transaction as the change itself.

use diesel::prelude::*;

use crate::core::actor::Actor;
use crate::core::paging::Paging;
use crate::db::models::AuditRow;
use crate::db::{self, DbConnection, schema::audit_log};
use crate::error::AppError;

pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    record_as(
        conn,
        Some(actor.id.to_string()),
        &actor.audit_label(),
        action,
        entity_type,
        entity_id,
        detail,
    )
}

/// Records an action taken by the system itself or from the command line.
pub fn record_as(
    conn: &mut DbConnection,
    actor_user_id: Option<String>,
    actor: &str,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    let row = AuditRow {
        id: db::new_id(),
        at: db::now(),
        actor_user_id,
        actor: actor.to_owned(),
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id: entity_id.to_owned(),
        detail: detail.to_string(),
    };
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Which audit entries to read; every part left empty matches everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entries about this one record.
    pub entity_id: Option<String>,
    /// Actions starting with this (`event.` for every event action).
    pub action_prefix: Option<String>,
    /// Words that must each appear in who, what, which record or the details.
    pub words: String,
}

/// The one audit query, newest first (by time, then id): a page of entries and how many match.
pub fn page(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    paging: Paging,
) -> Result<(Vec<AuditRow>, i64), AppError> {
    let filtered = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(entity_id) = &filter.entity_id {
            q = q.filter(audit_log::entity_id.eq(entity_id.clone()));
        }
        if let Some(action) = &filter.action_prefix {
            q = q.filter(audit_log::action.like(format!("{}%", action.replace(['%', '_'], ""))));
        }
        for word in filter.words.split_whitespace().take(8) {
            let pattern = format!("%{}%", word.replace(['%', '_'], ""));
            q = q.filter(
                audit_log::actor
                    .like(pattern.clone())
                    .or(audit_log::action.like(pattern.clone()))
                    .or(audit_log::entity_id.like(pattern.clone()))
                    .or(audit_log::detail.like(pattern)),
            );
        }
        q
    };
    Ok(crate::load_page!(
        conn,
        paging,
        filtered,
        (audit_log::at.desc(), audit_log::id.desc()),
        AuditRow
    ))
}
