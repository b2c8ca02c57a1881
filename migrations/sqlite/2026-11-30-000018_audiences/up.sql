-- The reports' chart over time sums the daily rollups by day for the whole city: an index in
-- day order that holds the two sums lets it read them without the table and without sorting.
CREATE INDEX play_days_by_day ON play_days (day, plays, impressions);
