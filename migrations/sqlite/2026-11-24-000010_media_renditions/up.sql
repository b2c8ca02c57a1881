-- Smaller JPEG copies of an uploaded image, made once at upload: what 1080p screens download and
-- the library's thumbnails. Keyed by the original's content, since a file uploaded to several
-- libraries is stored once; each rendition is in the media store under its own SHA-256.
CREATE TABLE media_renditions (
    source_sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source_sha256, kind)
);
CREATE INDEX media_renditions_sha256 ON media_renditions (sha256);

-- Manifests name renditions: a new or removed one changes them (see content_versions).
CREATE TRIGGER media_renditions_insert_bumps_manifests AFTER INSERT ON media_renditions
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;

CREATE TRIGGER media_renditions_delete_bumps_manifests AFTER DELETE ON media_renditions
BEGIN UPDATE content_versions SET version = version + 1 WHERE name = 'manifests'; END;
