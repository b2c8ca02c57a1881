//! Writes the audit log: every change through the API records who did what to which record, in
//! the same transaction as the change itself.

use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::db::models::AuditRow;
use crate::db::{self, DbConnection, schema::audit_log};
use crate::error::AppError;

pub fn record(
    conn: &mut DbConnection,
    actor: &CurrentUser,
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
