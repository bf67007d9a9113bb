-- mod_ssoadmin, part 2: the key material of the SSO server's keys (credential objects of
-- schema/010: /credential/{site}/{name}), and what the OAuth2 token endpoint signs with.
-- A credential's attributes (kty, kid, enabled, use, notBefore, notOnOrAfter,
-- description) stay in sso_object.attributes; its key pair is here. A key is in use
-- when it is linked to the server (sso_link kind 'credential'), enabled, meant for
-- signing (use sig or none) and within its validity.
CREATE TABLE idtrust.sso_key (
    credential_id   bigint PRIMARY KEY,
    credential_type text NOT NULL DEFAULT 'credential' CHECK (credential_type = 'credential'),
    kid             text NOT NULL UNIQUE CHECK (length(kid) BETWEEN 1 AND 255),
    private_key_pem text NOT NULL CHECK (private_key_pem LIKE '-----BEGIN ENCRYPTED PRIVATE KEY-----%'),
    public_key_pem  text NOT NULL CHECK (public_key_pem LIKE '-----BEGIN PUBLIC KEY-----%'),
    certificate_id  uuid REFERENCES idtrust.certificate (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (credential_id, credential_type) REFERENCES idtrust.sso_object (id, type)
        ON DELETE CASCADE
);
COMMENT ON TABLE idtrust.sso_key IS 'Key pairs of the SSO server''s credentials (PUT /credential/{site}/{name} makes a 2048-bit RSA key); one row per credential object';
COMMENT ON COLUMN idtrust.sso_key.credential_id IS 'The credential object (sso_object); deleting it deletes the key (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.sso_key.credential_type IS 'Always credential: lets the foreign key check that credential_id is one';
COMMENT ON COLUMN idtrust.sso_key.kid IS 'The key id in JWS headers and the JWKS: the credential''s kid attribute, or the RFC 7638 thumbprint of the public key when none was given; unique';
COMMENT ON COLUMN idtrust.sso_key.private_key_pem IS 'The private key: PKCS#8 PEM (-----BEGIN ENCRYPTED PRIVATE KEY-----), AES-256-CBC, key derived with PBKDF2 from the passphrase in IdtrustSecretKeyFile; never shown by the API';
COMMENT ON COLUMN idtrust.sso_key.public_key_pem IS 'The public key (SubjectPublicKeyInfo PEM): what the JWKS publishes and bearer tokens are verified with';
COMMENT ON COLUMN idtrust.sso_key.certificate_id IS 'The signed certificate stored with PUT $attribute/csr (idtrust.certificate, source ssoadmin.key), or NULL';
COMMENT ON COLUMN idtrust.sso_key.created_at IS 'When the key pair was made';
COMMENT ON COLUMN idtrust.sso_key.updated_at IS 'When the row last changed (kid, certificate)';

CREATE TRIGGER notify_ssoadmin AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sso_key
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();

-- A key's certificate lives in the inventory as long as the key holds it: replaced by
-- another one, or the key deleted (also by the cascade from its credential, or from a
-- site deleted with everything in it), the row goes.
CREATE FUNCTION idtrust.sso_key_certificate_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.certificate_id IS NOT NULL
       AND (TG_OP = 'DELETE' OR NEW.certificate_id IS DISTINCT FROM OLD.certificate_id) THEN
        DELETE FROM idtrust.certificate WHERE id = OLD.certificate_id;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION idtrust.sso_key_certificate_gone() IS 'Deletes the inventory row of a key''s certificate once no key holds it (the key deleted, or its certificate replaced)';
CREATE TRIGGER sso_key_certificate_gone AFTER DELETE OR UPDATE OF certificate_id ON idtrust.sso_key
    FOR EACH ROW EXECUTE FUNCTION idtrust.sso_key_certificate_gone();

-- The inventory's holders: credential keys are mod_ssoadmin's branch.
CREATE OR REPLACE VIEW idtrust.certificate_holder AS
    SELECT s.certificate_id, 'mod_idstore'::text AS module, 'saml_certificate'::text AS object_type,
           s.id::text AS object_id,
           '/v1/identity-stores/' || s.store_id || '/saml-certificates/' || s.id AS object_path
      FROM idtrust.sp_certificate s
    UNION ALL
    SELECT c.certificate_id, 'mod_idstore', 'idp_certificate', c.id::text,
           '/v1/identity-stores/' || i.store_id || '/external-idp/' || c.idp_id || '/certificate/' || c.id
      FROM idtrust.idp_certificate c JOIN idtrust.external_idp i ON i.id = c.idp_id
    UNION ALL
    SELECT k.certificate_id, 'mod_ssoadmin', 'credential', '/credential' || o.path,
           '/credential' || o.path
      FROM idtrust.sso_key k JOIN idtrust.sso_object o ON o.id = k.credential_id
     WHERE k.certificate_id IS NOT NULL;
COMMENT ON COLUMN idtrust.certificate_holder.object_type IS 'What holds it, e.g. saml_certificate (an SP signing certificate), idp_certificate, credential (an SSO server key''s certificate)';
CREATE INDEX sso_key_certificate_idx ON idtrust.sso_key (certificate_id);

INSERT INTO idtrust.schema_version (version, name) VALUES (11, '011_sso_keys.sql');
