/* libFuzzer harness for idt_trust_xml_parse and idt_trust_xml_write
 * (modules/core/idt_trust_xml.c): the body of POST /trustdocument/import. Built and run
 * by scripts/fuzz/run; its corpus is replayed by `make check`.
 *
 * The inputs are parsed under small limits (depth 8, 200 elements, text of 256 bytes)
 * so that the fuzzer spends its time in the oratrust reader rather than in libxml2.
 * Besides the sanitizers, every input is checked for these invariants; a violation
 * calls abort():
 *   - exactly one of (error, document) comes back; an error is IDT_E_XML or
 *     IDT_E_PRIVATE_KEY, 400, with a message;
 *   - an error of the oratrust reader (not of the XML entry point) names its line;
 *   - an accepted document has the members the API reads, of the right types;
 *   - what is accepted is written out again (the export), and the written document
 *     reads back to the same JSON: import and export agree on every input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <jansson.h>
#include <libxml/tree.h>

#include "fuzz_common.h"
#include "idt_error.h"
#include "idt_json.h"
#include "idt_trust_xml.h"
#include "idt_xml.h"

static const idt_xml_limits limits = {
    .max_size = 65536,
    .max_depth = 8,
    .max_elements = 200,
    .max_text = 256,
};

static void check_shape(const json_t *doc)
{
    const json_t *issuers = json_object_get(doc, "issuers"), *i, *dn;
    const json_t *rules = json_object_get(doc, "token-attribute-rule"), *r;
    size_t k, j;

    if (!json_is_string(json_object_get(doc, "name"))) violation("no document name", NULL);
    if (!json_is_array(issuers) || !json_is_array(rules)) violation("no issuer or rule list", NULL);
    if (json_array_size(json_object_get(doc, "issuer-lines")) != json_array_size(issuers) ||
        json_array_size(json_object_get(doc, "rule-lines")) != json_array_size(rules))
        violation("a line list does not match its items", NULL);
    json_array_foreach(issuers, k, i)
    {
        const char *t = json_string_value(json_object_get(i, "tokentype"));
        if (!t || (strcmp(t, "saml.hok") && strcmp(t, "saml.sv") && strcmp(t, "jwt")))
            violation("an issuer of an unknown token type", t);
        if (!json_is_string(json_object_get(i, "-name"))) violation("an issuer without a name", NULL);
        json_array_foreach(json_object_get(i, "dn"), j, dn)
        {
            if (!json_is_string(dn)) violation("a DN that is not a string", NULL);
        }
    }
    json_array_foreach(rules, k, r)
    {
        if (!json_is_string(json_object_get(r, "-dn"))) violation("a rule without a -dn", NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    json_t *doc = NULL, *again = NULL;
    const char *xml;
    apr_size_t len;
    idt_error *e;

    apr_pool_create(&p, root_pool);
    e = idt_trust_xml_parse(p, (const char *)data, size, &limits, &doc);
    if (e) {
        if (doc) violation("an error came back with a document", e->msg);
        if (!e->msg || !*e->msg) violation("an error without a message", NULL);
        if (e->status != 400 || (e->kind != IDT_E_XML && e->kind != IDT_E_PRIVATE_KEY))
            violation("an error of an unexpected kind", e->msg);
        if (e->kind == IDT_E_XML && strncmp(e->msg, "line ", 5)) {
            /* not the reader's: then the entry point refuses it too */
            xmlDocPtr tree = NULL;
            if (!idt_xml_parse(p, (const char *)data, size, &limits, &tree))
                violation("a reader error that names no line", e->msg);
        }
    } else {
        check_shape(doc);
        e = idt_trust_xml_write(p, doc, &xml, &len);
        if (e) violation("an accepted document cannot be written", e->msg);
        e = idt_trust_xml_parse(p, xml, len, NULL, &again);
        if (e) violation("a written document does not read back", e->msg);
        json_object_del(doc, "issuer-lines");
        json_object_del(doc, "rule-lines");
        json_object_del(again, "issuer-lines");
        json_object_del(again, "rule-lines");
        if (!json_equal(doc, again))
            violation("a written document reads back different", idt_json_dump(p, again, JSON_COMPACT));
    }
    apr_pool_destroy(p);
    return 0;
}
