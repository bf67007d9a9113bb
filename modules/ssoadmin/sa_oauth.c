#include "sa_oauth.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>

#include "idt_httpd_error.h"
#include "idt_httpd_query.h"
#include "idt_jose.h"
#include "idt_json.h"
#include "idt_text.h"
#include "mod_idtrust.h"
#include "sa_config.h"
#include "sa_keyring.h"
#include "sa_keys.h"
#include "sa_objects.h"

extern module AP_MODULE_DECLARE_DATA ssoadmin_module;

/* The realm the client secrets are checked in (mod_idtrust's throttle and success cache
 * keep them apart from the admin accounts). */
#define CLIENT_REALM "oauth-client"

/* RFC 6749 section 5.2 codes: an error made here carries its code before ": " in msg. */
static const char *const codes[] = {"invalid_request",        "invalid_client",
                                    "invalid_grant",          "unauthorized_client",
                                    "unsupported_grant_type", "invalid_scope",
                                    "server_error",           "temporarily_unavailable",
                                    NULL};

static idt_error *oauth_err(apr_pool_t *p, idt_kind kind, const char *code, const char *desc)
{
    return idt_err(p, kind, "%s: %s", code, desc);
}

static const sa_config *config_of(request_rec *r)
{
    return ap_get_module_config(r->server->module_config, &ssoadmin_module);
}

const char *sa_issuer(request_rec *r)
{
    const sa_config *c = config_of(r);
    return c->issuer ? c->issuer : ap_construct_url(r->pool, "/uas", r);
}

const char *sa_audience(request_rec *r)
{
    return sa_issuer(r);
}

int sa_oauth_render_error(request_rec *r, const idt_error *e)
{
    const char *code = NULL, *desc = e->msg;
    json_t *body;
    int i;

    for (i = 0; codes[i]; i++) {
        apr_size_t n = strlen(codes[i]);
        if (!strncmp(e->msg, codes[i], n) && !strncmp(e->msg + n, ": ", 2)) {
            code = codes[i];
            desc = e->msg + n + 2;
            break;
        }
    }
    if (!code) {
        switch (e->status) {
        case HTTP_UNAUTHORIZED: code = "invalid_client"; break;
        case HTTP_SERVICE_UNAVAILABLE: code = "temporarily_unavailable"; break;
        case HTTP_TOO_MANY_REQUESTS: code = "invalid_client"; break;
        case HTTP_INTERNAL_SERVER_ERROR: code = "server_error"; break;
        default: code = "invalid_request"; break;
        }
    }
    /* RFC 6749 section 5.2: a 401 for a client that may use HTTP Basic names the scheme */
    if (e->status == HTTP_UNAUTHORIZED)
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", "Basic realm=\"idtrust\"");
    apr_table_setn(r->err_headers_out, "Pragma", "no-cache");
    body = idt_json_own(r->pool, json_pack("{s:s, s:s}", "error", code, "error_description",
                                           idt_text_is_utf8(desc) ? desc : "the request failed"));
    return idt_httpd_send(r, e->status, "application/json;charset=UTF-8",
                          idt_json_dump(r->pool, body, JSON_COMPACT));
}

/* ---- client authentication ---------------------------------------------------- */

/* The secret hash of an enabled client (idtrust_check_secret's lookup). */
static authn_status client_hash(request_rec *r, void *ctx, const char *client_id,
                                const char **hash, int *role)
{
    idt_db *db = ctx;
    const char *params[1] = {client_id};
    PGresult *res;
    idt_error *e;

    if (!idt_text_is_utf8(client_id)) return AUTH_USER_NOT_FOUND;
    e = idt_db_exec(db, &res,
                    "SELECT c.secret_hash FROM idtrust.sso_client c "
                    "JOIN idtrust.sso_object a ON a.id = c.application_id "
                    "WHERE c.client_id = $1 AND a.attributes->>'enabled' = 'true'",
                    1, params);
    if (e) {
        if (e->kind == IDT_E_UNAVAILABLE) apr_table_setn(r->notes, IDT_NOTE_UNAVAILABLE, "1");
        return AUTH_GENERAL_ERROR;
    }
    if (PQntuples(res) == 0) return AUTH_USER_NOT_FOUND;
    *hash = apr_pstrdup(r->pool, PQgetvalue(res, 0, 0));
    return AUTH_USER_FOUND;
}

/* client_id and secret from HTTP Basic (each form-urlencoded, RFC 6749 section 2.3.1);
 * 0 when the request has no Basic credentials. */
static idt_error *basic_client(request_rec *r, const char **id, const char **secret, int *found)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");
    char *plain, *colon;
    int n;

    *found = 0;
    if (!h || strncasecmp(h, "Basic ", 6)) return NULL;
    h += 6;
    while (*h == ' ')
        h++;
    plain = apr_palloc(r->pool, apr_base64_decode_len(h) + 1);
    n = apr_base64_decode(plain, h);
    plain[n < 0 ? 0 : n] = '\0';
    if (n <= 0 || (apr_size_t)n != strlen(plain) || !(colon = strchr(plain, ':')))
        return oauth_err(r->pool, IDT_E_BAD_REQUEST, "invalid_request",
                         "the Authorization header is not HTTP Basic client credentials");
    *colon = '\0';
    if (ap_unescape_urlencoded(plain) != OK || ap_unescape_urlencoded(colon + 1) != OK)
        return oauth_err(r->pool, IDT_E_BAD_REQUEST, "invalid_request",
                         "the client credentials in the Authorization header are malformed");
    *id = plain;
    *secret = colon + 1;
    *found = 1;
    return NULL;
}

/* Authenticates the client; *client_id is who it is. */
static idt_error *authenticate(idt_req *q, apr_table_t *form, const char **client_id)
{
    APR_OPTIONAL_FN_TYPE(idtrust_check_secret) *check =
        APR_RETRIEVE_OPTIONAL_FN(idtrust_check_secret);
    const char *id = NULL, *secret = NULL, *secs;
    const char *form_id = apr_table_get(form, "client_id"),
               *form_secret = apr_table_get(form, "client_secret");
    int basic;
    authn_status st;
    idt_error *e;

    if ((e = basic_client(q->r, &id, &secret, &basic))) return e;
    if (basic && form_secret)
        return oauth_err(q->p, IDT_E_BAD_REQUEST, "invalid_request",
                         "use one way of client authentication: HTTP Basic or client_secret, "
                         "not both");
    if (basic && form_id && strcmp(form_id, id))
        return oauth_err(q->p, IDT_E_BAD_REQUEST, "invalid_request",
                         "client_id differs from the client of the Authorization header");
    if (!basic) {
        id = form_id;
        secret = form_secret;
    }
    if (!id || !secret)
        return oauth_err(q->p, IDT_E_UNAUTHORIZED, "invalid_client",
                         "client authentication is required (HTTP Basic, or client_id and "
                         "client_secret)");
    if (!check) return idt_err(q->p, IDT_E_INTERNAL, "server_error: mod_idtrust is not loaded");
    st = check(q->r, CLIENT_REALM, id, secret, client_hash, q->db);
    if (st == AUTH_GRANTED) {
        *client_id = id;
        return NULL;
    }
    if (st != AUTH_GENERAL_ERROR)
        return oauth_err(q->p, IDT_E_UNAUTHORIZED, "invalid_client",
                         "client authentication failed");
    if ((secs = apr_table_get(q->r->notes, IDT_NOTE_THROTTLED)))
        return oauth_err(q->p, IDT_E_TOO_MANY, "invalid_client",
                         apr_psprintf(q->p, "too many failed client authentications; retry "
                                            "after %s seconds", secs));
    if (apr_table_get(q->r->notes, IDT_NOTE_UNAVAILABLE))
        return oauth_err(q->p, IDT_E_UNAVAILABLE, "temporarily_unavailable",
                         "the repository is unreachable; retry later");
    return idt_err(q->p, IDT_E_INTERNAL, "server_error: the client cannot be checked");
}

/* ---- scopes --------------------------------------------------------------------- */

/* The space-separated scope-tokens of s (RFC 6749 section 3.3), none empty. */
static apr_array_header_t *split(apr_pool_t *p, const char *s)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    char *copy = apr_pstrdup(p, s ? s : ""), *tok, *last;
    for (tok = apr_strtok(copy, " ", &last); tok; tok = apr_strtok(NULL, " ", &last))
        APR_ARRAY_PUSH(out, const char *) = tok;
    return out;
}

static int has(const apr_array_header_t *a, const char *s)
{
    int i;
    for (i = 0; i < a->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(a, i, const char *), s)) return 1;
    return 0;
}

/* The scopes the client may have: its metadata's "scope" (JSON metadata). Asked on every
 * grant, so a client whose application was disabled gets no token even while its secret
 * is remembered. */
static idt_error *client_scopes(idt_req *q, const char *client_id, apr_array_header_t **out)
{
    const char *params[1] = {client_id};
    json_t *md;
    PGresult *r;
    idt_error *e;

    e = idt_db_exec(q->db, &r,
                    "SELECT CASE WHEN c.metadata_type = 'application/json' THEN c.metadata END "
                    "FROM idtrust.sso_client c JOIN idtrust.sso_object a ON a.id = c.application_id "
                    "WHERE c.client_id = $1 AND a.attributes->>'enabled' = 'true'",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return oauth_err(q->p, IDT_E_UNAUTHORIZED, "invalid_client", "client authentication failed");
    md = PQgetisnull(r, 0, 0) ? NULL : idt_json_own(q->p, json_loads(PQgetvalue(r, 0, 0), 0, NULL));
    *out = split(q->p, json_string_value(json_object_get(md, "scope")));
    return NULL;
}

static idt_error *granted_scopes(idt_req *q, const char *client_id, const char *requested,
                                 apr_array_header_t **out)
{
    apr_array_header_t *allowed = NULL, *asked;
    idt_error *e;
    int i;

    if ((e = client_scopes(q, client_id, &allowed))) return e;
    if (!requested) {
        *out = allowed; /* RFC 6749 section 3.3: the default is what the client may have */
        return NULL;
    }
    asked = split(q->p, requested);
    *out = apr_array_make(q->p, asked->nelts, sizeof(const char *));
    for (i = 0; i < asked->nelts; i++) {
        const char *s = APR_ARRAY_IDX(asked, i, const char *);
        if (!has(allowed, s))
            return oauth_err(q->p, IDT_E_BAD_REQUEST, "invalid_scope",
                             apr_psprintf(q->p, "the client may not have scope %s",
                                          ap_escape_logitem(q->p, s)));
        if (!has(*out, s)) APR_ARRAY_PUSH(*out, const char *) = s;
    }
    return NULL;
}

/* ---- the signing key -------------------------------------------------------------- */

/* A server with no key to sign with makes one, as a new SSO server has: the credential
 * /credential/System/ServerKeyContainer/server-signing-<n>, enabled, linked to the
 * server. The key is in this request's transaction; the ring that signs with it is this
 * request's alone (the others build theirs once the change is committed and told). */
static idt_error *first_key(idt_req *q, sa_ring **ring)
{
    sa_ref container = {SA_SITE, "/System/ServerKeyContainer"}, server = {SA_SERVER, ""};
    apr_table_t *form = apr_table_make(q->p, 2);
    const char *params[2];
    sa_obj *parent, *srv, *key;
    PGresult *r;
    idt_error *e;

    /* one bootstrap at a time, across processes and nodes */
    if ((e = idt_db_exec(q->db, &r, "SELECT pg_advisory_xact_lock(hashtext('idtrust.sso_key'))",
                         0, NULL)) ||
        (e = sa_obj_need(q, &container, 1, &parent)) || (e = sa_obj_need(q, &server, 1, &srv)))
        return e;
    if ((e = sa_ring_fresh(q->r, q->db, q->secret, ring))) return e;
    if (sa_ring_signer(*ring, apr_time_now())) return NULL; /* another request made one */
    e = idt_db_exec(q->db, &r,
                    "SELECT count(*) + 1 FROM idtrust.sso_object WHERE type = 'credential' "
                    "AND parent_id = $1",
                    1, (const char *[]){parent->id});
    if (e) return e;
    apr_table_setn(form, "kty", "RSA");
    apr_table_setn(form, "enabled", "true");
    apr_table_setn(form, "use", "sig");
    if ((e = sa_obj_create(q, SA_CREDENTIAL, parent,
                           apr_pstrcat(q->p, "server-signing-", PQgetvalue(r, 0, 0), NULL), form,
                           &key)) ||
        (e = sa_key_written(q, key, 1)))
        return e;
    params[0] = srv->id;
    params[1] = key->id;
    if ((e = idt_db_exec(q->db, NULL,
                         "INSERT INTO idtrust.sso_link (from_id, from_type, kind, to_id, to_type) "
                         "VALUES ($1, 'server', 'credential', $2, 'credential')",
                         2, params)))
        return e;
    return sa_ring_fresh(q->r, q->db, q->secret, ring);
}

/* ---- the endpoints ---------------------------------------------------------------- */

static idt_error *token(idt_req *q)
{
    static const char *const allowed[] = {"grant_type", "scope", "client_id", "client_secret",
                                          NULL};
    idt_params_spec spec = {allowed, "form", 4096, IDT_PARAMS_IGNORE_UNKNOWN};
    const sa_config *c = config_of(q->r);
    const char *grant, *client_id = NULL, *jwt, *scope_text = "";
    const idt_jose_signer *signer;
    apr_array_header_t *scopes;
    idt_jwt_params in = {0};
    apr_table_t *form;
    sa_ring *ring;
    idt_error *e;

    e = idt_form_read(q->r, &spec, &form);
    if (e && (e->kind == IDT_E_MEDIA_TYPE || e->kind == IDT_E_BAD_REQUEST))
        return oauth_err(q->p, IDT_E_BAD_REQUEST, "invalid_request", e->msg);
    if (e) return e;
    if (!(grant = apr_table_get(form, "grant_type")))
        return oauth_err(q->p, IDT_E_BAD_REQUEST, "invalid_request", "grant_type is required");
    if (strcmp(grant, "client_credentials"))
        return oauth_err(q->p, IDT_E_BAD_REQUEST, "unsupported_grant_type",
                         "this server grants client_credentials only");
    if ((e = authenticate(q, form, &client_id)) ||
        (e = granted_scopes(q, client_id, apr_table_get(form, "scope"), &scopes)))
        return e;
    if (!q->secret)
        return idt_err(q->p, IDT_E_INTERNAL,
                       "server_error: no IdtrustSecretKeyFile: the signing key cannot be read");
    if ((e = sa_ring_get(q->r, q->db, q->secret, &ring))) return e;
    if (!(signer = sa_ring_signer(ring, apr_time_now())) && (e = first_key(q, &ring))) return e;
    if (!signer && !(signer = sa_ring_signer(ring, apr_time_now())))
        return idt_err(q->p, IDT_E_INTERNAL, "server_error: no signing key is valid now");
    in.issuer = sa_issuer(q->r);
    in.audience = sa_audience(q->r);
    in.client_id = client_id;
    in.scopes = scopes;
    in.lifetime = c->token_lifetime > 0 ? c->token_lifetime : SA_TOKEN_LIFETIME_DEFAULT;
    if ((e = idt_jwt_sign(q->p, signer, &in, &jwt, NULL))) return e;
    scope_text = apr_array_pstrcat(q->p, scopes, ' ');
    /* RFC 6749 section 5.1 */
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(q->r->headers_out, "Pragma", "no-cache");
    idt_reply(q, 200,
              json_pack("{s:s, s:s, s:I, s:s}", "access_token", jwt, "token_type", "Bearer",
                        "expires_in", (json_int_t)in.lifetime, "scope", scope_text));
    return NULL;
}

static idt_error *discovery(idt_req *q)
{
    const sa_config *c = config_of(q->r);
    const char *iss = sa_issuer(q->r);
    json_t *scopes = json_array(), *doc;
    int i;

    for (i = 0; c->scopes && i < c->scopes->nelts; i++)
        json_array_append_new(scopes, json_string(APR_ARRAY_IDX(c->scopes, i, const char *)));
    if (!c->scopes) {
        json_array_append_new(scopes, json_string("sso.manage"));
        json_array_append_new(scopes, json_string("myid.rest.basic"));
    }
    /* RFC 8414 section 2; there is no authorization endpoint (client credentials only),
     * so no response type */
    doc = json_pack("{s:s, s:s, s:s, s:[s], s:[s,s], s:o, s:[]}",
                    "issuer", iss,
                    "token_endpoint", apr_pstrcat(q->p, iss, "/oauth2/token", NULL),
                    "jwks_uri", apr_pstrcat(q->p, iss, "/oauth2/metadata.jwks", NULL),
                    "grant_types_supported", "client_credentials",
                    "token_endpoint_auth_methods_supported", "client_secret_basic",
                    "client_secret_post",
                    "scopes_supported", scopes,
                    "response_types_supported");
    if (doc && strstr(q->r->uri, "openid-configuration")) {
        json_object_set_new(doc, "subject_types_supported", json_pack("[s]", "public"));
        json_object_set_new(doc, "id_token_signing_alg_values_supported", json_pack("[s]", "RS256"));
    }
    idt_reply(q, 200, doc);
    return NULL;
}

static idt_error *jwks(idt_req *q)
{
    sa_ring *ring;
    json_t *out;
    idt_error *e;

    if ((e = sa_ring_get(q->r, q->db, q->secret, &ring)) || (e = sa_ring_jwks(q->p, ring, &out)))
        return e;
    idt_reply(q, 200, out);
    return NULL;
}

static const idt_route routes[] = {
    {"POST", "/uas/oauth2/token", token, 1, IDT_NO_SCOPE},
    {"POST", "/web.oauth2/connect/token", token, 1, IDT_NO_SCOPE},
    {"GET", "/uas/.well-known/oauth-authorization-server", discovery, 0, IDT_NO_SCOPE},
    {"GET", "/uas/.well-known/openid-configuration", discovery, 0, IDT_NO_SCOPE},
    {"GET", "/uas/oauth2/metadata.jwks", jwks, 0, IDT_NO_SCOPE},
    {NULL, NULL, NULL, 0, 0}};

static const char *const prefixes[] = {"/uas", "/web.oauth2", NULL};

/* No read cache: answers depend on the request's host and on the clock (keys become
 * valid and expire), and what they read is in memory (the keyring) anyway. */
idt_api sa_oauth_api = {"mod_ssoadmin (OAuth2)",
                        "SA00200",
                        &ssoadmin_module,
                        routes,
                        prefixes,
                        sa_oauth_render_error,
                        NULL,
                        NULL,
                        NULL,
                        0,
                        SA_SCHEMA_VERSION,
                        SA_SCHEMA_MIGRATION};
