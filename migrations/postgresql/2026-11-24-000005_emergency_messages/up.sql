-- Emergency messages: active while cleared_at is empty. Kept after clearing, as a record.
CREATE TABLE emergency_messages (
    id TEXT PRIMARY KEY NOT NULL,
    text TEXT NOT NULL,
    building_id TEXT REFERENCES buildings(id) ON DELETE CASCADE,
    media_id TEXT REFERENCES media_assets(id),
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    cleared_at TIMESTAMP,
    cleared_by TEXT
);
CREATE INDEX emergency_messages_active ON emergency_messages(cleared_at);
