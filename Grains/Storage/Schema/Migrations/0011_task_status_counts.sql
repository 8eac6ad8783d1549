-- Counts by status without counting rows: a running total per owner and status, kept by triggers
-- on task_history, so that a count reads at most six rows per owner however long the history.
-- The triggers only append to task_status_count_deltas, never update a shared row, so that
-- concurrent history writes never wait on (or deadlock over) an owner's totals; reading the counts
-- first folds the deltas in (task_status_counts_fold). Silos of the previous release, still
-- running during a rolling upgrade, write task_history as before and the triggers count their rows.
CREATE TABLE task_status_counts
(
    owner_id varchar(300) NOT NULL,
    status   smallint     NOT NULL,
    count    bigint       NOT NULL,
    PRIMARY KEY (owner_id, status)
);

CREATE TABLE task_status_count_deltas
(
    owner_id varchar(300) NOT NULL,
    status   smallint     NOT NULL,
    delta    integer      NOT NULL
);

CREATE FUNCTION task_status_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO task_status_count_deltas (owner_id, status, delta) VALUES (OLD.owner_id, OLD.status, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO task_status_count_deltas (owner_id, status, delta) VALUES (NEW.owner_id, NEW.status, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER task_history_counted AFTER INSERT OR DELETE ON task_history
    FOR EACH ROW EXECUTE FUNCTION task_status_count_delta();

-- Progress updates leave owner and status alone: they add nothing.
CREATE TRIGGER task_history_recounted AFTER UPDATE OF owner_id, status ON task_history
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION task_status_count_delta();

-- Moves the deltas into the totals. Two folds at once never count a delta twice (each deletes
-- its own rows) and lock totals in key order (no deadlock).
CREATE FUNCTION task_status_counts_fold() RETURNS void LANGUAGE sql AS $$
    WITH moved AS (DELETE FROM task_status_count_deltas RETURNING owner_id, status, delta)
    INSERT INTO task_status_counts AS c (owner_id, status, count)
    SELECT owner_id, status, sum(delta) FROM moved GROUP BY owner_id, status ORDER BY owner_id, status
    ON CONFLICT (owner_id, status) DO UPDATE SET count = c.count + excluded.count;
$$;

-- The rows already there; the triggers, created above in this same transaction, hold writers
-- off until it commits, so no row is counted twice or missed.
INSERT INTO task_status_counts (owner_id, status, count)
SELECT owner_id, status, count(*) FROM task_history GROUP BY owner_id, status;
