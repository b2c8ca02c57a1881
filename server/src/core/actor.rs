//! Who is acting: the signed-in user a rule is applied for, with their role and organisation.
//! The web layer makes one from a bearer token or a portal session; every rule in `core` takes
//! one, so rules never see an HTTP request.

use civicast_shared::api::accounts::Role;
use uuid::Uuid;

use crate::error::AppError;

/// A signed-in user, as the rules see them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    /// Hash of the token the user signed in with, so that logout revokes exactly it.
    pub token_hash: String,
}

impl Actor {
    /// Admins and communications staff see and moderate everything.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
    }

    pub fn require_staff(&self) -> Result<(), AppError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden("only city staff may do this".into()))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only administrators may do this".into(),
            ))
        }
    }

    /// Whether the user may see data that belongs to `organisation_id`.
    pub fn can_access_organisation(&self, organisation_id: Option<Uuid>) -> bool {
        self.is_staff() || (organisation_id.is_some() && organisation_id == self.organisation_id)
    }

    /// The label the audit log keeps for this user.
    pub fn audit_label(&self) -> String {
        self.email.clone()
    }
}
