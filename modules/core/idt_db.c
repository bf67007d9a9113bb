#include "idt_db.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

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

static PGresult *run(idt_db *db, const char *sql, int n, const char *const *params)
{
    return PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
}

static int failed(const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
}

idt_error *idt_db_exec(idt_db *db, PGresult **res, const char *sql, int n,
                       const char *const *params)
{
    PGresult *r = run(db, sql, n, params);

    if (failed(r) && !db->in_tx && conn_lost(db, r)) {
        /* The pooled connection predates a server restart: reconnect and try once more. */
        PQclear(r);
        PQreset(db->conn);
        r = PQstatus(db->conn) == CONNECTION_OK ? run(db, sql, n, params) : NULL;
    }
    if (r) apr_pool_cleanup_register(db->pool, r, res_cleanup, apr_pool_cleanup_null);
    if (res) *res = r;
    if (failed(r)) return map_error(db, r);
    return NULL;
}

idt_error *idt_db_begin(idt_db *db)
{
    idt_error *e = idt_db_exec(db, NULL, "BEGIN", 0, NULL);
    if (!e) db->in_tx = 1;
    return e;
}

idt_error *idt_db_commit(idt_db *db)
{
    idt_error *e = idt_db_exec(db, NULL, "COMMIT", 0, NULL);
    db->in_tx = 0;
    return e;
}

void idt_db_rollback(idt_db *db)
{
    if (!db->in_tx) return;
    db->in_tx = 0;
    if (PQstatus(db->conn) == CONNECTION_OK) {
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
