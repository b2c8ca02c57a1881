-- Besides the one number every change raises ('manifests'), a number per building
-- ('building:<id>') raised by changes to what that building's manifests are made of, and
-- 'everything' for changes that reach every building (an organisation's name, a library file
-- changed or removed). An instance then forgets only the changed buildings' manifests, instead
-- of every manifest at every edit anywhere. (SQLite has one writer: no lock order to keep.)
INSERT INTO content_versions (name, version) VALUES ('everything', 0);

CREATE TRIGGER buildings_insert_bumps_building AFTER INSERT ON buildings
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || NEW.id, 1 WHERE NEW.id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER playlists_insert_bumps_building AFTER INSERT ON playlists
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || NEW.building_id, 1 WHERE NEW.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER screens_insert_bumps_building AFTER INSERT ON screens
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || NEW.building_id, 1 WHERE NEW.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER playlist_items_insert_bumps_building AFTER INSERT ON playlist_items
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT building_id FROM playlists WHERE id = NEW.playlist_id) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER media_renditions_insert_bumps_building AFTER INSERT ON media_renditions
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT p.building_id FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id LEFT JOIN events e ON e.id = i.event_id JOIN media_assets m ON m.id = i.media_id OR m.id = e.poster_media_id WHERE m.sha256 = NEW.source_sha256) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER buildings_update_bumps_building AFTER UPDATE ON buildings
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || OLD.id, 1 WHERE OLD.id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; INSERT INTO content_versions (name, version) SELECT 'building:' || NEW.id, 1 WHERE NEW.id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER playlists_update_bumps_building AFTER UPDATE ON playlists
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || OLD.building_id, 1 WHERE OLD.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; INSERT INTO content_versions (name, version) SELECT 'building:' || NEW.building_id, 1 WHERE NEW.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER screens_update_bumps_building AFTER UPDATE OF building_id, playlist_id, name, kind, width, height, orientation, token_hash ON screens
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || OLD.building_id, 1 WHERE OLD.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; INSERT INTO content_versions (name, version) SELECT 'building:' || NEW.building_id, 1 WHERE NEW.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER playlist_items_update_bumps_building AFTER UPDATE ON playlist_items
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT building_id FROM playlists WHERE id = OLD.playlist_id) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT building_id FROM playlists WHERE id = NEW.playlist_id) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER media_renditions_update_bumps_building AFTER UPDATE ON media_renditions
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT p.building_id FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id LEFT JOIN events e ON e.id = i.event_id JOIN media_assets m ON m.id = i.media_id OR m.id = e.poster_media_id WHERE m.sha256 = NEW.source_sha256) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER buildings_delete_bumps_building AFTER DELETE ON buildings
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || OLD.id, 1 WHERE OLD.id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER playlists_delete_bumps_building AFTER DELETE ON playlists
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || OLD.building_id, 1 WHERE OLD.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER screens_delete_bumps_building AFTER DELETE ON screens
BEGIN INSERT INTO content_versions (name, version) SELECT 'building:' || OLD.building_id, 1 WHERE OLD.building_id IS NOT NULL ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER playlist_items_delete_bumps_building AFTER DELETE ON playlist_items
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT building_id FROM playlists WHERE id = OLD.playlist_id) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

CREATE TRIGGER media_renditions_delete_bumps_building AFTER DELETE ON media_renditions
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT p.building_id FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id LEFT JOIN events e ON e.id = i.event_id JOIN media_assets m ON m.id = i.media_id OR m.id = e.poster_media_id WHERE m.sha256 = OLD.source_sha256) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

-- An event shows where an item plays it; a new one is in no playlist yet, and a removed one
-- takes its items with it (their own trigger).
CREATE TRIGGER events_update_bumps_building AFTER UPDATE ON events
BEGIN INSERT INTO content_versions (name, version) SELECT DISTINCT 'building:' || building_id, 1 FROM (SELECT p.building_id FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id WHERE i.event_id = NEW.id) WHERE true ON CONFLICT (name) DO UPDATE SET version = version + 1; END;

-- A new library file is in no manifest yet; a changed or removed one may be in any (the logo).
CREATE TRIGGER media_assets_update_bumps_everything AFTER UPDATE ON media_assets
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'everything'; END;

CREATE TRIGGER media_assets_delete_bumps_everything AFTER DELETE ON media_assets
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'everything'; END;

CREATE TRIGGER organisations_name_bumps_everything AFTER UPDATE OF name ON organisations
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'everything'; END;

CREATE TRIGGER organisations_delete_bumps_everything AFTER DELETE ON organisations
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'everything'; END;
