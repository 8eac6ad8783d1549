-- What the task feed and the dashboard read from each row: the task's seq at the change, its
-- documents-per-second rate and the batch or schedule that created it. Only columns with defaults
-- are added, so a silo of the previous release, still running during a rolling upgrade, keeps
-- writing and reading its own columns; its new rows read as seq 0 with no rate, batch or schedule.
ALTER TABLE task_history
    ADD COLUMN seq         bigint           NOT NULL DEFAULT 0,
    ADD COLUMN rate        double precision,
    ADD COLUMN batch_id    uuid,
    ADD COLUMN schedule_id uuid;

-- Counts by status: one owner's from their range of the index, everyone's from the whole of it.
-- Progress changes leave owner and status alone, so they stay heap-only updates.
CREATE INDEX task_history_by_owner_status ON task_history (owner_id, status);
