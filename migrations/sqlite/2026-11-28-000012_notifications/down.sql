DROP TABLE event_notices;
DROP TABLE password_links;
DROP TABLE notification_preferences;
DROP TABLE mail_outbox;
DROP TABLE notifications;
ALTER TABLE users DROP COLUMN language;
