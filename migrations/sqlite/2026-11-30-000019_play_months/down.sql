DROP TABLE play_months;
