/* mod_certimport's two APIs: the MyID Core API under /rest.core/api, and its part of
 * the suite's admin API under /idtrust/v1. */
#ifndef CI_ROUTES_H
#define CI_ROUTES_H

#include "idt_httpd_runner.h"

extern const idt_route ci_core_routes[];
extern const idt_route ci_admin_routes[];

#endif
