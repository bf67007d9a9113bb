/* Trusted issuers and their DN lists, per token type: POST, GET and DELETE
 * /trust/issuers (the domain context, document oracle-default) and
 * /trust/issuers/{documentName}. */
#ifndef TD_ISSUERS_H
#define TD_ISSUERS_H

#include "idt_httpd_runner.h"

/* POST: adds the issuers and DNs of the body to the document (a merge: nothing is
 * replaced or removed). */
idt_error *td_issuers_add(idt_req *q);
/* GET: the document's issuers as {"saml-trusted-dns": {...}}, as the seed prints it. */
idt_error *td_issuers_get(idt_req *q);
/* DELETE ?tokenType=&issuer=[&dn=]: removes one DN of an issuer, or the issuer. */
idt_error *td_issuers_delete(idt_req *q);

/* The issuers part of GET /trustdocument's Result text: "\tNone", or a line per issuer
 * and a line per DN. */
idt_error *td_issuers_text(idt_req *q, const char *document, const char **text);

#endif
