/* The MyID Core API's certificates: import, one certificate, pages of them. */
#ifndef CI_CERTIFICATES_H
#define CI_CERTIFICATES_H

#include "idt_httpd_runner.h"

/* The inventory source of imported certificates (idtrust.certificate.source). */
#define CI_SOURCE "certimport.import"

/* The longest DN and name of a person (idtrust.ci_person's CHECK constraints), in
 * characters; the longest comparison form of its DN is IDT_DN_KEY_MAX (idt_dn.h). */
#define CI_PERSON_DN_MAX 4096
#define CI_PERSON_NAME_MAX 1024

idt_error *ci_certificate_import(idt_req *q);
idt_error *ci_certificate_get(idt_req *q);
idt_error *ci_certificate_list(idt_req *q);

/* 1 when s is a uuid in canonical lower-case form. */
int ci_is_uuid(const char *s);

#endif
