-- The priority of each task on its list row. A column with a default only, so a silo of the previous
-- release, still running during a rolling upgrade, keeps writing its own columns; its rows read as normal.
ALTER TABLE task_history
    ADD COLUMN priority smallint NOT NULL DEFAULT 0;
