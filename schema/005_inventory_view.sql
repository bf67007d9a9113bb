-- The suite's own read API (/idtrust/v1/certificates, /idtrust/v1/audit): which object
-- holds each inventory certificate, and the indexes its pages are read by.
CREATE VIEW idtrust.certificate_holder AS
    SELECT s.certificate_id, 'mod_idstore'::text AS module, 'saml_certificate'::text AS object_type,
           s.id::text AS object_id,
           '/v1/identity-stores/' || s.store_id || '/saml-certificates/' || s.id AS object_path
      FROM idtrust.sp_certificate s
    UNION ALL
    SELECT c.certificate_id, 'mod_idstore', 'idp_certificate', c.id::text,
           '/v1/identity-stores/' || i.store_id || '/external-idp/' || c.idp_id || '/certificate/' || c.id
      FROM idtrust.idp_certificate c JOIN idtrust.external_idp i ON i.id = c.idp_id;
COMMENT ON VIEW idtrust.certificate_holder IS 'Which module and object hold each row of idtrust.certificate (a module that adds certificates adds its branch with CREATE OR REPLACE VIEW); read by GET /idtrust/v1/certificates';
COMMENT ON COLUMN idtrust.certificate_holder.certificate_id IS 'idtrust.certificate.id';
COMMENT ON COLUMN idtrust.certificate_holder.module IS 'The httpd module whose API holds it, e.g. mod_idstore';
COMMENT ON COLUMN idtrust.certificate_holder.object_type IS 'What holds it, e.g. saml_certificate (an SP signing certificate), idp_certificate';
COMMENT ON COLUMN idtrust.certificate_holder.object_id IS 'The id of that object in its API';
COMMENT ON COLUMN idtrust.certificate_holder.object_path IS 'The API path of that object';

-- pages of certificates by expiry: keyset (not_after, id)
CREATE INDEX certificate_not_after_id_idx ON idtrust.certificate (not_after, id);
DROP INDEX idtrust.certificate_not_after_idx;
-- finding the holder of a certificate
CREATE INDEX idp_certificate_certificate_idx ON idtrust.idp_certificate (certificate_id);

INSERT INTO idtrust.schema_version (version, name) VALUES (5, '005_inventory_view.sql');
