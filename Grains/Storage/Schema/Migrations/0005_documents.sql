-- The document index of cluster mode: one row per document and collection, searchable through
-- a stored tsvector (title weighted above content) with a GIN index. write_count counts the
-- writes of a row, so incremental runs can be checked to write nothing.
CREATE TABLE documents
(
    collection   varchar(64)  NOT NULL,
    document_id  varchar(512) NOT NULL,
    title        text,
    content      text         NOT NULL,
    content_hash char(64)     NOT NULL,
    written_by   uuid         NOT NULL,
    write_count  integer      NOT NULL DEFAULT 1,
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    search       tsvector GENERATED ALWAYS AS (
                     setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                     setweight(to_tsvector('english', content), 'B')) STORED,
    PRIMARY KEY (collection, document_id)
);

CREATE INDEX documents_search ON documents USING gin (search);
