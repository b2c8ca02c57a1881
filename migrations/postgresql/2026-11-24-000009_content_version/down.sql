DROP TRIGGER buildings_bump_manifests ON buildings;
DROP TRIGGER playlists_bump_manifests ON playlists;
DROP TRIGGER playlist_items_bump_manifests ON playlist_items;
DROP TRIGGER events_bump_manifests ON events;
DROP TRIGGER media_assets_bump_manifests ON media_assets;
DROP TRIGGER organisations_bump_manifests ON organisations;
DROP TRIGGER screens_bump_manifests ON screens;
DROP FUNCTION bump_manifests_version();
DROP TABLE content_versions;
