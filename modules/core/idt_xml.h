/* The one way the suite reads XML (SAML metadata, OWSM trust documents, SSO metadata):
 * bytes in, a libxml2 tree owned by an APR pool out, under limits that bound the CPU
 * and memory a hostile document can cost.
 *
 * Rules, each violation being IDT_E_XML (400) unless said otherwise:
 *   - UTF-8 only (an optional UTF-8 byte order mark; any encoding declaration is
 *     ignored), only characters XML 1.0 allows;
 *   - no DOCTYPE at all, hence no entity declarations, no entity expansion and no
 *     external DTD; no network access;
 *   - the limits of idt_xml_limits, checked by a linear scan of the bytes before
 *     libxml2 sees them: libxml2 checks attribute names for duplicates in time
 *     quadratic in their number before any callback runs, so a limit enforced on its
 *     tree would come too late;
 *   - no private key (idt_text_has_private_key): not in the bytes, checked first, and
 *     not in any text of the tree (an element's text and CDATA children joined,
 *     attribute values, both after character references are decoded; processing
 *     instructions): IDT_E_PRIVATE_KEY (400).
 * Messages name the rule or limit broken (and a line number), never the input. The
 * parser writes nothing to stderr or to any thread-global error handler, and is never
 * torn down with xmlCleanupParser: it runs inside a multi-threaded httpd. */
#ifndef IDT_XML_H
#define IDT_XML_H

#include <apr_pools.h>
#include <libxml/tree.h>

#include "idt_error.h"

/* Defaults, chosen for SAML metadata of one entity and OWSM trust documents, whose real
 * instances stay far below them (a Shibboleth IdP's metadata: ~10 kB, ~100 elements,
 * depth 8, under 10 attributes an element), while bounding a hostile document's cost
 * to a few tens of milliseconds. */
#define IDT_XML_MAX_SIZE (1024 * 1024) /* bytes of the whole document */
#define IDT_XML_MAX_DEPTH 64           /* levels of element nesting, the root being 1 */
#define IDT_XML_MAX_ELEMENTS 100000    /* elements in the document */
#define IDT_XML_MAX_ATTRIBUTES 256     /* attributes of one element, xmlns ones included */
#define IDT_XML_MAX_NAMESPACES 64      /* namespace declarations in scope at one element */
#define IDT_XML_MAX_NAME 1024          /* bytes of an element, attribute or PI target name */
#define IDT_XML_MAX_TEXT                                                                           \
    (256 * 1024) /* bytes of one text run, attribute value, CDATA                                  \
                    section, comment or processing instruction */

/* Limits of one parse. A field left 0 takes the default above, so a caller names only
 * what it wants tighter (or looser): idt_xml_limits l = {.max_size = 64 * 1024}. Text
 * limits are measured on the document's bytes, before references are decoded. */
typedef struct idt_xml_limits {
    apr_size_t max_size;
    int max_depth;
    int max_elements;
    int max_attributes;
    int max_namespaces;
    apr_size_t max_name;
    apr_size_t max_text;
} idt_xml_limits;

/* Parses xml[0..len) (need not be NUL-terminated) under the rules above; limits may be
 * NULL for the defaults. On success *doc is a document with a root element, freed when
 * p is cleared or destroyed; on error *doc is NULL. */
idt_error *idt_xml_parse(apr_pool_t *p, const char *xml, apr_size_t len,
                         const idt_xml_limits *limits, xmlDocPtr *doc);

/* The scan alone (limits, characters, DOCTYPE, lexical structure), without building a
 * tree or looking for private keys: what idt_xml_parse runs after the raw private-key
 * check. For benchmarks and fuzzing. */
idt_error *idt_xml_prescan(apr_pool_t *p, const char *xml, apr_size_t len,
                           const idt_xml_limits *limits);

#endif
