-- mod_ssoadmin: the SSO Management API's object tree (sites holding applications, groups,
-- policies, users, ...), the links between objects, and the OAuth2 client credentials
-- that application metadata makes. docs/ssoadmin.md describes the API, docs/dba.md how to
-- query the tree.
--
-- An object is named by its type and its path: /site/AcmeCorporation/SampleSite is the
-- site of path /AcmeCorporation/SampleSite. Paths compare ignoring the case of ASCII
-- letters (path_key). Every object but a method, the server and a top-level site has a
-- parent: the site (for a policy item: the site or the policy) of the path minus its last
-- segment. Deleting an object deletes its subtree and every link from or to any of them.
CREATE TABLE idtrust.sso_object (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type       text NOT NULL CHECK (type IN ('site', 'application', 'group', 'policy',
                   'policyItem', 'user', 'method', 'server', 'credential',
                   'outboundMappingPolicy', 'refreshTokenPolicy')),
    parent_id  bigint REFERENCES idtrust.sso_object (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 255 AND position('/' IN name) = 0
                   OR type = 'server' AND name = ''),
    path       text NOT NULL CHECK (path = '' AND type = 'server'
                   OR path ~ '^(/[^/]+)+$' AND length(path) <= 2048),
    path_key   text COLLATE "C" GENERATED ALWAYS AS (lower(path COLLATE "C")) STORED,
    attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (type, path_key),
    UNIQUE (id, type),
    -- the containers' paths, which their children's paths start with
    CHECK ((parent_id IS NULL) = (type IN ('method', 'server') OR path ~ '^/[^/]+$')),
    CHECK (parent_id IS NOT NULL OR type IN ('site', 'method', 'server')),
    CHECK (type <> 'method' OR path ~ '^/[^/]+$'),
    CHECK (type <> 'server' OR path = '')
);
COMMENT ON TABLE idtrust.sso_object IS 'Objects of the SSO Management API (mod_ssoadmin): one row per site, application, group, policy, policy item, user, method, credential, outbound mapping policy, refresh token policy and the server';
COMMENT ON COLUMN idtrust.sso_object.id IS 'Internal id; links and client credentials refer to it';
COMMENT ON COLUMN idtrust.sso_object.type IS 'Object type, as spelled in the API''s URIs and answers (site, application, group, policy, policyItem, user, method, server, credential, outboundMappingPolicy, refreshTokenPolicy)';
COMMENT ON COLUMN idtrust.sso_object.parent_id IS 'The site (or, for a policy item, the policy) holding the object; NULL for top-level sites, methods and the server. Deleting the parent deletes the object (ON DELETE CASCADE): DELETE removes a whole subtree';
COMMENT ON COLUMN idtrust.sso_object.name IS 'Last segment of the path, as created (case kept); empty for the server';
COMMENT ON COLUMN idtrust.sso_object.path IS 'The object''s path in the site tree, as created: /AcmeCorporation/SampleSite/SampleApplication; the API id is /{type}{path}. Methods: /{name}. The server: empty';
COMMENT ON COLUMN idtrust.sso_object.path_key IS 'lower(path) for ASCII letters (collation C): what paths are looked up and compared by; a subtree is the range path_key > ''{key}/'' and < ''{key}0''';
COMMENT ON COLUMN idtrust.sso_object.attributes IS 'The object''s attributes other than name, as the API shows them: {"description": ["..."], "enabled": "false", ...}; a multi-valued attribute is an array of strings, every other one a string (booleans as "true"/"false")';
COMMENT ON COLUMN idtrust.sso_object.created_at IS 'When the object was created';
COMMENT ON COLUMN idtrust.sso_object.updated_at IS 'When its attributes last changed';

-- One object of a type per path; among the containers (sites and policies) one per path,
-- so the objects under a path belong to one container.
CREATE UNIQUE INDEX sso_object_container_path_idx ON idtrust.sso_object (path_key)
    WHERE type IN ('site', 'policy');
-- subtree listings ($link/sub): a range of path_key, in order
CREATE INDEX sso_object_path_key_idx ON idtrust.sso_object (path_key);
-- one-level listings ($link/one) and the cascade of a DELETE
CREATE INDEX sso_object_parent_idx ON idtrust.sso_object (parent_id, path_key);

-- Links: one row per link, read from both ends (a group's accessTo is an application's
-- allowedTo, a group's member another group's memberOf, ...), so the two views always
-- agree. Deleting either object deletes the link.
CREATE TABLE idtrust.sso_link (
    from_id    bigint NOT NULL,
    from_type  text NOT NULL,
    kind       text NOT NULL,
    to_id      bigint NOT NULL,
    to_type    text NOT NULL,
    enabled    boolean CHECK (enabled IS NULL OR kind = 'method' AND from_type IN ('application', 'user')),
    username   text CHECK (username IS NULL OR kind = 'user' AND length(username) BETWEEN 1 AND 255),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (from_id, kind, to_id),
    FOREIGN KEY (from_id, from_type) REFERENCES idtrust.sso_object (id, type) ON DELETE CASCADE,
    FOREIGN KEY (to_id, to_type) REFERENCES idtrust.sso_object (id, type) ON DELETE CASCADE,
    CHECK (from_id <> to_id),
    CHECK ((from_type, kind, to_type) IN (
        ('group', 'manages', 'site'),
        ('site', 'method', 'method'),
        ('application', 'method', 'method'),
        ('group', 'method', 'method'),
        ('server', 'method', 'method'),
        ('user', 'method', 'method'),
        ('group', 'accessTo', 'application'),
        ('application', 'policy', 'policy'),
        ('group', 'policy', 'policy'),
        ('policyItem', 'policy', 'policy'),
        ('application', 'outboundMappingPolicy', 'outboundMappingPolicy'),
        ('application', 'refreshTokenPolicy', 'refreshTokenPolicy'),
        ('group', 'member', 'group'),
        ('group', 'member', 'user'),
        ('policyItem', 'group', 'group'),
        ('method', 'nextFactor', 'method'),
        ('server', 'credential', 'credential'),
        ('outboundMappingPolicy', 'user', 'user')))
);
COMMENT ON TABLE idtrust.sso_link IS 'Links between SSO objects, one row each, read from both ends: from_id''s link kind is to_id''s inverse link (group accessTo / application allowedTo, group manages / site managedBy, group member / group memberOf, method nextFactor / method previousFactor, X method / method X, ...); docs/ssoadmin.md lists them';
COMMENT ON COLUMN idtrust.sso_link.from_id IS 'The object the link is stored from (the group of accessTo, manages and member; the application of method and policy; ...)';
COMMENT ON COLUMN idtrust.sso_link.from_type IS 'Type of from_id (checked against sso_object by the foreign key)';
COMMENT ON COLUMN idtrust.sso_link.kind IS 'The link''s name seen from from_id: manages, method, accessTo, policy, outboundMappingPolicy, refreshTokenPolicy, member, group, nextFactor, credential, user';
COMMENT ON COLUMN idtrust.sso_link.to_id IS 'The object linked to';
COMMENT ON COLUMN idtrust.sso_link.to_type IS 'Type of to_id (checked against sso_object by the foreign key)';
COMMENT ON COLUMN idtrust.sso_link.enabled IS 'For an application''s or a user''s method: whether the method is enabled for it (form parameter enabled, default false); NULL for other links';
COMMENT ON COLUMN idtrust.sso_link.username IS 'For an outbound mapping policy''s user: the user name sent for that user (form parameter username); NULL for other links';
COMMENT ON COLUMN idtrust.sso_link.created_at IS 'When the link was made';

-- inverse reads (allowedTo, managedBy, memberOf, previousFactor, method/$link/X)
CREATE INDEX sso_link_to_idx ON idtrust.sso_link (to_id, kind, from_type);
-- at most one outbound mapping policy and one refresh token policy per application
CREATE UNIQUE INDEX sso_link_one_mapping_idx ON idtrust.sso_link (from_id)
    WHERE kind = 'outboundMappingPolicy';
CREATE UNIQUE INDEX sso_link_one_refresh_idx ON idtrust.sso_link (from_id)
    WHERE kind = 'refreshTokenPolicy';

-- OAuth2 client credentials of applications, made by PUT $attribute/metadata. A token
-- endpoint finds the client by client_id (unique index) and checks the secret against
-- secret_hash with apr_password_validate (or pgcrypto's crypt()).
CREATE TABLE idtrust.sso_client (
    application_id   bigint PRIMARY KEY,
    application_type text NOT NULL DEFAULT 'application' CHECK (application_type = 'application'),
    client_id        text NOT NULL UNIQUE CHECK (client_id ~ '^[\x21-\x7e]{1,255}$'),
    secret_hash      text NOT NULL CHECK (secret_hash ~ '^\$2[aby]\$[0-9]{2}\$'),
    redirect_uris    text[] NOT NULL DEFAULT '{}',
    metadata         text NOT NULL,
    metadata_type    text NOT NULL CHECK (metadata_type IN ('application/json', 'application/xml')),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (application_id, application_type) REFERENCES idtrust.sso_object (id, type)
        ON DELETE CASCADE
);
COMMENT ON TABLE idtrust.sso_client IS 'OAuth2/SAML2 client registration of an SSO application: its agent metadata and client credentials (PUT /application/{path}/$attribute/metadata)';
COMMENT ON COLUMN idtrust.sso_client.application_id IS 'The application (deleting it deletes this row)';
COMMENT ON COLUMN idtrust.sso_client.application_type IS 'Always application: lets the foreign key check that application_id is one';
COMMENT ON COLUMN idtrust.sso_client.client_id IS 'OAuth2 client_id: generated, or the metadata''s own with ?policy=keep_client_credentials; unique';
COMMENT ON COLUMN idtrust.sso_client.secret_hash IS 'bcrypt hash (cost 10, made by the module: the secret never reaches the database) of the client secret, which the API showed once';
COMMENT ON COLUMN idtrust.sso_client.redirect_uris IS 'Redirect URLs of the metadata (redirect_uris of JSON metadata, AssertionConsumerService locations of SAML metadata)';
COMMENT ON COLUMN idtrust.sso_client.metadata IS 'The agent metadata as GET $attribute/metadata answers it: the document sent, JSON without client_secret and with the client_id in force';
COMMENT ON COLUMN idtrust.sso_client.metadata_type IS 'Media type of metadata: application/json or application/xml';
COMMENT ON COLUMN idtrust.sso_client.updated_at IS 'When the metadata and credentials were last set';

-- what a new repository holds: the System site, its key container, the password method
-- and the server
INSERT INTO idtrust.sso_object (type, name, path, attributes)
    VALUES ('site', 'System', '/System', '{"description": ["Ubilogin System"]}'),
           ('method', 'password.1', '/password.1', '{}'),
           ('server', '', '', '{}');
INSERT INTO idtrust.sso_object (type, parent_id, name, path)
    SELECT 'site', id, 'ServerKeyContainer', '/System/ServerKeyContainer'
      FROM idtrust.sso_object WHERE type = 'site' AND path = '/System';

-- Change notifications for the read caches of mod_ssoadmin: objects and links depend on
-- each other (a deleted group leaves an application's allowedTo), so any change makes
-- every cached answer stale: one empty payload per statement.
CREATE FUNCTION idtrust.notify_ssoadmin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('idtrust_ssoadmin', '');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.notify_ssoadmin() IS 'Tells every mod_ssoadmin read cache that the SSO tree changed (NOTIFY idtrust_ssoadmin, empty payload: anything may have changed)';

CREATE TRIGGER notify_ssoadmin AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sso_object
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sso_link
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();
CREATE TRIGGER notify_ssoadmin AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON idtrust.sso_client
    FOR EACH STATEMENT EXECUTE FUNCTION idtrust.notify_ssoadmin();

INSERT INTO idtrust.schema_version (version, name) VALUES (10, '010_ssoadmin.sql');
