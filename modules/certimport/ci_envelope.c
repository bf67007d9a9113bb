#include "ci_envelope.h"

#include <apr_strings.h>
#include <http_protocol.h>
#include <jansson.h>

#include "idt_httpd_error.h"
#include "idt_json.h"

int ci_render_error(request_rec *r, const idt_error *e)
{
    json_t *body = idt_json_own(r->pool, json_object());
    json_t *msg = json_string(e->msg);
    const char *title = ap_get_status_line(e->status);

    /* "400 Bad Request" -> "Bad Request" */
    if (title && strlen(title) > 4) title += 4;
    json_object_set_new(body, "type", json_string("about:blank"));
    json_object_set_new(body, "title", json_string(title ? title : "Error"));
    json_object_set_new(body, "status", json_integer(e->status));
    json_object_set_new(body, "detail", msg ? msg : json_string("the request failed"));
    json_object_set_new(body, "traceId", json_string(idt_httpd_request_id(r)));
    return idt_httpd_send(r, e->status, "application/problem+json;charset=UTF-8",
                          idt_json_dump(r->pool, body, JSON_COMPACT));
}
