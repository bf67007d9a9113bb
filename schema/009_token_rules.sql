-- mod_trustdoc: token attribute rules of a trust document (POST/GET /trust/token and
-- /trust/token/{documentName}; the domain context is the document oracle-default).
CREATE TABLE idtrust.trust_token_rule (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_name text NOT NULL REFERENCES idtrust.trust_document (name) ON DELETE CASCADE,
    side          text NOT NULL CHECK (side IN ('service', 'client')),
    dn            text NOT NULL CHECK (length(dn) BETWEEN 1 AND 4096),
    dn_key        text NOT NULL,
    name_id       jsonb CHECK (name_id IS NULL OR jsonb_typeof(name_id) = 'object'),
    attributes    jsonb CHECK (attributes IS NULL OR jsonb_typeof(attributes) = 'array'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_name, dn_key),
    CHECK (side = 'service' OR (attributes IS NULL AND name_id IS NOT NULL))
);
COMMENT ON TABLE idtrust.trust_token_rule IS 'Token attribute rules of a trust document (OWSM), one row per -dn; a POST naming the same -dn replaces the row';
COMMENT ON COLUMN idtrust.trust_token_rule.id IS 'Internal id; also the order rules are listed in (order of first addition)';
COMMENT ON COLUMN idtrust.trust_token_rule.document_name IS 'The trust document; deleting it deletes its rules (ON DELETE CASCADE)';
COMMENT ON COLUMN idtrust.trust_token_rule.side IS 'service (-dn is a trusted RFC 2253 DN: name-id and attribute filters and mappings) or client (-dn is an http(s) URL: a name-id mapping only)';
COMMENT ON COLUMN idtrust.trust_token_rule.dn IS 'The -dn as last given; what GET shows';
COMMENT ON COLUMN idtrust.trust_token_rule.dn_key IS 'What -dn values are compared by: the DN canonical form of trust_issuer_dn.dn_key (service), or the URL with scheme and host lower-cased (client); computed by the API';
COMMENT ON COLUMN idtrust.trust_token_rule.name_id IS 'The rule''s name-id: {"filter": {"value": [...]}, "mapping": {"user-attribute", "user-mapping-attribute"}} as checked by the API; NULL when the rule has none';
COMMENT ON COLUMN idtrust.trust_token_rule.attributes IS 'The rule''s attributes: [{"-name", "attribute": {"filter", "mapping"}}] as checked by the API; NULL when none (always on the client side)';
COMMENT ON COLUMN idtrust.trust_token_rule.updated_at IS 'When the rule was last written';

-- the change notifications of schema/008, now also for rules
CREATE OR REPLACE FUNCTION idtrust.notify_trustdoc() RETURNS trigger LANGUAGE plpgsql AS $$
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
    ELSIF TG_TABLE_NAME IN ('trust_issuer', 'trust_token_rule') THEN
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

CREATE TRIGGER notify_trustdoc AFTER INSERT OR UPDATE OR DELETE ON idtrust.trust_token_rule
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_trustdoc();
CREATE TRIGGER notify_trustdoc_truncate AFTER TRUNCATE ON idtrust.trust_token_rule
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_trustdoc();

INSERT INTO idtrust.schema_version (version, name) VALUES (9, '009_token_rules.sql');
