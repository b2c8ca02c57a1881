DROP INDEX event_decisions_event_time;
ALTER TABLE event_decisions DROP COLUMN snapshot;
