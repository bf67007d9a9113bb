-- Roles of admin accounts (mod_idtrust's authz provider: Require idtrust-role ...), and
-- the accounts API (/idtrust/v1/accounts) that manages them.
ALTER TABLE idtrust.admin_account
    ADD COLUMN role text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'reader'));
COMMENT ON COLUMN idtrust.admin_account.role IS 'admin: every method of every API, and the accounts API; reader: GET and HEAD of every API except /idtrust/v1/accounts (enforced by Require idtrust-role in the httpd configuration). The API refuses to delete, demote or disable the last enabled admin; by hand, keep one. Accounts made before this column are admins. A change reaches a node whose success cache remembers the login within IdtrustAuthCacheSeconds';
COMMENT ON TABLE idtrust.admin_account IS 'Administrators of the REST APIs, checked by mod_auth_basic with AuthBasicProvider idtrust (mod_idtrust); managed through /idtrust/v1/accounts. Add one by hand with: INSERT INTO idtrust.admin_account (name, password_hash, role) VALUES (''alice'', crypt(''password'', gen_salt(''bf'', 10)), ''reader'')';

INSERT INTO idtrust.schema_version (version, name) VALUES (6, '006_roles.sql');
