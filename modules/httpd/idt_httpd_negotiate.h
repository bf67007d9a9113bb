/* Content negotiation by the Accept header (RFC 9110, section 12.5.1), for APIs that
 * answer in more than one format. */
#ifndef IDT_HTTPD_NEGOTIATE_H
#define IDT_HTTPD_NEGOTIATE_H

#include <httpd.h>

/* The index in offers (media types such as "application/json", NULL-ended, the server's
 * preference first) of the one r's Accept header ranks highest: by q-value, where each
 * offer takes the q of the most specific range that matches it (type/subtype over
 * "type/ *" over "* / *", spaces added here); at equal q the offer matched by the more specific
 * range, then the earlier offer. 0 without an Accept header (or an empty one); -1 when the header
 * accepts none of the offers (every match has q=0, or nothing matches). Types compare ignoring
 * case; parameters other than q are ignored; a malformed q counts as 1. */
int idt_negotiate(request_rec *r, const char *const *offers);

/* The same for an Accept header value (NULL: none). */
int idt_negotiate_value(const char *accept, const char *const *offers);

#endif
