#include "idt_httpd_body.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "idt_httpd_error.h"

#include "idt_json.h"

static apr_off_t body_limit(request_rec *r, apr_off_t max)
{
    apr_off_t limit = ap_get_limit_req_body(r);
    return (limit > 0 && limit < max) ? limit : max;
}

idt_error *idt_httpd_read_body(request_rec *r, const char **buf, apr_size_t *len)
{
    return idt_httpd_read_body_max(r, IDT_BODY_DEFAULT_MAX, buf, len);
}

idt_error *idt_httpd_read_body_max(request_rec *r, apr_off_t max, const char **buf,
                                   apr_size_t *len)
{
    apr_off_t limit = body_limit(r, max);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_size_t got = 0, cap;
    apr_bucket_brigade *bb;
    char *data;
    int eos = 0;

    *buf = "";
    *len = 0;
    /* HTTP/1.1: without Content-Length or Transfer-Encoding there is no body */
    if (!cl && !apr_table_get(r->headers_in, "Transfer-Encoding")) return NULL;
    if (cl) {
        apr_off_t n;
        char *end;
        if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end || n < 0)
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "invalid Content-Length");
        if (n > limit)
            return idt_err(r->pool, IDT_E_TOO_LARGE,
                           "the request body is larger than %" APR_OFF_T_FMT " bytes", limit);
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    cap = 8192;
    data = apr_palloc(r->pool, cap + 1);
    while (!eos) {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);
        if (rv == AP_FILTER_ERROR) {
            /* httpd refused the body itself (e.g. a chunked body over LimitRequestBody)
             * and has already answered through ErrorDocument */
            apr_table_setn(r->notes, IDT_NOTE_SENT, "1");
            return idt_err(r->pool, IDT_E_TOO_LARGE, "the request body was refused while read");
        }
        if (rv != APR_SUCCESS)
            return idt_err(r->pool, IDT_E_BAD_REQUEST, "the request body cannot be read");
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
            const char *chunk;
            apr_size_t n;
            if (APR_BUCKET_IS_EOS(b)) {
                eos = 1;
                break;
            }
            if (apr_bucket_read(b, &chunk, &n, APR_BLOCK_READ) != APR_SUCCESS)
                return idt_err(r->pool, IDT_E_BAD_REQUEST, "the request body cannot be read");
            if ((apr_off_t)(got + n) > limit) {
                r->connection->keepalive = AP_CONN_CLOSE;
                return idt_err(r->pool, IDT_E_TOO_LARGE,
                               "the request body is larger than %" APR_OFF_T_FMT " bytes", limit);
            }
            if (got + n > cap) {
                char *bigger;
                while (got + n > cap)
                    cap *= 2;
                bigger = apr_palloc(r->pool, cap + 1);
                memcpy(bigger, data, got);
                data = bigger;
            }
            memcpy(data + got, chunk, n);
            got += n;
        }
        apr_brigade_cleanup(bb);
    }
    data[got] = '\0';
    *buf = data;
    *len = got;
    return NULL;
}

/* Whether Content-Type ct is type (any case), with or without parameters. */
static int type_is(const char *ct, const char *type)
{
    apr_size_t n = strlen(type);
    return ct && !strncasecmp(ct, type, n) && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

idt_error *idt_httpd_read_xml(request_rec *r, apr_off_t max, const char **buf, apr_size_t *len)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *semi;
    apr_size_t n;

    *buf = "";
    *len = 0;
    /* application/xml, text/xml, or any application/...+xml (RFC 7303) */
    n = ct ? ((semi = strchr(ct, ';')) ? (apr_size_t)(semi - ct) : strlen(ct)) : 0;
    while (n && ct[n - 1] == ' ')
        n--;
    if (!type_is(ct, "application/xml") && !type_is(ct, "text/xml") &&
        !(n > 16 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 4, "+xml", 4)))
        return idt_err(r->pool, IDT_E_MEDIA_TYPE, "Content-Type must be application/xml");
    return idt_httpd_read_body_max(r, max, buf, len);
}

idt_error *idt_httpd_read_json(request_rec *r, json_t **out)
{
    return idt_httpd_read_json_opts(r, 0, out);
}

idt_error *idt_httpd_read_json_opts(request_rec *r, int opts, json_t **out)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *buf;
    apr_size_t len;
    idt_error *e;

    *out = NULL;
    if (!type_is(ct, "application/json") &&
        !((opts & IDT_BODY_CURL_FORM_TYPE) && type_is(ct, "application/x-www-form-urlencoded")))
        return idt_err(r->pool, IDT_E_MEDIA_TYPE, "Content-Type must be application/json");
    if ((e = idt_httpd_read_body(r, &buf, &len))) return e;
    return idt_json_parse_object_opts(r->pool, buf, len, IDT_JSON_MAX_DEPTH,
                                      opts & ~IDT_BODY_CURL_FORM_TYPE, out);
}
