-- A new name a verified association asked for: shown on screens only once staff approve it.
ALTER TABLE organisations ADD COLUMN requested_name TEXT;
