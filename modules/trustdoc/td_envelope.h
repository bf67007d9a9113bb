/* The OWSM envelope: {"STATUS": "Succeeded", "Result": ...} and
 * {"STATUS": "Failed", "ERROR_CODE": ..., "ERROR_MSG": ..., "REQUEST_ID": ...}. */
#ifndef TD_ENVELOPE_H
#define TD_ENVELOPE_H

#include <httpd.h>

#include "idt_httpd_runner.h"

/* ERROR_CODE of an error kind: "TD.<HTTP status>". */
const char *td_error_code(apr_pool_t *p, const idt_error *e);

/* Writes e in the envelope with its HTTP status (the runner has logged it). */
int td_render_error(request_rec *r, const idt_error *e);

/* A 200 {"STATUS": "Succeeded"} answer, with "Result": result unless it is NULL. */
void td_succeeded(idt_req *q, const char *result);

#endif
