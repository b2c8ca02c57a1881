-- Interactive kiosks: each kiosk's settings and "you are here" map page, and the city's list of
-- services that every kiosk carries. Keep in step with ../sqlite/ and server/src/db/schema.rs.

CREATE TABLE kiosk_settings (
    screen_id TEXT PRIMARY KEY NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    idle_timeout_s INTEGER NOT NULL,
    diagonal_mm INTEGER NOT NULL,
    -- A map removed from the library leaves the kiosk without its map page, not without a manifest.
    map_media_id TEXT REFERENCES media_assets(id) ON DELETE SET NULL,
    here_x INTEGER NOT NULL,
    here_y INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX kiosk_settings_map ON kiosk_settings(map_media_id);

CREATE TABLE kiosk_points (
    id TEXT PRIMARY KEY NOT NULL,
    screen_id TEXT NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    directions TEXT NOT NULL,
    building_id TEXT REFERENCES buildings(id) ON DELETE SET NULL
);
CREATE INDEX kiosk_points_screen ON kiosk_points(screen_id, position);
CREATE INDEX kiosk_points_building ON kiosk_points(building_id);

CREATE TABLE city_services (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- The name in lower case: one service per name, however it is capitalised.
    name_key TEXT NOT NULL UNIQUE,
    identifier TEXT,
    purpose TEXT NOT NULL,
    place TEXT NOT NULL,
    desk TEXT,
    hours TEXT,
    phone TEXT,
    web_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Kiosk manifests carry what no single building holds (every building's events, the services,
-- opening hours of the places on a map): 'kiosks' is raised by those changes, and each instance
-- then forgets its kiosks' manifests only. As everywhere, 'manifests' is raised before each
-- statement, so every transaction holds that row before it takes 'kiosks' (no deadlock).
INSERT INTO content_versions (name, version) VALUES ('kiosks', 0);

CREATE FUNCTION bump_kiosks_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks';
    RETURN NULL;
END;
$$;

CREATE TRIGGER kiosk_settings_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON kiosk_settings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER kiosk_points_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON kiosk_points
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER city_services_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON city_services
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();

CREATE TRIGGER kiosk_settings_bump_kiosks AFTER INSERT OR UPDATE OR DELETE ON kiosk_settings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_kiosks_content();
CREATE TRIGGER kiosk_points_bump_kiosks AFTER INSERT OR UPDATE OR DELETE ON kiosk_points
    FOR EACH STATEMENT EXECUTE FUNCTION bump_kiosks_content();
CREATE TRIGGER city_services_bump_kiosks AFTER INSERT OR UPDATE OR DELETE ON city_services
    FOR EACH STATEMENT EXECUTE FUNCTION bump_kiosks_content();
CREATE TRIGGER events_bump_kiosks AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bump_kiosks_content();
CREATE TRIGGER buildings_bump_kiosks AFTER UPDATE OR DELETE ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_kiosks_content();
CREATE TRIGGER media_renditions_bump_kiosks AFTER INSERT OR UPDATE OR DELETE ON media_renditions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_kiosks_content();
