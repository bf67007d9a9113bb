/* $attribute/metadata of applications: the agent metadata (OAuth2 client metadata as JSON,
 * or SAML 2.0 SP metadata as XML) and the client credentials it comes with. The secret is
 * made from OpenSSL's RAND_bytes, answered once, and stored as a bcrypt hash only. */
#ifndef SA_METADATA_H
#define SA_METADATA_H

#include "idt_httpd_runner.h"
#include "sa_uri.h"

/* GET: the metadata as stored (its own media type); PUT: sets it (201, with the redirect
 * URLs, client id and client secret); DELETE: removes it and the credentials. */
idt_error *sa_metadata(idt_req *q, const sa_uri *u);

#endif
