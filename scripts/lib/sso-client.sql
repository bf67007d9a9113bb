-- An OAuth2 client of the SSO server, made or updated in place: the application
-- /application/System/<client>, enabled, with credentials (idtrust.sso_client) whose
-- secret is $IDTRUST_CLIENT_SECRET (bcrypt through pgcrypto, as PUT $attribute/metadata
-- stores it) and whose metadata allows the space-separated scopes :'scopes'.
-- Used by scripts/run (the demo client idtrust-cli) and the test suite:
--   IDTRUST_CLIENT_SECRET=... psql -v client=idtrust-cli -v scopes='sso.manage myid.rest.basic' -f sso-client.sql
\set ON_ERROR_STOP on
\getenv secret IDTRUST_CLIENT_SECRET
BEGIN;
INSERT INTO idtrust.sso_object (type, parent_id, name, path, attributes)
SELECT 'application', s.id, :'client', '/System/' || :'client',
       jsonb_build_object('enabled', 'true', 'description',
                          jsonb_build_array('OAuth2 client ' || :'client'))
  FROM idtrust.sso_object s WHERE s.type = 'site' AND s.path_key = '/system'
ON CONFLICT (type, path_key) DO UPDATE
   SET attributes = idtrust.sso_object.attributes || '{"enabled": "true"}'::jsonb;
INSERT INTO idtrust.sso_client (application_id, client_id, secret_hash, metadata, metadata_type)
SELECT a.id, :'client', crypt(:'secret', gen_salt('bf', 10)),
       jsonb_build_object('client_id', :'client', 'scope', :'scopes',
                          'grant_types', jsonb_build_array('client_credentials'))::text,
       'application/json'
  FROM idtrust.sso_object a WHERE a.type = 'application' AND a.path_key = lower('/System/' || :'client')
ON CONFLICT (application_id) DO UPDATE
   SET client_id = EXCLUDED.client_id, metadata = EXCLUDED.metadata, updated_at = now(),
       secret_hash = CASE WHEN idtrust.sso_client.secret_hash = crypt(:'secret', idtrust.sso_client.secret_hash)
                          THEN idtrust.sso_client.secret_hash ELSE EXCLUDED.secret_hash END;
COMMIT;
