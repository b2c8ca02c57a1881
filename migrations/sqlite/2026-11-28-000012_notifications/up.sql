-- Notifications: what each user is told (the in-app inbox), the e-mails that carry it (the
-- outbox, written in the same transaction as the change that caused it and sent by a worker),
-- each user's choices, and the single-use links that set a password. A notice is stored as its
-- facts (JSON) and written out in the reader's language when it is shown or sent.

-- The language a user's notifications are written in.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'nl';

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    notice TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    -- 'none' (in-app only or sent at once), 'pending' (waits for the next digest), 'digested'.
    digest TEXT NOT NULL DEFAULT 'none'
);
CREATE INDEX notifications_inbox ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
CREATE INDEX notifications_digest ON notifications (digest, user_id);

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    notice TEXT NOT NULL,
    -- 'queued', 'sending' (claimed by an instance until claimed_until), 'sent', 'failed'.
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claim TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_claim ON mail_outbox (claim);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);

-- A user's choice per kind of notification: 'immediately', 'digest' or 'in_app'. A kind
-- without a row takes its default.
CREATE TABLE notification_preferences (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    delivery TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Links that set a password: an invitation or a reset. Stored as the SHA-256 of the token.
CREATE TABLE password_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_links_user ON password_links (user_id, created_at);

-- Notices sent once per event: 'on_screens' (its first play), 'reach' (after it ended).
CREATE TABLE event_notices (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    notice TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, notice)
);
