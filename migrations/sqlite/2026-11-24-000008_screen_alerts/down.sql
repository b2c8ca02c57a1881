DROP TABLE screen_alerts;
ALTER TABLE buildings DROP COLUMN opening_hours;
