ALTER TABLE organisations DROP COLUMN requested_name;
