#include "idt_httpd_body.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#include "idt_json.h"

static apr_off_t body_limit(request_rec *r)
{
    apr_off_t limit = ap_get_limit_req_body(r);
    return (limit > 0 && limit < IDT_BODY_DEFAULT_MAX) ? limit : IDT_BODY_DEFAULT_MAX;
}

idt_error *idt_httpd_read_body(request_rec *r, const char **buf, apr_size_t *len)
{
    apr_off_t limit = body_limit(r);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_size_t got = 0, cap;
    char *data;
    int rc;

    *buf = "";
    *len = 0;
    if (cl) {
        apr_off_t n;
        char *end;
        if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end || n < 0)
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "invalid Content-Length");
        if (n > limit)
            return idt_err(r->pool, IDT_E_TOO_LARGE,
                           "the request body is larger than %" APR_OFF_T_FMT " bytes", limit);
    }
    rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);
    if (rc == HTTP_REQUEST_ENTITY_TOO_LARGE)
        return idt_err(r->pool, IDT_E_TOO_LARGE,
                       "the request body is larger than %" APR_OFF_T_FMT " bytes", limit);
    if (rc != OK) return idt_err(r->pool, IDT_E_BAD_REQUEST, "the request body cannot be read");
    if (!ap_should_client_block(r)) return NULL;

    cap = 8192;
    data = apr_palloc(r->pool, cap + 1);
    for (;;) {
        long n;
        if (got == cap) {
            char *bigger;
            cap = cap * 2 > (apr_size_t)limit + 1 ? (apr_size_t)limit + 1 : cap * 2;
            bigger = apr_palloc(r->pool, cap + 1);
            memcpy(bigger, data, got);
            data = bigger;
        }
        n = ap_get_client_block(r, data + got, cap - got);
        if (n == 0) break;
        if (n < 0) {
            if (r->status == HTTP_REQUEST_ENTITY_TOO_LARGE)
                return idt_err(r->pool, IDT_E_TOO_LARGE,
                               "the request body is larger than %" APR_OFF_T_FMT " bytes", limit);
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "the request body cannot be read");
        }
        got += (apr_size_t)n;
        if ((apr_off_t)got > limit) {
            /* drain nothing more: the connection is closed after the response */
            r->connection->keepalive = AP_CONN_CLOSE;
            return idt_err(r->pool, IDT_E_TOO_LARGE,
                           "the request body is larger than %" APR_OFF_T_FMT " bytes", limit);
        }
    }
    data[got] = '\0';
    *buf = data;
    *len = got;
    return NULL;
}

idt_error *idt_httpd_read_json(request_rec *r, json_t **out)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *buf;
    apr_size_t len;
    idt_error *e;

    *out = NULL;
    if (!ct || strncasecmp(ct, "application/json", 16) || (ct[16] && ct[16] != ';' && ct[16] != ' '))
        return idt_err(r->pool, IDT_E_MEDIA_TYPE, "Content-Type must be application/json");
    if ((e = idt_httpd_read_body(r, &buf, &len))) return e;
    return idt_json_parse_object(r->pool, buf, len, IDT_JSON_MAX_DEPTH, out);
}
