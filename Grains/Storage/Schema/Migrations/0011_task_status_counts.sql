-- Counts by status without counting rows: a running total per owner and status, kept by triggers
-- on task_history, so that a count reads at most six rows per owner however long the history.
-- The triggers only append to task_status_count_deltas, never update a shared row, so that
-- concurrent history writes never wait on (or deadlock over) an owner's totals; reading the counts
-- adds the deltas not folded yet to the totals. Every silo folds the deltas in, a bounded chunk at a
-- time, every second, and a count read folds one chunk, so the deltas never pile up and no read
-- folds more than one chunk (task_status_counts_fold). Silos of the previous release, still
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
    id       bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- Moves at most max_rows of the oldest deltas into the totals and says how many it moved. Folds
-- running at once (every silo's, a count read's) skip each other's deltas instead of waiting, never
-- count a delta twice (each deletes its own rows) and lock totals in key order (no deadlock).
CREATE FUNCTION task_status_counts_fold(max_rows integer) RETURNS integer LANGUAGE sql AS $$
    WITH taken AS (
        SELECT id FROM task_status_count_deltas ORDER BY id LIMIT max_rows FOR UPDATE SKIP LOCKED
    ), moved AS (
        DELETE FROM task_status_count_deltas d USING taken WHERE d.id = taken.id RETURNING d.owner_id, d.status, d.delta
    ), summed AS (
        INSERT INTO task_status_counts AS c (owner_id, status, count)
        SELECT owner_id, status, sum(delta) FROM moved GROUP BY owner_id, status ORDER BY owner_id, status
        ON CONFLICT (owner_id, status) DO UPDATE SET count = c.count + excluded.count
    )
    SELECT count(*)::integer FROM moved;
$$;

-- The rows already there; the triggers, created above in this same transaction, hold writers
-- off until it commits, so no row is counted twice or missed.
INSERT INTO task_status_counts (owner_id, status, count)
SELECT owner_id, status, count(*) FROM task_history GROUP BY owner_id, status;
