-- Videos in the library: what ffprobe read at upload (NULL for images).
ALTER TABLE media_assets ADD COLUMN duration_ms INTEGER;
ALTER TABLE media_assets ADD COLUMN frame_rate DOUBLE PRECISION;
ALTER TABLE media_assets ADD COLUMN video_codec TEXT;
ALTER TABLE media_assets ADD COLUMN audio_codec TEXT;

-- What a player last reported it could not decode (JSON list of {sha256, reason}; NULL: none).
ALTER TABLE screens ADD COLUMN unplayable TEXT;

-- A playlist item plays a video's sound only when staff ask for it.
ALTER TABLE playlist_items ADD COLUMN sound BOOLEAN NOT NULL DEFAULT FALSE;

-- The player-safe renditions of a video, made in the background: one row per content (a file
-- uploaded to several libraries is made once). queued -> running (claimed_by, with a lease
-- renewed while ffmpeg runs; a lapsed claim is taken over) -> done | failed (ffmpeg's reason).
-- Its own table, not columns of media_assets, so that progress does not change manifests'
-- content versions; the renditions it stores do.
CREATE TABLE video_jobs (
    source_sha256 TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX video_jobs_waiting ON video_jobs (state, created_at);
