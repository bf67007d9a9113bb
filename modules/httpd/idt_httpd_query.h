/* Query strings and form bodies (application/x-www-form-urlencoded): one parser, decoding
 * once and checking names against a list. */
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

/* How idt_params_parse reads a list of name=value pairs joined by '&'. */
typedef struct idt_params_spec {
    const char *const *allowed; /* NULL-ended; any other name is refused */
    const char *what;           /* "query" or "form": names the input in messages */
    apr_size_t max_value;       /* longest value accepted, in bytes after decoding */
    int flags;                  /* IDT_PARAMS_* */
} idt_params_spec;

/* A name may be given more than once: every value is kept, in order (apr_table_add). */
#define IDT_PARAMS_REPEAT 0x1
/* Names match the allowed list ignoring ASCII case, and are stored as the list spells them. */
#define IDT_PARAMS_ANY_CASE 0x2
/* An empty value is kept (as ""), not taken for an absent parameter. */
#define IDT_PARAMS_KEEP_EMPTY 0x4
/* A name not in the allowed list is skipped, not refused (RFC 6749 section 3.1: the
 * authorization server ignores request parameters it does not know). */
#define IDT_PARAMS_IGNORE_UNKNOWN 0x8
/* values may hold tab, LF and CR (form bodies: multi-line values); never in a query */
#define IDT_PARAMS_LINES 0x10

/* Parses text (NULL or "" for none; not modified) into *out under spec: IDT_E_BAD_REQUEST
 * for a malformed escape, an encoded NUL, a name not allowed, a value too long, or (without
 * IDT_PARAMS_REPEAT) a name given twice; messages name the parameter, never its value. */
idt_error *idt_params_parse(apr_pool_t *p, const char *text, const idt_params_spec *spec,
                            apr_table_t **out);

/* Reads the request body (idt_httpd_read_body: LimitRequestBody) as form parameters:
 * IDT_E_MEDIA_TYPE unless Content-Type is application/x-www-form-urlencoded (a body
 * without one is refused too; no body at all is no parameters), then idt_params_parse. */
idt_error *idt_form_read(request_rec *r, const idt_params_spec *spec, apr_table_t **out);

#endif
