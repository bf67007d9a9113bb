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

/* Checks one issuer object {"-name": ..., "dn": [...]} (a bare dn string is a list of
 * one) of token type (saml.hok, saml.sv, jwt), where naming it in messages; appends
 * [type, name] to issuers and [type, name, dn, dn key] to dns. No database work. */
idt_error *td_issuer_collect(idt_req *q, const char *type, const char *where, json_t *issuer,
                             json_t *issuers, json_t *dns);

/* Adds what td_issuer_collect gathered to document in two statements: issuers that
 * exist keep their place and DN list, DNs already trusted (by key) are skipped;
 * *ndns is the number of DNs added. */
idt_error *td_issuers_store(idt_req *q, const char *document, json_t *issuers, json_t *dns,
                            int *ndns);

/* The document's issuers in listing order as [{"tokentype", "-name", "dn": [...]}]
 * (the shape of idt_trust_xml), owned by q->p. */
idt_error *td_issuers_list(idt_req *q, const char *document, json_t **out);

/* The issuers part of GET /trustdocument's Result text: "\tNone", or a line per issuer
 * and a line per DN. */
idt_error *td_issuers_text(idt_req *q, const char *document, const char **text);

#endif
