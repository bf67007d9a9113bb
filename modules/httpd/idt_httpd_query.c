#include "idt_httpd_query.h"

#include <stdlib.h>
#include <apr_strings.h>
#include <httpd.h>

#include "idt_httpd_body.h"
#include "idt_text.h"

/* Values longer than this are refused: no query parameter of ours needs more. */
#define IDT_QUERY_MAX_VALUE 1024

static const char *allowed_name(const char *name, const idt_params_spec *spec)
{
    const char *const *a;
    for (a = spec->allowed; *a; a++)
        if ((spec->flags & IDT_PARAMS_ANY_CASE) ? !strcasecmp(name, *a) : !strcmp(name, *a))
            return *a;
    return NULL;
}

idt_error *idt_params_parse(apr_pool_t *p, const char *text, const idt_params_spec *spec,
                            apr_table_t **out)
{
    apr_table_t *t = apr_table_make(p, 8);
    char *args = text && *text ? apr_pstrdup(p, text) : NULL;
    char *pair, *last;
    const char *what = spec->what;

    *out = t;
    if (!args) return NULL;
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '='), *name = pair, *value = eq ? eq + 1 : "";
        const char *known;
        idt_error *e;
        if (eq) *eq = '\0';
        if (strstr(name, "%00") || strstr(value, "%00"))
            return idt_err(p, IDT_E_BAD_REQUEST, "the %s holds an encoded NUL",
                           !strcmp(what, "query") ? "query string" : what);
        if (ap_unescape_urlencoded(name) != OK || ap_unescape_urlencoded(value) != OK)
            return idt_err(p, IDT_E_BAD_REQUEST, "the %s is malformed",
                           !strcmp(what, "query") ? "query string" : what);
        if (!(known = allowed_name(name, spec))) {
            if (spec->flags & IDT_PARAMS_IGNORE_UNKNOWN) continue;
            return idt_err(p, IDT_E_BAD_REQUEST, "unknown %s parameter %s", what,
                           ap_escape_logitem(p, name));
        }
        if (!(spec->flags & IDT_PARAMS_REPEAT) && apr_table_get(t, known))
            return idt_err(p, IDT_E_BAD_REQUEST, "%s parameter %s is given twice", what, known);
        if (strlen(value) > spec->max_value)
            return idt_err(p, IDT_E_BAD_REQUEST,
                           "%s parameter %s is longer than %" APR_SIZE_T_FMT " bytes", what, known,
                           spec->max_value);
        if ((e = idt_text_check(p, apr_pstrcat(p, what, " parameter ", known, NULL), value,
                                strlen(value),
                                (spec->flags & IDT_PARAMS_LINES) ? IDT_TEXT_LINES : 0)))
            return e;
        if (*value || (spec->flags & IDT_PARAMS_KEEP_EMPTY)) apr_table_addn(t, known, value);
    }
    return NULL;
}

idt_error *idt_query_parse(request_rec *r, const char *const *allowed, apr_table_t **out)
{
    idt_params_spec spec = {allowed, "query", IDT_QUERY_MAX_VALUE, 0};
    return idt_params_parse(r->pool, r->args, &spec, out);
}

/* Whether Content-Type ct is type (any case), with or without parameters. */
static int type_is(const char *ct, const char *type)
{
    apr_size_t n = strlen(type);
    return ct && !strncasecmp(ct, type, n) && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

idt_error *idt_form_read(request_rec *r, const idt_params_spec *spec, apr_table_t **out)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *buf;
    apr_size_t len;
    idt_error *e;

    *out = apr_table_make(r->pool, 1);
    if ((e = idt_httpd_read_body(r, &buf, &len))) return e;
    if (!len) return NULL;
    if (!type_is(ct, "application/x-www-form-urlencoded"))
        return idt_err(r->pool, IDT_E_MEDIA_TYPE,
                       "Content-Type must be application/x-www-form-urlencoded (form "
                       "parameters, as curl -d sends them)");
    if (memchr(buf, '\0', len))
        return idt_err(r->pool, IDT_E_BAD_REQUEST, "the %s holds a NUL byte", spec->what);
    {
        idt_params_spec lines = *spec;
        lines.flags |= IDT_PARAMS_LINES;
        return idt_params_parse(r->pool, buf, &lines, out);
    }
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
