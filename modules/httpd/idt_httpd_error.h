/* Request ids and the edge where errors are logged and rendered. */
#ifndef IDT_HTTPD_ERROR_H
#define IDT_HTTPD_ERROR_H

#include <httpd.h>
#include <http_log.h>

#include "idt_error.h"

/* Set in r->notes when a request failed because the repository is unreachable, so
 * the error document answers 503 instead of the 500 httpd raised. */
#define IDT_NOTE_UNAVAILABLE "idtrust-unavailable"

/* Set in r->notes by the authn provider when the login is refused because its user
 * name and client address are locked out after failed logins: the seconds left. The
 * error document answers 429 with Retry-After instead of the 500 httpd raised. */
#define IDT_NOTE_THROTTLED "idtrust-throttled"

/* Set in r->notes when httpd has already answered the request with an error of its
 * own (through ErrorDocument), so the handler must not answer again. */
#define IDT_NOTE_SENT "idtrust-error-sent"

/* mod_unique_id's UNIQUE_ID (kept across ErrorDocument redirects), or r->log_id. */
const char *idt_httpd_request_id(request_rec *r);

/* Logs e once: 5xx at error level with err->detail, 4xx at info level; the line
 * carries the request id and the module's message tag. Never logs request bodies. */
void idt_httpd_log_error(request_rec *r, int module_index, const char *tag, const idt_error *e);

/* For an ErrorDocument handler: the error httpd raised on the original request
 * (401, 403, 413, ...), as a value, or NULL when r is not an error redirect. */
idt_error *idt_httpd_redirected_error(request_rec *r);

/* Sets status, Content-Type and writes body; Retry-After on 503, and on 429 when
 * IDT_NOTE_THROTTLED is in r->notes or the original request's notes. Returns OK (or
 * DONE for HEAD/no body) for the handler to return. */
int idt_httpd_send(request_rec *r, int status, const char *content_type, const char *body);

#endif
