#include "idt_oauth.h"

#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "idt_json.h"

/* A token is renewed this long before the endpoint said it expires. */
#define EXPIRY_MARGIN_S 30

void idt_oauth_request(apr_pool_t *p, const char *endpoint, const char *client_id,
                       const char *client_secret, const char *scope, long timeout_ms,
                       idt_http_call *call)
{
    memset(call, 0, sizeof(*call));
    call->method = "POST";
    call->url = endpoint;
    call->body = apr_pstrcat(p, "grant_type=client_credentials", scope && *scope ? "&scope=" : "",
                             scope && *scope ? idt_http_form_encode(p, scope) : "", NULL);
    call->body_len = strlen(call->body);
    call->headers = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(call->headers, const char *) = "Content-Type: application/x-www-form-urlencoded";
    APR_ARRAY_PUSH(call->headers, const char *) = "Accept: application/json";
    call->userpwd = apr_pstrcat(p, idt_http_form_encode(p, client_id ? client_id : ""), ":",
                                idt_http_form_encode(p, client_secret ? client_secret : ""), NULL);
    call->timeout_ms = timeout_ms;
}

idt_error *idt_oauth_client_credentials(idt_http_client *c, apr_pool_t *p, const char *endpoint,
                                        const char *client_id, const char *client_secret,
                                        const char *scope, long timeout_ms, idt_oauth_token *out)
{
    idt_http_call call, *calls[1] = {&call};

    idt_oauth_request(p, endpoint, client_id, client_secret, scope, timeout_ms, &call);
    idt_http_run(c, p, calls, 1);
    return idt_oauth_answer(p, endpoint, &call, out);
}

idt_error *idt_oauth_answer(apr_pool_t *p, const char *endpoint, const idt_http_call *call,
                            idt_oauth_token *out)
{
    json_t *j, *tok, *type, *exp;
    json_error_t jerr;

    memset(out, 0, sizeof(*out));
    if (!call->status)
        return idt_err(p, IDT_E_UNAVAILABLE, "token endpoint %s: no answer (%s)", endpoint,
                       call->error ? call->error : "unknown");
    j = json_loads(call->response, 0, &jerr);
    idt_json_own(p, j);
    if (call->status != 200) {
        json_t *code = json_is_object(j) ? json_object_get(j, "error") : NULL;
        const char *why = json_is_string(code) ? json_string_value(code) : "no error code";
        if (strlen(why) > 64 || strpbrk(why, "\r\n")) why = "an error code too long to quote";
        return idt_err(p, call->status >= 500 ? IDT_E_UNAVAILABLE : IDT_E_UNAUTHORIZED,
                       "token endpoint %s answered %ld (%s)", endpoint, call->status, why);
    }
    if (!json_is_object(j))
        return idt_err(p, IDT_E_INTERNAL, "token endpoint %s: the answer is not a JSON object",
                       endpoint);
    tok = json_object_get(j, "access_token");
    type = json_object_get(j, "token_type");
    exp = json_object_get(j, "expires_in");
    if (!json_is_string(tok) || !*json_string_value(tok) ||
        strpbrk(json_string_value(tok), " \t\r\n"))
        return idt_err(p, IDT_E_INTERNAL, "token endpoint %s: no usable access_token in the answer",
                       endpoint);
    if (!json_is_string(type) || strcasecmp(json_string_value(type), "bearer"))
        return idt_err(p, IDT_E_INTERNAL, "token endpoint %s: token_type is not Bearer", endpoint);
    out->access_token = apr_pstrdup(p, json_string_value(tok));
    {
        json_int_t s = json_is_integer(exp) ? json_integer_value(exp) : 60 + EXPIRY_MARGIN_S;
        if (s > 86400) s = 86400;
        s -= EXPIRY_MARGIN_S;
        if (s < 0) s = 0;
        out->expires_at = apr_time_now() + apr_time_from_sec(s);
    }
    return NULL;
}
