#include "td_envelope.h"

#include <apr_strings.h>
#include <jansson.h>

#include "idt_httpd_error.h"
#include "idt_json.h"

const char *td_error_code(apr_pool_t *p, const idt_error *e)
{
    return apr_psprintf(p, "TD.%d", e->status);
}

int td_render_error(request_rec *r, const idt_error *e)
{
    json_t *body = idt_json_own(r->pool, json_object());
    json_t *msg = json_string(e->msg);

    json_object_set_new(body, "STATUS", json_string("Failed"));
    json_object_set_new(body, "ERROR_CODE", json_string(td_error_code(r->pool, e)));
    /* messages are ours, but may quote a member name: never fail on bad UTF-8 */
    json_object_set_new(body, "ERROR_MSG", msg ? msg : json_string("the request failed"));
    json_object_set_new(body, "REQUEST_ID", json_string(idt_httpd_request_id(r)));
    return idt_httpd_send(r, e->status, "application/json;charset=UTF-8",
                          idt_json_dump(r->pool, body, JSON_COMPACT));
}

void td_succeeded(idt_req *q, const char *result)
{
    json_t *body = json_object();
    json_object_set_new(body, "STATUS", json_string("Succeeded"));
    if (result) {
        json_t *s = json_string(result);
        json_object_set_new(body, "Result", s ? s : json_string("done"));
    }
    idt_reply(q, 200, body);
}
