/* The suite's own read API for people who would rather not write SQL:
 * GET /idtrust/v1/audit and GET /idtrust/v1/certificates. */
#ifndef IT_LISTS_H
#define IT_LISTS_H

#include "idt_httpd_runner.h"

idt_error *it_audit_list(idt_req *q);
idt_error *it_certificate_list(idt_req *q);

#endif
