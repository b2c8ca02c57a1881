-- The public agenda's reach and the kiosks' anonymous visitor sessions.

-- Visits of an event's public page (/agenda/{event_id}), per UTC day: a count only, no cookie,
-- address or browser is kept.
CREATE TABLE agenda_visits (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    day TIMESTAMP NOT NULL,
    visits BIGINT NOT NULL,
    PRIMARY KEY (event_id, day)
);

-- One visitor's use of a kiosk, from the first touch to the idle timeout: what was opened,
-- never who. Times on the server's clock (the player's clock plus its offset); the daypart and
-- kind of day are read in the building's time zone, as for plays. No foreign key to the
-- screen, like plays: a removed kiosk's sessions still count in the reports of their period.
CREATE TABLE kiosk_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    screen_id TEXT NOT NULL,
    building_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    clock_offset_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    language TEXT NOT NULL,
    -- JSON: the page kinds opened, in order.
    pages TEXT NOT NULL,
    -- JSON: the ids of the events whose page was opened.
    events_viewed TEXT NOT NULL,
    qr_shown INTEGER NOT NULL,
    searches INTEGER NOT NULL,
    daypart TEXT NOT NULL,
    day_type TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX kiosk_sessions_started ON kiosk_sessions (started_at);
