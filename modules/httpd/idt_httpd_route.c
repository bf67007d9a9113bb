#include "idt_httpd_route.h"

#include <apr_strings.h>

/* Matches path against pattern segment by segment; {} matches one non-empty segment, a
 * final {*} the rest of the path (one or more segments, slashes included). */
static int match(const char *pattern, const char *path, apr_pool_t *p, const char **args)
{
    int n = 0;

    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/') return 0;
        pattern++, path++;
        if (!strcmp(pattern, "{*}")) {
            if (!*path || n >= IDT_ROUTE_MAX_ARGS) return 0;
            args[n++] = apr_pstrdup(p, path);
            return 1;
        }
        if (!strncmp(pattern, "{}", 2)) {
            const char *end = strchr(path, '/');
            apr_size_t len = end ? (apr_size_t)(end - path) : strlen(path);
            if (!len || n >= IDT_ROUTE_MAX_ARGS) return 0;
            args[n++] = apr_pstrmemdup(p, path, len);
            pattern += 2, path += len;
        } else {
            const char *pe = strchr(pattern, '/'), *se = strchr(path, '/');
            apr_size_t pl = pe ? (apr_size_t)(pe - pattern) : strlen(pattern);
            apr_size_t sl = se ? (apr_size_t)(se - path) : strlen(path);
            if (pl != sl || strncmp(pattern, path, pl)) return 0;
            pattern += pl, path += sl;
        }
    }
    /* a single trailing slash on the request is tolerated */
    return !*pattern && (!*path || !strcmp(path, "/"));
}

idt_error *idt_route_match(request_rec *r, const idt_route *table, const char *path,
                           const idt_route **found, const char **args)
{
    const idt_route *rt;
    const char *allow = NULL;
    const char *method = r->header_only ? "GET" : r->method; /* HEAD is answered as GET */

    *found = NULL;
    for (rt = table; rt->method; rt++) {
        if (!match(rt->pattern, path, r->pool, args)) continue;
        if (!strcmp(rt->method, method)) {
            *found = rt;
            return NULL;
        }
        allow = allow ? apr_pstrcat(r->pool, allow, ", ", rt->method, NULL) : rt->method;
    }
    if (allow) {
        apr_table_setn(r->err_headers_out, "Allow", allow);
        return idt_err(r->pool, IDT_E_METHOD, "method %s is not allowed here; use %s", r->method,
                       allow);
    }
    return idt_err(r->pool, IDT_E_NOT_FOUND, "no such resource");
}
