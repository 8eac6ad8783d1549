-- Grain state for the Orleans ADO.NET persistence provider. The integer version is the ETag:
-- a write names the version it read (NULL for a first write) and gets the next one back, or
-- NULL when another writer got there first, which the provider turns into
-- InconsistentStateException. Every query returns exactly one row for that reason.
CREATE TABLE orleans_grain_state
(
    service_id        varchar(150) NOT NULL,
    grain_type_hash   integer      NOT NULL,
    grain_type        varchar(512) NOT NULL,
    grain_id_hash     integer      NOT NULL,
    grain_id_n0       bigint       NOT NULL,
    grain_id_n1       bigint       NOT NULL,
    grain_id_extension varchar(512),
    payload           bytea,
    version           integer      NOT NULL,
    changed_at        timestamptz  NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX orleans_grain_state_key ON orleans_grain_state
    (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_type, coalesce(grain_id_extension, ''));

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS PayloadBinary, version AS Version
FROM orleans_grain_state
WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_type = @GrainTypeString
  AND grain_id_hash = @GrainIdHash AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND coalesce(grain_id_extension, '') = coalesce(@GrainIdExtensionString::varchar, '')
$q$),

('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_grain_state
    SET payload = @PayloadBinary, version = version + 1, changed_at = now()
    WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_type = @GrainTypeString
      AND grain_id_hash = @GrainIdHash AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND coalesce(grain_id_extension, '') = coalesce(@GrainIdExtensionString::varchar, '')
      AND version = @GrainStateVersion::integer
    RETURNING version),
inserted AS (
    INSERT INTO orleans_grain_state (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
    SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString::varchar, @PayloadBinary, 1
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS NewGrainStateVersion
$q$),

('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans_grain_state
    SET payload = NULL, version = version + 1, changed_at = now()
    WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_type = @GrainTypeString
      AND grain_id_hash = @GrainIdHash AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND coalesce(grain_id_extension, '') = coalesce(@GrainIdExtensionString::varchar, '')
      AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT (SELECT version FROM cleared) AS Version
$q$),

('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans_grain_state
    WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_type = @GrainTypeString
      AND grain_id_hash = @GrainIdHash AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND coalesce(grain_id_extension, '') = coalesce(@GrainIdExtensionString::varchar, '')
      AND version = @GrainStateVersion::integer
    RETURNING version)
SELECT (SELECT version + 1 FROM deleted) AS Version
$q$);
