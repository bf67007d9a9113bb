-- mod_ssoadmin's change notifications say what a change touched: payload 'keys' when it
-- may change the SSO server's signing keys (a key row, a credential object, a link from
-- the server to a credential), 'tree' for any other change of the SSO tables, empty for
-- TRUNCATE (anything may have changed). Every child's read cache drops its SSO answers
-- on either; only 'keys' (or an empty payload) makes a child reload its keyring, so that
-- writes to sites, applications, users, ... leave the loaded keys and the verified
-- bearer tokens alone (schema/010 sent one empty payload for every change).
-- One trigger per table and event, with the statement's transition tables: a statement
-- that deletes a site and everything in it sends one notification, not one per row.
DROP TRIGGER notify_ssoadmin ON idtrust.sso_object;
DROP TRIGGER notify_ssoadmin ON idtrust.sso_link;
DROP TRIGGER notify_ssoadmin ON idtrust.sso_client;
DROP TRIGGER notify_ssoadmin ON idtrust.sso_key;
DROP FUNCTION idtrust.notify_ssoadmin();

CREATE FUNCTION idtrust.notify_ssoadmin() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys boolean := false;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('idtrust_ssoadmin', '');
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'sso_key' THEN
        keys := true;
    ELSIF TG_TABLE_NAME = 'sso_object' THEN
        -- a credential's attributes (enabled, use, kid, validity) decide whether and how
        -- its key is used
        IF TG_OP <> 'DELETE' THEN
            keys := EXISTS (SELECT 1 FROM new_rows WHERE type = 'credential');
        END IF;
        IF NOT keys AND TG_OP <> 'INSERT' THEN
            keys := EXISTS (SELECT 1 FROM old_rows WHERE type = 'credential');
        END IF;
    ELSIF TG_TABLE_NAME = 'sso_link' THEN
        -- the keys in use are the credentials linked to the server
        IF TG_OP <> 'DELETE' THEN
            keys := EXISTS (SELECT 1 FROM new_rows WHERE from_type = 'server' AND kind = 'credential');
        END IF;
        IF NOT keys AND TG_OP <> 'INSERT' THEN
            keys := EXISTS (SELECT 1 FROM old_rows WHERE from_type = 'server' AND kind = 'credential');
        END IF;
    END IF;
    PERFORM pg_notify('idtrust_ssoadmin', CASE WHEN keys THEN 'keys' ELSE 'tree' END);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.notify_ssoadmin() IS 'Tells every mod_ssoadmin child that the SSO tree changed (NOTIFY idtrust_ssoadmin), and what: payload keys (a key, a credential or a server-credential link: children reload their signing keys), tree (anything else: only the read caches drop their answers), empty (TRUNCATE: anything may have changed)';

CREATE TRIGGER notify_ssoadmin_insert AFTER INSERT ON idtrust.sso_object
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin_update AFTER UPDATE ON idtrust.sso_object
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin_delete AFTER DELETE ON idtrust.sso_object
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin_truncate AFTER TRUNCATE ON idtrust.sso_object
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();

CREATE TRIGGER notify_ssoadmin_insert AFTER INSERT ON idtrust.sso_link
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin_update AFTER UPDATE ON idtrust.sso_link
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin_delete AFTER DELETE ON idtrust.sso_link
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin_truncate AFTER TRUNCATE ON idtrust.sso_link
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();

-- client registrations and key rows: no transition table needed (always tree, always keys)
CREATE TRIGGER notify_ssoadmin AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sso_client
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sso_key
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();

INSERT INTO idtrust.schema_version (version, name) VALUES (12, '012_sso_notify_scope.sql');
