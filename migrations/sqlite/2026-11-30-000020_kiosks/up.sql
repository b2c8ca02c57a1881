-- Interactive kiosks: each kiosk's settings and "you are here" map page, and the city's list of
-- services that every kiosk carries. Keep in step with ../postgresql/ and server/src/db/schema.rs.

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
-- then forgets its kiosks' manifests only.
INSERT INTO content_versions (name, version) VALUES ('kiosks', 0);

CREATE TRIGGER kiosk_settings_insert_bumps_kiosks AFTER INSERT ON kiosk_settings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;
CREATE TRIGGER kiosk_settings_update_bumps_kiosks AFTER UPDATE ON kiosk_settings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;
CREATE TRIGGER kiosk_settings_delete_bumps_kiosks AFTER DELETE ON kiosk_settings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;

CREATE TRIGGER kiosk_points_insert_bumps_kiosks AFTER INSERT ON kiosk_points
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;
CREATE TRIGGER kiosk_points_update_bumps_kiosks AFTER UPDATE ON kiosk_points
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;
CREATE TRIGGER kiosk_points_delete_bumps_kiosks AFTER DELETE ON kiosk_points
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;

CREATE TRIGGER city_services_insert_bumps_kiosks AFTER INSERT ON city_services
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;
CREATE TRIGGER city_services_update_bumps_kiosks AFTER UPDATE ON city_services
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;
CREATE TRIGGER city_services_delete_bumps_kiosks AFTER DELETE ON city_services
BEGIN UPDATE content_versions SET version = version + 1 WHERE name IN ('manifests', 'kiosks'); END;

-- 'manifests' is raised by these tables' own triggers already.
CREATE TRIGGER events_insert_bumps_kiosks AFTER INSERT ON events
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;
CREATE TRIGGER events_update_bumps_kiosks AFTER UPDATE ON events
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;
CREATE TRIGGER events_delete_bumps_kiosks AFTER DELETE ON events
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;

CREATE TRIGGER buildings_update_bumps_kiosks AFTER UPDATE ON buildings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;
CREATE TRIGGER buildings_delete_bumps_kiosks AFTER DELETE ON buildings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;

CREATE TRIGGER media_renditions_insert_bumps_kiosks AFTER INSERT ON media_renditions
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;
CREATE TRIGGER media_renditions_update_bumps_kiosks AFTER UPDATE ON media_renditions
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;
CREATE TRIGGER media_renditions_delete_bumps_kiosks AFTER DELETE ON media_renditions
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'kiosks'; END;
