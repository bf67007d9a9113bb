/* Query string parameters: decoded once, checked by name and type. */
#ifndef IDT_HTTPD_QUERY_H
#define IDT_HTTPD_QUERY_H

#include <apr_tables.h>
#include <httpd.h>

#include "idt_error.h"

/* The parameters of r->args, %-decoded ('+' is a space): IDT_E_BAD_REQUEST for a
 * malformed escape, an encoded NUL, a parameter given twice, or a name not in the
 * NULL-ended allowed list (naming it). An empty value counts as absent. */
idt_error *idt_query_parse(request_rec *r, const char *const *allowed, apr_table_t **out);

/* Parameter name as an integer in [min, max], def when absent; IDT_E_BAD_REQUEST
 * naming the parameter otherwise. */
idt_error *idt_query_int(apr_pool_t *p, apr_table_t *q, const char *name, long min, long max,
                         long def, long *out);

#endif
