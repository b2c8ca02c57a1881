//! Audience profiles in the database: versions are only ever added, and the latest one
//! estimates new plays.

use civicast_shared::api::audience::{
    AudienceProfile, AudienceProfileInput, IMPRESSION_METHOD, default_dayparts,
};
use diesel::prelude::*;

use crate::db::models::{stored_id, stored_json, to_json};
use crate::db::schema::audience_profiles;
use crate::db::{self, DbConnection};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audience_profiles)]
pub struct ProfileRow {
    pub building_id: String,
    pub version: i32,
    pub source: String,
    pub dayparts: String,
    pub audience_rows: String,
    pub created_at: chrono::NaiveDateTime,
    pub created_by: String,
}

impl From<ProfileRow> for AudienceProfile {
    fn from(row: ProfileRow) -> AudienceProfile {
        AudienceProfile {
            building_id: stored_id(&row.building_id),
            version: row.version,
            source: row.source,
            dayparts: stored_json(&row.dayparts),
            rows: stored_json(&row.audience_rows),
            created_at: row.created_at.and_utc(),
            created_by: row.created_by,
            method: IMPRESSION_METHOD.to_owned(),
        }
    }
}

/// The building's newest profile, if it has one.
pub fn latest(
    conn: &mut DbConnection,
    building_id: &str,
) -> Result<Option<AudienceProfile>, AppError> {
    Ok(audience_profiles::table
        .filter(audience_profiles::building_id.eq(building_id))
        .order(audience_profiles::version.desc())
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?
        .map(AudienceProfile::from))
}

/// One stored version.
pub fn version(
    conn: &mut DbConnection,
    building_id: &str,
    version: i32,
) -> Result<Option<AudienceProfile>, AppError> {
    Ok(audience_profiles::table
        .find((building_id, version))
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?
        .map(AudienceProfile::from))
}

/// The profiles named by `keys` (building, version), in one query: a report over a hundred
/// buildings asks for all of them at once instead of one by one.
pub fn versions(
    conn: &mut DbConnection,
    keys: &std::collections::BTreeSet<(String, i32)>,
) -> Result<std::collections::HashMap<(String, i32), AudienceProfile>, AppError> {
    let buildings: std::collections::BTreeSet<&str> =
        keys.iter().map(|(building, _)| building.as_str()).collect();
    let mut found = std::collections::HashMap::new();
    // In slices, so that a city of many buildings stays within SQLite's bound parameters.
    let buildings: Vec<&str> = buildings.into_iter().collect();
    for slice in buildings.chunks(500) {
        let rows = audience_profiles::table
            .filter(audience_profiles::building_id.eq_any(slice))
            .select(ProfileRow::as_select())
            .load(conn)?;
        for row in rows {
            let key = (row.building_id.clone(), row.version);
            if keys.contains(&key) {
                found.insert(key, AudienceProfile::from(row));
            }
        }
    }
    Ok(found)
}

/// The newest profile of every building that has one.
pub fn all_latest(conn: &mut DbConnection) -> Result<Vec<AudienceProfile>, AppError> {
    let rows = audience_profiles::table
        .order((
            audience_profiles::building_id,
            audience_profiles::version.desc(),
        ))
        .select(ProfileRow::as_select())
        .load(conn)?;
    let mut latest: Vec<AudienceProfile> = Vec::new();
    for row in rows {
        if latest
            .last()
            .is_none_or(|last| last.building_id.to_string() != row.building_id)
        {
            latest.push(row.into());
        }
    }
    Ok(latest)
}

/// Stores `input` (validated) as the building's next version; call it inside a transaction.
pub fn add_version(
    conn: &mut DbConnection,
    building_id: &str,
    input: &AudienceProfileInput,
    created_by: &str,
) -> Result<AudienceProfile, AppError> {
    let next: i32 = audience_profiles::table
        .filter(audience_profiles::building_id.eq(building_id))
        .select(diesel::dsl::max(audience_profiles::version))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0)
        + 1;
    let row = ProfileRow {
        building_id: building_id.to_owned(),
        version: next,
        source: input.source.trim().to_owned(),
        dayparts: to_json(&input.dayparts.clone().unwrap_or_else(default_dayparts)),
        audience_rows: to_json(&input.rows),
        created_at: db::now(),
        created_by: created_by.to_owned(),
    };
    diesel::insert_into(audience_profiles::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}
