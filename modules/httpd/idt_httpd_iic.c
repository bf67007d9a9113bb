#include "idt_httpd_iic.h"

#include <stdlib.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include <jansson.h>

#include "idt_httpd_error.h"
#include "idt_json.h"

const char *idt_iic_code(idt_kind kind)
{
    switch (kind) {
    case IDT_E_BAD_REQUEST:
        return "IIC.400";
    case IDT_E_UNAUTHORIZED:
        return "IIC.401";
    case IDT_E_FORBIDDEN:
        return "IIC.403";
    case IDT_E_NOT_FOUND:
        return "IIC.404";
    case IDT_E_METHOD:
        return "IIC.405";
    case IDT_E_CONFLICT:
        return "IIC.409";
    case IDT_E_TOO_LARGE:
        return "IIC.413";
    case IDT_E_MEDIA_TYPE:
        return "IIC.415";
    case IDT_E_URI_TOO_LONG:
        return "IIC.414";
    case IDT_E_CERT_DECODE:
        return "IIC.1712";
    case IDT_E_CERT_CHAIN:
        return "IIC.1713";
    case IDT_E_CERT_EXPIRED:
        return "IIC.1714";
    case IDT_E_PRIVATE_KEY:
        return "IIC.1715";
    case IDT_E_XML:
        return "IIC.1716";
    case IDT_E_TOO_MANY:
        return "IIC.429";
    case IDT_E_UNAVAILABLE:
        return "IIC.503";
    case IDT_E_INTERNAL:
        return "IIC.500";
    }
    return "IIC.500";
}

/* Says which request was refused, base64-encoded as the API's encoded message. */
static const char *authorization_message(request_rec *r)
{
    request_rec *orig = r->prev ? r->prev : r;
    json_t *m = idt_json_own(r->pool, json_object());
    const char *text;
    char *enc;
    json_t *uri = json_string(orig->uri);
    /* an ErrorDocument redirect turns the refused request into a GET; httpd keeps the
     * method it had in REQUEST_METHOD */
    const char *method = r->prev ? apr_table_get(orig->subprocess_env, "REQUEST_METHOD") : NULL;

    json_object_set_new(m, "user", orig->user ? json_string(orig->user) : json_null());
    json_object_set_new(m, "method", json_string(method ? method : orig->method));
    json_object_set_new(m, "resource", uri ? uri : json_null());
    json_object_set_new(m, "decision", json_string("deny"));
    text = idt_json_dump(r->pool, m, JSON_COMPACT);
    enc = apr_palloc(r->pool, apr_base64_encode_len(strlen(text)));
    apr_base64_encode(enc, text, strlen(text));
    return enc;
}

int idt_iic_render_error(request_rec *r, const idt_error *e)
{
    json_t *body = idt_json_own(r->pool, json_object());
    json_t *msg = json_string(e->msg);

    json_object_set_new(body, "error_code", json_string(idt_iic_code(e->kind)));
    /* messages are ours, but may quote a member name: never fail on bad UTF-8 */
    json_object_set_new(body, "error_msg", msg ? msg : json_string("the request failed"));
    json_object_set_new(body, "request_id", json_string(idt_httpd_request_id(r)));
    if (e->status == HTTP_FORBIDDEN)
        json_object_set_new(body, "encoded_authorization_message",
                            json_string(authorization_message(r)));
    return idt_httpd_send(r, e->status, "application/json;charset=UTF-8",
                          idt_json_dump(r->pool, body, JSON_COMPACT));
}
