-- Civicast foundation schema (PostgreSQL). Keep in step with ../sqlite/ and server/src/db/schema.rs.
-- Ids are UUID text (v7, time-ordered); timestamps are UTC.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    description TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

CREATE TABLE buildings (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    venue_type TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE playlists (
    id TEXT PRIMARY KEY NOT NULL,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX playlists_building ON playlists(building_id);

CREATE TABLE screens (
    id TEXT PRIMARY KEY NOT NULL,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    playlist_id TEXT REFERENCES playlists(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    orientation TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    last_seen_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX screens_building ON screens(building_id);

CREATE TABLE media_assets (
    id TEXT PRIMARY KEY NOT NULL,
    sha256 TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    uploaded_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    original_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_assets_sha256 ON media_assets(sha256);
CREATE INDEX media_assets_organisation ON media_assets(organisation_id);

CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    venue TEXT NOT NULL,
    category TEXT NOT NULL,
    target_audiences TEXT NOT NULL,
    link TEXT,
    poster_media_id TEXT REFERENCES media_assets(id),
    requested_building_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    approved_building_ids TEXT NOT NULL,
    promotion_from TIMESTAMP,
    promotion_until TIMESTAMP,
    moderation_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX events_organisation ON events(organisation_id);
CREATE INDEX events_status_start ON events(status, starts_at);

CREATE TABLE event_decisions (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    decision TEXT NOT NULL,
    reason TEXT,
    building_ids TEXT NOT NULL,
    promotion_from TIMESTAMP,
    promotion_until TIMESTAMP,
    decided_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX event_decisions_event ON event_decisions(event_id);

CREATE TABLE playlist_items (
    id TEXT PRIMARY KEY NOT NULL,
    playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    event_id TEXT REFERENCES events(id) ON DELETE CASCADE,
    media_id TEXT REFERENCES media_assets(id),
    text TEXT,
    duration_ms INTEGER NOT NULL,
    fit TEXT NOT NULL,
    schedule TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX playlist_items_playlist ON playlist_items(playlist_id, position);
CREATE INDEX playlist_items_event ON playlist_items(event_id);

-- Proof of play: written by players, enriched by the server. No personal data by construction.
CREATE TABLE plays (
    id TEXT PRIMARY KEY NOT NULL,
    schema_version INTEGER NOT NULL,
    screen_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    item_id TEXT,
    content_hash TEXT,
    owner TEXT,
    kind TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    planned_ms BIGINT NOT NULL,
    played_ms BIGINT NOT NULL,
    clock_offset_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    display_on BOOLEAN,
    player_version TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    building_id TEXT,
    daypart TEXT,
    multiplier DOUBLE PRECISION,
    multiplier_version INTEGER,
    impressions_est DOUBLE PRECISION
);
CREATE INDEX plays_screen_started ON plays(screen_id, started_at);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity_id);
