-- The retry links of each task on its list row: the task it retries and the task that retries it.
-- Nullable columns only, so a silo of the previous release, still running during a rolling upgrade,
-- keeps writing its own columns; its rows read as not linked until the task's next change.
ALTER TABLE task_history
    ADD COLUMN retry_of   uuid,
    ADD COLUMN retried_by uuid;
