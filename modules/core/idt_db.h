/* Repository access over a libpq connection that mod_dbd lends for one request.
 * Parameters are always bound; results are cleared by a cleanup on the request pool. */
#ifndef IDT_DB_H
#define IDT_DB_H

#include <apr_pools.h>
#include <libpq-fe.h>

#include "idt_error.h"

typedef struct idt_db {
    PGconn *conn;
    apr_pool_t *pool;
    int in_tx;         /* between idt_db_begin and idt_db_commit or idt_db_rollback */
    int begin_pending; /* ... and BEGIN not sent yet: it goes with the first statement */
} idt_db;

idt_db *idt_db_wrap(apr_pool_t *p, PGconn *conn);

/* In each child process: statements with parameters run outside a transaction are
 * then prepared once per connection (and again after a reconnect) instead of parsed
 * and planned on every call. Without it every statement is sent with its text. */
void idt_db_child_init(apr_pool_t *pchild);

/* Runs sql with n text parameters (NULL entries are SQL NULL). The result (tuples
 * or command) is owned by db->pool. Outside a transaction, or as a transaction's
 * first, a statement that fails because the server went away is retried once on a
 * reset connection, so a pool of connections recovers after a database restart
 * without failing requests.
 * Errors: IDT_E_UNAVAILABLE when the server cannot be reached; IDT_E_CONFLICT on a
 * unique or foreign-key violation; IDT_E_INTERNAL otherwise. The database's own
 * message goes to err->detail, for the log, never to the client. */
idt_error *idt_db_exec(idt_db *db, PGresult **res, const char *sql, int n,
                       const char *const *params);

/* A statement of a batch: its text and n text parameters in; its result out (owned by
 * db->pool; NULL when it did not run). */
typedef struct idt_stmt {
    const char *sql;
    int n;
    const char *const *params;
    PGresult *res;
} idt_stmt;

/* Runs the count statements in one round trip (libpq's pipeline mode), in order, each
 * taking its snapshot when it starts, so each sees what the ones before it did and
 * what committed while they ran (a lock one of them takes is held for the next). The
 * error is the first statement's that failed (the ones after it do not run), as
 * idt_db_exec says; a batch run outside a transaction is one implicit transaction. */
idt_error *idt_db_exec_batch(idt_db *db, idt_stmt *stmts, int count);

/* One write request is one transaction. BEGIN is sent with the transaction's first
 * statement, in the same round trip (libpq's pipeline mode), so a write costs one
 * round trip less, and one that fails before touching the repository none. A first
 * statement that fails because the server went away is retried once on a reset
 * connection, BEGIN and all, as nothing has happened in the transaction yet. */
idt_error *idt_db_begin(idt_db *db);
idt_error *idt_db_commit(idt_db *db);
void idt_db_rollback(idt_db *db);

/* The highest migration recorded in idtrust.schema_version (0 when none). */
idt_error *idt_db_schema_version(idt_db *db, int *version);

/* Value of row, col, or NULL when it is SQL NULL. */
const char *idt_db_value(const PGresult *res, int row, int col);

#endif
