/* /idtrust/v1/certificate-policies: the certificate policies imports name, and which
 * external systems each notifies. */
#ifndef CI_POLICIES_H
#define CI_POLICIES_H

#include "idt_httpd_runner.h"

idt_error *ci_policy_create(idt_req *q);
idt_error *ci_policy_list(idt_req *q);
idt_error *ci_policy_get(idt_req *q);
idt_error *ci_policy_update(idt_req *q);
idt_error *ci_policy_delete(idt_req *q);

#endif
