-- When the building is open to visitors, as a JSON list of rules in local time
-- ([{"weekdays":["Mon","Tue"],"start":"09:00:00","end":"17:00:00"}]); empty for always.
ALTER TABLE buildings ADD COLUMN opening_hours TEXT;

-- A screen that stopped calling while its building was open. Raised by the watch_screens job,
-- resolved by it once the screen calls again; staff see the open ones on the screens page.
CREATE TABLE screen_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    screen_id TEXT NOT NULL REFERENCES screens (id) ON DELETE CASCADE,
    -- When the screen last called before it went quiet.
    offline_since TIMESTAMP NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX screen_alerts_open ON screen_alerts (screen_id, resolved_at);
