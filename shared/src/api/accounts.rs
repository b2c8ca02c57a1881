//! Organisations, users and their tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{Validate, ValidationErrors};

crate::wire_enum! {
    /// What a user may do: admins run the system, staff moderate and program screens,
    /// association members manage their own organisation's events.
    Role {
        Admin = "admin",
        Staff = "staff",
        Association = "association",
    }
}

crate::wire_enum! {
    /// Local associations submit events; city departments own the city's own content.
    OrganisationKind {
        Association = "association",
        CityDepartment = "city_department",
    }
}

crate::wire_enum! {
    /// The language a user reads the portal and their notifications in.
    Language {
        Nl = "nl",
        En = "en",
    }
}

impl Default for Language {
    /// Dutch, the city's language.
    fn default() -> Language {
        Language::Nl
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 1024;

fn check_password(errors: &mut ValidationErrors, field: &str, password: &str) {
    let length = password.chars().count();
    if length < PASSWORD_MIN_CHARS {
        errors.add(
            field,
            format!("must be at least {PASSWORD_MIN_CHARS} characters"),
        );
    } else if length > PASSWORD_MAX_CHARS {
        errors.add(
            field,
            format!("must be at most {PASSWORD_MAX_CHARS} characters"),
        );
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub contact_name: String,
    pub contact_email: String,
    pub description: String,
    /// Staff verify an association once before it may submit events.
    pub verified: bool,
    /// A new name a verified association asked for: screens keep showing `name` until staff
    /// approve it (by verifying again).
    #[serde(default)]
    pub requested_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Creates or replaces an organisation's details (verification is a separate staff action).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub name: String,
    pub kind: OrganisationKind,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub contact_name: String,
    pub contact_email: String,
    #[serde(default, deserialize_with = "crate::validation::clean_text")]
    pub description: String,
}

impl Validate for OrganisationInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("name", &self.name, 120);
        errors.text("contact_name", &self.contact_name, 120);
        errors.email("contact_email", &self.contact_email);
        errors.optional_text("description", &self.description, 1000);
        errors.into_result()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The organisation an association member acts for (optional for staff and admins).
    pub organisation_id: Option<Uuid>,
    /// The language of their notifications.
    pub language: Language,
    /// Disabled by an administrator: cannot sign in, and no token of theirs works.
    #[serde(default)]
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub email: String,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub display_name: String,
    /// Without one, the new user is sent an invitation link to choose their own.
    #[serde(default)]
    pub password: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
    #[serde(default)]
    pub language: Language,
}

impl Validate for UserCreate {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.email("email", &self.email);
        errors.text("display_name", &self.display_name, 120);
        if let Some(password) = &self.password {
            check_password(&mut errors, "password", password);
        }
        if self.role == Role::Association && self.organisation_id.is_none() {
            errors.add("organisation_id", "is required for association members");
        }
        errors.into_result()
    }
}

/// Replaces a user's name, role and organisation; sets a new password when one is given.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
    #[serde(default)]
    pub password: Option<String>,
    /// A new e-mail address; the old one is told of the change.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub language: Option<Language>,
}

impl Validate for UserUpdate {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("display_name", &self.display_name, 120);
        if let Some(email) = &self.email {
            errors.email("email", email);
        }
        if let Some(password) = &self.password {
            check_password(&mut errors, "password", password);
        }
        if self.role == Role::Association && self.organisation_id.is_none() {
            errors.add("organisation_id", "is required for association members");
        }
        errors.into_result()
    }
}

/// `POST /api/v1/auth/token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

impl Validate for TokenRequest {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("email", &self.email, 254);
        if self.password.is_empty() {
            errors.add("password", "is required");
        } else if self.password.chars().count() > PASSWORD_MAX_CHARS {
            errors.add(
                "password",
                format!("must be at most {PASSWORD_MAX_CHARS} characters"),
            );
        }
        errors.into_result()
    }
}

/// A bearer token for `Authorization: Bearer <token>`; it is shown once and stored only as a hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// `POST /api/v1/auth/password-reset`: asks for a link to choose a new password. The answer is
/// the same whether or not the address has an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

impl Validate for PasswordResetRequest {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.email("email", &self.email);
        errors.into_result()
    }
}

/// `POST /api/v1/auth/password`: sets a password with the token of an invitation or reset link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordSet {
    pub token: String,
    pub password: String,
}

impl Validate for PasswordSet {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.token.is_empty() || self.token.len() > 200 {
            errors.add("token", "is not a link Civicast sent");
        }
        check_password(&mut errors, "password", &self.password);
        errors.into_result()
    }
}

/// `PUT /api/v1/me/password`: a signed-in user changes their own password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

impl Validate for PasswordChange {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.current_password.is_empty() {
            errors.add("current_password", "is required");
        }
        check_password(&mut errors, "new_password", &self.new_password);
        errors.into_result()
    }
}
