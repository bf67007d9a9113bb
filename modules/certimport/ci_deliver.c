#include "ci_deliver.h"

#include <stdlib.h>
#include <unistd.h>

#include <apr_hash.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <mod_watchdog.h>
#include <openssl/rand.h>

#include "ci_mappings.h"
#include "ci_systems.h"
#include "ci_view.h"
#include "idt_httpd_db.h"
#include "idt_http.h"
#include "idt_json.h"
#include "idt_oauth.h"
#include "idt_seal.h"
#include "mod_idtrust.h"

APLOG_USE_MODULE(certimport);

#define CI_WATCHDOG "_certimport_delivery_"
/* A claim lasts the request's timeout and this much more, so a slow node's row is not
 * claimed by another while its attempt may still reach the receiver. */
#define CI_LEASE_MARGIN_S 30
/* How long one watchdog run keeps claiming batches before it lets the others run. */
#define CI_RUN_BUDGET apr_time_from_sec(5)

typedef struct token_entry {
    apr_pool_t *pool;
    const char *updated_at; /* the system's updated_at it was fetched for */
    idt_oauth_token token;
} token_entry;

typedef struct deliverer {
    server_rec *s;
    const ci_config *c;
    apr_pool_t *pool; /* the watchdog thread's, from STARTING to STOPPING */
    idt_http_client *http;
    apr_hash_t *tokens; /* system id -> token_entry; only the watchdog thread uses it */
    const char *node;   /* host:pid */
    apr_uint64_t claims;
    int db_down_logged;
} deliverer;

static APR_OPTIONAL_FN_TYPE(idtrust_secret) * get_secret;

long ci_retry_delay(const ci_config *c, int n)
{
    long d = c->retry_first;
    while (--n > 0 && d < c->retry_max)
        d *= 2;
    return d < c->retry_max ? d : c->retry_max;
}

/* The delay with +-20 % jitter, in milliseconds: retries of rows that failed together
 * (a receiver that was down) spread out instead of arriving together. */
static long jittered_ms(const ci_config *c, int n)
{
    unsigned int r = 0;
    double f;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1) r = (unsigned int)rand();
    f = 0.8 + 0.4 * ((double)r / 4294967295.0);
    return (long)(ci_retry_delay(c, n) * 1000.0 * f);
}

/* One claimed row on its way. */
typedef struct item {
    const char *id, *system_id, *system_updated, *token_endpoint, *client_id, *scopes, *secret;
    int attempts;
    idt_mapping_request req;
    idt_http_call call;
    const char *error; /* set when the row fails before (or instead of) its request */
    int with_token;
} item;

/* The claim: due rows no live claim holds, skipping those another node is claiming at
 * this moment, with everything their requests are made of. */
#define CLAIM_SQL                                                                                  \
    "WITH claimed AS (UPDATE idtrust.ci_outbox o SET claimed_until = now() + "                     \
    "make_interval(secs => $1::int), claimed_by = $2, attempts = attempts + 1, "                   \
    "updated_at = now() WHERE o.id IN (SELECT id FROM idtrust.ci_outbox WHERE state = "            \
    "'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < "        \
    "now()) ORDER BY next_attempt_at LIMIT $3::int FOR UPDATE SKIP LOCKED) "                       \
    "RETURNING o.id, o.system_id, o.certificate_id, o.attempts) "                                  \
    "SELECT k.id, k.attempts, s.id, s.name, s.description, s.mapping_file, s.api_location, "       \
    "s.oauth_token_endpoint, s.client_id, s.requested_scopes, s.client_secret, "                   \
    "s.updated_at::text, " CI_VIEW_COLUMNS " FROM claimed k "                                      \
    "JOIN idtrust.ci_external_system s ON s.id = k.system_id "                                     \
    "JOIN idtrust.certificate c ON c.id = k.certificate_id" CI_VIEW_JOINS
#define CLAIM_VIEW_COL 12

static const char *val(const PGresult *r, int i, int col)
{
    return PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col);
}

/* The request of row i of the claim, or it->error. */
static void prepare(deliverer *d, apr_pool_t *p, const PGresult *r, int i, item *it)
{
    const idt_mapping *m = ci_mapping_get(PQgetvalue(r, i, 5));
    json_t *data;
    idt_error *e;

    it->id = PQgetvalue(r, i, 0);
    it->attempts = atoi(PQgetvalue(r, i, 1));
    it->system_id = PQgetvalue(r, i, 2);
    it->token_endpoint = PQgetvalue(r, i, 7);
    it->client_id = PQgetvalue(r, i, 8);
    it->scopes = PQgetvalue(r, i, 9);
    it->secret = val(r, i, 10);
    it->system_updated = PQgetvalue(r, i, 11);
    if (!m) {
        it->error = apr_psprintf(p, "mapping file %s is not loaded (CertimportMappingDir)",
                                 PQgetvalue(r, i, 5));
        return;
    }
    if ((e = ci_view_data(p, r, i, CLAIM_VIEW_COL, &data))) {
        it->error = e->msg;
        return;
    }
    json_object_set_new(data, "ExternalSystem",
                        ci_view_system(it->system_id, PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                                       PQgetvalue(r, i, 5), PQgetvalue(r, i, 6),
                                       it->token_endpoint, it->client_id, it->scopes));
    if ((e = idt_mapping_render(p, m, data, &it->req))) {
        it->error = e->msg;
        return;
    }
    it->call.method = it->req.verb;
    it->call.url = it->req.url;
    it->call.body = it->req.body;
    it->call.body_len = it->req.body_len;
    it->call.timeout_ms = (long)apr_time_as_msec(d->c->timeout);
    it->call.headers = apr_array_copy(p, it->req.headers);
    if (it->req.content_type)
        APR_ARRAY_PUSH(it->call.headers, const char *) =
            apr_pstrcat(p, "Content-Type: ", it->req.content_type, NULL);
    APR_ARRAY_PUSH(it->call.headers, const char *) =
        apr_pstrcat(p, CI_DELIVERY_HEADER ": ", it->id, NULL);
}

/* The token of it's system: cached until it expires or the system changes; fetched
 * (fresh when renew is set) otherwise. NULL and it->error when none can be had. */
static const char *token_for(deliverer *d, apr_pool_t *p, item *it, int renew)
{
    token_entry *t = apr_hash_get(d->tokens, it->system_id, APR_HASH_KEY_STRING);
    const char *secret = "";
    apr_pool_t *tp;
    idt_oauth_token tok;
    idt_error *e;

    if (t && !renew && !strcmp(t->updated_at, it->system_updated) &&
        t->token.expires_at > apr_time_now())
        return t->token.access_token;
    if (it->secret) {
        const char *pass = get_secret ? get_secret(d->s) : NULL;
        if (!pass) {
            it->error = "the client secret cannot be decrypted: IdtrustSecretKeyFile is not set";
            return NULL;
        }
        if ((e = idt_unseal(p, pass, CI_SECRET_PURPOSE, it->secret, &secret))) {
            it->error = e->msg;
            return NULL;
        }
    }
    if ((e = idt_oauth_client_credentials(d->http, p, it->token_endpoint, it->client_id, secret,
                                          it->scopes, it->call.timeout_ms, &tok))) {
        it->error = apr_pstrcat(p, "no token: ", e->msg, NULL);
        return NULL;
    }
    if (t) apr_pool_destroy(t->pool);
    apr_pool_create(&tp, d->pool);
    t = apr_pcalloc(tp, sizeof(*t));
    t->pool = tp;
    t->updated_at = apr_pstrdup(tp, it->system_updated);
    t->token.access_token = apr_pstrdup(tp, tok.access_token);
    t->token.expires_at = tok.expires_at;
    apr_hash_set(d->tokens, apr_pstrdup(tp, it->system_id), APR_HASH_KEY_STRING, t);
    return t->token.access_token;
}

/* Adds the bearer token to each item whose system has a token endpoint; the items of a
 * system that cannot get one fail with why. */
static void authorize(deliverer *d, apr_pool_t *p, item *items, int n, int renew)
{
    int i;
    for (i = 0; i < n; i++) {
        const char *tok;
        if (items[i].error || !*items[i].token_endpoint) continue;
        if (!(tok = token_for(d, p, &items[i], renew))) continue;
        items[i].with_token = 1;
        APR_ARRAY_PUSH(items[i].call.headers, const char *) =
            apr_pstrcat(p, "Authorization: Bearer ", tok, NULL);
    }
}

static void send_all(deliverer *d, apr_pool_t *p, item *items, int n, int only_401)
{
    idt_http_call **calls = apr_palloc(p, sizeof(*calls) * (n ? n : 1));
    int i, k = 0;
    for (i = 0; i < n; i++)
        if (!items[i].error && (!only_401 || (items[i].with_token && items[i].call.status == 401)))
            calls[k++] = &items[i].call;
    if (k) idt_http_run(d->http, p, calls, k);
}

/* Why a call failed, for last_error: never a token, at most 300 bytes of the answer. */
static const char *failure(apr_pool_t *p, const item *it)
{
    if (it->error) return it->error;
    if (!it->call.status) return apr_pstrcat(p, "no answer: ", it->call.error, NULL);
    {
        apr_size_t n = it->call.response_len > 300 ? 300 : it->call.response_len;
        char *snippet = apr_pstrmemdup(p, it->call.response, n), *c;
        for (c = snippet; *c; c++)
            if ((unsigned char)*c < 0x20) *c = ' ';
        return apr_psprintf(p, "answered %ld%s%s", it->call.status, n ? ": " : "", snippet);
    }
}

/* The results of a batch, for record (idt_httpd_db_work's ctx). */
typedef struct results {
    deliverer *d;
    apr_pool_t *p;
    item *items;
    int n;
    const char *claim;
} results;

/* Records each result, in one transaction; only a row still claimed by this claim and
 * still pending (not cancelled meanwhile) is changed. */
static idt_error *record(idt_db *db, void *ctx)
{
    results *res = ctx;
    deliverer *d = res->d;
    apr_pool_t *p = res->p;
    PGresult *r;
    idt_error *e;
    int i;

    for (i = 0; i < res->n; i++) {
        item *it = &res->items[i];
        int ok = !it->error && it->call.status >= 200 && it->call.status < 300;
        const char *status = it->call.status ? apr_ltoa(p, it->call.status) : NULL;
        if (ok) {
            const char *params[3] = {it->id, res->claim, status};
            e = idt_db_exec(db, &r,
                            "UPDATE idtrust.ci_outbox SET state = 'delivered', delivered_at = "
                            "now(), last_status = $3::int, last_error = NULL, claimed_until = "
                            "NULL, updated_at = now() WHERE id = $1 AND claimed_by = $2 AND "
                            "state = 'pending'",
                            3, params);
        } else {
            int last = it->attempts >= d->c->retry_attempts;
            const char *params[6] = {it->id, res->claim, status, failure(p, it),
                                     apr_ltoa(p, jittered_ms(d->c, it->attempts)),
                                     last ? "failed" : "pending"};
            e = idt_db_exec(db, &r,
                            "UPDATE idtrust.ci_outbox SET state = $6, last_status = $3::int, "
                            "last_error = left($4, 1000), next_attempt_at = now() + $5::bigint * "
                            "interval '1 millisecond', claimed_until = NULL, updated_at = now() "
                            "WHERE id = $1 AND claimed_by = $2 AND state = 'pending'",
                            6, params);
            ap_log_error(APLOG_MARK, last ? APLOG_WARNING : APLOG_INFO, 0, d->s,
                         "CI00021: notification %s, attempt %d: %s%s", it->id, it->attempts,
                         failure(p, it), last ? "; no more attempts (failed)" : "");
        }
        if (e) return e;
    }
    return NULL;
}

/* One batch; the number of rows claimed, -1 when the repository is unreachable. */
static int batch(deliverer *d, apr_pool_t *p)
{
    ap_dbd_t *dbd = idt_httpd_db_open(d->s, p);
    PGconn *conn = dbd ? idt_httpd_db_native(dbd) : NULL;
    const char *params[3], *claim;
    idt_db *db;
    PGresult *r;
    item *items;
    idt_error *e;
    int i, n;

    if (!conn) {
        idt_httpd_db_close(d->s, dbd);
        return -1;
    }
    db = idt_db_wrap(p, conn);
    claim = apr_psprintf(p, "%s:%" APR_UINT64_T_FMT, d->node, ++d->claims);
    params[0] = apr_ltoa(p, (long)apr_time_sec(d->c->timeout) * 2 + CI_LEASE_MARGIN_S);
    params[1] = claim;
    params[2] = apr_itoa(p, d->c->batch);
    if ((e = idt_db_exec(db, &r, CLAIM_SQL, 3, params))) {
        idt_httpd_db_close(d->s, dbd);
        if (e->kind == IDT_E_UNAVAILABLE) return -1;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, d->s, "CI00023: claiming notifications failed: %s",
                     e->detail ? e->detail : e->msg);
        return 0;
    }
    n = PQntuples(r);
    if (n == 0) {
        idt_httpd_db_close(d->s, dbd);
        return 0;
    }
    /* the connection goes back while the requests are out: it is not needed meanwhile */
    items = apr_pcalloc(p, sizeof(item) * n);
    for (i = 0; i < n; i++)
        prepare(d, p, r, i, &items[i]);
    idt_httpd_db_close(d->s, dbd);

    authorize(d, p, items, n, 0);
    send_all(d, p, items, n, 0);
    /* a token refused by the receiver: renewed once, and those requests sent again */
    for (i = 0; i < n; i++)
        if (items[i].with_token && items[i].call.status == 401) break;
    if (i < n) {
        for (i = 0; i < n; i++)
            if (items[i].with_token && items[i].call.status == 401) {
                apr_array_header_t *h = items[i].call.headers;
                h->nelts--; /* the old Authorization header, pushed last */
                items[i].with_token = 0;
                if (!token_for(d, p, &items[i], 1)) continue;
                items[i].with_token = 1;
                APR_ARRAY_PUSH(h, const char *) = apr_pstrcat(
                    p, "Authorization: Bearer ",
                    ((token_entry *)apr_hash_get(d->tokens, items[i].system_id,
                                                 APR_HASH_KEY_STRING))->token.access_token,
                    NULL);
                items[i].call.status = 401; /* marks it for the second send */
            }
        send_all(d, p, items, n, 1);
    }

    {
        results res = {d, p, items, n, claim};
        if ((e = idt_httpd_db_work(d->s, p, record, &res))) {
            /* the rows stay claimed until their lease ends, then are tried again */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, d->s,
                         "CI00022: %d delivery results not recorded (%s); the rows are retried "
                         "when their claim ends",
                         n, e->detail ? e->detail : e->msg);
        }
    }
    return n;
}

static apr_status_t run(int state, void *data, apr_pool_t *pool)
{
    deliverer *d = data;
    apr_time_t until;
    apr_pool_t *p;
    int n;

    switch (state) {
    case AP_WATCHDOG_STATE_STARTING: {
        char host[256] = "localhost";
        apr_pool_create(&d->pool, NULL);
        apr_gethostname(host, sizeof(host), d->pool);
        d->node = apr_psprintf(d->pool, "%s:%ld", host, (long)getpid());
        d->tokens = apr_hash_make(d->pool);
        d->http = idt_http_client_create(d->pool);
        if (!d->http)
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, d->s,
                         "CI00025: libcurl could not start: no notification is delivered by "
                         "this process");
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, d->s,
                     "CI00026: delivering REST Certificate Added notifications as %s", d->node);
        break;
    }
    case AP_WATCHDOG_STATE_RUNNING:
        if (!d->http) break;
        until = apr_time_now() + CI_RUN_BUDGET;
        apr_pool_create(&p, pool);
        do {
            apr_pool_clear(p);
            n = batch(d, p);
            if (n < 0 && !d->db_down_logged) {
                d->db_down_logged = 1;
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, d->s,
                             "CI00027: the repository is unreachable: notifications wait");
            } else if (n >= 0) {
                d->db_down_logged = 0;
            }
        } while (n >= d->c->batch && apr_time_now() < until);
        apr_pool_destroy(p);
        break;
    case AP_WATCHDOG_STATE_STOPPING:
        if (d->pool) apr_pool_destroy(d->pool);
        d->pool = NULL;
        break;
    }
    return APR_SUCCESS;
}

const char *ci_deliver_post_config(apr_pool_t *pconf, server_rec *s, const ci_config *c)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) * get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) * register_cb;
    ap_watchdog_t *wd;
    deliverer *d;
    apr_status_t rv;

    get_secret = APR_RETRIEVE_OPTIONAL_FN(idtrust_secret);
    if (!c->delivery) return NULL;
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_cb = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_cb)
        return "mod_watchdog is not loaded (it delivers the notifications): add LoadModule "
               "watchdog_module, or CertimportDelivery Off on a server that only serves the API";
    /* the first start of httpd only reads the configuration */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) return NULL;
    if ((rv = get_instance(&wd, CI_WATCHDOG, 0, 1, pconf)) != APR_SUCCESS)
        return apr_psprintf(pconf, "no watchdog for the deliveries: %pm", &rv);
    d = apr_pcalloc(pconf, sizeof(*d));
    d->s = s;
    d->c = c;
    if ((rv = register_cb(wd, c->interval, d, run)) != APR_SUCCESS)
        return apr_psprintf(pconf, "the delivery task cannot be registered: %pm", &rv);
    return NULL;
}
