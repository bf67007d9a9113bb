#include "ci_systems.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>

#include "ci_certificates.h"
#include "ci_mappings.h"
#include "idt_httpd_body.h"
#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "idt_seal.h"
#include "idt_text.h"

#define SYSTEM_COLUMNS                                                                             \
    "s.id, s.name, s.description, s.enabled, s.listener_type, s.mapping_file, s.notification, "    \
    "s.api_location, s.oauth_token_endpoint, s.client_id, s.requested_scopes, "                    \
    "s.client_secret IS NOT NULL, (extract(epoch FROM s.created_at) * 1000)::bigint, "             \
    "(extract(epoch FROM s.updated_at) * 1000)::bigint, "                                          \
    "coalesce((SELECT array_to_json(array_agg(x.source ORDER BY x.source))::text "                 \
    "FROM idtrust.ci_system_source x WHERE x.system_id = s.id), '[]')"

static json_t *system_json(const PGresult *r, int i)
{
    json_t *sources = json_loads(PQgetvalue(r, i, 14), 0, NULL);
    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:I, s:I}",
                     "id", PQgetvalue(r, i, 0), "name", PQgetvalue(r, i, 1), "description",
                     PQgetvalue(r, i, 2), "enabled", *PQgetvalue(r, i, 3) == 't', "listenerType",
                     PQgetvalue(r, i, 4), "mappingFile", PQgetvalue(r, i, 5), "notification",
                     PQgetvalue(r, i, 6), "apiLocation", PQgetvalue(r, i, 7), "oauthTokenEndpoint",
                     PQgetvalue(r, i, 8), "clientId", PQgetvalue(r, i, 9), "requestedScopes",
                     PQgetvalue(r, i, 10), "clientSecretSet", *PQgetvalue(r, i, 11) == 't',
                     "sources", sources ? sources : json_array(), "createdAt",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 12)), "updatedAt",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 13)));
}

/* The system of id, for the answer (and FOR UPDATE before a change). */
static idt_error *fetch(idt_req *q, const char *id, int lock, PGresult **r)
{
    const char *params[1] = {id};
    idt_error *e;

    if (!ci_is_uuid(id)) return idt_err(q->p, IDT_E_NOT_FOUND, "no external system with that id");
    e = idt_db_exec(q->db, r,
                    lock ? "SELECT " SYSTEM_COLUMNS
                           " FROM idtrust.ci_external_system s WHERE s.id = $1 FOR UPDATE"
                         : "SELECT " SYSTEM_COLUMNS
                           " FROM idtrust.ci_external_system s WHERE s.id = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(*r) == 0) return idt_err(q->p, IDT_E_NOT_FOUND, "no external system with that id");
    return NULL;
}

/* An outbound URL as the repository takes it (api_location and oauth_token_endpoint:
 * ^https?://[^[:space:]]+$, at most 2048 characters), and more: parsed by APR, an
 * http or https URL with a host and no user information. Credentials in a URL would be
 * shown to every reader of the external system and of its audit rows; the client secret
 * is the place for them. Only printable ASCII: an IRI is sent percent-encoded, and
 * PostgreSQL's [:space:] counts Unicode spaces too. */
static idt_error *url_check(apr_pool_t *p, const char *name, const char *v, int empty_ok)
{
    apr_uri_t u;
    const char *c;

    if (!v || (empty_ok && !*v)) return NULL;
    if (strlen(v) > 2048) return idt_err(p, IDT_E_BAD_REQUEST, "%s is longer than 2048 bytes", name);
    for (c = v; *c; c++)
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
            return idt_err(p, IDT_E_BAD_REQUEST,
                           "%s must be printable ASCII, without white space (percent-encode "
                           "other characters)",
                           name);
    if (apr_uri_parse(p, v, &u) != APR_SUCCESS || !u.scheme ||
        (strcmp(u.scheme, "http") && strcmp(u.scheme, "https")) ||
        strncmp(v + strlen(u.scheme), "://", 3))
        return idt_err(p, IDT_E_BAD_REQUEST, "%s must be an http:// or https:// URL", name);
    if (u.user || u.password)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "%s must not hold credentials (user:password@): put the secret in "
                       "clientSecret",
                       name);
    if (!u.hostname || !*u.hostname)
        return idt_err(p, IDT_E_BAD_REQUEST, "%s must name a host (http://host/...)", name);
    if (u.port_str && *u.port_str &&
        (!u.port || strspn(u.port_str, "0123456789") != strlen(u.port_str) ||
         apr_atoi64(u.port_str) > 65535))
        return idt_err(p, IDT_E_BAD_REQUEST, "%s has a port that is not 1 to 65535", name);
    return NULL;
}

/* The repository's form of a mapping file name (^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.xml$):
 * a file of CertimportMappingDir may be named otherwise, and cannot be chosen then. */
static int mapping_name_ok(const char *s)
{
    apr_size_t n = strlen(s), i;
    if (n < 5 || n > 132 || strcmp(s + n - 4, ".xml") || !apr_isalnum(s[0])) return 0;
    for (i = 1; i < n - 4; i++)
        if (!apr_isalnum(s[i]) && !strchr("._-", s[i])) return 0;
    return 1;
}

/* The members of a POST (all, required ones checked) or a PUT (only those given). */
typedef struct {
    const char *name, *description, *mapping, *api, *token, *client_id, *scopes, *secret;
    int enabled; /* -1 absent */
    int secret_clear;
    json_t *sources; /* NULL absent */
} system_in;

static idt_error *read_in(idt_req *q, int create, system_in *in)
{
    static const char *const allowed[] = {
        "name", "description", "enabled", "listenerType", "mappingFile", "notification",
        "apiLocation", "oauthTokenEndpoint", "clientId", "requestedScopes", "clientSecret",
        "confirmClientSecret", "sources", NULL};
    const char *lt, *nt, *confirm;
    json_t *j, *v;
    size_t i;
    idt_error *e;

    memset(in, 0, sizeof(*in));
    in->enabled = -1;
    if ((e = idt_httpd_read_json(q->r, &j)) || (e = idt_json_only(q->p, j, allowed)) ||
        (e = idt_json_string(q->p, j, "name", create, 255, &in->name)) ||
        (e = idt_json_string(q->p, j, "mappingFile", create, 132, &in->mapping)) ||
        (e = idt_json_string(q->p, j, "apiLocation", create, 2048, &in->api)) ||
        (e = idt_json_string(q->p, j, "listenerType", 0, 64, &lt)) ||
        (e = idt_json_string(q->p, j, "notification", 0, 64, &nt)) ||
        (e = idt_json_string(q->p, j, "confirmClientSecret", 0, 4096, &confirm)))
        return e;
    /* members that may be empty strings */
#define OPT_STR(member, field, max)                                                                \
    if ((v = json_object_get(j, member))) {                                                        \
        if (!json_is_string(v) || json_string_length(v) > (max) ||                                \
            strlen(json_string_value(v)) != json_string_length(v))                                 \
            return idt_err(q->p, IDT_E_BAD_REQUEST,                                                \
                           member " must be a string of at most %d bytes, without NUL",            \
                           (int)(max));                                                            \
        in->field = json_string_value(v);                                                          \
    }
    OPT_STR("description", description, 1024)
    OPT_STR("oauthTokenEndpoint", token, 2048)
    OPT_STR("clientId", client_id, 255)
    OPT_STR("requestedScopes", scopes, 1024)
#undef OPT_STR
    if ((v = json_object_get(j, "clientSecret"))) {
        if (json_is_null(v)) {
            in->secret_clear = 1;
        } else if (!json_is_string(v) || !*json_string_value(v) ||
                   strlen(json_string_value(v)) > 4096) {
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "clientSecret must be a string of 1 to 4096 bytes, or null to remove it");
        } else {
            in->secret = json_string_value(v);
        }
    }
    if (confirm && (!in->secret || strcmp(confirm, in->secret)))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "confirmClientSecret does not match clientSecret");
    if ((v = json_object_get(j, "enabled"))) {
        if (!json_is_boolean(v)) return idt_err(q->p, IDT_E_BAD_REQUEST, "enabled must be true or false");
        in->enabled = json_is_true(v);
    }
    if (in->name && idt_text_blank(in->name))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "name must not be blank");
    if (lt && strcmp(lt, "RESTService"))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "listenerType must be RESTService");
    if (nt && strcmp(nt, "REST Certificate Added"))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "notification must be REST Certificate Added");
    if (in->mapping && !mapping_name_ok(in->mapping))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "mappingFile must be a file name of A-Z a-z 0-9 . _ -, starting with a "
                       "letter or digit and ending in .xml");
    if (in->mapping && !ci_mapping_get(in->mapping))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "mappingFile names no mapping file of CertimportMappingDir (loaded: %s)",
                       ci_mapping_names(q->p));
    if ((e = url_check(q->p, "apiLocation", in->api, 0)) ||
        (e = url_check(q->p, "oauthTokenEndpoint", in->token, 1)))
        return e;
    if (in->api && in->api[strlen(in->api) - 1] == '/')
        in->api = apr_pstrmemdup(q->p, in->api, strlen(in->api) - 1);
    if ((v = json_object_get(j, "sources"))) {
        if (!json_is_array(v) || json_array_size(v) > 64)
            return idt_err(q->p, IDT_E_BAD_REQUEST, "sources must be a list of at most 64 "
                           "inventory sources, e.g. [\"idstore.idp\"]");
        json_array_foreach(v, i, j) {
            const char *s = json_is_string(j) ? json_string_value(j) : NULL, *c;
            int ok = s && *s && strlen(s) <= 64 && apr_islower(*s);
            for (c = s; ok && *c; c++)
                ok = apr_islower(*c) || apr_isdigit(*c) || *c == '_' ||
                     (*c == '.' && c[1] && c[1] != '.');
            if (!ok)
                return idt_err(q->p, IDT_E_BAD_REQUEST,
                               "sources: each is an inventory source such as idstore.idp "
                               "(lower-case letters, digits, '_' and '.')");
        }
        in->sources = v;
    }
    return NULL;
}

static idt_error *seal(idt_req *q, const char *plain, const char **sealed)
{
    if (!q->secret)
        return idt_err(q->p, IDT_E_INTERNAL,
                       "clientSecret cannot be stored: IdtrustSecretKeyFile is not set");
    return idt_seal(q->p, q->secret, CI_SECRET_PURPOSE, plain, sealed);
}

static idt_error *set_sources(idt_req *q, const char *id, json_t *sources)
{
    const char *params[2] = {id, NULL};
    PGresult *r;
    json_t *v;
    size_t i;
    idt_error *e;

    if (!sources) return NULL;
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.ci_system_source WHERE system_id = $1",
                         1, params)))
        return e;
    json_array_foreach(sources, i, v) {
        params[1] = json_string_value(v);
        if ((e = idt_db_exec(q->db, &r,
                             "INSERT INTO idtrust.ci_system_source (system_id, source) VALUES "
                             "($1, $2) ON CONFLICT DO NOTHING",
                             2, params)))
            return e;
    }
    return NULL;
}

static json_t *audit_detail(const system_in *in)
{
    /* never the secret: only whether it changed */
    return json_pack("{s:s?, s:s?, s:s?, s:b}", "name", in->name, "api_location", in->api,
                     "mapping_file", in->mapping, "client_secret_changed",
                     in->secret || in->secret_clear);
}

idt_error *ci_system_create(idt_req *q)
{
    system_in in;
    const char *params[10], *sealed = NULL, *id;
    PGresult *r;
    idt_error *e;

    if ((e = read_in(q, 1, &in))) return e;
    if (in.secret && (e = seal(q, in.secret, &sealed))) return e;
    params[0] = in.name;
    params[1] = in.description ? in.description : "";
    params[2] = in.enabled == 0 ? "false" : "true";
    params[3] = in.mapping;
    params[4] = in.api;
    params[5] = in.token ? in.token : "";
    params[6] = in.client_id ? in.client_id : "";
    params[7] = in.scopes ? in.scopes : "";
    params[8] = sealed;
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.ci_external_system (name, description, enabled, "
                    "mapping_file, api_location, oauth_token_endpoint, client_id, "
                    "requested_scopes, client_secret) VALUES ($1, $2, $3::boolean, $4, $5, $6, "
                    "$7, $8, $9) ON CONFLICT (name) DO NOTHING RETURNING id",
                    9, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_CONFLICT, "an external system named \"%s\" exists already",
                       in.name);
    id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    if ((e = set_sources(q, id, in.sources)) ||
        (e = idt_audit(q->db, &q->who, "external_system.create", "external_system", id,
                       audit_detail(&in))) ||
        (e = fetch(q, id, 0, &r)))
        return e;
    apr_table_setn(q->r->headers_out, "Location",
                   apr_pstrcat(q->p, "/idtrust/v1/external-systems/", id, NULL));
    idt_reply(q, 201, system_json(r, 0));
    return NULL;
}

idt_error *ci_system_list(idt_req *q)
{
    return idt_page_list(q, "external_systems",
                         "SELECT FROM idtrust.ci_external_system WHERE name = $1",
                         "SELECT " SYSTEM_COLUMNS " FROM idtrust.ci_external_system s "
                         "WHERE ($1::text IS NULL OR s.name > $1) ORDER BY s.name LIMIT $2::int",
                         1, system_json);
}

idt_error *ci_system_get(idt_req *q)
{
    PGresult *r;
    idt_error *e = fetch(q, q->args[0], 0, &r);
    if (e) return e;
    idt_reply(q, 200, system_json(r, 0));
    return NULL;
}

idt_error *ci_system_update(idt_req *q)
{
    system_in in;
    const char *params[11], *sealed = NULL, *id = q->args[0];
    PGresult *r;
    idt_error *e;

    if ((e = fetch(q, id, 1, &r)) || (e = read_in(q, 0, &in))) return e;
    if (in.secret && (e = seal(q, in.secret, &sealed))) return e;
    params[0] = id;
    params[1] = in.name;
    params[2] = in.description;
    params[3] = in.enabled < 0 ? NULL : in.enabled ? "true" : "false";
    params[4] = in.mapping;
    params[5] = in.api;
    params[6] = in.token;
    params[7] = in.client_id;
    params[8] = in.scopes;
    params[9] = sealed;
    params[10] = in.secret_clear ? "true" : "false";
    e = idt_db_exec(q->db, &r,
                    "UPDATE idtrust.ci_external_system SET name = coalesce($2, name), "
                    "description = coalesce($3, description), "
                    "enabled = coalesce($4::boolean, enabled), "
                    "mapping_file = coalesce($5, mapping_file), "
                    "api_location = coalesce($6, api_location), "
                    "oauth_token_endpoint = coalesce($7, oauth_token_endpoint), "
                    "client_id = coalesce($8, client_id), "
                    "requested_scopes = coalesce($9, requested_scopes), "
                    "client_secret = CASE WHEN $11::boolean THEN NULL "
                    "ELSE coalesce($10, client_secret) END, updated_at = clock_timestamp() "
                    "WHERE id = $1",
                    11, params);
    if (e) {
        if (e->kind == IDT_E_CONFLICT)
            return idt_err(q->p, IDT_E_CONFLICT, "an external system named \"%s\" exists already",
                           in.name ? in.name : "");
        return e;
    }
    if ((e = set_sources(q, id, in.sources)) ||
        (e = idt_audit(q->db, &q->who, "external_system.update", "external_system", id,
                       audit_detail(&in))) ||
        (e = fetch(q, id, 0, &r)))
        return e;
    idt_reply(q, 200, system_json(r, 0));
    return NULL;
}

idt_error *ci_system_delete(idt_req *q)
{
    const char *params[1] = {q->args[0]};
    PGresult *r;
    idt_error *e;

    if ((e = fetch(q, q->args[0], 1, &r))) return e;
    params[0] = q->args[0];
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.ci_external_system WHERE id = $1", 1,
                         params)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "external_system.delete", "external_system", q->args[0],
                       NULL)))
        return e;
    idt_reply(q, 204, NULL);
    return NULL;
}
