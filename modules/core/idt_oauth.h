/* OAuth2 client credentials grant (RFC 6749 section 4.4), as a client: the token a
 * notification is sent with. The request is a form POST with the client authenticated
 * by HTTP Basic (section 2.3.1: id and secret form-encoded first); the answer is the
 * JSON of section 5.1. */
#ifndef IDT_OAUTH_H
#define IDT_OAUTH_H

#include <apr_pools.h>
#include <apr_time.h>

#include "idt_error.h"
#include "idt_http.h"

typedef struct idt_oauth_token {
    const char *access_token;
    apr_time_t expires_at; /* now + expires_in minus a margin; now + 60 s without expires_in */
} idt_oauth_token;

/* Asks endpoint for a token with scope (space-separated, may be empty). Errors are
 * IDT_E_UNAVAILABLE (no answer, or a 5xx), IDT_E_UNAUTHORIZED (400/401: the endpoint
 * refused the client or the scope; its error code is quoted) or IDT_E_INTERNAL (an
 * answer that is not a bearer token); messages never hold the secret or the token. */
idt_error *idt_oauth_client_credentials(idt_http_client *c, apr_pool_t *p, const char *endpoint,
                                        const char *client_id, const char *client_secret,
                                        const char *scope, long timeout_ms, idt_oauth_token *out);

/* The same in two steps, for a caller that runs the request among others
 * (idt_http_start): the request, filled in call (strings in p), then the token read from
 * the ended call, with the errors above. */
void idt_oauth_request(apr_pool_t *p, const char *endpoint, const char *client_id,
                       const char *client_secret, const char *scope, long timeout_ms,
                       idt_http_call *call);
idt_error *idt_oauth_answer(apr_pool_t *p, const char *endpoint, const idt_http_call *call,
                            idt_oauth_token *out);

#endif
