-- The reports' chart over time sums the daily rollups by day for the whole city. Only the day
-- is indexed here: an index on the sums would stop PostgreSQL from updating a daily row in place
-- (HOT) at every ingested batch.
CREATE INDEX play_days_by_day ON play_days (day);
