-- Uploads: JSON-lines bodies sent to POST /api/uploads, readable by every silo. An upload row is
-- written first (completed = false) and its chunks after it, each exactly upload_chunk_bytes long
-- but the last (1 MiB, fixed in the code), so that the chunk holding any byte offset is found by
-- division. Only a completed upload is usable as a source. upload_tasks names the tasks that read an
-- upload: retention removes an upload only once no retained task names it.
CREATE TABLE uploads
(
    id        uuid         PRIMARY KEY,
    owner_id  varchar(300) NOT NULL,
    created   timestamptz  NOT NULL,
    completed boolean      NOT NULL DEFAULT false,
    bytes     bigint       NOT NULL DEFAULT 0,
    lines     bigint       NOT NULL DEFAULT 0
);

CREATE INDEX uploads_created ON uploads (created);

CREATE TABLE upload_chunks
(
    upload_id uuid   NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    seq       bigint NOT NULL,
    data      bytea  NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

-- JSON lines compress a little at great cost in time: keep the chunks as they are, out of line.
ALTER TABLE upload_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE upload_tasks
(
    upload_id uuid NOT NULL,
    task_id   uuid NOT NULL,
    PRIMARY KEY (upload_id, task_id)
);
