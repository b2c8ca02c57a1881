DROP TABLE screen_screenshots;
ALTER TABLE screens DROP COLUMN screenshot_requested_at;
