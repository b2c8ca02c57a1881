ALTER TABLE buildings DROP COLUMN display_hours;
