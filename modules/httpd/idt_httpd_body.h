/* The one body reader: content type, size (LimitRequestBody, capped) and JSON depth. */
#ifndef IDT_HTTPD_BODY_H
#define IDT_HTTPD_BODY_H

#include <httpd.h>
#include <jansson.h>

#include "idt_error.h"

/* Cap on a body when LimitRequestBody leaves it unlimited. */
#define IDT_BODY_DEFAULT_MAX (1024 * 1024)
/* JSON deeper than this is refused before it is parsed. */
#define IDT_JSON_MAX_DEPTH 32

/* Reads the whole body, at most LimitRequestBody bytes (IDT_BODY_DEFAULT_MAX when
 * unset): IDT_E_TOO_LARGE beyond, whether announced by Content-Length or found while
 * reading a chunked body. The buffer is NUL-terminated and owned by r->pool. */
idt_error *idt_httpd_read_body(request_rec *r, const char **buf, apr_size_t *len);

/* idt_httpd_read_body with max in place of IDT_BODY_DEFAULT_MAX: at most
 * LimitRequestBody bytes, and never more than max. For the bodies that are larger by
 * nature (a trust document import). */
idt_error *idt_httpd_read_body_max(request_rec *r, apr_off_t max, const char **buf,
                                   apr_size_t *len);

/* Reads an XML body of at most max bytes (as idt_httpd_read_body_max):
 * IDT_E_MEDIA_TYPE unless Content-Type is application/xml, text/xml or
 * application/...+xml. The bytes are not parsed: that is idt_xml_parse's work. */
idt_error *idt_httpd_read_xml(request_rec *r, apr_off_t max, const char **buf, apr_size_t *len);

/* Reads a JSON object body: IDT_E_MEDIA_TYPE unless Content-Type is
 * application/json (any parameters, any case), then idt_json_parse_object. */
idt_error *idt_httpd_read_json(request_rec *r, json_t **out);

/* An option of idt_httpd_read_json_opts: also take a JSON body sent as
 * application/x-www-form-urlencoded, the type curl gives --data without -H, for the APIs
 * whose documented curl examples send JSON that way. */
#define IDT_BODY_CURL_FORM_TYPE 0x100

/* idt_httpd_read_json with idt_json_parse_object_opts options (IDT_JSON_*) and
 * IDT_BODY_CURL_FORM_TYPE. */
idt_error *idt_httpd_read_json_opts(request_rec *r, int opts, json_t **out);

#endif
