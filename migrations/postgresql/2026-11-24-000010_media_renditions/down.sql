DROP TRIGGER media_renditions_bump_manifests ON media_renditions;
DROP TABLE media_renditions;
