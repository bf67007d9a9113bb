-- mod_idstore: identity stores, their SAML SP signing certificates, external IdPs.
CREATE TABLE idtrust.identity_store (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.identity_store IS 'Identity stores (Identity Center identity sources); id is the {identity_store_id} of the API paths';

CREATE TABLE idtrust.sp_certificate (
    id              text PRIMARY KEY CHECK (id ~ '^cer-[0-9a-f-]{36}$'),
    store_id        uuid NOT NULL REFERENCES idtrust.identity_store (id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL UNIQUE REFERENCES idtrust.certificate (id),
    private_key_pem text NOT NULL CHECK (private_key_pem LIKE '-----BEGIN ENCRYPTED PRIVATE KEY-----%'),
    state           text NOT NULL DEFAULT 'INACTIVE' CHECK (state IN ('ACTIVE', 'INACTIVE')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sp_certificate_store_idx ON idtrust.sp_certificate (store_id, created_at);
CREATE UNIQUE INDEX sp_certificate_one_active ON idtrust.sp_certificate (store_id) WHERE state = 'ACTIVE';
COMMENT ON TABLE idtrust.sp_certificate IS 'SAML service-provider signing certificates of an identity store; at most one ACTIVE per store (index sp_certificate_one_active)';
COMMENT ON COLUMN idtrust.sp_certificate.id IS 'certificate_id of the API: cer-<uuid>';
COMMENT ON COLUMN idtrust.sp_certificate.private_key_pem IS 'Signing key, PKCS#8 PEM encrypted (AES-256-CBC, PBKDF2) under the passphrase in IdtrustSecretKeyFile; decrypt with openssl pkey -passin file:...';
COMMENT ON COLUMN idtrust.sp_certificate.state IS 'ACTIVE (the one used to sign) or INACTIVE';

CREATE TABLE idtrust.external_idp (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id   uuid NOT NULL REFERENCES idtrust.identity_store (id) ON DELETE CASCADE,
    entity_id  text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 1024),
    login_url  text NOT NULL CHECK (login_url ~* '^https?://'),
    metadata   text,
    enabled    boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, entity_id)
);
COMMENT ON TABLE idtrust.external_idp IS 'External SAML identity providers associated with an identity store';
COMMENT ON COLUMN idtrust.external_idp.metadata IS 'The IdP metadata XML as imported, when it was given as metadata';
COMMENT ON COLUMN idtrust.external_idp.enabled IS 'Status ENABLED (true) or DISABLED (false)';

CREATE TABLE idtrust.idp_certificate (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idp_id          uuid NOT NULL REFERENCES idtrust.external_idp (id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL REFERENCES idtrust.certificate (id),
    certificate_use text NOT NULL DEFAULT 'SIGNING' CHECK (certificate_use = 'SIGNING'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (idp_id, certificate_id)
);
CREATE INDEX idp_certificate_idp_idx ON idtrust.idp_certificate (idp_id, created_at);
COMMENT ON TABLE idtrust.idp_certificate IS 'Signing certificates of an external IdP; an IdP keeps at least one (enforced by the API)';
COMMENT ON COLUMN idtrust.idp_certificate.id IS 'certificate_id of the API';

INSERT INTO idtrust.schema_version (version, name) VALUES (2, '002_identity_store.sql');
