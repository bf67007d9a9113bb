#include "is_idps.h"

#include <stdlib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <http_core.h>
#include <http_protocol.h>

#include "idt_httpd_body.h"
#include "idt_json.h"
#include "idt_saml.h"
#include "idt_text.h"
#include "is_idp_certs.h"
#include "is_saml.h"
#include "is_stores.h"

idt_error *is_idp_check(idt_req *q, const char *store_id, const char *idp_id, int lock)
{
    const char *params[2] = {store_id, idp_id};
    PGresult *r;
    idt_error *e;

    if ((e = is_store_check(q, store_id, 0))) return e;
    if (!is_uuid(idp_id)) return idt_err(q->p, IDT_E_NOT_FOUND, "identity provider not found");
    e = idt_db_exec(
        q->db, &r,
        lock ? "SELECT 1 FROM idtrust.external_idp WHERE store_id = $1 AND id = $2 FOR UPDATE"
             : "SELECT 1 FROM idtrust.external_idp WHERE store_id = $1 AND id = $2",
        2, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND,
                       "identity provider %s not found in this identity store", idp_id);
    return NULL;
}

idt_error *is_idp_list(idt_req *q)
{
    const char *params[1] = {q->args[0]};
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = is_store_check(q, q->args[0], 0))) return e;
    e = idt_db_exec(q->db, &r,
                    "SELECT id, entity_id, login_url, enabled, "
                    "(extract(epoch FROM created_at) * 1000)::bigint "
                    "FROM idtrust.external_idp WHERE store_id = $1 ORDER BY created_at, id",
                    1, params);
    if (e) return e;
    list = idt_json_own(q->p, json_array());
    for (i = 0; i < PQntuples(r); i++)
        if ((e = idt_append(q, list,
                            json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "idp_id",
                                      PQgetvalue(r, i, 0), "identity_store_id", q->args[0],
                                      "entity_id", PQgetvalue(r, i, 1), "login_url",
                                      PQgetvalue(r, i, 2), "status",
                                      strcmp(PQgetvalue(r, i, 3), "t") ? "DISABLED" : "ENABLED",
                                      "created_at", (json_int_t)apr_atoi64(PQgetvalue(r, i, 4))))))
            return e;
    idt_reply(q, 200, json_pack("{s:O}", "associations", list));
    return NULL;
}

static idt_error *check_url(idt_req *q, const char *url)
{
    const unsigned char *c;
    apr_uri_t u;
    /* apr_uri_parse takes any byte: a space or line break would reach a Location header */
    for (c = (const unsigned char *)url; *c; c++)
        if (*c <= 0x20 || *c == 0x7f)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "login_url must not contain spaces or control characters");
    if (apr_uri_parse(q->p, url, &u) != APR_SUCCESS || !u.scheme || !u.hostname || !*u.hostname ||
        (strcasecmp(u.scheme, "https") && strcasecmp(u.scheme, "http")))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "login_url must be an absolute http(s) URL");
    return NULL;
}

/* What the IdP is given, read from idp_saml_metadata or idp_saml_config + idp_certificate. */
typedef struct idp_input {
    const char *entity_id, *login_url, *metadata;
    apr_array_header_t *certs; /* idt_cert * */
    int cert_optional;         /* set by the caller: an update may leave the certificates */
} idp_input;

static idt_error *read_input(idt_req *q, idp_input *in)
{
    static const char *const allowed[] = {"idp_saml_metadata", "idp_saml_config", "idp_certificate",
                                          NULL};
    static const char *const config_allowed[] = {"entity_id", "login_url", NULL};
    json_t *body, *config;
    const char *pem;
    idt_cert *c;
    idt_error *e;
    int i;

    if ((e = idt_httpd_read_json(q->r, &body)) || (e = idt_json_only(q->p, body, allowed)) ||
        (e = idt_json_string(q->p, body, "idp_saml_metadata", 0, 1024 * 1024, &in->metadata)) ||
        (e = idt_json_string(q->p, body, "idp_certificate", 0, 65536, &pem)))
        return e;
    config = json_object_get(body, "idp_saml_config");
    in->certs = apr_array_make(q->p, 2, sizeof(idt_cert *));
    if (in->metadata) {
        idt_saml_idp *md;
        if (config || pem)
            return idt_err(
                q->p, IDT_E_BAD_REQUEST,
                "give either idp_saml_metadata, or idp_saml_config with idp_certificate, not both");
        if ((e = idt_saml_idp_parse(q->p, in->metadata, strlen(in->metadata), &md))) {
            e->msg = apr_pstrcat(q->p, "idp_saml_metadata: ", e->msg, NULL);
            return e;
        }
        in->entity_id = md->entity_id;
        in->login_url = md->sso_url;
        /* the limits idp_saml_config has, so both ways store the same */
        if (strlen(in->entity_id) > 1024)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "idp_saml_metadata: entityID is longer than 1024 bytes");
        if (strlen(in->login_url) > 2048)
            return idt_err(
                q->p, IDT_E_BAD_REQUEST,
                "idp_saml_metadata: the SingleSignOnService Location is longer than 2048 bytes");
        for (i = 0; i < md->certs_b64->nelts; i++) {
            const char *what =
                apr_psprintf(q->p, "idp_saml_metadata signing certificate %d", i + 1);
            int j, seen = 0;
            if ((e = is_idp_cert_parse(q, APR_ARRAY_IDX(md->certs_b64, i, const char *), what, &c)))
                return e;
            /* metadata often lists one certificate under several KeyDescriptors */
            for (j = 0; j < in->certs->nelts; j++)
                if (!strcmp(APR_ARRAY_IDX(in->certs, j, idt_cert *)->sha256_hex, c->sha256_hex))
                    seen = 1;
            if (!seen) APR_ARRAY_PUSH(in->certs, idt_cert *) = c;
        }
    } else {
        if (!config || (!pem && !in->cert_optional))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           in->cert_optional
                               ? "idp_saml_metadata or idp_saml_config is required"
                               : "idp_saml_metadata, or idp_saml_config with idp_certificate, "
                                 "is required");
        if (!json_is_object(config))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "idp_saml_config must be an object");
        if ((e = idt_json_only(q->p, config, config_allowed)) ||
            (e = idt_json_string(q->p, config, "entity_id", 1, 1024, &in->entity_id)) ||
            (e = idt_json_string(q->p, config, "login_url", 1, 2048, &in->login_url)) ||
            (pem && (e = is_idp_cert_parse(q, pem, "idp_certificate", &c))))
            return e;
        /* the rule idt_saml_idp_parse applies to an entityID from metadata */
        if (idt_text_blank(in->entity_id))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "idp_saml_config.entity_id must not be made only of white space");
        if (pem) APR_ARRAY_PUSH(in->certs, idt_cert *) = c;
    }
    return check_url(q, in->login_url);
}

idt_error *is_idp_create(idt_req *q)
{
    const char *params[4];
    json_t *ids, *sp;
    idp_input in = {0};
    const char *idp_id, *first = NULL;
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = read_input(q, &in)) || (e = is_store_check(q, q->args[0], 1))) return e;
    params[0] = q->args[0];
    params[1] = in.entity_id;
    params[2] = in.login_url;
    params[3] = in.metadata;
    e = idt_db_exec(
        q->db, &r,
        "INSERT INTO idtrust.external_idp (store_id, entity_id, login_url, metadata) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (store_id, entity_id) DO NOTHING RETURNING id",
        4, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(
            q->p, IDT_E_CONFLICT,
            "an identity provider with this entity_id is already associated with the store");
    idp_id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    if ((e = idt_audit(q->db, &q->who, "external_idp.create", "external_idp", idp_id,
                       json_pack("{s:s, s:s, s:s}", "identity_store_id", q->args[0], "entity_id",
                                 in.entity_id, "login_url", in.login_url))))
        return e;
    ids = idt_json_own(q->p, json_array());
    for (i = 0; i < in.certs->nelts; i++) {
        const char *cert_id;
        /* read_input dropped repeated certificates, so the IdP holds none of these yet */
        if ((e = is_idp_cert_add(q, idp_id, APR_ARRAY_IDX(in.certs, i, idt_cert *), &cert_id)))
            return e;
        if (!first) first = cert_id;
        json_array_append_new(ids, json_string(cert_id));
    }
    if ((e = is_sp_saml_config(q, q->args[0], &sp))) return e;
    idt_reply(q, 201,
              json_pack("{s:s, s:s, s:O, s:o}", "idp_id", idp_id, "idp_certificate_id", first,
                        "idp_certificate_ids", ids, "hws_sp_saml_config", sp));
    return NULL;
}

idt_error *is_idp_delete(idt_req *q)
{
    const char *params[1] = {q->args[1]};
    idt_error *e;

    if ((e = is_idp_check(q, q->args[0], q->args[1], 1)) ||
        /* its certificates leave the inventory with it: nothing holds them any more */
        (e = idt_db_exec(
             q->db, NULL,
             "WITH gone AS (DELETE FROM idtrust.idp_certificate WHERE idp_id = $1 "
             "RETURNING certificate_id) "
             "DELETE FROM idtrust.certificate WHERE id IN (SELECT certificate_id FROM gone)",
             1, params)) ||
        (e = idt_db_exec(q->db, NULL, "DELETE FROM idtrust.external_idp WHERE id = $1", 1, params)))
        return e;
    q->status = 204;
    return idt_audit(q->db, &q->who, "external_idp.delete", "external_idp", q->args[1], NULL);
}

static idt_error *set_enabled(idt_req *q, int enabled)
{
    const char *params[2] = {q->args[1], enabled ? "t" : "f"};
    idt_error *e;

    if ((e = is_idp_check(q, q->args[0], q->args[1], 1)) ||
        (e = idt_db_exec(q->db, NULL, "UPDATE idtrust.external_idp SET enabled = $2 WHERE id = $1",
                         2, params)))
        return e;
    q->status = 204;
    return idt_audit(q->db, &q->who, enabled ? "external_idp.enable" : "external_idp.disable",
                     "external_idp", q->args[1], NULL);
}

idt_error *is_idp_enable(idt_req *q)
{
    return set_enabled(q, 1);
}

idt_error *is_idp_disable(idt_req *q)
{
    return set_enabled(q, 0);
}

/* Answers the IdP as GET .../external-idp/{idp_id} shows it: its list entry, its
 * certificate ids (oldest first) and the SP settings to configure at it. */
static idt_error *idp_view(idt_req *q, const char *store_id, const char *idp_id)
{
    const char *params[2] = {store_id, idp_id};
    json_t *ids, *sp, *view;
    PGresult *r, *certs;
    idt_error *e;
    int i;

    if ((e = idt_db_exec(q->db, &r,
                         "SELECT entity_id, login_url, enabled, "
                         "(extract(epoch FROM created_at) * 1000)::bigint "
                         "FROM idtrust.external_idp WHERE store_id = $1 AND id = $2",
                         2, params)) ||
        (e = idt_db_exec(q->db, &certs,
                         "SELECT id FROM idtrust.idp_certificate WHERE idp_id = $1 "
                         "ORDER BY created_at, id",
                         1, params + 1)))
        return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND,
                       "identity provider %s not found in this identity store", idp_id);
    ids = idt_json_own(q->p, json_array());
    for (i = 0; i < PQntuples(certs); i++)
        if ((e = idt_append(q, ids, json_string(PQgetvalue(certs, i, 0))))) return e;
    if ((e = is_sp_saml_config(q, store_id, &sp))) return e;
    view =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:O, s:o}", "idp_id", idp_id, "identity_store_id",
                  store_id, "entity_id", PQgetvalue(r, 0, 0), "login_url", PQgetvalue(r, 0, 1),
                  "status", strcmp(PQgetvalue(r, 0, 2), "t") ? "DISABLED" : "ENABLED", "created_at",
                  (json_int_t)apr_atoi64(PQgetvalue(r, 0, 3)), "idp_certificate_ids", ids,
                  "hws_sp_saml_config", sp);
    if (!view) return idt_err(q->p, IDT_E_INTERNAL, "a stored value cannot be rendered as JSON");
    /* as in the create answer; an IdP always holds a certificate */
    if (json_array_size(ids)) json_object_set(view, "idp_certificate_id", json_array_get(ids, 0));
    idt_reply(q, 200, view);
    return NULL;
}

idt_error *is_idp_get(idt_req *q)
{
    idt_error *e = is_idp_check(q, q->args[0], q->args[1], 0);
    return e ? e : idp_view(q, q->args[0], q->args[1]);
}

/* Makes certs (parsed, without repeats) the IdP's certificates: one it already holds
 * (same SHA-256) keeps its certificate_id, a new one is added, and the ones not in
 * certs are deleted, with their inventory rows. Appends the ids to added and removed. */
static idt_error *replace_certs(idt_req *q, const char *idp_id, const apr_array_header_t *certs,
                                json_t *added, json_t *removed)
{
    const char *params[2] = {idp_id, NULL};
    PGresult *r;
    idt_error *e;
    int i, j, n;
    char *kept;

    e = idt_db_exec(
        q->db, &r,
        "SELECT i.id, c.sha256 FROM idtrust.idp_certificate i JOIN idtrust.certificate c "
        "ON c.id = i.certificate_id WHERE i.idp_id = $1",
        1, params);
    if (e) return e;
    n = PQntuples(r);
    kept = apr_pcalloc(q->p, n + 1);
    for (i = 0; i < certs->nelts; i++) {
        const idt_cert *c = APR_ARRAY_IDX(certs, i, idt_cert *);
        const char *cert_id;
        int held = 0;
        for (j = 0; j < n; j++)
            if (!strcmp(PQgetvalue(r, j, 1), c->sha256_hex)) kept[j] = held = 1;
        if (held) continue;
        if ((e = is_idp_cert_add(q, idp_id, c, &cert_id))) return e;
        json_array_append_new(added, json_string(cert_id));
    }
    for (j = 0; j < n; j++) {
        if (kept[j]) continue;
        params[1] = PQgetvalue(r, j, 0);
        if ((e = idt_db_exec(
                 q->db, NULL,
                 "WITH gone AS (DELETE FROM idtrust.idp_certificate WHERE idp_id = $1 AND id = $2 "
                 "RETURNING certificate_id) "
                 "DELETE FROM idtrust.certificate WHERE id IN (SELECT certificate_id FROM gone)",
                 2, params)) ||
            (e = idt_audit(q->db, &q->who, "idp_certificate.delete", "idp_certificate", params[1],
                           json_pack("{s:s, s:s}", "idp_id", idp_id, "reason",
                                     "not in the identity provider's new settings"))))
            return e;
        json_array_append_new(removed, json_string(params[1]));
    }
    return NULL;
}

idt_error *is_idp_update(idt_req *q)
{
    const char *params[4];
    idp_input in = {0};
    json_t *added, *removed;
    PGresult *r;
    idt_error *e;

    in.cert_optional = 1;
    /* the store lock serialises this with creates, so the entity_id check holds */
    if ((e = read_input(q, &in)) || (e = is_store_check(q, q->args[0], 1)) ||
        (e = is_idp_check(q, q->args[0], q->args[1], 1)))
        return e;
    params[0] = q->args[0];
    params[1] = in.entity_id;
    params[2] = q->args[1];
    e = idt_db_exec(q->db, &r,
                    "SELECT 1 FROM idtrust.external_idp "
                    "WHERE store_id = $1 AND entity_id = $2 AND id <> $3",
                    3, params);
    if (e) return e;
    if (PQntuples(r) > 0)
        return idt_err(
            q->p, IDT_E_CONFLICT,
            "another identity provider with this entity_id is already associated with the store");
    params[0] = q->args[1];
    params[1] = in.entity_id;
    params[2] = in.login_url;
    /* settings given without metadata make the stored metadata wrong: it goes */
    params[3] = in.metadata;
    if ((e = idt_db_exec(q->db, NULL,
                         "UPDATE idtrust.external_idp SET entity_id = $2, login_url = $3, "
                         "metadata = $4 WHERE id = $1",
                         4, params)))
        return e;
    added = idt_json_own(q->p, json_array());
    removed = idt_json_own(q->p, json_array());
    if (in.certs->nelts && (e = replace_certs(q, q->args[1], in.certs, added, removed))) return e;
    if ((e = idt_audit(q->db, &q->who, "external_idp.update", "external_idp", q->args[1],
                       json_pack("{s:s, s:s, s:s, s:s, s:O, s:O}", "identity_store_id", q->args[0],
                                 "entity_id", in.entity_id, "login_url", in.login_url, "from",
                                 in.metadata ? "idp_saml_metadata" : "idp_saml_config",
                                 "certificates_added", added, "certificates_removed", removed))))
        return e;
    return idp_view(q, q->args[0], q->args[1]);
}
