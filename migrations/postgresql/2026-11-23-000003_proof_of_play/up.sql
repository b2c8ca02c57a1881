-- Proof of play: attribution, audience profiles and the rollups reports read.

-- Every playlist item ever made, kept after the item leaves its playlist, so that a play
-- uploaded days later is still attributed to its building, event and owner by the server
-- (never by what a player claims).
CREATE TABLE item_ledger (
    item_id TEXT PRIMARY KEY NOT NULL,
    building_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_id TEXT,
    organisation_id TEXT,
    category TEXT,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO item_ledger (item_id, building_id, kind, event_id, organisation_id, category, created_at)
SELECT pi.id, p.building_id, pi.kind, pi.event_id, COALESCE(e.organisation_id, m.organisation_id),
       e.category, pi.created_at
FROM playlist_items pi
JOIN playlists p ON p.id = pi.playlist_id
LEFT JOIN events e ON e.id = pi.event_id
LEFT JOIN media_assets m ON m.id = pi.media_id;

-- Who is in a building when; a new version for every change, never edited in place.
CREATE TABLE audience_profiles (
    building_id TEXT NOT NULL REFERENCES buildings(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    dayparts TEXT NOT NULL,
    audience_rows TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (building_id, version)
);

-- Raw plays are purged after the retention period; this finds them. Reports read the rollups,
-- so the per-screen index of the first schema only slowed ingestion down.
CREATE INDEX plays_started ON plays(started_at);
DROP INDEX plays_screen_started;

-- Hourly rollups, kept for good: one row per hour, screen, item and profile version.
-- item_key is the item id, or '' for an emergency message; profile_version 0: no profile.
CREATE TABLE play_hours (
    hour TIMESTAMP NOT NULL,
    screen_id TEXT NOT NULL,
    item_key TEXT NOT NULL,
    profile_version INTEGER NOT NULL,
    building_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_id TEXT,
    organisation_id TEXT,
    category TEXT,
    daypart TEXT NOT NULL,
    day_type TEXT NOT NULL,
    local_hour INTEGER NOT NULL,
    plays BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    played_ms BIGINT NOT NULL,
    impressions DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (hour, screen_id, item_key, profile_version)
);
CREATE INDEX play_hours_event ON play_hours(event_id, hour);
CREATE INDEX play_hours_organisation ON play_hours(organisation_id, hour);
CREATE INDEX play_hours_building ON play_hours(building_id, hour);

-- Daily rollups per building, daypart and day type, for long city-wide periods: a year of a
-- hundred screens is about 130,000 rows here instead of millions of hours. The key leads with
-- what reports group by, so a year is grouped in one ordered pass without sorting.
CREATE TABLE play_days (
    day TIMESTAMP NOT NULL,
    building_id TEXT NOT NULL,
    daypart TEXT NOT NULL,
    day_type TEXT NOT NULL,
    profile_version INTEGER NOT NULL,
    plays BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    played_ms BIGINT NOT NULL,
    impressions DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (building_id, daypart, day_type, profile_version, day)
);
