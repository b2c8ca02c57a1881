-- Staff asked this screen's player for a screenshot at this time; cleared when it arrives.
ALTER TABLE screens ADD COLUMN screenshot_requested_at TIMESTAMP;

-- The latest screenshot of each screen, as its player uploaded it (JPEG). One per screen: a new
-- one replaces the old. Kept in the database so that every server instance can show it.
CREATE TABLE screen_screenshots (
    screen_id TEXT PRIMARY KEY NOT NULL REFERENCES screens (id) ON DELETE CASCADE,
    taken_at TIMESTAMP NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    jpeg BYTEA NOT NULL
);
