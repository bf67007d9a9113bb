#include "idt_db.h"

#include <apr_hash.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <stdlib.h>
#include <string.h>

/* Statements prepared on each connection of this process, so that a repeated query
 * is parsed and planned once per connection rather than once per request. A
 * connection is known by its address and its server process: after a reset (a
 * database restart) the server process is new, its statements are gone, and they are
 * prepared again on first use. Connections mod_dbd closed leave entries behind; the
 * registry starts over when it holds too many (a statement prepared twice on one
 * connection is refused with 42P05, which counts as prepared). */
#define REGISTRY_MAX_CONNS 256

static apr_pool_t *registry_pool;
static apr_hash_t *registry; /* "conn:pid" -> apr_hash_t of statement names */
static apr_thread_mutex_t *registry_lock;

void idt_db_child_init(apr_pool_t *pchild)
{
    if (registry_lock) return;
    apr_pool_create(&registry_pool, pchild);
    registry = apr_hash_make(registry_pool);
    if (apr_thread_mutex_create(&registry_lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS)
        registry_lock = NULL; /* no registry: every statement is sent with its text */
}

enum { ASK, MARK, FORGET };

/* ASK: whether name is prepared on conn; MARK: it is from now on; FORGET: nothing is
 * known of conn any more. */
static int prepared(PGconn *conn, const char *name, int what)
{
    char key[64];
    apr_hash_t *names;
    int known = 0;

    apr_snprintf(key, sizeof(key), "%pp:%d", (void *)conn, PQbackendPID(conn));
    apr_thread_mutex_lock(registry_lock);
    names = apr_hash_get(registry, key, APR_HASH_KEY_STRING);
    if (what == FORGET) {
        if (names) apr_hash_set(registry, key, APR_HASH_KEY_STRING, NULL);
    } else if (what == ASK) {
        known = names && apr_hash_get(names, name, APR_HASH_KEY_STRING);
    } else {
        if (!names) {
            if (apr_hash_count(registry) >= REGISTRY_MAX_CONNS) {
                apr_pool_clear(registry_pool);
                registry = apr_hash_make(registry_pool);
            }
            names = apr_hash_make(registry_pool);
            apr_hash_set(registry, apr_pstrdup(registry_pool, key), APR_HASH_KEY_STRING, names);
        }
        apr_hash_set(names, apr_pstrdup(registry_pool, name), APR_HASH_KEY_STRING, "");
    }
    apr_thread_mutex_unlock(registry_lock);
    return known;
}

/* The statement's name: a digest of its text, so one text is one statement. */
static void statement_name(const char *sql, char name[4 + 2 * APR_MD5_DIGESTSIZE + 1])
{
    unsigned char d[APR_MD5_DIGESTSIZE];
    int i;

    apr_md5(d, sql, strlen(sql));
    memcpy(name, "idt_", 4);
    for (i = 0; i < APR_MD5_DIGESTSIZE; i++)
        apr_snprintf(name + 4 + 2 * i, 3, "%02x", d[i]);
}

static int sqlstate_is(const PGresult *r, const char *state)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s && !strcmp(s, state);
}

static apr_status_t res_cleanup(void *data)
{
    PQclear((PGresult *)data);
    return APR_SUCCESS;
}

idt_db *idt_db_wrap(apr_pool_t *p, PGconn *conn)
{
    idt_db *db = apr_pcalloc(p, sizeof(*db));
    db->conn = conn;
    db->pool = p;
    return db;
}

static int conn_lost(idt_db *db, const PGresult *r)
{
    const char *state;

    if (PQstatus(db->conn) != CONNECTION_OK) return 1;
    state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* class 08: connection exception; 57P01..03: shutdown or not yet accepting */
    return state && (!strncmp(state, "08", 2) || !strncmp(state, "57P0", 4));
}

static idt_error *map_error(idt_db *db, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* the primary message only: DETAIL may quote row values ("Failing row contains") */
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    idt_error *e;

    if (conn_lost(db, r))
        e = idt_err(db->pool, IDT_E_UNAVAILABLE, "the repository is unavailable; retry later");
    else if (state && (!strcmp(state, "23505") || !strcmp(state, "23503")))
        e = idt_err(db->pool, IDT_E_CONFLICT, "the change conflicts with the repository's state");
    else
        e = idt_err(db->pool, IDT_E_INTERNAL, "the repository failed to complete the request");
    if (!msg || !*msg) msg = PQerrorMessage(db->conn);
    e->detail = apr_psprintf(db->pool, "%s%s%s", state ? state : "", state ? ": " : "",
                             msg && *msg ? msg : "no message from libpq");
    return e;
}

/* Runs a statement whose result does not matter (SAVEPOINT and friends): whether it worked. */
static int simple(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

/* Prepares name on db's connection; whether it is prepared now. Inside a transaction a
 * failed PREPARE would abort it (42P05 too: a statement the registry forgot when it
 * started over), so there it runs under a savepoint: two more round trips, once per
 * connection and statement. */
static int prepare(idt_db *db, const char *name, const char *sql, int n)
{
    int in_tx = db->in_tx && !db->begin_pending;
    PGresult *r;
    int ok;

    if (in_tx && !simple(db->conn, "SAVEPOINT idt_prepare")) return 0;
    r = PQprepare(db->conn, name, sql, n, NULL);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) ok = sqlstate_is(r, "42P05") ? 2 : 0;
    PQclear(r);
    /* a prepared statement outlives its savepoint: a failed PREPARE is rolled back to
     * it, so the transaction goes on (a broken connection fails the next statement) */
    if (in_tx && ok != 1 && !simple(db->conn, "ROLLBACK TO SAVEPOINT idt_prepare")) ok = 0;
    if (in_tx) simple(db->conn, "RELEASE SAVEPOINT idt_prepare");
    if (ok) prepared(db->conn, name, MARK);
    return ok;
}

static int failed(const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
}

static PGresult *keep(idt_db *db, PGresult *r)
{
    if (r) apr_pool_cleanup_register(db->pool, r, res_cleanup, apr_pool_cleanup_null);
    return r;
}

#define NAME_LEN (4 + 2 * APR_MD5_DIGESTSIZE + 1)

/* The name s is prepared as on the connection (preparing it now if need be), or ""
 * to send its text: statements without parameters (BEGIN, COMMIT) are not worth a
 * name, and one that cannot be prepared (the connection failed, or the statement is
 * wrong) is sent as text, whose run says why (and is retried on a reset connection).
 * Before BEGIN this prepares outside the transaction, without a savepoint. */
static void name_of(idt_db *db, const idt_stmt *s, char *name)
{
    *name = '\0';
    if (s->n == 0 || !registry_lock) return;
    statement_name(s->sql, name);
    if (!prepared(db->conn, name, ASK) && !prepare(db, name, s->sql, s->n)) *name = '\0';
}

static PGresult *exec_now(PGconn *conn, const idt_stmt *s, const char *name)
{
    return *name ? PQexecPrepared(conn, name, s->n, s->params, NULL, NULL, 0)
                 : PQexecParams(conn, s->sql, s->n, NULL, s->params, NULL, NULL, 0);
}

static int send_one(PGconn *conn, const idt_stmt *s, const char *name)
{
    return *name ? PQsendQueryPrepared(conn, name, s->n, s->params, NULL, NULL, 0)
                 : PQsendQueryParams(conn, s->sql, s->n, NULL, s->params, NULL, NULL, 0);
}

/* BEGIN when it is pending, then the statements, in one round trip (libpq's pipeline
 * mode); each statement's result in its res (NULL when none came), BEGIN's in
 * *begin_res. The connection leaves pipeline mode (reset if it cannot). A BEGIN that
 * did not take (the connection broke) stays pending, so that the batch can be retried,
 * BEGIN and all, on a reset connection. */
static void pipeline(idt_db *db, idt_stmt *s, int count, char (*names)[NAME_LEN],
                     PGresult **begin_res)
{
    PGconn *conn = db->conn;
    int begin = db->begin_pending, i, sent, nulls = 0, next = begin ? -1 : 0;
    PGTransactionStatusType t;
    PGresult *r;

    *begin_res = NULL;
    for (i = 0; i < count; i++)
        s[i].res = NULL;
    if (!begin && count == 1) {
        s[0].res = keep(db, exec_now(conn, &s[0], names[0]));
        return;
    }
    if (!PQenterPipelineMode(conn)) {
        /* cannot pipeline: one after the other */
        if (begin && failed(*begin_res = keep(db, PQexec(conn, "BEGIN")))) return;
        for (i = 0; i < count; i++)
            if (failed(s[i].res = keep(db, exec_now(conn, &s[i], names[i])))) break;
    } else {
        sent = !begin || PQsendQueryParams(conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
        for (i = 0; sent && i < count; i++)
            sent = send_one(conn, &s[i], names[i]);
        sent = sent && PQpipelineSync(conn);
        /* each query's result then a NULL, then the sync's result; two NULLs in a row
         * mean the connection broke and nothing more comes */
        while (sent) {
            if (!(r = PQgetResult(conn))) {
                if (++nulls == 2) break;
                next++;
                continue;
            }
            nulls = 0;
            if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                break;
            }
            if (next == -1 && !*begin_res) *begin_res = keep(db, r);
            else if (next >= 0 && next < count && !s[next].res) s[next].res = keep(db, r);
            else PQclear(r);
        }
        if (!PQexitPipelineMode(conn)) PQreset(conn);
    }
    t = PQtransactionStatus(conn);
    if (begin && (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)) db->begin_pending = 0;
}

/* Where the batch failed: BEGIN's result, else the first statement's that failed for
 * a reason of its own (not one that an earlier failure aborted); NULL when none did.
 * The slot may hold NULL: no result came. */
static PGresult **failure(PGresult **begin_res, idt_stmt *s, int count, int begun)
{
    PGresult **aborted = NULL;
    int i;

    if (begun && failed(*begin_res)) return begin_res;
    for (i = 0; i < count; i++) {
        if (!failed(s[i].res)) continue;
        if (s[i].res && PQresultStatus(s[i].res) == PGRES_PIPELINE_ABORTED) {
            if (!aborted) aborted = &s[i].res;
            continue;
        }
        return &s[i].res;
    }
    return aborted;
}

/* Runs the batch; where it failed, as failure() says. */
static PGresult **run(idt_db *db, idt_stmt *s, int count, PGresult **begin_res)
{
    char (*names)[NAME_LEN] = apr_palloc(db->pool, (apr_size_t)count * NAME_LEN);
    int first = db->begin_pending, i;
    PGresult **bad;

    for (i = 0; i < count; i++)
        name_of(db, &s[i], names[i]);
    pipeline(db, s, count, names, begin_res);
    bad = failure(begin_res, s, count, first);
    if (bad && sqlstate_is(*bad, "26000")) {
        /* the registry was wrong about this connection (a reused address and process
         * id): forget the batch's statements and send their text. A transaction this
         * batch began starts again; one that had done more has aborted, and the
         * request fails once. */
        for (i = 0; i < count; i++) {
            if (*names[i]) prepared(db->conn, names[i], FORGET);
            *names[i] = '\0';
        }
        if (first && simple(db->conn, "ROLLBACK")) db->begin_pending = 1;
        if (!db->in_tx || db->begin_pending) {
            pipeline(db, s, count, names, begin_res);
            bad = failure(begin_res, s, count, first);
        }
    }
    return bad;
}

idt_error *idt_db_exec_batch(idt_db *db, idt_stmt *s, int count)
{
    PGresult *begin_res = NULL, **bad;

    if (count < 1) return NULL;
    bad = run(db, s, count, &begin_res);
    if (bad && (!db->in_tx || db->begin_pending) && conn_lost(db, *bad)) {
        /* The pooled connection predates a server restart: reconnect and try once more
         * (outside a transaction, or as its first statements: nothing is lost). */
        PQreset(db->conn);
        if (PQstatus(db->conn) != CONNECTION_OK) return map_error(db, NULL);
        bad = run(db, s, count, &begin_res);
    }
    return bad ? map_error(db, *bad) : NULL;
}

idt_error *idt_db_exec(idt_db *db, PGresult **res, const char *sql, int n,
                       const char *const *params)
{
    idt_stmt s;
    idt_error *e;

    s.sql = sql;
    s.n = n;
    s.params = params;
    s.res = NULL;
    e = idt_db_exec_batch(db, &s, 1);
    if (res) *res = s.res;
    return e;
}

idt_error *idt_db_begin(idt_db *db)
{
    if (db->in_tx) return idt_err(db->pool, IDT_E_INTERNAL, "a transaction is already open");
    db->in_tx = 1;
    db->begin_pending = 1;
    return NULL;
}

idt_error *idt_db_commit(idt_db *db)
{
    idt_error *e = NULL;

    /* a transaction that ran no statement has nothing to commit */
    if (db->in_tx && !db->begin_pending) e = idt_db_exec(db, NULL, "COMMIT", 0, NULL);
    db->in_tx = db->begin_pending = 0;
    return e;
}

void idt_db_rollback(idt_db *db)
{
    int begun = db->in_tx && !db->begin_pending;

    db->in_tx = db->begin_pending = 0;
    if (begun && PQstatus(db->conn) == CONNECTION_OK) {
        PGresult *r = PQexec(db->conn, "ROLLBACK");
        PQclear(r);
    }
}

idt_error *idt_db_schema_version(idt_db *db, int *version)
{
    PGresult *r;
    idt_error *e;

    *version = 0;
    e = idt_db_exec(db, &r, "SELECT coalesce(max(version), 0) FROM idtrust.schema_version", 0,
                    NULL);
    if (e) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        /* 42P01 / 3F000: no version table or no schema yet, i.e. nothing applied */
        if (state && (!strcmp(state, "42P01") || !strcmp(state, "3F000"))) return NULL;
        return e;
    }
    *version = atoi(PQgetvalue(r, 0, 0));
    return NULL;
}

const char *idt_db_value(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) return NULL;
    return PQgetvalue(res, row, col);
}
