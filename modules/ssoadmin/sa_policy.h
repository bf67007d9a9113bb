/* Authorization policy data: POST /policy/{path} with group, name and value adds an
 * attribute (name = value, a Java EL expression such as ${user.mail}) that the policy
 * gives the members of the group, as a policy item of the policy linked to the group. */
#ifndef SA_POLICY_H
#define SA_POLICY_H

#include "idt_httpd_runner.h"
#include "sa_uri.h"

idt_error *sa_policy_post(idt_req *q, const sa_uri *u);

#endif
