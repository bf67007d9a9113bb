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
/* How long one watchdog run moves the deliveries on before it returns (mod_watchdog
 * stops a child only between runs); calls still running go on in the next run. */
#define CI_RUN_BUDGET apr_time_from_sec(5)
/* Answers that come in a burst are recorded together, in one transaction, at most this
 * long after the first of them while other calls still run. */
#define CI_RECORD_DELAY apr_time_from_msec(50)
/* The longest wait for an answer in one go, so claims are made on time. */
#define CI_POLL_MS 100

typedef struct deliverer deliverer;
typedef struct token_fetch token_fetch;

/* What the task keeps of one external system: its rows in flight and its token. */
typedef struct sys_state {
    int inflight;             /* rows claimed and not yet answered or failed */
    apr_pool_t *token_pool;   /* the token's; cleared when another comes */
    const char *updated_at;   /* the system's updated_at the token was fetched for */
    const char *access_token; /* NULL when there is none to use */
    apr_time_t expires_at;
    token_fetch *fetch; /* the token request on its way for the system as it is */
} sys_state;

/* The rows of one claim; their pool goes when the last of them is recorded. */
typedef struct claim {
    apr_pool_t *pool;
    const char *by; /* claimed_by */
    int open;
} claim;

/* One claimed row on its way. */
typedef struct item {
    deliverer *d;
    claim *claim;
    sys_state *sys;
    const char *id, *system_updated, *token_endpoint, *client_id, *scopes, *secret;
    int attempts;
    idt_mapping_request req;
    apr_array_header_t *headers; /* the request's, without Authorization */
    idt_http_call call;
    const char *error; /* set when the row fails before (or instead of) its request */
    const char *token; /* the bearer token it was sent with */
    int renewed;       /* a 401 made it ask for a new token already */
} item;

/* A token request on its way; every row of the system that needs the token waits for
 * this one request. */
struct token_fetch {
    deliverer *d;
    sys_state *sys;
    apr_pool_t *pool;
    const char *updated_at, *endpoint;
    idt_http_call call;
    apr_array_header_t *waiting; /* of item * */
};

struct deliverer {
    server_rec *s;
    const ci_config *c;
    apr_pool_t *pool; /* the watchdog thread's, from STARTING to STOPPING */
    idt_http_client *http;
    apr_hash_t *systems; /* system id -> sys_state; only the watchdog thread uses it */
    const char *node;    /* host:pid */
    apr_uint64_t claims;
    int db_down_logged;
    int inflight;              /* rows claimed and not yet answered or failed */
    apr_array_header_t *ended; /* of item *: answered or failed, to record */
    apr_time_t first_ended;    /* when the oldest of them ended */
    apr_time_t next_claim;     /* when to look at the outbox again */
};

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

/* The claim: due rows no live claim holds, skipping those another node is claiming at
 * this moment, with everything their requests are made of. $4 and $5 are the systems
 * this process has rows of in flight and how many: a system at the bound ($6) is not
 * looked at, and of the others no more rows are taken than the bound leaves room for
 * (the rows locked beyond it are let go at the end of the statement). */
#define CLAIM_SQL                                                                                  \
    "WITH busy AS (SELECT * FROM unnest($4::uuid[], $5::int[]) AS b(system_id, n)), "              \
    "due AS (SELECT o.id, o.system_id, o.next_attempt_at FROM idtrust.ci_outbox o WHERE "          \
    "o.state = 'pending' AND o.next_attempt_at <= now() AND (o.claimed_until IS NULL OR "          \
    "o.claimed_until < now()) AND o.system_id NOT IN (SELECT system_id FROM busy WHERE n >= "      \
    "$6::int) ORDER BY o.next_attempt_at LIMIT $3::int FOR UPDATE SKIP LOCKED), "                  \
    "picked AS (SELECT x.id FROM (SELECT d.id, coalesce(b.n, 0) + row_number() OVER (PARTITION "   \
    "BY d.system_id ORDER BY d.next_attempt_at) AS k FROM due d LEFT JOIN busy b ON b.system_id "  \
    "= d.system_id) x WHERE x.k <= $6::int), "                                                     \
    "claimed AS (UPDATE idtrust.ci_outbox o SET claimed_until = now() + "                          \
    "make_interval(secs => $1::int), claimed_by = $2, attempts = attempts + 1, "                   \
    "updated_at = now() WHERE o.id IN (SELECT id FROM picked) "                                    \
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

static sys_state *sys_for(deliverer *d, const char *id)
{
    sys_state *sys = apr_hash_get(d->systems, id, APR_HASH_KEY_STRING);
    if (!sys) {
        sys = apr_pcalloc(d->pool, sizeof(*sys));
        apr_pool_create(&sys->token_pool, d->pool);
        apr_hash_set(d->systems, apr_pstrdup(d->pool, id), APR_HASH_KEY_STRING, sys);
    }
    return sys;
}

/* The request of row i of the claim, or it->error. */
static void prepare(deliverer *d, claim *cl, const PGresult *r, int i, item *it)
{
    apr_pool_t *p = cl->pool;
    const idt_mapping *m = ci_mapping_get(PQgetvalue(r, i, 5));
    const char *system_id = PQgetvalue(r, i, 2);
    json_t *data;
    idt_error *e;

    it->d = d;
    it->claim = cl;
    it->sys = sys_for(d, system_id);
    it->id = PQgetvalue(r, i, 0);
    it->attempts = atoi(PQgetvalue(r, i, 1));
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
                        ci_view_system(system_id, PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                                       PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), it->token_endpoint,
                                       it->client_id, it->scopes));
    if ((e = idt_mapping_render(p, m, data, &it->req))) {
        it->error = e->msg;
        return;
    }
    it->call.method = it->req.verb;
    it->call.url = it->req.url;
    it->call.body = it->req.body;
    it->call.body_len = it->req.body_len;
    it->call.timeout_ms = (long)apr_time_as_msec(d->c->timeout);
    it->headers = apr_array_copy(p, it->req.headers);
    if (it->req.content_type)
        APR_ARRAY_PUSH(it->headers, const char *) =
            apr_pstrcat(p, "Content-Type: ", it->req.content_type, NULL);
    APR_ARRAY_PUSH(it->headers, const char *) =
        apr_pstrcat(p, CI_DELIVERY_HEADER ": ", it->id, NULL);
}

/* The row has its answer, or has failed: it makes room for another of its system and
 * waits to be recorded. */
static void ended(item *it)
{
    deliverer *d = it->d;
    d->inflight--;
    it->sys->inflight--;
    if (!d->ended->nelts) d->first_ended = apr_time_now();
    APR_ARRAY_PUSH(d->ended, item *) = it;
}

static void with_token(item *it);

static void answered(idt_http_call *call, void *baton)
{
    item *it = baton;
    if (it->token && call->status == 401 && !it->renewed) {
        /* a token the receiver refused: not used again; a new one is asked for and the
         * request sent again, once */
        it->renewed = 1;
        if (it->sys->access_token && !strcmp(it->sys->access_token, it->token))
            it->sys->access_token = NULL;
        with_token(it);
        return;
    }
    ended(it);
}

/* Starts the row's request, with the bearer token when given. */
static void send_item(item *it, const char *token)
{
    apr_pool_t *p = it->claim->pool;
    it->call.headers = apr_array_copy(p, it->headers);
    it->token = token ? apr_pstrdup(p, token) : NULL;
    if (token)
        APR_ARRAY_PUSH(it->call.headers, const char *) =
            apr_pstrcat(p, "Authorization: Bearer ", token, NULL);
    /* one that cannot start fails with call.error */
    if (idt_http_start(it->d->http, p, &it->call, answered, it)) ended(it);
}

static void token_came(idt_http_call *call, void *baton)
{
    token_fetch *f = baton;
    sys_state *sys = f->sys;
    idt_oauth_token tok;
    idt_error *e = idt_oauth_answer(f->pool, f->endpoint, call, &tok);
    int i;

    if (sys->fetch == f) {
        sys->fetch = NULL;
        if (!e) {
            apr_pool_clear(sys->token_pool);
            sys->updated_at = apr_pstrdup(sys->token_pool, f->updated_at);
            sys->access_token = apr_pstrdup(sys->token_pool, tok.access_token);
            sys->expires_at = tok.expires_at;
        }
    }
    for (i = 0; i < f->waiting->nelts; i++) {
        item *it = APR_ARRAY_IDX(f->waiting, i, item *);
        if (e) {
            it->error = apr_pstrcat(it->claim->pool, "no token: ", e->msg, NULL);
            ended(it);
        } else {
            send_item(it, tok.access_token);
        }
    }
    apr_pool_destroy(f->pool);
}

/* Starts the token request of it's system; NULL and it->error when it cannot start. */
static token_fetch *fetch_token(item *it)
{
    deliverer *d = it->d;
    const char *secret = "";
    apr_pool_t *fp;
    token_fetch *f;
    idt_error *e;

    apr_pool_create(&fp, d->pool);
    if (it->secret) {
        const char *pass = get_secret ? get_secret(d->s) : NULL;
        if (!pass) {
            it->error = "the client secret cannot be decrypted: IdtrustSecretKeyFile is not set";
        } else if ((e = idt_unseal(fp, pass, CI_SECRET_PURPOSE, it->secret, &secret))) {
            it->error = apr_pstrdup(it->claim->pool, e->msg);
        }
        if (it->error) {
            apr_pool_destroy(fp);
            return NULL;
        }
    }
    f = apr_pcalloc(fp, sizeof(*f));
    f->d = d;
    f->sys = it->sys;
    f->pool = fp;
    f->updated_at = apr_pstrdup(fp, it->system_updated);
    f->endpoint = apr_pstrdup(fp, it->token_endpoint);
    f->waiting = apr_array_make(fp, 8, sizeof(item *));
    idt_oauth_request(fp, f->endpoint, it->client_id, secret, it->scopes, it->call.timeout_ms,
                      &f->call);
    if ((e = idt_http_start(d->http, fp, &f->call, token_came, f))) {
        it->error = apr_pstrcat(it->claim->pool, "no token: ", e->msg, NULL);
        apr_pool_destroy(fp);
        return NULL;
    }
    /* a request still on its way for the system as it was goes on for its own rows */
    it->sys->fetch = f;
    return f;
}

/* Sends the row with its system's token: the one kept until it expires or the system
 * changes, or the one on its way, or a new one asked for. */
static void with_token(item *it)
{
    sys_state *sys = it->sys;
    token_fetch *f = sys->fetch;

    if (sys->access_token && !strcmp(sys->updated_at, it->system_updated) &&
        sys->expires_at > apr_time_now()) {
        send_item(it, sys->access_token);
        return;
    }
    if (!f || strcmp(f->updated_at, it->system_updated)) {
        if (!(f = fetch_token(it))) {
            ended(it);
            return;
        }
    }
    APR_ARRAY_PUSH(f->waiting, item *) = it;
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

/* The rows to record (idt_httpd_db_work's ctx). */
typedef struct results {
    deliverer *d;
    apr_pool_t *p;
    item **items;
    int n;
} results;

/* Records each result, in one transaction; only a row still claimed by its claim and
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
        item *it = res->items[i];
        int ok = !it->error && it->call.status >= 200 && it->call.status < 300;
        const char *status = it->call.status ? apr_ltoa(p, it->call.status) : NULL;
        if (ok) {
            const char *params[3] = {it->id, it->claim->by, status};
            e = idt_db_exec(db, &r,
                            "UPDATE idtrust.ci_outbox SET state = 'delivered', delivered_at = "
                            "now(), last_status = $3::int, last_error = NULL, claimed_until = "
                            "NULL, updated_at = now() WHERE id = $1 AND claimed_by = $2 AND "
                            "state = 'pending'",
                            3, params);
        } else {
            int last = it->attempts >= d->c->retry_attempts;
            const char *params[6] = {it->id,
                                     it->claim->by,
                                     status,
                                     failure(p, it),
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

/* Records the rows that ended and lets go of the claims all of whose rows are recorded. */
static void record_ended(deliverer *d)
{
    int i, n = d->ended->nelts;
    apr_pool_t *p;
    idt_error *e;
    results res;

    if (!n) return;
    apr_pool_create(&p, d->pool);
    res.d = d;
    res.p = p;
    res.items = (item **)d->ended->elts;
    res.n = n;
    if ((e = idt_httpd_db_work(d->s, p, record, &res))) {
        /* the rows stay claimed until their lease ends, then are tried again */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, d->s,
                     "CI00022: %d delivery results not recorded (%s); the rows are retried "
                     "when their claim ends",
                     n, e->detail ? e->detail : e->msg);
    }
    for (i = 0; i < n; i++) {
        claim *cl = res.items[i]->claim;
        if (--cl->open == 0) apr_pool_destroy(cl->pool);
    }
    d->ended->nelts = 0;
    apr_pool_destroy(p);
}

/* Claims due rows, as many as the bounds leave room for, and starts them: the number
 * claimed, -1 when the repository is unreachable. *room_left: whether a system of the
 * claim may take more (then more of its rows may be due). */
static int claim_rows(deliverer *d, int *room_left)
{
    int limit = CI_MAX_INFLIGHT - d->inflight;
    apr_array_header_t *busy_ids, *busy_n;
    apr_hash_index_t *hi;
    const char *params[6];
    ap_dbd_t *dbd;
    PGconn *conn;
    apr_pool_t *p;
    item *items;
    idt_db *db;
    PGresult *r;
    idt_error *e;
    claim *cl;
    int i, n;

    *room_left = 0;
    if (limit > d->c->batch) limit = d->c->batch;
    if (limit <= 0) return 0;
    apr_pool_create(&p, d->pool);
    dbd = idt_httpd_db_open(d->s, p);
    if (!(conn = dbd ? idt_httpd_db_native(dbd) : NULL)) {
        idt_httpd_db_close(d->s, dbd);
        apr_pool_destroy(p);
        return -1;
    }
    busy_ids = apr_array_make(p, 8, sizeof(const char *));
    busy_n = apr_array_make(p, 8, sizeof(const char *));
    for (hi = apr_hash_first(p, d->systems); hi; hi = apr_hash_next(hi)) {
        const void *key;
        void *v;
        apr_hash_this(hi, &key, NULL, &v);
        if (((sys_state *)v)->inflight <= 0) continue;
        APR_ARRAY_PUSH(busy_ids, const char *) = key;
        APR_ARRAY_PUSH(busy_n, const char *) = apr_itoa(p, ((sys_state *)v)->inflight);
    }
    db = idt_db_wrap(p, conn);
    cl = apr_pcalloc(p, sizeof(*cl));
    cl->pool = p;
    cl->by = apr_psprintf(p, "%s:%" APR_UINT64_T_FMT, d->node, ++d->claims);
    params[0] = apr_ltoa(p, (long)apr_time_sec(d->c->timeout) * 2 + CI_LEASE_MARGIN_S);
    params[1] = cl->by;
    params[2] = apr_itoa(p, limit);
    params[3] = apr_pstrcat(p, "{", apr_array_pstrcat(p, busy_ids, ','), "}", NULL);
    params[4] = apr_pstrcat(p, "{", apr_array_pstrcat(p, busy_n, ','), "}", NULL);
    params[5] = apr_itoa(p, CI_SYSTEM_INFLIGHT);
    if ((e = idt_db_exec(db, &r, CLAIM_SQL, 6, params))) {
        idt_httpd_db_close(d->s, dbd);
        if (e->kind != IDT_E_UNAVAILABLE)
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, d->s,
                         "CI00023: claiming notifications failed: %s",
                         e->detail ? e->detail : e->msg);
        apr_pool_destroy(p);
        return e->kind == IDT_E_UNAVAILABLE ? -1 : 0;
    }
    /* the connection goes back while the requests are out: it is not needed meanwhile */
    n = PQntuples(r);
    cl->open = n;
    items = apr_pcalloc(p, sizeof(item) * (n ? n : 1));
    for (i = 0; i < n; i++) {
        prepare(d, cl, r, i, &items[i]);
        items[i].sys->inflight++;
        d->inflight++;
    }
    idt_httpd_db_close(d->s, dbd);
    if (!n) {
        apr_pool_destroy(p);
        return 0;
    }
    for (i = 0; i < n; i++) {
        item *it = &items[i];
        if (it->sys->inflight < CI_SYSTEM_INFLIGHT) *room_left = 1;
        if (it->error)
            ended(it);
        else if (*it->token_endpoint)
            with_token(it);
        else
            send_item(it, NULL);
    }
    return n;
}

static apr_status_t run(int state, void *data, apr_pool_t *pool)
{
    deliverer *d = data;
    apr_time_t until, now;
    int n, room_left;

    (void)pool;
    switch (state) {
    case AP_WATCHDOG_STATE_STARTING: {
        char host[256] = "localhost";
        apr_pool_create(&d->pool, NULL);
        apr_gethostname(host, sizeof(host), d->pool);
        d->node = apr_psprintf(d->pool, "%s:%ld", host, (long)getpid());
        d->systems = apr_hash_make(d->pool);
        d->ended = apr_array_make(d->pool, 64, sizeof(item *));
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
        /* Rows are claimed while others are still out, as room is made: a system whose
         * receiver or token endpoint hangs holds its own rows (at most CI_SYSTEM_INFLIGHT)
         * until their timeout, and no other's. */
        now = apr_time_now();
        until = now + CI_RUN_BUDGET;
        d->next_claim = now; /* the watchdog's interval has passed */
        for (;;) {
            now = apr_time_now();
            if (now >= d->next_claim && d->inflight < CI_MAX_INFLIGHT) {
                n = claim_rows(d, &room_left);
                if (n < 0 && !d->db_down_logged) {
                    d->db_down_logged = 1;
                    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, d->s,
                                 "CI00027: the repository is unreachable: notifications wait");
                } else if (n >= 0) {
                    d->db_down_logged = 0;
                }
                /* more may be due for a system that has room; otherwise the outbox is
                 * looked at again after the interval, or when an answer makes room */
                d->next_claim = n > 0 && room_left ? now : now + d->c->interval;
            }
            now = apr_time_now();
            if (d->ended->nelts && (!d->inflight || now - d->first_ended >= CI_RECORD_DELAY)) {
                record_ended(d);
                d->next_claim = now;
            }
            if (now >= until || (!d->inflight && now < d->next_claim)) break;
            if (d->inflight) {
                long wait = CI_POLL_MS;
                if (d->inflight < CI_MAX_INFLIGHT && d->next_claim - now < apr_time_from_msec(wait))
                    wait = d->next_claim > now ? (long)apr_time_as_msec(d->next_claim - now) : 0;
                if (d->ended->nelts) wait = wait < 50 ? wait : 50;
                idt_http_perform(d->http, wait);
            }
        }
        /* what ended is recorded before the thread rests */
        record_ended(d);
        break;
    case AP_WATCHDOG_STATE_STOPPING:
        /* calls still out stop here; their rows are claimed again when the claim ends */
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
