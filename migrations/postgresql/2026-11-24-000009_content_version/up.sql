-- A number that every change to what a screen's manifest is made of raises: each server instance
-- keeps manifests and device tokens in memory and answers from there while the number it last read
-- is still the number here. Triggers raise it, so no write path can forget to.
CREATE TABLE content_versions (
    name TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO content_versions (name, version) VALUES ('manifests', 0);

CREATE FUNCTION bump_manifests_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_versions SET version = version + 1 WHERE name = 'manifests';
    RETURN NULL;
END;
$$;

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
