DROP TABLE play_days;
DROP TABLE play_hours;
DROP INDEX plays_started;
CREATE INDEX plays_screen_started ON plays(screen_id, started_at);
DROP TABLE audience_profiles;
DROP TABLE item_ledger;
