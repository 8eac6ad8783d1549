-- Ranking reads the tsvector of every match before the top results are known. Stored out of line
-- (a ~1 KB document's tsvector is larger than its compressed content), each match costs a TOAST
-- index lookup and chunk reads besides its heap page, about 3.3 buffers per match. MAIN keeps the
-- tsvector in the row and moves the content out of line instead, which only the page's snippets
-- read. Rows written before this migration keep their layout until rewritten (VACUUM FULL documents).
ALTER TABLE documents ALTER COLUMN search SET STORAGE MAIN;
