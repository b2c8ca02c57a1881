DROP TABLE play_days;
DROP TABLE play_hours;
DROP INDEX plays_started;
DROP TABLE audience_profiles;
DROP TABLE item_ledger;
