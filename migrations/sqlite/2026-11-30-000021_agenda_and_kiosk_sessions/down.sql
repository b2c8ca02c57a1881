DROP TABLE kiosk_sessions;
DROP TABLE agenda_visits;
