/* /idtrust/v1/external-systems: the external systems notified of added certificates. */
#ifndef CI_SYSTEMS_H
#define CI_SYSTEMS_H

#include "idt_httpd_runner.h"

/* The AAD of a sealed client secret (idt_seal): the column it belongs to. */
#define CI_SECRET_PURPOSE "idtrust.ci_external_system.client_secret"

idt_error *ci_system_create(idt_req *q);
idt_error *ci_system_list(idt_req *q);
idt_error *ci_system_get(idt_req *q);
idt_error *ci_system_update(idt_req *q);
idt_error *ci_system_delete(idt_req *q);

#endif
