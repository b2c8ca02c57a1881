-- What the event looked like when a decision sent it back (changes requested, rejected) or the
-- association sent it again (resubmitted), as JSON: the queue flags a resubmission and its page
-- shows what changed field by field.
ALTER TABLE event_decisions ADD COLUMN snapshot TEXT;
-- An event's history in order, and its latest step, without sorting the table.
CREATE INDEX event_decisions_event_time ON event_decisions(event_id, decided_at);
