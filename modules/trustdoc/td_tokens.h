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

/* Checks a list of rules in the POST body's shape; first(i) and base name the i-th
 * rule in messages before and after its -dn is known (NULL: "token-attribute-rule
 * <i+1>" and "token-attribute-rule"). *rows holds what td_tokens_store stores.
 * A -dn given twice (by key) is a 400. */
idt_error *td_tokens_collect(idt_req *q, json_t *rules, const char *const *first,
                             const char *const *base, json_t **rows);

/* Stores rows (td_tokens_collect) in document, replacing its rules of the same -dn. */
idt_error *td_tokens_store(idt_req *q, const char *document, json_t *rows);

/* The document's rules in listing order, each as GET shows it, owned by q->p. */
idt_error *td_tokens_list(idt_req *q, const char *document, json_t **out);

/* The rules part of GET /trustdocument's Result text: "\tNone", or a line per rule. */
idt_error *td_tokens_text(idt_req *q, const char *document, const char **text);

#endif
