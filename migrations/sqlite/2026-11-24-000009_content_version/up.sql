-- A number that every change to what a screen's manifest is made of raises: each server instance
-- keeps manifests and device tokens in memory and answers from there while the number it last read
-- is still the number here. Triggers raise it, so no write path can forget to.
CREATE TABLE content_versions (
    name TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO content_versions (name, version) VALUES ('manifests', 0);

CREATE TRIGGER buildings_insert_bumps_manifests AFTER INSERT ON buildings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER buildings_update_bumps_manifests AFTER UPDATE ON buildings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER buildings_delete_bumps_manifests AFTER DELETE ON buildings
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER playlists_insert_bumps_manifests AFTER INSERT ON playlists
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER playlists_update_bumps_manifests AFTER UPDATE ON playlists
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER playlists_delete_bumps_manifests AFTER DELETE ON playlists
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER playlist_items_insert_bumps_manifests AFTER INSERT ON playlist_items
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER playlist_items_update_bumps_manifests AFTER UPDATE ON playlist_items
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER playlist_items_delete_bumps_manifests AFTER DELETE ON playlist_items
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER events_insert_bumps_manifests AFTER INSERT ON events
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER events_update_bumps_manifests AFTER UPDATE ON events
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER events_delete_bumps_manifests AFTER DELETE ON events
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER media_assets_insert_bumps_manifests AFTER INSERT ON media_assets
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER media_assets_update_bumps_manifests AFTER UPDATE ON media_assets
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER media_assets_delete_bumps_manifests AFTER DELETE ON media_assets
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER organisations_insert_bumps_manifests AFTER INSERT ON organisations
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER organisations_update_bumps_manifests AFTER UPDATE OF name ON organisations
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER organisations_delete_bumps_manifests AFTER DELETE ON organisations
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER screens_insert_bumps_manifests AFTER INSERT ON screens
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER screens_update_bumps_manifests AFTER UPDATE OF building_id, playlist_id, name, kind, width, height, orientation, token_hash ON screens
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER screens_delete_bumps_manifests AFTER DELETE ON screens
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;
