/* Repository access through mod_dbd: the request's pooled connection, the schema check. */
#ifndef IDT_HTTPD_DB_H
#define IDT_HTTPD_DB_H

#include <apr_dbd.h>
#include <httpd.h>
#include <mod_dbd.h>

#include "idt_db.h"

/* Looks up mod_dbd's functions; a sentence naming the missing module when absent. */
const char *idt_httpd_db_init(void);

/* A connection for work outside a request (child start, background threads), from
 * mod_dbd's pool; NULL when none can be made. Give it back with idt_httpd_db_close. */
ap_dbd_t *idt_httpd_db_open(server_rec *s, apr_pool_t *p);
void idt_httpd_db_close(server_rec *s, ap_dbd_t *dbd);

/* The one transaction of background work (a mod_watchdog task, not a request: the
 * runner does a request's): a connection from mod_dbd's pool, BEGIN, fn, COMMIT, or
 * ROLLBACK when fn or the commit fails, and the connection given back. fn's error, or
 * IDT_E_UNAVAILABLE when no connection can be made. */
idt_error *idt_httpd_db_work(server_rec *s, apr_pool_t *p,
                             idt_error *(*fn)(idt_db *db, void *ctx), void *ctx);

/* The libpq connection under a mod_dbd one, or NULL when DBDriver is not pgsql. */
PGconn *idt_httpd_db_native(ap_dbd_t *dbd);

/* The request's connection (mod_dbd releases it with the request):
 * IDT_E_UNAVAILABLE when no connection can be made. */
idt_error *idt_httpd_db(request_rec *r, idt_db **db);

/* Checks, from a child process, that the schema is at least `needed`. When the
 * repository answers with an older schema it logs which migration to apply and
 * returns 0 (the caller then exits the child with APEXIT_CHILDFATAL, which stops
 * httpd). An unreachable repository is logged and passes (503 until it is back). */
int idt_httpd_schema_check(server_rec *s, apr_pool_t *p, int module_index, const char *tag,
                           const char *module, int needed, const char *migration);

#endif
