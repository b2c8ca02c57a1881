//! Account management outside HTTP: the first administrator of an empty database and
//! `civicast-server user add`.

use std::io::Write;

use civicast_shared::Validate;
use civicast_shared::api::accounts::{OrganisationKind, Role, UserCreate};
use diesel::prelude::*;
use rand::RngCore;
use serde_json::json;

use crate::api::check_membership;
use crate::audit;
use crate::auth::password;
use crate::config::Settings;
use crate::db::models::{OrganisationRow, UserRow};
use crate::db::schema::{organisations, users};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;

/// What `user add` needs to know.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub organisation: Option<String>,
    pub password: String,
}

/// Adds a user from the command line. An association member's organisation is created (and
/// verified, since an administrator vouches for it) when it does not exist yet.
pub fn add_user(pool: &DbPool, new_user: NewUser) -> Result<UserRow, AppError> {
    let mut conn = pool.get()?;
    crate::db::transaction(&mut conn, |conn| {
        let organisation_id = match &new_user.organisation {
            Some(name) => Some(find_or_create_organisation(
                conn,
                name.trim(),
                new_user.role,
            )?),
            None => None,
        };
        let email = new_user.email.trim().to_lowercase();
        let input = UserCreate {
            email: email.clone(),
            display_name: new_user
                .display_name
                .clone()
                .unwrap_or_else(|| email.clone()),
            password: new_user.password.clone(),
            role: new_user.role,
            organisation_id: organisation_id.as_deref().map(db::models::stored_id),
        };
        input.validate()?;
        check_membership(conn, input.role, input.organisation_id)?;
        let taken = users::table
            .filter(users::email.eq(&email))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            return Err(AppError::Conflict(format!(
                "a user with e-mail address {email} already exists"
            )));
        }
        let now = db::now();
        let row = UserRow {
            id: db::new_id(),
            email,
            display_name: input.display_name.trim().to_owned(),
            password_hash: password::hash(&input.password)?,
            role: input.role.as_str().to_owned(),
            organisation_id,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(users::table)
            .values(&row)
            .execute(conn)?;
        audit::record_as(
            conn,
            None,
            "command line",
            "user.create",
            "user",
            &row.id,
            json!({ "email": row.email, "role": row.role }),
        )?;
        Ok(row)
    })
}

fn find_or_create_organisation(
    conn: &mut DbConnection,
    name: &str,
    role: Role,
) -> Result<String, AppError> {
    if let Some(id) = organisations::table
        .filter(organisations::name.eq(name))
        .select(organisations::id)
        .first::<String>(conn)
        .optional()?
    {
        return Ok(id);
    }
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::invalid(
            "organisation",
            "must be 1 to 120 characters",
        ));
    }
    let kind = if role == Role::Association {
        OrganisationKind::Association
    } else {
        OrganisationKind::CityDepartment
    };
    let now = db::now();
    let row = OrganisationRow {
        id: db::new_id(),
        name: name.to_owned(),
        kind: kind.as_str().to_owned(),
        contact_name: name.to_owned(),
        contact_email: String::new(),
        description: String::new(),
        verified: true,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(organisations::table)
        .values(&row)
        .execute(conn)?;
    audit::record_as(
        conn,
        None,
        "command line",
        "organisation.create",
        "organisation",
        &row.id,
        json!({ "name": name }),
    )?;
    Ok(row.id)
}

/// On the first start of an empty database, creates an administrator with a random password
/// and leaves the password in a file only the server's user can read. Returns the password
/// when it made one.
pub fn ensure_first_admin(pool: &DbPool, settings: &Settings) -> anyhow::Result<Option<String>> {
    let mut conn = pool.get()?;
    let existing = users::table.count().get_result::<i64>(&mut conn)?;
    if existing > 0 {
        return Ok(None);
    }
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let password = hex::encode(bytes);
    let result = add_user(
        pool,
        NewUser {
            email: settings.initial_admin_email.clone(),
            display_name: Some("Administrator".into()),
            role: Role::Admin,
            organisation: None,
            password: password.clone(),
        },
    );
    match result {
        Ok(_) => {}
        // Another instance on the same database created it first.
        Err(AppError::Conflict(_)) => return Ok(None),
        Err(other) => {
            return Err(anyhow::anyhow!(
                "cannot create the first administrator: {other}"
            ));
        }
    }
    let path = settings.initial_password_file();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    writeln!(file, "{password}")?;
    Ok(Some(password))
}

/// An association that registers itself through the portal, with its first member's password.
#[derive(Debug, Clone)]
pub struct Registration {
    pub name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub description: String,
    pub password: String,
}

/// Checks a registration against every rule without storing it.
pub fn check_registration(
    conn: &mut DbConnection,
    registration: &Registration,
) -> Result<(), AppError> {
    use civicast_shared::ValidationErrors;
    use civicast_shared::api::accounts::OrganisationInput;
    let email = registration.contact_email.trim().to_lowercase();
    let organisation = OrganisationInput {
        name: registration.name.trim().to_owned(),
        kind: OrganisationKind::Association,
        contact_name: registration.contact_name.trim().to_owned(),
        contact_email: email.clone(),
        description: registration.description.trim().to_owned(),
    };
    let member = UserCreate {
        email: email.clone(),
        display_name: organisation.contact_name.clone(),
        password: registration.password.clone(),
        role: Role::Association,
        organisation_id: Some(uuid::Uuid::nil()),
    };
    let mut errors = ValidationErrors::default();
    for result in [organisation.validate(), member.validate()] {
        if let Err(found) = result {
            for error in found.0 {
                if error.field != "email" && error.field != "display_name" {
                    errors.add(&error.field, error.message);
                }
            }
        }
    }
    let name_taken = organisations::table
        .filter(organisations::name.eq(&organisation.name))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if name_taken {
        errors.add(
            "name",
            "an organisation with this name is already registered",
        );
    }
    let email_taken = users::table
        .filter(users::email.eq(&email))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if email_taken {
        errors.add(
            "contact_email",
            "this e-mail address already has an account: sign in instead",
        );
    }
    Ok(errors.into_result()?)
}

/// Registers an association (not verified: staff verify it before it may submit events) and its
/// contact person as its first member, who signs in with the contact e-mail address. Either
/// both are stored or neither.
pub fn register_association(
    conn: &mut DbConnection,
    registration: &Registration,
) -> Result<UserRow, AppError> {
    check_registration(conn, registration)?;
    let email = registration.contact_email.trim().to_lowercase();
    let now = db::now();
    let organisation_row = OrganisationRow {
        id: db::new_id(),
        name: registration.name.trim().to_owned(),
        kind: OrganisationKind::Association.as_str().to_owned(),
        contact_name: registration.contact_name.trim().to_owned(),
        contact_email: email.clone(),
        description: registration.description.trim().to_owned(),
        verified: false,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(organisations::table)
        .values(&organisation_row)
        .execute(conn)?;
    let user = UserRow {
        id: db::new_id(),
        email: email.clone(),
        display_name: organisation_row.contact_name.clone(),
        password_hash: password::hash(&registration.password)?,
        role: Role::Association.as_str().to_owned(),
        organisation_id: Some(organisation_row.id.clone()),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(users::table)
        .values(&user)
        .execute(conn)?;
    audit::record_as(
        conn,
        Some(user.id.clone()),
        &email,
        "organisation.register",
        "organisation",
        &organisation_row.id,
        json!({ "name": organisation_row.name }),
    )?;
    Ok(user)
}

/// Staff vouch for an association once; from then on its members may submit events.
pub fn verify_organisation(
    conn: &mut DbConnection,
    user: &crate::auth::CurrentUser,
    id: &str,
) -> Result<OrganisationRow, AppError> {
    user.require_staff()?;
    let mut row = crate::api::find_organisation(conn, id)?;
    row.verified = true;
    row.updated_at = db::now();
    diesel::update(organisations::table.find(id))
        .set(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "organisation.verify",
        "organisation",
        id,
        json!({ "name": row.name }),
    )?;
    Ok(row)
}
