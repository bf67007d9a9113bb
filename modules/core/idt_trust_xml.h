/* OWSM token issuer trust documents as XML (the oratrust namespace): what
 * POST /trustdocument/import reads and GET /trustdocument/export writes.
 *
 * The document, as parsed and as written, is a JSON value of the shape the JSON API
 * uses, so that one set of checks (modules/trustdoc) applies to both:
 *
 *   {"name": "test",                         oratrust:name of the root (required)
 *    "displayName": "Test",                  oratrust:displayName (optional)
 *    "issuers": [{"tokentype": "saml.hok",   one per oratrust:Issuer, in order
 *                 "-name": "www.oracle.com",
 *                 "dn": ["CN=orakey, ..."]}],  its oratrust:TrustedKey oratrust:dn
 *    "token-attribute-rule": [               one per oratrust:TokenAttributeRule
 *        {"-dn": "...",
 *         "name-id": {"filter": {"value": [...]},
 *                     "mapping": {"user-attribute": "...", "user-mapping-attribute": "..."}},
 *         "attributes": [{"-name": "...", "attribute": {"filter": ..., "mapping": ...}}]}],
 *    "issuer-lines": [5, ...], "rule-lines": [..]}   source line of each, for messages
 *
 * The XML, element by element (all in http://xmlns.oracle.com/wsm/security/trust;
 * attributes are oratrust: qualified, as the product writes them, or unqualified):
 *
 *   TokenIssuerTrust @name @displayName?
 *     Issuers?
 *       Issuer* @name @tokentype (saml.hok | saml.sv | jwt)
 *         TrustedKeys?
 *           TrustedKey* @dn
 *     TokenAttributeRules?
 *       TokenAttributeRule* @dn
 *         NameID?                  Filter? Mapping?
 *         Attribute* @name         Filter? Mapping?
 *           Filter                 Value+ (text; surrounding white space dropped)
 *           Mapping @userAttribute? @userMappingAttribute?
 *
 * Anything else (another element, an unknown attribute, text where elements belong)
 * is IDT_E_XML naming the line. Values are checked for shape only here; lengths,
 * DN syntax and the rules' service/client constraints are the API's checks. */
#ifndef IDT_TRUST_XML_H
#define IDT_TRUST_XML_H

#include <apr_pools.h>
#include <jansson.h>

#include "idt_error.h"
#include "idt_xml.h"

#define IDT_TRUST_NS "http://xmlns.oracle.com/wsm/security/trust"

/* Parses xml[0..len) through idt_xml_parse (limits may be NULL for its defaults) into
 * *doc, a JSON object as above owned by p (decref'd when p is cleared). */
idt_error *idt_trust_xml_parse(apr_pool_t *p, const char *xml, apr_size_t len,
                               const idt_xml_limits *limits, json_t **doc);

/* Writes doc (the shape above; issuer-lines and rule-lines are ignored) as an
 * indented UTF-8 document with an XML declaration; *xml and *len are owned by p.
 * IDT_E_BAD_REQUEST if a value cannot be written as XML 1.0 (invalid UTF-8, a
 * control character), IDT_E_INTERNAL if doc lacks a member it needs. */
idt_error *idt_trust_xml_write(apr_pool_t *p, const json_t *doc, const char **xml,
                               apr_size_t *len);

#endif
