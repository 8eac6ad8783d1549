-- delete_missing: the document ids a task's pass over its source saw (recorded slice by slice, so a
-- pass resumed after a crash records a slice again harmlessly), and where the removal at the end of
-- the pass stands. The removal goes through the collection in document-id order, a bounded batch per
-- statement; each batch's deletions, the cursor after it and the count so far commit together, so a
-- removal resumed after a crash goes on at its cursor, removing nothing twice and counting once.
-- The removal's row is written with the pass's first record: a removal step that finds none (the
-- pass forgotten, a stale activation's step after its task ended) removes nothing.
-- Both tables' rows go when the task ends (whatever the end) or is purged.
CREATE TABLE task_seen_documents
(
    task_id     uuid         NOT NULL,
    document_id varchar(512) NOT NULL,
    PRIMARY KEY (task_id, document_id)
);

CREATE TABLE task_deletions
(
    task_id  uuid         PRIMARY KEY,
    after_id varchar(512) NOT NULL DEFAULT '',
    deleted  bigint       NOT NULL DEFAULT 0,
    done     boolean      NOT NULL DEFAULT false
);
