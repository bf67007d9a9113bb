/* libFuzzer harness for idt_xml_parse (modules/core/idt_xml.c): the entry point of
 * every XML the suite reads. Built and run by scripts/fuzz/run.
 *
 * The inputs are parsed under small limits (4 attributes, 40 elements, depth 6, 3
 * namespaces in scope, names of 16 bytes, text of 64 bytes) so that the fuzzer reaches
 * every limit often. Besides the sanitizers, every input is checked for these
 * invariants; a violation calls abort():
 *   - exactly one of (error, document) comes back; an error is IDT_E_XML or
 *     IDT_E_PRIVATE_KEY, 400, with a message;
 *   - idt_xml_prescan agrees: it refuses with the same message what idt_xml_parse
 *     refuses with IDT_E_XML before libxml2, and passes whatever idt_xml_parse accepts;
 *   - on success the tree libxml2 built keeps every limit the scan enforced (elements,
 *     depth, attributes per element with namespace declarations, namespaces in scope,
 *     name and text lengths): were scan and libxml2 to tokenise differently, a start
 *     tag the scan never counted would show here;
 *   - a document whose bytes hold "PRIVATE KEY-----" is never accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <libxml/tree.h>

#include "fuzz_common.h"
#include "idt_error.h"
#include "idt_xml.h"

static const idt_xml_limits limits = {
    .max_size = 65536,
    .max_depth = 6,
    .max_elements = 40,
    .max_attributes = 4,
    .max_namespaces = 3,
    .max_name = 16,
    .max_text = 64,
};

static int count_ns(xmlNsPtr ns)
{
    int n = 0;
    for (; ns; ns = ns->next)
        n++;
    return n;
}

/* Checks the tree below n (at depth, with in_scope namespaces declared above). */
static void check_tree(xmlNodePtr n, int depth, int in_scope, int *elements)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            xmlAttrPtr a;
            int attrs = 0, decls = count_ns(n->nsDef);
            if (++*elements > limits.max_elements) violation("more elements than the limit", NULL);
            if (depth > limits.max_depth) violation("deeper than the limit", NULL);
            if (strlen((const char *)n->name) > limits.max_name)
                violation("an element name longer than the limit", NULL);
            for (a = n->properties; a; a = a->next) {
                xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                attrs++;
                if (strlen((const char *)a->name) > limits.max_name)
                    violation("an attribute name longer than the limit", NULL);
                /* decoded values are never longer than their bytes */
                if (v && strlen((const char *)v) > limits.max_text)
                    violation("an attribute value longer than the limit", NULL);
                xmlFree(v);
            }
            if (attrs + decls > limits.max_attributes)
                violation("more attributes on an element than the limit", NULL);
            if (in_scope + decls > limits.max_namespaces)
                violation("more namespaces in scope than the limit", NULL);
            check_tree(n->children, depth + 1, in_scope + decls, elements);
        } else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE ||
                   n->type == XML_COMMENT_NODE) {
            if (n->content && strlen((const char *)n->content) > limits.max_text)
                violation("a text node longer than the limit", NULL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    xmlDocPtr doc = NULL;
    idt_error *e, *pre;

    apr_pool_create(&p, root_pool);
    e = idt_xml_parse(p, (const char *)data, size, &limits, &doc);
    pre = idt_xml_prescan(p, (const char *)data, size, &limits);
    if (e) {
        if (doc) violation("an error came back with a document", e->msg);
        if (!e->msg || !*e->msg) violation("an error without a message", NULL);
        if (e->status != 400 || (e->kind != IDT_E_XML && e->kind != IDT_E_PRIVATE_KEY))
            violation("an error of an unexpected kind", e->msg);
        if (e->kind == IDT_E_XML && pre && strcmp(pre->msg, e->msg) != 0)
            violation("prescan and parse refuse for different reasons", pre->msg);
    } else {
        int elements = 0;
        if (!doc || !xmlDocGetRootElement(doc)) violation("success without a root", NULL);
        if (pre) violation("prescan refuses what parse accepts", pre->msg);
        if (memmem(data, size, "PRIVATE KEY-----", 16))
            violation("a document holding private-key armour was accepted", NULL);
        check_tree(xmlDocGetRootElement(doc), 1, 0, &elements);
    }
    apr_pool_destroy(p);
    return 0;
}
