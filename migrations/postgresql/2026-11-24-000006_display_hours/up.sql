-- When the building's screens are on, as a JSON time window in local time ({"start":"07:00:00","end":"22:00:00"}); empty for always.
ALTER TABLE buildings ADD COLUMN display_hours TEXT;
