-- One row per scheduled run of a job: the instance that inserts it first runs it, so a job
-- due at one instant runs once however many server instances share the database.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome TEXT,
    PRIMARY KEY (job, due_at)
);
