#include "it_errors.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <http_log.h>
#include <http_protocol.h>

#include "idt_httpd_error.h"
#include "idt_json.h"

APLOG_USE_MODULE(idtrust);

typedef struct api {
    const char *const *prefixes;
    int (*render_error)(request_rec *r, const idt_error *e);
} api;

/* The APIs of this configuration generation (rebuilt on every restart). */
static apr_array_header_t *apis;

void it_errors_pre_config(apr_pool_t *pconf)
{
    apis = apr_array_make(pconf, 4, sizeof(api));
}

void it_errors_register(const char *const *prefixes,
                        int (*render_error)(request_rec *r, const idt_error *e))
{
    api *a;
    if (!apis || !prefixes || !render_error) return;
    a = apr_array_push(apis);
    a->prefixes = prefixes;
    a->render_error = render_error;
}

/* The path the client asked for: httpd may have refused the request before it set
 * r->uri (a request line too long or malformed), so fall back to the request line. */
static const char *asked_path(request_rec *orig)
{
    const char *line, *sp;
    if (orig->uri && *orig->uri) return orig->uri;
    if (orig->unparsed_uri && *orig->unparsed_uri) return orig->unparsed_uri;
    line = orig->the_request;
    if (!line || !(sp = strchr(line, ' '))) return "";
    return sp + 1;
}

static const api *api_for(const char *path)
{
    int i;
    for (i = 0; apis && i < apis->nelts; i++) {
        const api *a = &APR_ARRAY_IDX(apis, i, api);
        const char *const *p;
        for (p = a->prefixes; *p; p++) {
            apr_size_t n = strlen(*p);
            if (!strncmp(path, *p, n) && strchr("/? \0", path[n])) return a;
        }
    }
    return NULL;
}

int it_errors_handler(request_rec *r)
{
    idt_error *e;
    const api *a;
    json_t *body;

    if (!r->handler || strcmp(r->handler, "idtrust-error")) return DECLINED;
    e = idt_httpd_redirected_error(r);
    if (!e) e = idt_err(r->pool, IDT_E_NOT_FOUND, "no such resource");
    idt_httpd_log_error(r, APLOG_MODULE_INDEX, "IT00060", e);
    a = api_for(asked_path(r->prev ? r->prev : r));
    if (a) return a->render_error(r, e);
    /* no API of the suite lives there: the same members, with the bare status */
    body = idt_json_own(r->pool,
                        json_pack("{s:s, s:s, s:s}", "error_code", apr_itoa(r->pool, e->status),
                                  "error_msg", e->msg, "request_id", idt_httpd_request_id(r)));
    return idt_httpd_send(r, e->status, "application/json;charset=UTF-8",
                          idt_json_dump(r->pool, body, JSON_COMPACT));
}
