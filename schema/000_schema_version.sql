-- The idtrust schema and its migration record. Applied by scripts/migrate (or by hand
-- with: psql -v ON_ERROR_STOP=1 -1 -f schema/000_schema_version.sql).
CREATE SCHEMA IF NOT EXISTS idtrust;
COMMENT ON SCHEMA idtrust IS 'idtrust: repository shared by mod_idstore, mod_trustdoc, mod_certimport and mod_ssoadmin';

CREATE TABLE IF NOT EXISTS idtrust.schema_version (
    version    integer PRIMARY KEY CHECK (version >= 0),
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.schema_version IS 'One row per applied migration schema/NNN_name.sql; modules refuse to start when the highest version is below what they need';
COMMENT ON COLUMN idtrust.schema_version.version IS 'NNN of the migration file';
COMMENT ON COLUMN idtrust.schema_version.name IS 'File name of the migration';

INSERT INTO idtrust.schema_version (version, name) VALUES (0, '000_schema_version.sql')
ON CONFLICT (version) DO NOTHING;
