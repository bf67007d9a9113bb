-- Scoped change notifications: the NOTIFY on channel idtrust_idstore names the identity
-- store a change touched (its id as payload), so a read cache drops only that store's
-- responses and the unscoped lists, not every store's. An empty payload (TRUNCATE, or
-- a change whose store cannot be told) means "anything may have changed".
DROP TRIGGER notify_idstore ON idtrust.identity_store;
DROP TRIGGER notify_idstore ON idtrust.sp_certificate;
DROP TRIGGER notify_idstore ON idtrust.external_idp;
DROP TRIGGER notify_idstore ON idtrust.idp_certificate;
DROP TRIGGER notify_idstore ON idtrust.certificate;

CREATE OR REPLACE FUNCTION idtrust.notify_idstore() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    store uuid;
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('idtrust_idstore', '');
        RETURN NULL;
    END IF;
    r := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    IF TG_TABLE_NAME = 'identity_store' THEN
        store := r.id;
    ELSIF TG_TABLE_NAME IN ('sp_certificate', 'external_idp') THEN
        store := r.store_id;
    ELSIF TG_TABLE_NAME = 'idp_certificate' THEN
        SELECT i.store_id INTO store FROM idtrust.external_idp i WHERE i.id = r.idp_id;
    ELSE -- certificate: the store of the SP or IdP certificate that holds it
        SELECT s.store_id INTO store FROM idtrust.sp_certificate s WHERE s.certificate_id = r.id;
        IF store IS NULL THEN
            SELECT i.store_id INTO store FROM idtrust.idp_certificate c
                JOIN idtrust.external_idp i ON i.id = c.idp_id WHERE c.certificate_id = r.id;
        END IF;
    END IF;
    -- no store: a row that no store holds yet (a certificate inserted before the row that
    -- points at it, which notifies itself) or no longer (its parent's delete notified)
    IF store IS NOT NULL THEN
        PERFORM pg_notify('idtrust_idstore', store::text);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.notify_idstore() IS 'Tells every mod_idstore read cache which identity store changed (NOTIFY idtrust_idstore, payload: the store id; empty: anything may have changed)';

CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE ON idtrust.identity_store
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE ON idtrust.sp_certificate
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE ON idtrust.external_idp
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE ON idtrust.idp_certificate
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE ON idtrust.certificate
    FOR EACH ROW EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore_truncate AFTER TRUNCATE ON idtrust.identity_store
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore_truncate AFTER TRUNCATE ON idtrust.sp_certificate
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore_truncate AFTER TRUNCATE ON idtrust.external_idp
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore_truncate AFTER TRUNCATE ON idtrust.idp_certificate
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore_truncate AFTER TRUNCATE ON idtrust.certificate
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();

INSERT INTO idtrust.schema_version (version, name) VALUES (4, '004_scoped_notify.sql');
