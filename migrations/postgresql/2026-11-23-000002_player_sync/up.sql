-- Players: pairing by a code on screen, and the status each player reports with its polls.
-- Keep in step with the other backend's migration of the same name and server/src/db/schema.rs.

CREATE TABLE pairing_requests (
    code TEXT PRIMARY KEY NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    player_version TEXT NOT NULL,
    screen_id TEXT REFERENCES screens(id) ON DELETE CASCADE,
    -- The device token, held only until the player collects it (then the row is deleted).
    screen_token TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX pairing_requests_expiry ON pairing_requests(expires_at);

ALTER TABLE screens ADD COLUMN player_version TEXT;
ALTER TABLE screens ADD COLUMN now_playing_item_id TEXT;
ALTER TABLE screens ADD COLUMN manifest_etag TEXT;
ALTER TABLE screens ADD COLUMN cache_bytes BIGINT;
ALTER TABLE screens ADD COLUMN cache_files INTEGER;
ALTER TABLE screens ADD COLUMN output_width INTEGER;
ALTER TABLE screens ADD COLUMN output_height INTEGER;
ALTER TABLE screens ADD COLUMN uptime_s BIGINT;
ALTER TABLE screens ADD COLUMN status_at TIMESTAMP;
