//! Accounts: the first administrator of an empty database and `civicast-server user add`;
//! users added, invited and changed by administrators; associations registering, verified or
//! refused by staff; each telling the people concerned (`core::notify`).

use std::io::Write;

use civicast_shared::Validate;
use civicast_shared::api::accounts::{
    Language, OrganisationInput, OrganisationKind, Role, User, UserCreate, UserUpdate,
};
use diesel::prelude::*;
use rand::RngCore;
use serde_json::json;
use uuid::Uuid;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::auth::{password, password_links};
use crate::core::notify::{self, Notice};
use crate::db::models::{OrganisationRow, UserRow};
use crate::db::schema::{auth_tokens, organisations, users};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;
use crate::settings::Settings;

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
pub fn add_user_from_command_line(pool: &DbPool, new_user: NewUser) -> Result<UserRow, AppError> {
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
            password: Some(new_user.password.clone()),
            role: new_user.role,
            organisation_id: organisation_id.as_deref().map(db::models::stored_id),
            language: Default::default(),
        };
        input.validate()?;
        let row = insert_user(conn, &input, password::hash(&new_user.password)?)?;
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
    let input = OrganisationInput {
        name: name.to_owned(),
        kind,
        contact_name: name.to_owned(),
        contact_email: String::new(),
        description: String::new(),
    };
    let row = insert_organisation(conn, &input, true)?;
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
    let result = add_user_from_command_line(
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
    /// The language the contact person registered in: their notifications use it.
    pub language: Language,
}

impl Registration {
    /// The association as it is stored: not yet verified.
    fn organisation(&self) -> OrganisationInput {
        OrganisationInput {
            name: self.name.trim().to_owned(),
            kind: OrganisationKind::Association,
            contact_name: self.contact_name.trim().to_owned(),
            contact_email: self.contact_email.trim().to_lowercase(),
            description: self.description.trim().to_owned(),
        }
    }

    /// Its contact person, its first member, who signs in with the contact e-mail address
    /// (the organisation id is filled in once the association is stored).
    fn first_member(&self) -> UserCreate {
        UserCreate {
            email: self.contact_email.trim().to_lowercase(),
            display_name: self.contact_name.trim().to_owned(),
            password: Some(self.password.clone()),
            role: Role::Association,
            organisation_id: Some(uuid::Uuid::nil()),
            language: self.language,
        }
    }
}

/// Checks a registration's fields without storing it. Whether its e-mail address already has an
/// account is not among them: that would tell anyone which addresses have one.
pub fn check_registration(
    conn: &mut DbConnection,
    registration: &Registration,
) -> Result<(), AppError> {
    use civicast_shared::ValidationErrors;
    let organisation = registration.organisation();
    let member = registration.first_member();
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
    } else if let Err(AppError::Conflict(why)) =
        ensure_distinct_name(conn, organisation.name.trim(), "")
    {
        errors.add("name", why);
    }
    Ok(errors.into_result()?)
}

/// Registers an association (not verified: staff verify it before it may submit events) and its
/// contact person as its first member, who signs in with the contact e-mail address. Either
/// both are stored or neither. When the address already has an account nothing is stored and
/// the answer is `None`, which the caller shows exactly as a registration: the owner of the
/// address signs in with their own password, anyone else learns nothing. `password_hash` is
/// made beforehand, off the connection, in both cases alike.
pub fn register_association(
    conn: &mut DbConnection,
    registration: &Registration,
    password_hash: String,
) -> Result<Option<UserRow>, AppError> {
    check_registration(conn, registration)?;
    let owner: Option<String> = users::table
        .filter(users::email.eq(registration.first_member().email))
        .select(users::id)
        .first(conn)
        .optional()?;
    if let Some(owner) = owner {
        // The owner of the address is told (by e-mail only: whoever registered may not be
        // them); the one who registered learns nothing.
        let to = notify::recipient(conn, &owner)?;
        notify::tell(conn, &to, &Notice::RegistrationForKnownAddress)?;
        return Ok(None);
    }
    let organisation_row = insert_organisation(conn, &registration.organisation(), false)?;
    let member = UserCreate {
        organisation_id: Some(db::models::stored_id(&organisation_row.id)),
        ..registration.first_member()
    };
    let user = insert_user(conn, &member, password_hash)?;
    let email = user.email.clone();
    audit::record_as(
        conn,
        Some(user.id.clone()),
        &email,
        "organisation.register",
        "organisation",
        &organisation_row.id,
        json!({ "name": organisation_row.name }),
    )?;
    let to = notify::recipient(conn, &user.id)?;
    notify::tell(
        conn,
        &to,
        &Notice::RegistrationReceived {
            organisation: organisation_row.name.clone(),
        },
    )?;
    Ok(Some(user))
}

/// Staff vouch for an association once; from then on its members may submit events.
pub fn verify_organisation(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
) -> Result<OrganisationRow, AppError> {
    user.require_staff()?;
    let mut row = find_organisation(conn, id)?;
    let newly_verified = !row.verified;
    row.verified = true;
    if let Some(requested) = row.requested_name.take() {
        // Verifying again approves the new name the association asked for; it is checked
        // against the names taken since it was asked.
        ensure_unique_name(conn, &requested, &row.id)?;
        ensure_distinct_name(conn, &requested, &row.id)?;
        row.name = requested;
    }
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
    if newly_verified {
        notify::tell_members(
            conn,
            id,
            &Notice::OrganisationVerified {
                organisation: row.name.clone(),
            },
        )?;
    }
    Ok(row)
}

/// Staff refuse an association's registration (a fake one, or one that is not a local
/// association): its members are told why, by e-mail, and the association and its accounts are
/// removed. A verified association is not refused: it has events and history.
pub fn refuse_organisation(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    user.require_staff()?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "say why the registration is refused: the association is told",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::invalid(
            "reason",
            "must be at most 1000 characters",
        ));
    }
    let row = find_organisation(conn, id)?;
    if row.verified {
        return Err(AppError::Conflict(
            "a verified association cannot be refused".into(),
        ));
    }
    let members: Vec<(String, String)> = users::table
        .filter(users::organisation_id.eq(id))
        .select((users::email, users::language))
        .load(conn)?;
    let notice = Notice::OrganisationRefused {
        organisation: row.name.clone(),
        reason: reason.to_owned(),
    };
    for (email, language) in &members {
        let language = Language::parse(language).unwrap_or_default();
        notify::mail_to(conn, email, language, None, &notice)?;
    }
    diesel::delete(users::table.filter(users::organisation_id.eq(id))).execute(conn)?;
    diesel::delete(organisations::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        user,
        "organisation.refuse",
        "organisation",
        id,
        json!({ "name": row.name, "reason": reason, "members": members.len() }),
    )?;
    Ok(())
}

/// An association member belongs to an association; staff may belong to a city department.
pub fn check_membership(
    conn: &mut DbConnection,
    role: Role,
    organisation_id: Option<Uuid>,
) -> Result<(), AppError> {
    let Some(organisation_id) = organisation_id else {
        return Ok(());
    };
    let organisation = find_organisation(conn, &organisation_id.to_string())
        .map_err(|_| AppError::invalid("organisation_id", "no organisation with this id"))?;
    let is_association = organisation.kind == OrganisationKind::Association.as_str();
    if (role == Role::Association) != is_association {
        return Err(AppError::invalid(
            "organisation_id",
            "association members belong to an association; staff and admins to a city department",
        ));
    }
    Ok(())
}

/// Admins add a user; `password_hash` is made beforehand, off the database connection. Without
/// one, the user is sent an invitation link to choose their own password.
pub fn add_user(
    conn: &mut DbConnection,
    user: &Actor,
    input: &UserCreate,
    password_hash: Option<String>,
) -> Result<User, AppError> {
    user.require_admin()?;
    input.validate()?;
    let invited = password_hash.is_none();
    let row = insert_user(
        conn,
        input,
        password_hash.unwrap_or_else(|| password_links::NO_PASSWORD_YET.to_owned()),
    )?;
    if invited {
        password_links::invite(conn, &row, &user.email, chrono::Utc::now())?;
    }
    audit::record(
        conn,
        user,
        "user.create",
        "user",
        &row.id,
        json!({ "email": row.email, "role": row.role }),
    )?;
    Ok(User::from(row))
}

pub fn find_organisation(conn: &mut DbConnection, id: &str) -> Result<OrganisationRow, AppError> {
    crate::find_by_id!(
        conn,
        organisations::table,
        OrganisationRow,
        id,
        "organisation"
    )
}

pub fn ensure_unique_name(
    conn: &mut DbConnection,
    name: &str,
    except_id: &str,
) -> Result<(), AppError> {
    crate::ensure_unique_name!(
        conn,
        organisations,
        name,
        except_id,
        "an organisation named"
    )
}

/// What a name looks like to a reader, for telling look-alikes apart: the confusable skeleton of
/// Unicode TR39 (Cyrillic "а" and Latin "a", "0" and "O", "rn" and "m" alike) with only letters
/// and digits kept, so spaces, dashes and dots do not tell names apart. Two readings, since case
/// and skeleton do not commute: skeleton first (Cyrillic "В" reads as "B", its lower case "в"
/// does not read as "b"), and lower case first ("I" reads as "l", but "CHOIR" is "choir").
pub fn name_keys(name: &str) -> [String; 2] {
    let key = |text: &str| -> String {
        unicode_security::skeleton(text)
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    let skeleton_first = key(&key(name));
    let lower_first = key(&name.to_lowercase());
    [skeleton_first, lower_first]
}

/// Refuses a name that reads like another organisation's name, or like a new name another one
/// asked for, so that nobody can pass for someone else on the screens.
pub fn ensure_distinct_name(
    conn: &mut DbConnection,
    name: &str,
    except_id: &str,
) -> Result<(), AppError> {
    let keys = name_keys(name);
    let others: Vec<(String, String, Option<String>)> = organisations::table
        .filter(organisations::id.ne(except_id))
        .select((
            organisations::id,
            organisations::name,
            organisations::requested_name,
        ))
        .load(conn)?;
    let taken = others
        .into_iter()
        .flat_map(|(_, name, requested)| std::iter::once(name).chain(requested))
        .find(|other| name_keys(other).iter().any(|key| keys.contains(key)));
    match taken {
        Some(other) => Err(AppError::Conflict(format!(
            "the name '{name}' reads like '{other}', which another organisation uses: choose a \
             name that tells yours apart"
        ))),
        None => Ok(()),
    }
}

/// Changes an organisation's details. A verified association's new name does not reach the
/// screens at once: it waits in `requested_name` until staff approve it by verifying again, so
/// that a vouched-for association cannot turn into "City of Brussels" overnight. Staff rename at
/// once (and so settle any request).
pub fn update_organisation(
    conn: &mut DbConnection,
    user: &Actor,
    mut row: OrganisationRow,
    input: &OrganisationInput,
) -> Result<OrganisationRow, AppError> {
    if !user.is_staff() && row.kind != input.kind.as_str() {
        return Err(AppError::Forbidden(
            "only city staff may change an organisation's kind".into(),
        ));
    }
    let name = input.name.trim().to_owned();
    if name != row.name {
        ensure_unique_name(conn, &name, &row.id)?;
        ensure_distinct_name(conn, &name, &row.id)?;
    }
    if user.is_staff() || !row.verified {
        row.name = name;
        row.requested_name = None;
    } else if name == row.name {
        row.requested_name = None;
    } else {
        row.requested_name = Some(name);
    }
    row.kind = input.kind.as_str().to_owned();
    row.contact_name = input.contact_name.trim().to_owned();
    row.contact_email = input.contact_email.trim().to_lowercase();
    row.description = input.description.trim().to_owned();
    row.updated_at = db::now();
    diesel::update(organisations::table.find(&row.id))
        .set(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "organisation.update",
        "organisation",
        &row.id,
        json!({ "name": row.name, "requested_name": row.requested_name }),
    )?;
    Ok(row)
}

/// The one way a user is stored: the e-mail address (lower-cased) must be free and the
/// organisation must fit the role. The caller has validated `input` and records the audit entry.
pub fn insert_user(
    conn: &mut DbConnection,
    input: &UserCreate,
    password_hash: String,
) -> Result<UserRow, AppError> {
    let email = input.email.trim().to_lowercase();
    ensure_email_free(conn, &email)?;
    check_membership(conn, input.role, input.organisation_id)?;
    let now = db::now();
    let row = UserRow {
        id: db::new_id(),
        email,
        display_name: input.display_name.trim().to_owned(),
        password_hash,
        role: input.role.as_str().to_owned(),
        organisation_id: input.organisation_id.map(|id| id.to_string()),
        created_at: now,
        updated_at: now,
        language: input.language.as_str().to_owned(),
        disabled_at: None,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// A 409 when `email` (lower-cased) already has an account.
fn ensure_email_free(conn: &mut DbConnection, email: &str) -> Result<(), AppError> {
    let taken = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict(format!(
            "a user with e-mail address {email} already exists"
        )));
    }
    Ok(())
}

/// The one way an organisation is stored: its (trimmed) name must be free. The caller has
/// validated `input` and records the audit entry.
pub fn insert_organisation(
    conn: &mut DbConnection,
    input: &OrganisationInput,
    verified: bool,
) -> Result<OrganisationRow, AppError> {
    let name = input.name.trim().to_owned();
    ensure_unique_name(conn, &name, "")?;
    ensure_distinct_name(conn, &name, "")?;
    let now = db::now();
    let row = OrganisationRow {
        id: db::new_id(),
        name,
        kind: input.kind.as_str().to_owned(),
        contact_name: input.contact_name.trim().to_owned(),
        contact_email: input.contact_email.trim().to_lowercase(),
        description: input.description.trim().to_owned(),
        verified,
        created_at: now,
        updated_at: now,
        requested_name: None,
    };
    diesel::insert_into(organisations::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// The user a hashed (bearer or session) token belongs to, unless it is unknown or expired.
pub fn actor_for_token_hash(
    conn: &mut DbConnection,
    token_hash: String,
) -> Result<Option<Actor>, AppError> {
    use crate::db::schema::auth_tokens;
    let found = auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::token_hash.eq(&token_hash))
        .filter(auth_tokens::expires_at.gt(db::now()))
        .filter(users::disabled_at.is_null())
        .select(UserRow::as_select())
        .first::<UserRow>(conn)
        .optional()?;
    Ok(found.map(|user| Actor {
        id: db::models::stored_id(&user.id),
        role: user.role(),
        organisation_id: db::models::stored_opt_id(user.organisation_id.as_deref()),
        email: user.email,
        token_hash,
    }))
}

/// Every organisation's id and name, by name: for choosing one in a form or a filter.
pub fn organisation_names(conn: &mut DbConnection) -> Result<Vec<(String, String)>, AppError> {
    Ok(organisations::table
        .order(organisations::name.asc())
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

/// An administrator changes a user's name, role, organisation, language, e-mail address or
/// password (`new_hash`, made beforehand). A new password signs the user out everywhere; the
/// user is told of a new password, and the old address of a new one.
pub fn update_user(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    input: &UserUpdate,
    new_hash: Option<String>,
) -> Result<User, AppError> {
    user.require_admin()?;
    input.validate()?;
    let mut row = crate::find_by_id!(conn, users::table, UserRow, id, "user")?;
    if row.id == user.id.to_string() && input.role != Role::Admin {
        return Err(AppError::Conflict(
            "you cannot take away your own administrator role".into(),
        ));
    }
    check_membership(conn, input.role, input.organisation_id)?;
    let old_email = row.email.clone();
    if let Some(email) = &input.email {
        let email = email.trim().to_lowercase();
        if email != row.email {
            ensure_email_free(conn, &email)?;
            row.email = email;
        }
    }
    row.display_name = input.display_name.trim().to_owned();
    row.role = input.role.as_str().to_owned();
    row.organisation_id = input.organisation_id.map(|id| id.to_string());
    if let Some(language) = input.language {
        row.language = language.as_str().to_owned();
    }
    let password_changed = new_hash.is_some();
    if let Some(hash) = new_hash {
        row.password_hash = hash;
        diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(id))).execute(conn)?;
    }
    row.updated_at = db::now();
    diesel::update(users::table.find(id))
        .set(&row)
        .execute(conn)?;
    let email_changed = row.email != old_email;
    audit::record(
        conn,
        user,
        "user.update",
        "user",
        id,
        json!({ "role": row.role, "password_changed": password_changed, "email_changed": email_changed }),
    )?;
    let language = Language::parse(&row.language).unwrap_or_default();
    if email_changed {
        notify::mail_to(
            conn,
            &old_email,
            language,
            None,
            &Notice::EmailChanged {
                new_email: row.email.clone(),
            },
        )?;
    }
    if password_changed {
        notify::mail_to(
            conn,
            &row.email,
            language,
            Some(id),
            &Notice::PasswordChanged,
        )?;
    }
    Ok(User::from(row))
}

/// A signed-in user changes their own password (`new_hash` made beforehand, once the current
/// password was checked): every other session ends and they are told by e-mail.
pub fn change_own_password(
    conn: &mut DbConnection,
    user: &Actor,
    new_hash: String,
) -> Result<(), AppError> {
    let id = user.id.to_string();
    diesel::update(users::table.find(&id))
        .set((
            users::password_hash.eq(new_hash),
            users::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
    diesel::delete(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(&id))
            .filter(auth_tokens::token_hash.ne(&user.token_hash)),
    )
    .execute(conn)?;
    audit::record(conn, user, "user.change_password", "user", &id, json!({}))?;
    let to = notify::recipient(conn, &id)?;
    notify::tell(conn, &to, &Notice::PasswordChanged)
}

/// The stored password hash of a user, to check their current password before a change.
pub fn password_hash_of(conn: &mut DbConnection, user_id: &str) -> Result<String, AppError> {
    Ok(users::table
        .find(user_id)
        .select(users::password_hash)
        .first(conn)?)
}

/// Sets the language a user's notifications are written in.
pub fn set_language(
    conn: &mut DbConnection,
    user_id: &str,
    language: Language,
) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set(users::language.eq(language.as_str()))
        .execute(conn)?;
    Ok(())
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> Result<UserRow, AppError> {
    crate::find_by_id!(conn, users::table, UserRow, id, "user")
}

/// An administrator disables an account (someone who left) or enables it again. A disabled
/// user cannot sign in, and every token of theirs stops working at once.
pub fn set_disabled(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    disabled: bool,
) -> Result<User, AppError> {
    user.require_admin()?;
    let row = find_user(conn, id)?;
    if disabled && row.id == user.id.to_string() {
        return Err(AppError::Conflict(
            "you cannot disable your own account".into(),
        ));
    }
    let now = db::now();
    diesel::update(users::table.find(id))
        .set((
            users::disabled_at.eq(disabled.then_some(now)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    if disabled {
        diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(id))).execute(conn)?;
    }
    audit::record(
        conn,
        user,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        "user",
        id,
        json!({ "email": row.email }),
    )?;
    Ok(User::from(find_user(conn, id)?))
}

/// An administrator removes an account (not their own); what it made stays, without its name.
pub fn delete_user(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<(), AppError> {
    user.require_admin()?;
    if id == user.id.to_string() {
        return Err(AppError::Conflict(
            "you cannot delete your own account".into(),
        ));
    }
    let row = find_user(conn, id)?;
    diesel::delete(users::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        user,
        "user.delete",
        "user",
        id,
        json!({ "email": row.email }),
    )
}

/// What removing an organisation takes along with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrganisationContents {
    pub members: i64,
    pub events: i64,
    /// Playlist items that show its events.
    pub playlist_items: i64,
    pub library_files: i64,
}

pub fn organisation_contents(
    conn: &mut DbConnection,
    id: &str,
) -> Result<OrganisationContents, AppError> {
    use crate::db::schema::{events, media_assets, playlist_items};
    let event_ids: Vec<String> = events::table
        .filter(events::organisation_id.eq(id))
        .select(events::id)
        .load(conn)?;
    Ok(OrganisationContents {
        members: users::table
            .filter(users::organisation_id.eq(id))
            .count()
            .get_result(conn)?,
        events: i64::try_from(event_ids.len()).unwrap_or(i64::MAX),
        playlist_items: playlist_items::table
            .filter(playlist_items::event_id.eq_any(&event_ids))
            .count()
            .get_result(conn)?,
        library_files: media_assets::table
            .filter(media_assets::organisation_id.eq(id))
            .count()
            .get_result(conn)?,
    })
}

/// An administrator removes an organisation with everything that is its own: its members'
/// accounts, its events (and the playlist items that show them) and its library. Refused while
/// the city's own content (a slide, an emergency message) uses one of its library files.
pub fn delete_organisation(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
) -> Result<OrganisationContents, AppError> {
    use crate::db::schema::{emergency_messages, events, media_assets, playlist_items};
    user.require_admin()?;
    let row = find_organisation(conn, id)?;
    let contents = organisation_contents(conn, id)?;
    let event_ids: Vec<String> = events::table
        .filter(events::organisation_id.eq(id))
        .select(events::id)
        .load(conn)?;
    let media_ids: Vec<String> = media_assets::table
        .filter(media_assets::organisation_id.eq(id))
        .select(media_assets::id)
        .load(conn)?;
    let used_elsewhere = playlist_items::table
        .filter(playlist_items::media_id.eq_any(&media_ids))
        .filter(
            playlist_items::event_id
                .is_null()
                .or(playlist_items::event_id.ne_all(&event_ids)),
        )
        .count()
        .get_result::<i64>(conn)?
        + emergency_messages::table
            .filter(emergency_messages::media_id.eq_any(&media_ids))
            .count()
            .get_result::<i64>(conn)?;
    if used_elsewhere > 0 {
        return Err(AppError::Conflict(format!(
            "{used_elsewhere} slide(s) or emergency message(s) of the city use files of '{}': \
             remove them first",
            row.name
        )));
    }
    let playlists: Vec<String> = playlist_items::table
        .filter(playlist_items::event_id.eq_any(&event_ids))
        .select(playlist_items::playlist_id)
        .distinct()
        .load(conn)?;
    diesel::delete(playlist_items::table.filter(playlist_items::event_id.eq_any(&event_ids)))
        .execute(conn)?;
    for playlist_id in &playlists {
        crate::core::playlists::renumber(conn, playlist_id)?;
    }
    diesel::delete(events::table.filter(events::organisation_id.eq(id))).execute(conn)?;
    diesel::delete(media_assets::table.filter(media_assets::organisation_id.eq(id)))
        .execute(conn)?;
    diesel::delete(users::table.filter(users::organisation_id.eq(id))).execute(conn)?;
    diesel::delete(organisations::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        user,
        "organisation.delete",
        "organisation",
        id,
        json!({
            "name": row.name,
            "members": contents.members,
            "events": contents.events,
            "library_files": contents.library_files,
        }),
    )?;
    Ok(contents)
}
