/* Unit tests of the OWSM trust document XML reader and writer (idt_trust_xml). */
#include <apr_general.h>
#include <apr_strings.h>
#include <string.h>

#include "idt_json.h"
#include "idt_trust_xml.h"
#include "tap.h"

#define NS "xmlns:oratrust=\"http://xmlns.oracle.com/wsm/security/trust\""

/* The seed's import example, verbatim. */
static const char *seed =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<oratrust:TokenIssuerTrust xmlns:oratrust=\"http://xmlns.oracle.com/wsm/security/trust\" "
    "oratrust:name=\"test\">\n"
    "    <oratrust:Issuers>\n"
    "        <oratrust:Issuer oratrust:name=\"www.oracle.com\" oratrust:tokentype=\"saml.hok\">\n"
    "            <oratrust:TrustedKeys/>\n"
    "        </oratrust:Issuer>\n"
    "        <oratrust:Issuer oratrust:name=\"www.oracle.com\" oratrust:tokentype=\"saml.sv\">\n"
    "            <oratrust:TrustedKeys/>\n"
    "        </oratrust:Issuer>\n"
    "        <oratrust:Issuer oratrust:name=\"www.oracle.com\" oratrust:tokentype=\"jwt\">\n"
    "            <oratrust:TrustedKeys/>\n"
    "        </oratrust:Issuer>\n"
    "    </oratrust:Issuers>\n"
    "    <oratrust:TokenAttributeRules/>\n"
    "</oratrust:TokenIssuerTrust>\n";

static const char *full =
    "<oratrust:TokenIssuerTrust " NS " oratrust:name=\"doc-1\" oratrust:displayName=\"Doc &amp; one\">"
    "<oratrust:Issuers>"
    "<oratrust:Issuer oratrust:name=\"www.example.com\" oratrust:tokentype=\"saml.sv\">"
    "<oratrust:TrustedKeys>"
    "<oratrust:TrustedKey oratrust:dn=\"CN=orakey, OU=Orakey,O=Oracle, C=US\"/>"
    "<oratrust:TrustedKey dn=\"wls1\"/>"
    "</oratrust:TrustedKeys></oratrust:Issuer>"
    "</oratrust:Issuers>"
    "<!-- rules -->"
    "<oratrust:TokenAttributeRules>"
    "<oratrust:TokenAttributeRule oratrust:dn=\"cn=orcladmin,o=oracle\">"
    "<oratrust:NameID><oratrust:Filter><oratrust:Value> yourTrustedUser1 </oratrust:Value>"
    "<oratrust:Value><![CDATA[yourTrusted*]]></oratrust:Value></oratrust:Filter>"
    "<oratrust:Mapping oratrust:userAttribute=\"mail\" oratrust:userMappingAttribute=\"uid\"/>"
    "</oratrust:NameID>"
    "<oratrust:Attribute oratrust:name=\"tenant\"><oratrust:Filter><oratrust:Value>t1</oratrust:Value>"
    "</oratrust:Filter></oratrust:Attribute>"
    "</oratrust:TokenAttributeRule>"
    "<oratrust:TokenAttributeRule oratrust:dn=\"https://service.example.com\">"
    "<oratrust:NameID><oratrust:Mapping oratrust:userMappingAttribute=\"uid\"/></oratrust:NameID>"
    "</oratrust:TokenAttributeRule>"
    "</oratrust:TokenAttributeRules>"
    "</oratrust:TokenIssuerTrust>";

static json_t *parse(apr_pool_t *p, const char *xml, const char **err)
{
    json_t *doc = NULL;
    idt_error *e = idt_trust_xml_parse(p, xml, strlen(xml), NULL, &doc);
    *err = e ? e->msg : NULL;
    return doc;
}

/* The error message for xml, or "accepted". */
static const char *refusal(apr_pool_t *p, const char *xml)
{
    const char *err;
    json_t *doc = parse(p, xml, &err);
    return doc ? "accepted" : err;
}

static const char *doc(const char *body)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "<oratrust:TokenIssuerTrust " NS " oratrust:name=\"d\">%s</oratrust:TokenIssuerTrust>",
             body);
    return buf;
}

int main(void)
{
    apr_pool_t *p;
    const char *err, *xml, *xml2;
    apr_size_t len, len2;
    json_t *d, *d2;
    idt_error *e;

    apr_initialize();
    apr_pool_create(&p, NULL);

    d = parse(p, seed, &err);
    ok(d != NULL, "the seed's example is read (%s)", err ? err : "ok");
    is_str(json_string_value(json_object_get(d, "name")), "test", "its document name");
    ok(json_object_get(d, "displayName") == NULL, "no display name");
    is_int(json_array_size(json_object_get(d, "issuers")), 3, "three issuers");
    is_str(idt_json_dump(p, json_array_get(json_object_get(d, "issuers"), 2), JSON_COMPACT),
           "{\"tokentype\":\"jwt\",\"-name\":\"www.oracle.com\",\"dn\":[]}", "the jwt issuer, no DNs");
    is_int(json_integer_value(json_array_get(json_object_get(d, "issuer-lines"), 0)), 4,
           "the first issuer is on line 4");
    is_int(json_array_size(json_object_get(d, "token-attribute-rule")), 0, "no rules");

    d = parse(p, full, &err);
    ok(d != NULL, "a document with keys and rules is read (%s)", err ? err : "ok");
    is_str(json_string_value(json_object_get(d, "displayName")), "Doc & one", "display name, decoded");
    is_str(idt_json_dump(p, json_object_get(json_array_get(json_object_get(d, "issuers"), 0), "dn"),
                         JSON_COMPACT),
           "[\"CN=orakey, OU=Orakey,O=Oracle, C=US\",\"wls1\"]",
           "trusted keys in order, qualified or unqualified dn");
    is_str(idt_json_dump(p, json_array_get(json_object_get(d, "token-attribute-rule"), 0), JSON_COMPACT),
           "{\"-dn\":\"cn=orcladmin,o=oracle\",\"name-id\":{\"filter\":{\"value\":[\"yourTrustedUser1\","
           "\"yourTrusted*\"]},\"mapping\":{\"user-attribute\":\"mail\",\"user-mapping-attribute\":"
           "\"uid\"}},\"attributes\":[{\"-name\":\"tenant\",\"attribute\":{\"filter\":{\"value\":"
           "[\"t1\"]}}}]}",
           "a service-side rule in the JSON API's shape (values trimmed, CDATA read)");
    is_str(idt_json_dump(p, json_array_get(json_object_get(d, "token-attribute-rule"), 1), JSON_COMPACT),
           "{\"-dn\":\"https://service.example.com\",\"name-id\":{\"mapping\":{\"user-mapping-attribute\":"
           "\"uid\"}}}",
           "a client-side rule");

    /* writing, and reading back what was written */
    e = idt_trust_xml_write(p, d, &xml, &len);
    ok(e == NULL && xml && len == strlen(xml), "the document is written (%s)", e ? e->msg : "ok");
    ok(xml && strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n", 55) == 0,
           "with the seed's XML declaration");
    ok(xml && strstr(xml, "\n    <oratrust:Issuers>\n"), "indented by four spaces");
    ok(xml && strstr(xml, "oratrust:displayName=\"Doc &amp; one\""), "escaped");
    d2 = parse(p, xml, &err);
    ok(d2 != NULL, "the written document reads back (%s)", err ? err : "ok");
    json_object_del(d, "issuer-lines");
    json_object_del(d, "rule-lines");
    json_object_del(d2, "issuer-lines");
    json_object_del(d2, "rule-lines");
    ok(d2 && json_equal(d, d2), "to the same document");
    e = idt_trust_xml_write(p, d2, &xml2, &len2);
    ok(!e && len2 == len && !memcmp(xml, xml2, len), "and writes out the same bytes");
    d = parse(p, seed, &err);
    e = idt_trust_xml_write(p, d, &xml, &len);
    ok(!e && strstr(xml, "<oratrust:TrustedKeys/>") && strstr(xml, "<oratrust:TokenAttributeRules/>"),
       "empty lists are written as the seed writes them");
    json_object_set_new(d, "name", json_string("bad\x01name"));
    e = idt_trust_xml_write(p, d, &xml, &len);
    ok(e && e->kind == IDT_E_BAD_REQUEST, "a control character cannot be written");

    /* refusals, each naming its line */
    is_str(refusal(p, "<TokenIssuerTrust name=\"d\"/>"),
           "line 1: the root element must be oratrust:TokenIssuerTrust in namespace "
           "http://xmlns.oracle.com/wsm/security/trust, not TokenIssuerTrust",
           "the root outside the namespace");
    is_str(refusal(p, "<oratrust:TokenIssuerTrust " NS "/>"),
           "line 1: oratrust:TokenIssuerTrust: attribute oratrust:name is required", "no name");
    is_str(refusal(p, "<oratrust:TokenIssuerTrust " NS " oratrust:name=\"d\" oratrust:x=\"1\"/>"),
           "line 1: oratrust:TokenIssuerTrust: attribute x is not allowed", "an unknown attribute");
    is_str(refusal(p, "<oratrust:TokenIssuerTrust " NS " xmlns:o=\"urn:o\" oratrust:name=\"d\" o:x=\"1\"/>"),
           "line 1: oratrust:TokenIssuerTrust: attribute o:x is not allowed", "an attribute of another namespace");
    is_str(refusal(p, "<oratrust:TokenIssuerTrust " NS " oratrust:name=\"d\" name=\"e\"/>"),
           "line 1: oratrust:TokenIssuerTrust: attribute name is given twice", "a name given twice");
    is_str(refusal(p, doc("\n<oratrust:Issuers><oratrust:Issuer oratrust:name=\"i\" oratrust:tokentype=\"x509\"/></oratrust:Issuers>")),
           "line 2: oratrust:tokentype must be saml.hok, saml.sv or jwt, not \"x509\"", "an unknown token type");
    is_str(refusal(p, doc("<oratrust:Issuers><oratrust:Issuer oratrust:tokentype=\"jwt\"/></oratrust:Issuers>")),
           "line 1: oratrust:Issuer: attribute oratrust:name is required", "an issuer without a name");
    is_str(refusal(p, doc("<oratrust:Issuers><oratrust:Issuer oratrust:name=\"i\" oratrust:tokentype=\"jwt\">"
                          "<oratrust:TrustedKeys><oratrust:TrustedKey/></oratrust:TrustedKeys></oratrust:Issuer></oratrust:Issuers>")),
           "line 1: oratrust:TrustedKey: attribute oratrust:dn is required", "a key without a DN");
    is_str(refusal(p, doc("<oratrust:Issuers><oratrust:Issuer oratrust:name=\"i\" oratrust:tokentype=\"jwt\">"
                          "<oratrust:TrustedKeys><oratrust:Key dn=\"x\"/></oratrust:TrustedKeys></oratrust:Issuer></oratrust:Issuers>")),
           "line 1: oratrust:TrustedKeys holds oratrust:TrustedKey only, not oratrust:Key", "an unknown element");
    is_str(refusal(p, doc("<oratrust:Issuers>hello</oratrust:Issuers>")),
           "line 1: oratrust:Issuers holds text where only elements belong", "stray text");
    is_str(refusal(p, doc("<oratrust:TokenAttributeRules/><oratrust:Issuers/>")),
           "line 1: oratrust:TokenIssuerTrust holds oratrust:Issuers? then oratrust:TokenAttributeRules?, "
           "not oratrust:Issuers here", "lists out of order");
    is_str(refusal(p, doc("<oratrust:Issuers/><oratrust:Issuers/>")),
           "line 1: oratrust:TokenIssuerTrust holds oratrust:Issuers? then oratrust:TokenAttributeRules?, "
           "not oratrust:Issuers here", "a list given twice");
    is_str(refusal(p, doc("<oratrust:TokenAttributeRules><oratrust:TokenAttributeRule oratrust:dn=\"cn=a\">"
                          "<oratrust:NameID><oratrust:Filter/></oratrust:NameID></oratrust:TokenAttributeRule></oratrust:TokenAttributeRules>")),
           "line 1: oratrust:Filter needs at least one oratrust:Value", "an empty filter");
    is_str(refusal(p, doc("<oratrust:TokenAttributeRules><oratrust:TokenAttributeRule oratrust:dn=\"cn=a\">"
                          "<oratrust:NameID><oratrust:Mapping/><oratrust:Filter><oratrust:Value>v</oratrust:Value></oratrust:Filter>"
                          "</oratrust:NameID></oratrust:TokenAttributeRule></oratrust:TokenAttributeRules>")),
           "line 1: oratrust:NameID holds oratrust:Filter? then oratrust:Mapping?, not oratrust:Filter here",
           "a filter after the mapping");
    is_str(refusal(p, doc("<oratrust:TokenAttributeRules><oratrust:TokenAttributeRule oratrust:dn=\"cn=a\">"
                          "<oratrust:NameID><oratrust:Filter><oratrust:Value><oratrust:Value/></oratrust:Value></oratrust:Filter>"
                          "</oratrust:NameID></oratrust:TokenAttributeRule></oratrust:TokenAttributeRules>")),
           "line 1: oratrust:Value must hold text only, not oratrust:Value", "an element in a value");
    is_str(refusal(p, doc("<oratrust:TokenAttributeRules><oratrust:TokenAttributeRule oratrust:dn=\"cn=a\">"
                          "<oratrust:Attribute/></oratrust:TokenAttributeRule></oratrust:TokenAttributeRules>")),
           "line 1: oratrust:Attribute: attribute oratrust:name is required", "an attribute without a name");
    is_str(refusal(p, "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>"),
           "XML with a DOCTYPE is not accepted", "a DOCTYPE: the entry point refuses it");

    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
