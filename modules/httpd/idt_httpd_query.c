#include "idt_httpd_query.h"

#include <stdlib.h>
#include <apr_strings.h>
#include <httpd.h>

/* Values longer than this are refused: no parameter of ours needs more. */
#define IDT_QUERY_MAX_VALUE 1024

static int allowed_name(const char *name, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (!strcmp(name, *allowed)) return 1;
    return 0;
}

idt_error *idt_query_parse(request_rec *r, const char *const *allowed, apr_table_t **out)
{
    apr_table_t *t = apr_table_make(r->pool, 8);
    char *args = r->args ? apr_pstrdup(r->pool, r->args) : NULL;
    char *pair, *last;

    *out = t;
    if (!args) return NULL;
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '='), *name = pair, *value = eq ? eq + 1 : "";
        if (eq) *eq = '\0';
        if (strstr(name, "%00") || strstr(value, "%00"))
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "the query string holds an encoded NUL");
        if (ap_unescape_urlencoded(name) != OK || ap_unescape_urlencoded(value) != OK)
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "the query string is malformed");
        if (!allowed_name(name, allowed))
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "unknown query parameter %s",
                           ap_escape_logitem(r->pool, name));
        if (apr_table_get(t, name))
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "query parameter %s is given twice", name);
        if (strlen(value) > IDT_QUERY_MAX_VALUE)
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "query parameter %s is longer than %d bytes",
                           name, IDT_QUERY_MAX_VALUE);
        if (*value) apr_table_setn(t, name, value);
    }
    return NULL;
}

idt_error *idt_query_int(apr_pool_t *p, apr_table_t *q, const char *name, long min, long max,
                         long def, long *out)
{
    const char *v = apr_table_get(q, name);
    char *end;
    long n;

    *out = def;
    if (!v) return NULL;
    n = strtol(v, &end, 10);
    if (*end || end == v || n < min || n > max)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "query parameter %s must be an integer from %ld to %ld", name, min, max);
    *out = n;
    return NULL;
}
