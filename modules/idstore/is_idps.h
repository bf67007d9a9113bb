/* External identity providers: /v1/identity-stores/{id}/external-idp. */
#ifndef IS_IDPS_H
#define IS_IDPS_H

#include "is_routes.h"

idt_error *is_idp_list(idt_req *q);
idt_error *is_idp_create(idt_req *q);
idt_error *is_idp_delete(idt_req *q);
idt_error *is_idp_enable(idt_req *q);
idt_error *is_idp_disable(idt_req *q);
/* GET .../external-idp/{idp_id}: the IdP with its certificate ids and SP settings. */
idt_error *is_idp_get(idt_req *q);
/* PUT .../external-idp/{idp_id}: new settings, from metadata or idp_saml_config; the
 * certificates given (all those of metadata) replace the IdP's. Answers as GET. */
idt_error *is_idp_update(idt_req *q);

/* IDT_E_NOT_FOUND unless idp_id is an IdP of store_id; with lock, FOR UPDATE. */
idt_error *is_idp_check(idt_req *q, const char *store_id, const char *idp_id, int lock);

#endif
