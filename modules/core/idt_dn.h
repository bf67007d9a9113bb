/* Distinguished names as text: the canonical form two DNs are compared by.
 *
 * Trust lists hold DNs as people type them ("CN=orakey, OU=Orakey,O=Oracle, C=US") and
 * as tools print them ("cn=orakey,ou=orakey,o=oracle,c=US"); both name one subject.
 * OpenSSL parses no RFC 2253 string, so the comparison is by a documented canonical
 * form (docs/trustdoc.md#dns) rather than through X509_NAME. */
#ifndef IDT_DN_H
#define IDT_DN_H

#include <apr_pools.h>

#include "idt_error.h"

/* The canonical form of dn, allocated from p:
 * - text with no unescaped '=' (a bare name such as "wls1") is kept whole: spaces at
 *   either end dropped, runs of white space made one space, ASCII letters lower-case;
 * - otherwise an RFC 2253 / 4514 DN: RDNs split at unescaped ',' (or ';'), AVAs at
 *   unescaped '+'; each attribute type upper-case, with the usual OIDs and aliases
 *   named (2.5.4.3 and OID.2.5.4.3 are CN, E is EMAILADDRESS, S is ST); each value
 *   with its escapes decoded, white space at either end dropped, inner runs made one
 *   space, ASCII lower-case, then written with , + " \ < > ; = escaped; the AVAs of a
 *   multi-valued RDN sorted; RDNs joined by ',' in their given order;
 * - the result in Unicode normalization form C.
 * IDT_E_BAD_REQUEST when dn is empty or blank, is not UTF-8, holds a NUL, a control
 * character other than white space or a Unicode non-character (idt_text_check), or is not
 * a DN although it has an '=' (an RDN without '=', an empty type, a bad escape, an escape
 * that decodes to any of those characters: "CN=Victim\00evil" is refused, never read as
 * "CN=Victim"). */
idt_error *idt_dn_key(apr_pool_t *p, const char *dn, const char **key);

/* The longest canonical form a unique index of DN keys can hold: PostgreSQL caps a btree
 * entry at 2,704 bytes (fewer when it cannot compress it), so a longer key would fail in
 * the database (500) rather than as a 400 naming the DN. */
#define IDT_DN_KEY_MAX 2600

#endif
