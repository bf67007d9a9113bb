-- Shared by every module: admin accounts, the audit trail, the certificate inventory.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE idtrust.admin_account (
    name          text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._@-]{1,64}$'),
    password_hash text NOT NULL CHECK (password_hash LIKE '$2_$%'),
    enabled       boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.admin_account IS 'Administrators of the REST APIs, checked by mod_auth_basic with AuthBasicProvider idtrust (mod_idtrust). Add one with: INSERT INTO idtrust.admin_account (name, password_hash) VALUES (''alice'', crypt(''password'', gen_salt(''bf'', 10)))';
COMMENT ON COLUMN idtrust.admin_account.password_hash IS 'bcrypt hash ($2a$/$2y$), as made by pgcrypto crypt(pw, gen_salt(''bf'', 10)) or htpasswd -B; never the password';
COMMENT ON COLUMN idtrust.admin_account.enabled IS 'false locks the account out without deleting it (within IdtrustAuthCacheSeconds)';

CREATE TABLE idtrust.audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text,
    request_id  text,
    client_ip   text,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text,
    detail      jsonb
);
CREATE INDEX audit_object_idx ON idtrust.audit (object_type, object_id);
CREATE INDEX audit_at_idx ON idtrust.audit (at);
COMMENT ON TABLE idtrust.audit IS 'One row per change made through the APIs, written in the same transaction as the change; append-only';
COMMENT ON COLUMN idtrust.audit.actor IS 'Authenticated user that made the change';
COMMENT ON COLUMN idtrust.audit.request_id IS 'mod_unique_id id of the request; the same id is in the error log and in error bodies';
COMMENT ON COLUMN idtrust.audit.action IS 'What was done, e.g. identity_store.create, saml_certificate.activate';
COMMENT ON COLUMN idtrust.audit.detail IS 'Non-secret particulars of the change';

CREATE TABLE idtrust.certificate (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    der                bytea NOT NULL,
    pem                text NOT NULL,
    sha256             text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    subject            text NOT NULL,
    issuer             text NOT NULL,
    serial             text NOT NULL,
    not_before         timestamptz NOT NULL,
    not_after          timestamptz NOT NULL,
    signature_algorithm text NOT NULL,
    source             text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificate_sha256_idx ON idtrust.certificate (sha256);
CREATE INDEX certificate_not_after_idx ON idtrust.certificate (not_after);
COMMENT ON TABLE idtrust.certificate IS 'The inventory of every certificate any module holds; module tables point here';
COMMENT ON COLUMN idtrust.certificate.der IS 'The certificate, DER';
COMMENT ON COLUMN idtrust.certificate.pem IS 'The certificate, PEM with \n line ends';
COMMENT ON COLUMN idtrust.certificate.sha256 IS 'SHA-256 fingerprint of der, lower-case hex';
COMMENT ON COLUMN idtrust.certificate.subject IS 'Subject DN, RFC 2253';
COMMENT ON COLUMN idtrust.certificate.serial IS 'Serial number, decimal';
COMMENT ON COLUMN idtrust.certificate.signature_algorithm IS 'Java-style name, e.g. SHA256withRSA';
COMMENT ON COLUMN idtrust.certificate.source IS 'What added it: idstore.sp (generated SAML signing certificate), idstore.idp (imported IdP certificate), ...';

INSERT INTO idtrust.schema_version (version, name) VALUES (1, '001_core.sql');
