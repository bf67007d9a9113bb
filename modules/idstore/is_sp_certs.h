/* SAML service-provider signing certificates: /v1/identity-stores/{id}/saml-certificates. */
#ifndef IS_SP_CERTS_H
#define IS_SP_CERTS_H

#include "is_routes.h"

idt_error *is_sp_list(idt_req *q);
idt_error *is_sp_create(idt_req *q);
idt_error *is_sp_activate(idt_req *q);
idt_error *is_sp_delete(idt_req *q);
idt_error *is_sp_get(idt_req *q);

/* Makes a signing key and self-signed certificate for store_id in state ("ACTIVE" or
 * "INACTIVE"), the key encrypted at rest; *cert_id is the new "cer-..." id. Runs in
 * the caller's transaction. */
idt_error *is_sp_cert_new(idt_req *q, const char *store_id, const char *state,
                          const char **cert_id);

/* The ACTIVE certificate of store_id as one-line base64 DER (for SP metadata). */
idt_error *is_sp_active_b64(idt_req *q, const char *store_id, const char **b64);

#endif
