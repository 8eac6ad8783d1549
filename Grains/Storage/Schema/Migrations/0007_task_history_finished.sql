-- The retention job looks for tasks that ended long ago.
CREATE INDEX task_history_by_finish ON task_history (finished_at) WHERE finished_at IS NOT NULL;
