-- Raw plays partitioned by the UTC day they started, so that the nightly purge drops whole
-- days instead of deleting tens of millions of rows in one transaction.
--
-- A partitioned table's unique keys must hold the partition key, so the key is (id,
-- started_at). A replayed play carries the same id and the same start time (the player sends
-- the record it stored), lands in the same day's partition and meets its stored copy there.

ALTER TABLE plays RENAME TO plays_unpartitioned;
ALTER TABLE plays_unpartitioned RENAME CONSTRAINT plays_pkey TO plays_unpartitioned_pkey;
DROP INDEX plays_started;

CREATE TABLE plays (
    id TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    screen_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    item_id TEXT,
    content_hash TEXT,
    owner TEXT,
    kind TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    planned_ms BIGINT NOT NULL,
    played_ms BIGINT NOT NULL,
    clock_offset_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    display_on BOOLEAN,
    player_version TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    building_id TEXT,
    daypart TEXT,
    multiplier DOUBLE PRECISION,
    multiplier_version INTEGER,
    impressions_est DOUBLE PRECISION,
    PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

-- A safety net: a play whose day has no partition yet is kept here rather than refused. When
-- that day's partition is made, its rows move into it.
CREATE TABLE plays_default PARTITION OF plays DEFAULT;

-- Makes the partition of one UTC day (plays_pYYYYMMDD) unless it exists. Ingestion calls it
-- for the days of a batch before its transaction, the purge for the days ahead. Callers are
-- serialised by an advisory lock, so instances racing for one day make it once.
CREATE FUNCTION civicast_play_partition(day DATE) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    part_name TEXT := 'plays_p' || to_char(day, 'YYYYMMDD');
    starts TIMESTAMP := day::timestamp;
    ends TIMESTAMP := (day + 1)::timestamp;
BEGIN
    IF to_regclass(part_name) IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(203300883);
    IF to_regclass(part_name) IS NOT NULL THEN
        RETURN;
    END IF;
    -- Built apart and attached, so the rows the default partition holds for that day can move
    -- in first (a day cannot be attached while the default partition holds rows of it).
    EXECUTE format('CREATE TABLE %I (LIKE plays INCLUDING DEFAULTS)', part_name);
    EXECUTE format(
        'WITH moved AS (DELETE FROM plays_default WHERE started_at >= %L AND started_at < %L '
        'RETURNING *) INSERT INTO %I SELECT * FROM moved',
        starts, ends, part_name);
    EXECUTE format('ALTER TABLE plays ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        part_name, starts, ends);
END
$$;

SELECT civicast_play_partition(day)
FROM (
    SELECT DISTINCT started_at::date AS day FROM plays_unpartitioned
    UNION
    SELECT (now() AT TIME ZONE 'UTC')::date + ahead FROM generate_series(-1, 7) AS ahead
) AS days;

INSERT INTO plays (id, schema_version, screen_id, seq, item_id, content_hash, owner, kind,
    started_at, ended_at, planned_ms, played_ms, clock_offset_ms, outcome, display_on,
    player_version, received_at, building_id, daypart, multiplier, multiplier_version,
    impressions_est)
SELECT id, schema_version, screen_id, seq, item_id, content_hash, owner, kind,
    started_at, ended_at, planned_ms, played_ms, clock_offset_ms, outcome, display_on,
    player_version, received_at, building_id, daypart, multiplier, multiplier_version,
    impressions_est
FROM plays_unpartitioned;

DROP TABLE plays_unpartitioned;
