/* The server-wide ErrorDocument handler "idtrust-error": httpd's own errors raised
 * before any <Location> applies, in the envelope of the API whose URI was asked for. */
#ifndef IT_ERRORS_H
#define IT_ERRORS_H

#include <httpd.h>

#include "idt_error.h"

void it_errors_pre_config(apr_pool_t *pconf);
void it_errors_register(const char *const *prefixes,
                        int (*render_error)(request_rec *r, const idt_error *e));
int it_errors_handler(request_rec *r);

#endif
