-- Task history: one row per task, kept current by its grain (on acceptance, at every status change
-- and at progress checkpoints), listed newest first per owner with keyset paging.
CREATE TABLE task_history
(
    task_id     uuid         NOT NULL PRIMARY KEY,
    owner_id    varchar(300) NOT NULL,
    collection  varchar(64)  NOT NULL,
    status      smallint     NOT NULL,
    progress    integer      NOT NULL,
    current     integer      NOT NULL,
    total       integer      NOT NULL,
    message     text         NOT NULL,
    created_at  timestamptz  NOT NULL,
    updated_at  timestamptz  NOT NULL,
    finished_at timestamptz
);

CREATE INDEX task_history_by_owner ON task_history (owner_id, created_at DESC, task_id DESC);
CREATE INDEX task_history_by_time ON task_history (created_at DESC, task_id DESC);
