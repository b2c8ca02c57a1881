-- Besides the one number every change raises ('manifests'), a number per building
-- ('building:<id>') raised by changes to what that building's manifests are made of, and
-- 'everything' for changes that reach every building (an organisation's name, a library file
-- changed or removed). An instance then forgets only the changed buildings' manifests, instead
-- of every manifest at every edit anywhere.
INSERT INTO content_versions (name, version) VALUES ('everything', 0);

CREATE FUNCTION bump_building_content(building TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO content_versions (name, version)
    SELECT 'building:' || building, 1 WHERE building IS NOT NULL
    ON CONFLICT (name) DO UPDATE SET version = content_versions.version + 1;
$$;

CREATE FUNCTION bump_everything_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_versions SET version = version + 1 WHERE name = 'everything';
    RETURN NULL;
END;
$$;

-- The statement triggers now raise 'manifests' BEFORE the statement: every transaction that
-- raises a building's number holds the 'manifests' row first, so two of them never lock
-- building rows in opposite orders (no deadlock).
DROP TRIGGER buildings_bump_manifests ON buildings;
DROP TRIGGER playlists_bump_manifests ON playlists;
DROP TRIGGER playlist_items_bump_manifests ON playlist_items;
DROP TRIGGER events_bump_manifests ON events;
DROP TRIGGER media_assets_bump_manifests ON media_assets;
DROP TRIGGER organisations_bump_manifests ON organisations;
DROP TRIGGER screens_bump_manifests ON screens;
DROP TRIGGER media_renditions_bump_manifests ON media_renditions;

CREATE TRIGGER buildings_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER playlists_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON playlists
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER playlist_items_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON playlist_items
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER events_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER media_assets_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON media_assets
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER organisations_bump_manifests BEFORE INSERT OR DELETE OR UPDATE OF name ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER screens_bump_manifests BEFORE INSERT OR DELETE OR UPDATE OF building_id, playlist_id, name, kind, width, height, orientation, token_hash ON screens
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();
CREATE TRIGGER media_renditions_bump_manifests BEFORE INSERT OR UPDATE OR DELETE ON media_renditions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_manifests_version();

CREATE FUNCTION buildings_bump_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM bump_building_content(OLD.id); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM bump_building_content(NEW.id); END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER buildings_bump_building AFTER INSERT OR UPDATE OR DELETE ON buildings
    FOR EACH ROW EXECUTE FUNCTION buildings_bump_building();

-- Playlists and screens name their building.
CREATE FUNCTION row_bumps_its_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM bump_building_content(OLD.building_id); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM bump_building_content(NEW.building_id); END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER playlists_bump_building AFTER INSERT OR UPDATE OR DELETE ON playlists
    FOR EACH ROW EXECUTE FUNCTION row_bumps_its_building();
CREATE TRIGGER screens_bump_building AFTER INSERT OR DELETE OR UPDATE OF building_id, playlist_id, name, kind, width, height, orientation, token_hash ON screens
    FOR EACH ROW EXECUTE FUNCTION row_bumps_its_building();

CREATE FUNCTION playlist_items_bump_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_building_content(building_id) FROM playlists WHERE id = OLD.playlist_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_building_content(building_id) FROM playlists WHERE id = NEW.playlist_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER playlist_items_bump_building AFTER INSERT OR UPDATE OR DELETE ON playlist_items
    FOR EACH ROW EXECUTE FUNCTION playlist_items_bump_building();

-- An event shows where an item plays it; a new event is in no playlist yet, and a removed
-- one takes its items with it (their own trigger).
CREATE FUNCTION events_bump_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_building_content(building_id) FROM (
        SELECT DISTINCT p.building_id FROM playlist_items i JOIN playlists p ON p.id = i.playlist_id
        WHERE i.event_id = NEW.id ORDER BY p.building_id
    ) AS showing;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_bump_building AFTER UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_bump_building();

-- A rendition made later (backfill) changes the manifests that show its original.
CREATE FUNCTION media_renditions_bump_building() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    original TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD.source_sha256 ELSE NEW.source_sha256 END;
BEGIN
    PERFORM bump_building_content(building_id) FROM (
        SELECT DISTINCT p.building_id
        FROM playlist_items i
        JOIN playlists p ON p.id = i.playlist_id
        LEFT JOIN events e ON e.id = i.event_id
        JOIN media_assets m ON m.id = i.media_id OR m.id = e.poster_media_id
        WHERE m.sha256 = original ORDER BY p.building_id
    ) AS showing;
    RETURN NULL;
END;
$$;
CREATE TRIGGER media_renditions_bump_building AFTER INSERT OR UPDATE OR DELETE ON media_renditions
    FOR EACH ROW EXECUTE FUNCTION media_renditions_bump_building();

-- A new library file is in no manifest yet; a changed or removed one may be in any (the logo).
CREATE TRIGGER media_assets_bump_everything AFTER UPDATE OR DELETE ON media_assets
    FOR EACH STATEMENT EXECUTE FUNCTION bump_everything_content();
CREATE TRIGGER organisations_bump_everything AFTER DELETE OR UPDATE OF name ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_everything_content();
