-- delete_missing: the documents a task's pass over its source saw (recorded slice by slice, so a
-- pass resumed after a crash records a slice again harmlessly), and what the deletion at the end of
-- the pass removed. The deletion and its count are one statement: repeated after a crash, it finds
-- its row and removes nothing more. Both go when the task ends or is purged.
CREATE TABLE task_seen_documents
(
    task_id     uuid         NOT NULL,
    document_id varchar(512) NOT NULL,
    PRIMARY KEY (task_id, document_id)
);

CREATE TABLE task_deletions
(
    task_id uuid   PRIMARY KEY,
    deleted bigint NOT NULL
);
