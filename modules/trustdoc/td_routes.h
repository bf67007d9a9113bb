/* mod_trustdoc's routes, under both prefixes of the OWSM API. */
#ifndef TD_ROUTES_H
#define TD_ROUTES_H

#include "idt_httpd_runner.h"

extern const idt_route td_routes[];

/* The document the domain context of /trust/issuers stands for (schema/008). */
#define TD_DOMAIN_DOCUMENT "oracle-default"

#endif
