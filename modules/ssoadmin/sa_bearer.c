#include "sa_bearer.h"

#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_rwlock.h>
#include <ap_provider.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>

#include "idt_httpd_error.h"
#include "idt_jose.h"
#include "mod_idtrust.h"
#include "sa_keyring.h"
#include "sa_oauth.h"

extern module AP_MODULE_DECLARE_DATA ssoadmin_module;

void *sa_bearer_create_dir(apr_pool_t *p, char *dir)
{
    return apr_pcalloc(p, sizeof(sa_dir_config));
}

void *sa_bearer_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    sa_dir_config *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
    c->scopes = add->scopes ? add->scopes : base->scopes;
    return c;
}

/* Tokens verified in this process, so that a client calling again with the same token
 * costs a hash lookup, not a signature check: keyed by the issuer and the whole token,
 * remembered with the ring that verified it (a change of the keys forgets every
 * verdict), and never past the token's exp. The key's validity window is checked at
 * every use.
 *
 * Memory is bounded in entries and in bytes (tokens can be large), replaced verdicts
 * included: a verdict made anew (the keys changed) leaves the old one in its pool. So
 * verdicts go into the newer of two generations, each a pool of its own; when it has
 * made VERDICTS_ENTRIES verdicts or holds VERDICTS_BYTES, the older generation is
 * cleared and becomes the newer. A child holds at most two generations' worth, and a
 * token in use survives one turnover (it is found in the older generation). */
#define VERDICTS_ENTRIES 2048
#define VERDICTS_BYTES (2 * 1024 * 1024)
/* A verdict larger than this is not remembered (no request header carries such a token,
 * httpd's LimitRequestFieldSize is 8190 by default): it would take a generation alone. */
#define VERDICT_MAX_BYTES (VERDICTS_BYTES / 64)

typedef struct verdict {
    apr_uint32_t ring; /* sa_ring_generation of the ring that verified it */
    apr_time_t exp;    /* the token's exp */
    const char *kid, *client_id;
    apr_array_header_t *scopes;
} verdict;

typedef struct generation {
    apr_pool_t *pool;
    apr_hash_t *map;
    apr_size_t bytes; /* allocated for the verdicts made since the pool was cleared */
    int made;         /* verdicts made since the pool was cleared, replaced ones too */
} generation;

static struct {
    apr_thread_rwlock_t *mu; /* lookups share it, a new verdict takes it alone */
    generation gen[2];
    int newer; /* index of the generation new verdicts go into */
} verdicts;

void sa_bearer_child_init(apr_pool_t *pchild)
{
    int i;

    if (apr_thread_rwlock_create(&verdicts.mu, pchild) != APR_SUCCESS) {
        verdicts.mu = NULL; /* every token is checked in full */
        return;
    }
    for (i = 0; i < 2; i++) {
        apr_pool_create(&verdicts.gen[i].pool, pchild);
        verdicts.gen[i].map = apr_hash_make(verdicts.gen[i].pool);
    }
}

/* The verdict on key under ring, if one generation holds it and it is still good. */
static const verdict *held(const char *key, apr_size_t klen, apr_uint32_t ring, apr_time_t now)
{
    int i;
    for (i = 0; i < 2; i++) {
        const verdict *v = apr_hash_get(verdicts.gen[(verdicts.newer + i) % 2].map, key, klen);
        if (v && v->ring == ring && now < v->exp) return v;
    }
    return NULL;
}

/* The remembered verdict on tok under ring, as an idt_jwt in r's pool, or NULL. */
static idt_jwt *remembered(request_rec *r, const char *tok, apr_size_t len, const sa_ring *ring)
{
    idt_jwt *jwt = NULL;
    const verdict *v;
    int i;

    if (!verdicts.mu) return NULL;
    apr_thread_rwlock_rdlock(verdicts.mu);
    if ((v = held(tok, len, sa_ring_generation(ring), apr_time_now()))) {
        jwt = apr_pcalloc(r->pool, sizeof(*jwt));
        jwt->kid = apr_pstrdup(r->pool, v->kid);
        jwt->client_id = jwt->subject = apr_pstrdup(r->pool, v->client_id);
        jwt->exp = apr_time_sec(v->exp);
        jwt->scopes = apr_array_make(r->pool, v->scopes->nelts, sizeof(const char *));
        for (i = 0; i < v->scopes->nelts; i++)
            APR_ARRAY_PUSH(jwt->scopes, const char *) =
                apr_pstrdup(r->pool, APR_ARRAY_IDX(v->scopes, i, const char *));
    }
    apr_thread_rwlock_unlock(verdicts.mu);
    return jwt;
}

/* What a verdict costs in its pool: the verdict, its strings, its list and the hash
 * table's entry (an estimate of APR's own bookkeeping). */
static apr_size_t verdict_bytes(apr_size_t len, const idt_jwt *jwt)
{
    apr_size_t n = sizeof(verdict) + len + 1 + strlen(jwt->kid) + 1 + strlen(jwt->client_id) + 1 +
                   sizeof(apr_array_header_t) + 8 * sizeof(void *);
    int i;
    for (i = 0; i < jwt->scopes->nelts; i++)
        n += sizeof(const char *) + strlen(APR_ARRAY_IDX(jwt->scopes, i, const char *)) + 1;
    return n;
}

static void remember(const char *tok, apr_size_t len, const sa_ring *ring, const idt_jwt *jwt)
{
    apr_size_t bytes = verdict_bytes(len, jwt);
    apr_uint32_t gen = sa_ring_generation(ring);
    generation *g;
    verdict *v;
    int i;

    if (!verdicts.mu || bytes > VERDICT_MAX_BYTES) return;
    apr_thread_rwlock_wrlock(verdicts.mu);
    /* another request with the same token got here first */
    if (held(tok, len, gen, apr_time_now())) {
        apr_thread_rwlock_unlock(verdicts.mu);
        return;
    }
    g = &verdicts.gen[verdicts.newer];
    if (g->made >= VERDICTS_ENTRIES || g->bytes + bytes > VERDICTS_BYTES) {
        /* the older generation goes, the newer one becomes the older */
        verdicts.newer = !verdicts.newer;
        g = &verdicts.gen[verdicts.newer];
        apr_pool_clear(g->pool);
        g->map = apr_hash_make(g->pool);
        g->bytes = 0;
        g->made = 0;
    }
    g->bytes += bytes;
    g->made++;
    v = apr_palloc(g->pool, sizeof(*v));
    v->ring = gen;
    v->exp = apr_time_from_sec(jwt->exp);
    v->kid = apr_pstrdup(g->pool, jwt->kid);
    v->client_id = apr_pstrdup(g->pool, jwt->client_id);
    v->scopes = apr_array_make(g->pool, jwt->scopes->nelts, sizeof(const char *));
    for (i = 0; i < jwt->scopes->nelts; i++)
        APR_ARRAY_PUSH(v->scopes, const char *) =
            apr_pstrdup(g->pool, APR_ARRAY_IDX(jwt->scopes, i, const char *));
    apr_hash_set(g->map, apr_pstrmemdup(g->pool, tok, len), len, v);
    apr_thread_rwlock_unlock(verdicts.mu);
}

/* What the token verified for this request said (the authz provider reads it). */
static const idt_jwt *token_of(request_rec *r)
{
    return ap_get_module_config(r->request_config, &ssoadmin_module);
}

/* Characters RFC 6750 allows in an auth-param's quoted value, the rest dropped. */
static const char *quoted(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s ? s : ""), *o = out;
    for (; *s; s++)
        if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') *o++ = *s;
    *o = '\0';
    return out;
}

static void challenge(request_rec *r, const char *error, const char *desc)
{
    const sa_dir_config *dc = ap_get_module_config(r->per_dir_config, &ssoadmin_module);
    const char *realm = ap_auth_name(r), *h, *scope = "";

    if (dc && dc->scopes) scope = apr_array_pstrcat(r->pool, dc->scopes, ' ');
    h = apr_psprintf(r->pool, "Bearer realm=\"%s\"", quoted(r->pool, realm ? realm : "idtrust"));
    if (*scope) h = apr_psprintf(r->pool, "%s, scope=\"%s\"", h, quoted(r->pool, scope));
    if (error) h = apr_psprintf(r->pool, "%s, error=\"%s\"", h, error);
    if (desc) h = apr_psprintf(r->pool, "%s, error_description=\"%s\"", h, quoted(r->pool, desc));
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", h);
}

/* The second (since the epoch) of the last look at the keys for a token naming a key the
 * ring does not hold; one such look a second per process. */
static volatile apr_uint32_t refreshed_at;

static int refresh_allowed(void)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now()),
                 last = apr_atomic_read32(&refreshed_at);
    return last != now && apr_atomic_cas32(&refreshed_at, now, last) == last;
}

static int bearer_authn(request_rec *r)
{
    APR_OPTIONAL_FN_TYPE(idtrust_secret) *get_secret = APR_RETRIEVE_OPTIONAL_FN(idtrust_secret);
    const char *type = ap_auth_type(r), *h, *tok, *key;
    apr_size_t len, klen;
    idt_jwt_expect x = {0};
    idt_jwt_reason why;
    idt_jwt *jwt;
    sa_ring *ring;
    idt_error *e;

    if (!type || strcasecmp(type, "Bearer")) return DECLINED;
    h = apr_table_get(r->headers_in,
                      r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authorization" : "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7)) {
        challenge(r, NULL, NULL);
        return HTTP_UNAUTHORIZED;
    }
    for (tok = h + 7; *tok == ' '; tok++)
        ;
    /* the secret too, so the ring built here also signs (the token endpoint shares it) */
    if ((e = sa_ring_get(r, NULL, get_secret ? get_secret(r->server) : NULL, &ring))) {
        idt_httpd_log_error(r, APLOG_MODULE_INDEX, "SA00301", e);
        if (e->kind == IDT_E_UNAVAILABLE) {
            apr_table_setn(r->notes, IDT_NOTE_UNAVAILABLE, "1");
            return HTTP_SERVICE_UNAVAILABLE;
        }
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    x.issuer = sa_issuer(r);
    x.audience = sa_audience(r);
    x.leeway = IDT_JWT_LEEWAY_DEFAULT;
    /* a verdict is remembered per token and issuer: the expected issuer follows the
     * request's host unless SsoIssuer is set */
    len = strlen(tok);
    key = apr_pstrcat(r->pool, x.issuer, " ", tok, NULL);
    klen = strlen(x.issuer) + 1 + len;
    e = NULL;
    if (!(jwt = remembered(r, key, klen, ring))) {
        e = idt_jwt_verify(r->pool, sa_ring_keyset(ring), tok, len, &x, &jwt, &why);
        if (!e) remember(key, klen, ring, jwt);
    }
    if (e && why == IDT_JWT_KID && refresh_allowed()) {
        /* A key another process has just made (the token endpoint's first signing key, a
         * rotation) signed this token and the notification of it is still on its way:
         * look at the keys once more. At most once a second per process, so that tokens
         * naming made-up keys cannot make every request read and decode the keys. */
        sa_ring *fresh;
        if (!sa_ring_fresh(r, NULL, get_secret ? get_secret(r->server) : NULL, &fresh)) {
            ring = fresh;
            if (!(e = idt_jwt_verify(r->pool, sa_ring_keyset(ring), tok, len, &x, &jwt, &why)))
                remember(key, klen, ring, jwt);
        }
    }
    if (!e && !sa_ring_verifies(ring, jwt->kid, apr_time_now(), x.leeway))
        e = idt_err(r->pool, IDT_E_UNAUTHORIZED, "the token's key is not valid now");
    if (e) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "SA00302: bearer token refused: %s", e->msg);
        challenge(r, "invalid_token", e->msg);
        return HTTP_UNAUTHORIZED;
    }
    r->user = apr_pstrdup(r->pool, jwt->client_id);
    r->ap_auth_type = apr_pstrdup(r->pool, "Bearer");
    ap_set_module_config(r->request_config, &ssoadmin_module, jwt);
    apr_table_setn(r->subprocess_env, "OAUTH2_CLIENT_ID", r->user);
    return OK;
}

static authz_status scope_check(request_rec *r, const char *require_args, const void *parsed)
{
    const idt_jwt *jwt;
    const char *word, *t = require_args;

    if (!r->user) return AUTHZ_DENIED_NO_USER;
    if ((jwt = token_of(r)))
        while (*(word = ap_getword_conf(r->pool, &t)))
            if (idt_jwt_has_scope(jwt, word)) return AUTHZ_GRANTED;
    challenge(r, "insufficient_scope", "the token lacks the scope this location requires");
    return AUTHZ_DENIED;
}

/* Notes the scopes of a Require line in its directory's configuration. */
static const char *scope_parse(cmd_parms *cmd, const char *require_line, const void **parsed)
{
    sa_dir_config *dc = cmd->context ? ap_get_module_config(cmd->context, &ssoadmin_module) : NULL;

    /* a section where no directive of this module appeared has no configuration of ours
     * yet: make it, as httpd does for a module's own directives */
    if (!dc && cmd->context) {
        dc = sa_bearer_create_dir(cmd->pool, cmd->path);
        ap_set_module_config(cmd->context, &ssoadmin_module, dc);
    }
    const char *t = require_line, *word;
    int n = 0;

    while (*(word = ap_getword_conf(cmd->pool, &t))) {
        n++;
        if (dc) {
            if (!dc->scopes) dc->scopes = apr_array_make(cmd->pool, 2, sizeof(const char *));
            APR_ARRAY_PUSH(dc->scopes, const char *) = word;
        }
    }
    if (!n) return "Require scope needs at least one scope name";
    *parsed = NULL;
    return NULL;
}

static const authz_provider scope_provider = {&scope_check, &scope_parse};

void sa_bearer_register(apr_pool_t *p)
{
    ap_hook_check_authn(bearer_authn, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "scope", AUTHZ_PROVIDER_VERSION,
                              &scope_provider, AP_AUTH_INTERNAL_PER_CONF);
}
