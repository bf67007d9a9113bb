/* Certificates of external IdPs: /v1/identity-stores/{id}/external-idp/{idp}/certificate. */
#ifndef IS_IDP_CERTS_H
#define IS_IDP_CERTS_H

#include "idt_x509.h"
#include "is_routes.h"

idt_error *is_idp_cert_list(idt_req *q);
idt_error *is_idp_cert_import(idt_req *q);
idt_error *is_idp_cert_delete(idt_req *q);
idt_error *is_idp_cert_get(idt_req *q);

/* Parses a certificate given for an IdP (PEM or bare base64): IIC.1712..1715 errors,
 * and IDT_E_CERT_EXPIRED for one past its notAfter. what names the input in messages. */
idt_error *is_idp_cert_parse(idt_req *q, const char *text, const char *what, idt_cert **out);

/* Adds c to idp_id (inventory row + idp_certificate row + audit); IDT_E_CONFLICT when
 * the IdP already holds it. *cert_id is the new certificate_id. */
idt_error *is_idp_cert_add(idt_req *q, const char *idp_id, const idt_cert *c, const char **cert_id);

#endif
