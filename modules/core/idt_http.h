/* Outbound HTTP through libcurl: requests run at once on one multi handle, whose
 * connection cache keeps connections to a receiver open from one batch to the next.
 * A caller either runs a set of calls and waits for all of them (idt_http_run), or starts
 * calls one by one and moves them all on in a loop of its own (idt_http_start,
 * idt_http_perform), so a call that waits for its timeout holds back no other.
 * http:// and https:// only, no redirects followed, no proxy from the environment,
 * certificates verified against the system's CAs. Every CURL handle is released by a
 * cleanup of the pool it was made in. */
#ifndef IDT_HTTP_H
#define IDT_HTTP_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "idt_error.h"

/* What is kept of a response body (an error answer quoted in last_error, a token). */
#define IDT_HTTP_MAX_RESPONSE (64 * 1024)

typedef struct idt_http_client idt_http_client;

typedef struct idt_http_call {
    /* in */
    const char *method;          /* POST, PUT, PATCH, GET */
    const char *url;
    apr_array_header_t *headers; /* of const char *, "Name: value"; may be NULL */
    const char *body;            /* may be NULL */
    apr_size_t body_len;
    long timeout_ms;             /* the whole exchange, connection included */
    const char *userpwd;         /* "user:password" for HTTP Basic, or NULL */
    /* out */
    long status;                 /* the response's status, 0 when none came */
    const char *error;           /* why no response came (curl's words), or NULL */
    const char *response;        /* the body, at most IDT_HTTP_MAX_RESPONSE bytes, NUL-ended */
    apr_size_t response_len;
} idt_http_call;

/* A client whose connections live as long as p. NULL when libcurl cannot start. */
idt_http_client *idt_http_client_create(apr_pool_t *p);

/* Runs the n calls concurrently and waits for all of them (each within its timeout);
 * call-level failures go to each call's status/error. Results live in p. Calls started
 * with idt_http_start move on meanwhile, and their done functions are called. */
void idt_http_run(idt_http_client *c, apr_pool_t *p, idt_http_call **calls, int n);

/* What idt_http_perform calls when a started call has ended (status, or error). */
typedef void idt_http_done_fn(idt_http_call *call, void *baton);

/* Starts call on c and returns at once; idt_http_perform moves it on and calls
 * done(call, baton) when it has ended. The transfer and the results live in p: destroying
 * p before then stops it, and done is not called. An error (call->error says the same)
 * when it cannot start; done is then not called either. */
idt_error *idt_http_start(idt_http_client *c, apr_pool_t *p, idt_http_call *call,
                          idt_http_done_fn *done, void *baton);

/* Moves every started call of c on, waiting at most wait_ms for one to have something to
 * do, and calls the done function of each that ended (a done function may start new
 * calls). The number of calls still running. */
int idt_http_perform(idt_http_client *c, long wait_ms);

/* application/x-www-form-urlencoded encoding of s (RFC 6749 appendix B). */
const char *idt_http_form_encode(apr_pool_t *p, const char *s);

#endif
