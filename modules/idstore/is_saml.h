/* The SAML service provider an identity store is: its settings (hws_sp_saml_config),
 * its metadata served at /saml/{id} and /saml/{id}/metadata without credentials, and
 * its assertion consumer service URL, which is named but consumes nothing here. */
#ifndef IS_SAML_H
#define IS_SAML_H

#include "is_routes.h"

/* GET /saml/{id} and /saml/{id}/metadata: the SP metadata with the store's ACTIVE
 * signing certificate, as application/samlmetadata+xml. */
idt_error *is_saml_metadata(idt_req *q);

/* /saml/{id}/acs, any method: 404 in the envelope, saying why. */
idt_error *is_saml_acs(idt_req *q);

/* hws_sp_saml_config {acs_url, issuer, metadata} of store_id (which must exist). */
idt_error *is_sp_saml_config(idt_req *q, const char *store_id, json_t **out);

/* Where clients and IdPs reach this server: IdstorePublicURL, else the scheme, host
 * and port of the request (as UseCanonicalName resolves them). */
const char *is_public_url(request_rec *r, const is_config *c);

#endif
