/* The MyID Core API's error envelope. The seed documents none; MyID's Core API is an
 * ASP.NET Core service, whose errors are RFC 7807 problem details, so that is what a
 * MyID client already reads: application/problem+json {type, title, status, detail,
 * traceId} (traceId: the mod_unique_id request id, as in the error log). */
#ifndef CI_ENVELOPE_H
#define CI_ENVELOPE_H

#include <httpd.h>

#include "idt_error.h"

int ci_render_error(request_rec *r, const idt_error *e);

#endif
