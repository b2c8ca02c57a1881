DROP TRIGGER organisations_bump_everything ON organisations;
DROP TRIGGER media_assets_bump_everything ON media_assets;
DROP TRIGGER media_renditions_bump_building ON media_renditions;
DROP FUNCTION media_renditions_bump_building();
DROP TRIGGER events_bump_building ON events;
DROP FUNCTION events_bump_building();
DROP TRIGGER playlist_items_bump_building ON playlist_items;
DROP FUNCTION playlist_items_bump_building();
DROP TRIGGER screens_bump_building ON screens;
DROP TRIGGER playlists_bump_building ON playlists;
DROP FUNCTION row_bumps_its_building();
DROP TRIGGER buildings_bump_building ON buildings;
DROP FUNCTION buildings_bump_building();
DROP FUNCTION bump_everything_content();
DROP FUNCTION bump_building_content(TEXT);
DELETE FROM content_versions WHERE name <> 'manifests';
DROP TRIGGER buildings_bump_manifests ON buildings;
DROP TRIGGER playlists_bump_manifests ON playlists;
DROP TRIGGER playlist_items_bump_manifests ON playlist_items;
DROP TRIGGER events_bump_manifests ON events;
DROP TRIGGER media_assets_bump_manifests ON media_assets;
DROP TRIGGER organisations_bump_manifests ON organisations;
DROP TRIGGER screens_bump_manifests ON screens;
DROP TRIGGER media_renditions_bump_manifests ON media_renditions;
CREATE TRIGGER buildings_bump_manifests AFTER INSERT OR UPDATE OR DELETE ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER playlists_bump_manifests AFTER INSERT OR UPDATE OR DELETE ON playlists
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER playlist_items_bump_manifests AFTER INSERT OR UPDATE OR DELETE ON playlist_items
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER events_bump_manifests AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER media_assets_bump_manifests AFTER INSERT OR UPDATE OR DELETE ON media_assets
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER organisations_bump_manifests AFTER INSERT OR DELETE OR UPDATE OF name ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER screens_bump_manifests AFTER INSERT OR DELETE OR UPDATE OF building_id, playlist_id, name, kind, width, height, orientation, token_hash ON screens
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER media_renditions_bump_manifests AFTER INSERT OR UPDATE OR DELETE ON media_renditions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
