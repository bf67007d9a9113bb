-- Change notifications: any change to the identity-store tables, by the API on any
-- node or by hand, NOTIFYs channel idtrust_idstore when its transaction commits.
-- Every httpd child LISTENs and drops its cached GET responses (IdstoreReadCache).
CREATE FUNCTION idtrust.notify_idstore() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('idtrust_idstore', '');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.notify_idstore() IS 'Tells every mod_idstore read cache that identity-store data changed (NOTIFY idtrust_idstore)';

CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.identity_store
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sp_certificate
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.external_idp
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.idp_certificate
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();
CREATE TRIGGER notify_idstore AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.certificate
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_idstore();

INSERT INTO idtrust.schema_version (version, name) VALUES (3, '003_change_notify.sql');
