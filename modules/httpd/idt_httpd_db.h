/* Repository access through mod_dbd: the request's pooled connection, the schema check. */
#ifndef IDT_HTTPD_DB_H
#define IDT_HTTPD_DB_H

#include <httpd.h>

#include "idt_db.h"

/* Looks up mod_dbd's functions; a sentence naming the missing module when absent. */
const char *idt_httpd_db_init(void);

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
