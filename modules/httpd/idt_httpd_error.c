#include "idt_httpd_error.h"

#include <stdlib.h>
#include <apr_strings.h>
#include <http_protocol.h>

/* Seconds a client should wait before retrying while the repository is unreachable. */
#define IDT_RETRY_AFTER "5"

const char *idt_httpd_request_id(request_rec *r)
{
    const char *id = apr_table_get(r->subprocess_env, "UNIQUE_ID");
    if (!id && r->prev) id = apr_table_get(r->subprocess_env, "REDIRECT_UNIQUE_ID");
    if (!id) id = r->log_id;
    return id ? id : "-";
}

void idt_httpd_log_error(request_rec *r, int module_index, const char *tag, const idt_error *e)
{
    int level = e->status >= 500 ? APLOG_ERR : APLOG_INFO;

    ap_log_rerror_(__FILE__, __LINE__, module_index, level, 0, r, "%s: request %s: %d %s%s%s", tag,
                   idt_httpd_request_id(r), e->status, e->msg, e->detail ? ": " : "",
                   e->detail ? e->detail : "");
}

idt_error *idt_httpd_redirected_error(request_rec *r)
{
    const char *st = apr_table_get(r->subprocess_env, "REDIRECT_STATUS");
    int status;

    if (!r->prev || !st) return NULL;
    status = atoi(st);
    if (status == HTTP_INTERNAL_SERVER_ERROR && apr_table_get(r->prev->notes, IDT_NOTE_UNAVAILABLE))
        status = HTTP_SERVICE_UNAVAILABLE;
    if (status == HTTP_INTERNAL_SERVER_ERROR && apr_table_get(r->prev->notes, IDT_NOTE_THROTTLED))
        status = HTTP_TOO_MANY_REQUESTS;
    switch (status) {
    case HTTP_UNAUTHORIZED:
        return idt_err(r->pool, IDT_E_UNAUTHORIZED,
                       "authentication required: send valid credentials");
    case HTTP_FORBIDDEN:
        return idt_err(r->pool, IDT_E_FORBIDDEN, "the account is not allowed to do this");
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return idt_err(r->pool, IDT_E_TOO_LARGE, "the request body is too large");
    case HTTP_NOT_FOUND:
        return idt_err(r->pool, IDT_E_NOT_FOUND, "no such resource");
    case HTTP_METHOD_NOT_ALLOWED:
        return idt_err(r->pool, IDT_E_METHOD, "method not allowed");
    case HTTP_SERVICE_UNAVAILABLE:
        return idt_err(r->pool, IDT_E_UNAVAILABLE, "the service is unavailable; retry later");
    case HTTP_TOO_MANY_REQUESTS:
        if (!apr_table_get(r->prev->notes, IDT_NOTE_THROTTLED))
            return idt_err(r->pool, IDT_E_TOO_MANY, "too many requests; retry later");
        return idt_err(r->pool, IDT_E_TOO_MANY,
                       "too many failed logins for this user from this address; retry after "
                       "%s seconds",
                       apr_table_get(r->prev->notes, IDT_NOTE_THROTTLED));
    case HTTP_BAD_REQUEST:
        return idt_err(r->pool, IDT_E_BAD_REQUEST,
                       "the request is malformed: its request line, a header or its "
                       "Content-Length is invalid or too long");
    case HTTP_REQUEST_URI_TOO_LARGE:
        return idt_err(r->pool, IDT_E_URI_TOO_LONG, "the request line is too long");
    default: {
        idt_error *e = idt_err(r->pool, status >= 500 ? IDT_E_INTERNAL : IDT_E_BAD_REQUEST,
                               "the request failed");
        e->status = status >= 400 && status < 600 ? status : 500;
        return e;
    }
    }
}

int idt_httpd_send(request_rec *r, int status, const char *content_type, const char *body)
{
    r->status = status;
    ap_set_content_type(r, content_type);
    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->err_headers_out, "Retry-After", IDT_RETRY_AFTER);
    if (status == HTTP_TOO_MANY_REQUESTS) {
        const char *secs = apr_table_get(r->notes, IDT_NOTE_THROTTLED);
        if (!secs && r->prev) secs = apr_table_get(r->prev->notes, IDT_NOTE_THROTTLED);
        if (secs) apr_table_setn(r->err_headers_out, "Retry-After", secs);
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (body) {
        ap_set_content_length(r, strlen(body));
        if (!r->header_only) ap_rputs(body, r);
    }
    return OK;
}
