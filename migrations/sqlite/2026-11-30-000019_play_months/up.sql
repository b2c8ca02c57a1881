-- Monthly rollups (per building, daypart, day type and profile version, by UTC month), so that
-- a year's report reads a dozen rows per building instead of 365: added to with play_days in
-- the transaction that stores the plays, and filled here from the daily rows kept so far. No
-- index on the month: a report groups by the key's order, which a scan of the key gives
-- without sorting (an index on the month made SQLite sort 15,000 rows: 57 ms against 18).
CREATE TABLE play_months (
    month TIMESTAMP NOT NULL,
    building_id TEXT NOT NULL,
    daypart TEXT NOT NULL,
    day_type TEXT NOT NULL,
    profile_version INTEGER NOT NULL,
    plays BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    played_ms BIGINT NOT NULL,
    impressions DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (building_id, daypart, day_type, profile_version, month)
) WITHOUT ROWID;
INSERT INTO play_months (month, building_id, daypart, day_type, profile_version, plays, complete, played_ms, impressions)
SELECT substr(day, 1, 7) || '-01 00:00:00', building_id, daypart, day_type, profile_version,
       SUM(plays), SUM(complete), SUM(played_ms), SUM(impressions)
FROM play_days
GROUP BY substr(day, 1, 7), building_id, daypart, day_type, profile_version;
