DROP INDEX play_days_by_day;
