-- mod_trustdoc: OWSM token issuer trust documents, their trusted issuers per token type
-- and each issuer's trusted DN list. The domain context of the API (/trust/issuers
-- without a document name) is the document named oracle-default, made here.
CREATE TABLE idtrust.trust_document (
    name         text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 255),
    status       text NOT NULL DEFAULT 'DOCUMENT_STATUS_COMMITED'
                 CHECK (status = 'DOCUMENT_STATUS_COMMITED'),
    created_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.trust_document IS 'Token issuer trust documents (OWSM); the row named oracle-default is the domain context of /trust/issuers and cannot be deleted through the API';
COMMENT ON COLUMN idtrust.trust_document.name IS 'documentName of the API: 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit; case-sensitive';
COMMENT ON COLUMN idtrust.trust_document.display_name IS 'displayName of the API (defaults to the name); DELETE must repeat it';
COMMENT ON COLUMN idtrust.trust_document.status IS 'Document status shown by GET /trustdocument; always DOCUMENT_STATUS_COMMITED (the product''s spelling): every write commits';
COMMENT ON COLUMN idtrust.trust_document.created_at IS 'When the document was created';

CREATE TABLE idtrust.trust_issuer (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_name text NOT NULL REFERENCES idtrust.trust_document (name) ON DELETE CASCADE,
    token_type    text NOT NULL CHECK (token_type IN ('saml.hok', 'saml.sv', 'jwt')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 1024),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_name, token_type, name)
);
COMMENT ON TABLE idtrust.trust_issuer IS 'Trusted token issuers of a trust document, one row per issuer name and token type';
COMMENT ON COLUMN idtrust.trust_issuer.id IS 'Internal id; also the order issuers are listed in (order of first addition)';
COMMENT ON COLUMN idtrust.trust_issuer.document_name IS 'The trust document; deleting it deletes its issuers (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.trust_issuer.token_type IS 'saml.hok (saml-hok-trusted-dns), saml.sv (saml-sv-trusted-dns) or jwt (jwt-trusted-issuers / jwt-trusted-dns)';
COMMENT ON COLUMN idtrust.trust_issuer.name IS '-name of the API, e.g. www.oracle.com; compared exactly';
COMMENT ON COLUMN idtrust.trust_issuer.created_at IS 'When the issuer was first added';

CREATE TABLE idtrust.trust_issuer_dn (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer_id bigint NOT NULL REFERENCES idtrust.trust_issuer (id) ON DELETE CASCADE,
    dn        text NOT NULL CHECK (length(dn) BETWEEN 1 AND 4096),
    dn_key    text NOT NULL,
    UNIQUE (issuer_id, dn_key)
);
COMMENT ON TABLE idtrust.trust_issuer_dn IS 'Trusted signing-certificate DNs of a trusted issuer; one row per distinct DN (by dn_key)';
COMMENT ON COLUMN idtrust.trust_issuer_dn.id IS 'Internal id; also the order DNs are listed in (order of addition)';
COMMENT ON COLUMN idtrust.trust_issuer_dn.issuer_id IS 'The trusted issuer; deleting it deletes its DNs (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.trust_issuer_dn.dn IS 'The DN as first given (RFC 2253 text, or any name such as wls1); what GET shows';
COMMENT ON COLUMN idtrust.trust_issuer_dn.dn_key IS 'Canonical form of dn that DNs are compared by (docs/trustdoc.md: attribute types upper-case, values lower-case, spaces around separators dropped); computed by the API, not by the database';

-- the domain context
INSERT INTO idtrust.trust_document (name, display_name) VALUES ('oracle-default', 'Domain trust document');

-- Scoped change notifications, as schema/004 does for identity stores: the payload is
-- the document name a change touched; empty means anything may have changed.
CREATE FUNCTION idtrust.notify_trustdoc() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    doc text;
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('idtrust_trustdoc', '');
        RETURN NULL;
    END IF;
    r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    IF TG_TABLE_NAME = 'trust_document' THEN
        doc := r.name;
    ELSIF TG_TABLE_NAME = 'trust_issuer' THEN
        doc := r.document_name;
    ELSE
        SELECT i.document_name INTO doc FROM idtrust.trust_issuer i WHERE i.id = r.issuer_id;
    END IF;
    -- no document: a DN whose issuer is gone already (its delete notified)
    IF doc IS NOT NULL THEN
        PERFORM pg_notify('idtrust_trustdoc', doc);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.notify_trustdoc() IS 'Tells every mod_trustdoc read cache which trust document changed (NOTIFY idtrust_trustdoc, payload: the document name; empty: anything may have changed)';

CREATE TRIGGER notify_trustdoc AFTER INSERT OR UPDATE OR DELETE ON idtrust.trust_document
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_trustdoc();
CREATE TRIGGER notify_trustdoc AFTER INSERT OR UPDATE OR DELETE ON idtrust.trust_issuer
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_trustdoc();
CREATE TRIGGER notify_trustdoc AFTER INSERT OR UPDATE OR DELETE ON idtrust.trust_issuer_dn
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_trustdoc();
CREATE TRIGGER notify_trustdoc_truncate AFTER TRUNCATE ON idtrust.trust_document
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_trustdoc();
CREATE TRIGGER notify_trustdoc_truncate AFTER TRUNCATE ON idtrust.trust_issuer
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_trustdoc();
CREATE TRIGGER notify_trustdoc_truncate AFTER TRUNCATE ON idtrust.trust_issuer_dn
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_trustdoc();

INSERT INTO idtrust.schema_version (version, name) VALUES (8, '008_trustdoc.sql');
