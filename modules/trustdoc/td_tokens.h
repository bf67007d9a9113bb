/* Token attribute rules: POST and GET /trust/token (the domain context, document
 * oracle-default) and /trust/token/{documentName}. A rule's -dn is an RFC 2253 DN (the
 * service side: name-id and attribute filters and mappings) or an http(s) URL (the
 * client side: name-id mapping only). */
#ifndef TD_TOKENS_H
#define TD_TOKENS_H

#include "idt_httpd_runner.h"

/* POST: stores each rule of the body, replacing the document's rule of the same -dn. */
idt_error *td_tokens_add(idt_req *q);
/* GET: the document's rules as {"token-attribute-rules": {...}}, as the seed prints them. */
idt_error *td_tokens_get(idt_req *q);

/* The rules part of GET /trustdocument's Result text: "\tNone", or a line per rule. */
idt_error *td_tokens_text(idt_req *q, const char *document, const char **text);

#endif
