DROP TABLE video_jobs;
ALTER TABLE playlist_items DROP COLUMN sound;
ALTER TABLE screens DROP COLUMN unplayable;
ALTER TABLE media_assets DROP COLUMN audio_codec;
ALTER TABLE media_assets DROP COLUMN video_codec;
ALTER TABLE media_assets DROP COLUMN frame_rate;
ALTER TABLE media_assets DROP COLUMN duration_ms;
