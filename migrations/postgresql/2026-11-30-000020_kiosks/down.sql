DROP TRIGGER media_renditions_bump_kiosks ON media_renditions;
DROP TRIGGER buildings_bump_kiosks ON buildings;
DROP TRIGGER events_bump_kiosks ON events;
DROP TABLE city_services;
DROP TABLE kiosk_points;
DROP TABLE kiosk_settings;
DROP FUNCTION bump_kiosks_content();
DELETE FROM content_versions WHERE name = 'kiosks';
