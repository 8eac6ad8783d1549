-- Result chunks of cluster mode: a task's per-slice outcomes, one row per slice, fenced. Every new
-- activation of an unfinished task raises the task's fence above anything an earlier activation
-- held before it writes; a chunk is written only when its fence is not below the task's, in the
-- same statement, so a stale activation (a silo paused past its declared death) adds no row.
-- Chunks written by earlier releases stay in orleans_grain_state and are read from there.
CREATE TABLE task_result_chunks
(
    task_id    uuid        NOT NULL,
    number     integer     NOT NULL,
    fence      bigint      NOT NULL,
    payload    bytea       NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, number)
);

CREATE TABLE task_result_fences
(
    task_id uuid   PRIMARY KEY,
    fence   bigint NOT NULL
);
