/* mod_ssoadmin's routes: every method on /sso-api/{*}; the path after the prefix is
 * parsed here (sa_uri) and handed to the object, link, policy or metadata code. */
#ifndef SA_ROUTES_H
#define SA_ROUTES_H

#include "idt_httpd_runner.h"

#define SA_PREFIX "/sso-api"

extern const idt_route sa_routes[];

#endif
