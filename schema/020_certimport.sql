-- mod_certimport: the MyID Core API's certificates (imported through
-- POST /rest.core/api/Certificates/import), their certificate policies and people, the
-- external systems notified of every certificate added to the repository ("REST
-- Certificate Added"), and the transactional outbox those notifications are delivered from.

CREATE TABLE idtrust.ci_person (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 1024),
    dn         text NOT NULL CHECK (length(dn) BETWEEN 1 AND 4096),
    dn_key     text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.ci_person IS 'People certificates are issued to (MyID target); made from the subject DN by an import with createUser, matched by dn_key';
COMMENT ON COLUMN idtrust.ci_person.id IS 'target.id of the MyID certificate view';
COMMENT ON COLUMN idtrust.ci_person.name IS 'target.name: the subject''s CN, or the whole DN when it has no CN';
COMMENT ON COLUMN idtrust.ci_person.dn IS 'The subject DN the person was made from (RFC 2253)';
COMMENT ON COLUMN idtrust.ci_person.dn_key IS 'Canonical form of dn (idt_dn_key, docs/trustdoc.md#dns) a subject DN is matched by; computed by the API';
COMMENT ON COLUMN idtrust.ci_person.created_at IS 'When the person was made';

CREATE TABLE idtrust.ci_policy (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
    object_id                  text NOT NULL UNIQUE CHECK (object_id ~ '^[A-Za-z0-9][A-Za-z0-9._:{}-]{0,127}$'),
    external_notification_data text CHECK (length(external_notification_data) <= 1024),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.ci_policy IS 'Certificate policies (MyID Certificate Authorities workflow): imports name one by objectId (certPolicyId); managed through /idtrust/v1/certificate-policies';
COMMENT ON COLUMN idtrust.ci_policy.id IS 'Internal id';
COMMENT ON COLUMN idtrust.ci_policy.name IS 'certPolicy of the certificate view; unique';
COMMENT ON COLUMN idtrust.ci_policy.object_id IS 'objectId: what certPolicyId of an import names (an OID or any identifier of A-Z a-z 0-9 . _ : { } -); unique';
COMMENT ON COLUMN idtrust.ci_policy.external_notification_data IS 'externalNotificationData: the target system''s policy object id, sent as certPolicyId by RESTCertificateAddedMyID.xml';
COMMENT ON COLUMN idtrust.ci_policy.created_at IS 'When the policy was made';
COMMENT ON COLUMN idtrust.ci_policy.updated_at IS 'When the policy was last changed';

CREATE TABLE idtrust.ci_certificate (
    certificate_id      uuid PRIMARY KEY REFERENCES idtrust.certificate (id) ON DELETE CASCADE,
    sha256              text NOT NULL UNIQUE,
    number              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    policy_id           uuid NOT NULL REFERENCES idtrust.ci_policy (id),
    person_id           uuid REFERENCES idtrust.ci_person (id),
    status              smallint NOT NULL DEFAULT 1,
    status_description  text NOT NULL DEFAULT 'Issued',
    status_mapping      smallint NOT NULL DEFAULT 1,
    imported            boolean NOT NULL DEFAULT true,
    collected           boolean NOT NULL DEFAULT true,
    automatic_renewal   boolean NOT NULL DEFAULT false,
    key_archived        boolean NOT NULL DEFAULT false,
    ca_path             text NOT NULL DEFAULT '',
    container_name      text NOT NULL DEFAULT '',
    request_id          text NOT NULL DEFAULT '',
    response            text NOT NULL DEFAULT '',
    user_sid            text NOT NULL DEFAULT '',
    renewal_date        date,
    issuance_start      timestamptz NOT NULL DEFAULT now(),
    issuance_complete   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ci_certificate_policy_idx ON idtrust.ci_certificate (policy_id, number);
COMMENT ON TABLE idtrust.ci_certificate IS 'MyID certificates: the MyID fields of inventory certificates imported through /rest.core/api/Certificates/import; one row per distinct certificate (sha256)';
COMMENT ON COLUMN idtrust.ci_certificate.certificate_id IS 'idtrust.certificate.id: the id of the MyID API';
COMMENT ON COLUMN idtrust.ci_certificate.sha256 IS 'Copy of idtrust.certificate.sha256: importing the same certificate again finds this row instead of making a second one';
COMMENT ON COLUMN idtrust.ci_certificate.number IS 'number of the view (MyID Certificates.ID): a sequence number';
COMMENT ON COLUMN idtrust.ci_certificate.policy_id IS 'The certificate policy certPolicyId named';
COMMENT ON COLUMN idtrust.ci_certificate.person_id IS 'target of the view: the person the certificate is for, NULL when the import made or matched none';
COMMENT ON COLUMN idtrust.ci_certificate.status IS 'status of the view: 1 issued (imports are issued certificates)';
COMMENT ON COLUMN idtrust.ci_certificate.status_description IS 'certStatusDescription of the view';
COMMENT ON COLUMN idtrust.ci_certificate.status_mapping IS 'statusMapping.id of the view';
COMMENT ON COLUMN idtrust.ci_certificate.imported IS 'imported of the view: true for certificates that came through an import';
COMMENT ON COLUMN idtrust.ci_certificate.collected IS 'collected of the view';
COMMENT ON COLUMN idtrust.ci_certificate.automatic_renewal IS 'automaticRenewal of the view';
COMMENT ON COLUMN idtrust.ci_certificate.key_archived IS 'keyArchived of the view: never, idtrust holds no private key of these';
COMMENT ON COLUMN idtrust.ci_certificate.ca_path IS 'cAPath of the view: empty for imported certificates (no CA of ours issued them)';
COMMENT ON COLUMN idtrust.ci_certificate.container_name IS 'containerName of the view';
COMMENT ON COLUMN idtrust.ci_certificate.request_id IS 'requestID of the view: empty for imports (no issuance request)';
COMMENT ON COLUMN idtrust.ci_certificate.response IS 'response of the view';
COMMENT ON COLUMN idtrust.ci_certificate.user_sid IS 'userSid of the view';
COMMENT ON COLUMN idtrust.ci_certificate.renewal_date IS 'renewalDate of the view, NULL when none';
COMMENT ON COLUMN idtrust.ci_certificate.issuance_start IS 'issuance.startTime of the view: when the import began';
COMMENT ON COLUMN idtrust.ci_certificate.issuance_complete IS 'issuance.completeTime of the view: when the import completed';

CREATE TABLE idtrust.ci_external_system (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 1024),
    enabled              boolean NOT NULL DEFAULT true,
    listener_type        text NOT NULL DEFAULT 'RESTService' CHECK (listener_type = 'RESTService'),
    mapping_file         text NOT NULL CHECK (mapping_file ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.xml$'),
    notification         text NOT NULL DEFAULT 'REST Certificate Added' CHECK (notification = 'REST Certificate Added'),
    api_location         text NOT NULL CHECK (api_location ~ '^https?://[^[:space:]]+$' AND length(api_location) <= 2048),
    oauth_token_endpoint text NOT NULL DEFAULT '' CHECK (oauth_token_endpoint = '' OR (oauth_token_endpoint ~ '^https?://[^[:space:]]+$' AND length(oauth_token_endpoint) <= 2048)),
    client_id            text NOT NULL DEFAULT '' CHECK (length(client_id) <= 255),
    requested_scopes     text NOT NULL DEFAULT '' CHECK (length(requested_scopes) <= 1024),
    client_secret        text CHECK (client_secret LIKE 'v1:%'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idtrust.ci_external_system IS 'External systems notified of added certificates (MyID External Systems, listener type RESTService, notification REST Certificate Added); managed through /idtrust/v1/external-systems';
COMMENT ON COLUMN idtrust.ci_external_system.id IS 'Internal id';
COMMENT ON COLUMN idtrust.ci_external_system.name IS 'Name; unique';
COMMENT ON COLUMN idtrust.ci_external_system.description IS 'Description';
COMMENT ON COLUMN idtrust.ci_external_system.enabled IS 'false: no new notifications are queued for it (rows already queued are still delivered)';
COMMENT ON COLUMN idtrust.ci_external_system.listener_type IS 'Always RESTService';
COMMENT ON COLUMN idtrust.ci_external_system.mapping_file IS 'The mapping file (CertimportMappingDir) that makes each notification''s request, e.g. RESTCertificateAdded.xml';
COMMENT ON COLUMN idtrust.ci_external_system.notification IS 'Always REST Certificate Added';
COMMENT ON COLUMN idtrust.ci_external_system.api_location IS 'Base URL of the external system''s API, e.g. https://external.example.com/rest.core';
COMMENT ON COLUMN idtrust.ci_external_system.oauth_token_endpoint IS 'OAuth2 token endpoint (client credentials grant); empty: notifications are sent without a token';
COMMENT ON COLUMN idtrust.ci_external_system.client_id IS 'OAuth2 client id';
COMMENT ON COLUMN idtrust.ci_external_system.requested_scopes IS 'OAuth2 scopes asked for, space-separated, e.g. myid.rest.basic';
COMMENT ON COLUMN idtrust.ci_external_system.client_secret IS 'OAuth2 client secret, encrypted (v1: AES-256-GCM under a key derived from IdtrustSecretKeyFile, docs/certimport.md); never shown by the API';
COMMENT ON COLUMN idtrust.ci_external_system.created_at IS 'When the system was made';
COMMENT ON COLUMN idtrust.ci_external_system.updated_at IS 'When the system was last changed (a cached token is dropped when it changes)';

CREATE TABLE idtrust.ci_policy_system (
    policy_id uuid NOT NULL REFERENCES idtrust.ci_policy (id) ON DELETE CASCADE,
    system_id uuid NOT NULL REFERENCES idtrust.ci_external_system (id) ON DELETE CASCADE,
    PRIMARY KEY (policy_id, system_id)
);
CREATE INDEX ci_policy_system_system_idx ON idtrust.ci_policy_system (system_id);
COMMENT ON TABLE idtrust.ci_policy_system IS 'Which external systems a certificate policy notifies (externalSystems of a policy)';
COMMENT ON COLUMN idtrust.ci_policy_system.policy_id IS 'The certificate policy';
COMMENT ON COLUMN idtrust.ci_policy_system.system_id IS 'An external system notified of every certificate imported under the policy';

CREATE TABLE idtrust.ci_system_source (
    system_id uuid NOT NULL REFERENCES idtrust.ci_external_system (id) ON DELETE CASCADE,
    source    text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
    PRIMARY KEY (system_id, source)
);
CREATE INDEX ci_system_source_source_idx ON idtrust.ci_system_source (source);
COMMENT ON TABLE idtrust.ci_system_source IS 'Inventory sources an external system subscribes to (sources of a system): it is notified of every certificate added with that idtrust.certificate.source, by any module (an idtrust extension, not MyID''s)';
COMMENT ON COLUMN idtrust.ci_system_source.system_id IS 'The external system';
COMMENT ON COLUMN idtrust.ci_system_source.source IS 'An idtrust.certificate.source, e.g. idstore.idp, idstore.sp, certimport.import';

CREATE TABLE idtrust.ci_outbox (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    system_id       uuid NOT NULL REFERENCES idtrust.ci_external_system (id) ON DELETE CASCADE,
    certificate_id  uuid NOT NULL REFERENCES idtrust.certificate (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    claimed_by      text,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (system_id, certificate_id)
);
CREATE INDEX ci_outbox_due_idx ON idtrust.ci_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ci_outbox_created_idx ON idtrust.ci_outbox (created_at, id);
CREATE INDEX ci_outbox_certificate_idx ON idtrust.ci_outbox (certificate_id);
COMMENT ON TABLE idtrust.ci_outbox IS 'REST Certificate Added notifications: one row per certificate and external system, written by triggers in the transaction that added the certificate, delivered by mod_certimport''s watchdog on any node (FOR UPDATE SKIP LOCKED)';
COMMENT ON COLUMN idtrust.ci_outbox.id IS 'The delivery id, sent with every attempt as header Idtrust-Delivery-Id so a receiver can drop a repeat';
COMMENT ON COLUMN idtrust.ci_outbox.system_id IS 'The external system to notify';
COMMENT ON COLUMN idtrust.ci_outbox.certificate_id IS 'The added certificate';
COMMENT ON COLUMN idtrust.ci_outbox.state IS 'pending (to deliver, or being delivered while claimed_until is in the future), delivered (2xx), failed (every attempt failed; resend makes it pending again), cancelled (by the API)';
COMMENT ON COLUMN idtrust.ci_outbox.attempts IS 'Attempts so far, counted when an attempt starts';
COMMENT ON COLUMN idtrust.ci_outbox.next_attempt_at IS 'Earliest time of the next attempt (the retry schedule: docs/certimport.md)';
COMMENT ON COLUMN idtrust.ci_outbox.claimed_until IS 'A node delivering the row holds it until then; a row whose claim ran out (the node died) is claimed again';
COMMENT ON COLUMN idtrust.ci_outbox.claimed_by IS 'Which node and process claimed it last (host:pid)';
COMMENT ON COLUMN idtrust.ci_outbox.last_status IS 'HTTP status of the last attempt, NULL when none came (refused, timed out)';
COMMENT ON COLUMN idtrust.ci_outbox.last_error IS 'Why the last attempt failed; never holds a secret';
COMMENT ON COLUMN idtrust.ci_outbox.created_at IS 'When the certificate was added';
COMMENT ON COLUMN idtrust.ci_outbox.updated_at IS 'When the row last changed';
COMMENT ON COLUMN idtrust.ci_outbox.delivered_at IS 'When the receiver answered 2xx';

-- Queues the notifications of a new certificate, in the transaction that added it: the
-- systems subscribed to its inventory source (idtrust.certificate, any module) and those
-- its MyID policy names (idtrust.ci_certificate, imports); a system both name gets one row.
CREATE FUNCTION idtrust.ci_queue_by_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idtrust.ci_outbox (system_id, certificate_id)
    SELECT s.system_id, NEW.id
      FROM idtrust.ci_system_source s JOIN idtrust.ci_external_system e ON e.id = s.system_id
     WHERE s.source = NEW.source AND e.enabled
    ON CONFLICT (system_id, certificate_id) DO NOTHING;
    IF FOUND THEN PERFORM pg_notify('idtrust_certimport_outbox', ''); END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.ci_queue_by_source() IS 'Queues a REST Certificate Added notification for every enabled external system subscribed to the new certificate''s source';
CREATE TRIGGER ci_queue_by_source AFTER INSERT ON idtrust.certificate
    FOR EACH ROW EXECUTE FUNCTION idtrust.ci_queue_by_source();

CREATE FUNCTION idtrust.ci_queue_by_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idtrust.ci_outbox (system_id, certificate_id)
    SELECT ps.system_id, NEW.certificate_id
      FROM idtrust.ci_policy_system ps JOIN idtrust.ci_external_system e ON e.id = ps.system_id
     WHERE ps.policy_id = NEW.policy_id AND e.enabled
    ON CONFLICT (system_id, certificate_id) DO NOTHING;
    IF FOUND THEN PERFORM pg_notify('idtrust_certimport_outbox', ''); END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION idtrust.ci_queue_by_policy() IS 'Queues a REST Certificate Added notification for every enabled external system the new MyID certificate''s policy names';
CREATE TRIGGER ci_queue_by_policy AFTER INSERT ON idtrust.ci_certificate
    FOR EACH ROW EXECUTE FUNCTION idtrust.ci_queue_by_policy();

-- For DBAs: what was sent where, and how it went.
CREATE VIEW idtrust.ci_notification AS
    SELECT o.id AS delivery_id, e.name AS external_system, c.subject, c.serial, c.source,
           o.state, o.attempts, o.last_status, o.last_error, o.created_at, o.next_attempt_at,
           o.delivered_at, o.claimed_by, o.claimed_until, o.certificate_id, o.system_id
      FROM idtrust.ci_outbox o
      JOIN idtrust.ci_external_system e ON e.id = o.system_id
      JOIN idtrust.certificate c ON c.id = o.certificate_id;
COMMENT ON VIEW idtrust.ci_notification IS 'REST Certificate Added notifications with their external system and certificate, for DBAs (safe to read; change state only through /idtrust/v1/notifications or as docs/dba.md says)';
COMMENT ON COLUMN idtrust.ci_notification.delivery_id IS 'idtrust.ci_outbox.id, the Idtrust-Delivery-Id header';
COMMENT ON COLUMN idtrust.ci_notification.external_system IS 'Name of the external system';
COMMENT ON COLUMN idtrust.ci_notification.subject IS 'Subject DN of the certificate';
COMMENT ON COLUMN idtrust.ci_notification.serial IS 'Serial number of the certificate, decimal';
COMMENT ON COLUMN idtrust.ci_notification.source IS 'Which module added the certificate (idtrust.certificate.source)';
COMMENT ON COLUMN idtrust.ci_notification.state IS 'pending, delivered, failed or cancelled';
COMMENT ON COLUMN idtrust.ci_notification.attempts IS 'Attempts so far';
COMMENT ON COLUMN idtrust.ci_notification.last_status IS 'HTTP status of the last attempt';
COMMENT ON COLUMN idtrust.ci_notification.last_error IS 'Why the last attempt failed';
COMMENT ON COLUMN idtrust.ci_notification.created_at IS 'When the certificate was added';
COMMENT ON COLUMN idtrust.ci_notification.next_attempt_at IS 'Earliest time of the next attempt';
COMMENT ON COLUMN idtrust.ci_notification.delivered_at IS 'When it was delivered';
COMMENT ON COLUMN idtrust.ci_notification.claimed_by IS 'Node and process that claimed it last';
COMMENT ON COLUMN idtrust.ci_notification.claimed_until IS 'End of the current claim';
COMMENT ON COLUMN idtrust.ci_notification.certificate_id IS 'idtrust.certificate.id';
COMMENT ON COLUMN idtrust.ci_notification.system_id IS 'idtrust.ci_external_system.id';

-- The inventory's holder view gains the MyID certificates (and keeps every branch of the
-- migrations before: mod_idstore's, mod_ssoadmin's credential keys of 011).
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
     WHERE k.certificate_id IS NOT NULL
    UNION ALL
    SELECT m.certificate_id, 'mod_certimport', 'myid_certificate', m.certificate_id::text,
           '/rest.core/api/Certificates/' || m.certificate_id
      FROM idtrust.ci_certificate m;

INSERT INTO idtrust.schema_version (version, name) VALUES (20, '020_certimport.sql');
