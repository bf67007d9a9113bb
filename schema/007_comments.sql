-- A comment on every table, view and column of schema idtrust that had none (DBAs read
-- them with \d+ in psql; t/core/schema_comments.t keeps it so). Changes no data.
COMMENT ON COLUMN idtrust.schema_version.applied_at IS 'When the migration was applied';

COMMENT ON COLUMN idtrust.admin_account.name IS 'User name of the account, as sent in HTTP Basic: 1 to 64 of A-Z a-z 0-9 . _ @ -';
COMMENT ON COLUMN idtrust.admin_account.created_at IS 'When the account was created';

COMMENT ON COLUMN idtrust.audit.id IS 'Order of writing (identity)';
COMMENT ON COLUMN idtrust.audit.at IS 'Transaction time of the change; rows written by one request share it';
COMMENT ON COLUMN idtrust.audit.client_ip IS 'Client address httpd saw (mod_remoteip''s when configured)';
COMMENT ON COLUMN idtrust.audit.object_type IS 'Kind of object changed, e.g. identity_store, saml_certificate, external_idp, idp_certificate';
COMMENT ON COLUMN idtrust.audit.object_id IS 'The changed object''s id in its API (cer-... for SAML certificates, a UUID otherwise)';

COMMENT ON COLUMN idtrust.certificate.id IS 'Internal id of the inventory row; module tables point here (not shown by the module APIs)';
COMMENT ON COLUMN idtrust.certificate.issuer IS 'Issuer DN, RFC 2253';
COMMENT ON COLUMN idtrust.certificate.not_before IS 'Start of validity, whole seconds';
COMMENT ON COLUMN idtrust.certificate.not_after IS 'End of validity, whole seconds; GET /idtrust/v1/certificates?expiring_within_days= reads it';
COMMENT ON COLUMN idtrust.certificate.created_at IS 'When the row was added';

COMMENT ON COLUMN idtrust.identity_store.id IS '{identity_store_id} of the API paths';
COMMENT ON COLUMN idtrust.identity_store.name IS 'Unique name, 1 to 64 characters (the API also refuses control characters and names of white space only; the schema does not)';
COMMENT ON COLUMN idtrust.identity_store.created_at IS 'When the store was created';

COMMENT ON COLUMN idtrust.sp_certificate.store_id IS 'The identity store; deleting it deletes its SP certificates (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.sp_certificate.certificate_id IS 'The idtrust.certificate row of this certificate';
COMMENT ON COLUMN idtrust.sp_certificate.created_at IS 'When the certificate was made';

COMMENT ON COLUMN idtrust.external_idp.id IS 'idp_id of the API';
COMMENT ON COLUMN idtrust.external_idp.store_id IS 'The identity store; deleting it deletes its IdPs (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.external_idp.entity_id IS 'SAML entity id of the IdP, 1 to 1024 characters, unique per store';
COMMENT ON COLUMN idtrust.external_idp.login_url IS 'Single sign-on URL of the IdP; http:// or https://';
COMMENT ON COLUMN idtrust.external_idp.created_at IS 'When the IdP was imported';

COMMENT ON COLUMN idtrust.idp_certificate.idp_id IS 'The external IdP; deleting it deletes its certificates (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.idp_certificate.certificate_id IS 'The idtrust.certificate row of this certificate';
COMMENT ON COLUMN idtrust.idp_certificate.certificate_use IS 'Always SIGNING (check constraint)';
COMMENT ON COLUMN idtrust.idp_certificate.created_at IS 'When the certificate was imported';

INSERT INTO idtrust.schema_version (version, name) VALUES (7, '007_comments.sql');
