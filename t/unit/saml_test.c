/* Unit tests for idt_saml: hardened IdP metadata parsing and SP metadata output. */
#include "idt_saml.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "tap.h"

#define CERT1 "MIIC8DCCAdigAwIBAgIQFirstSigningCertAAAA=="
#define CERT2 "MIIC8DCCAdigAwIBAgIQSecondSigningCertBBB="
#define CERTE "MIIC8DCCAdigAwIBAgIQEncryptionCertCCCCCC"

static const char realistic[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"\n"
    "    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"\n"
    "    entityID=\"https://idp.example.org/idp/shibboleth\" validUntil=\"2030-01-01T00:00:00Z\">\n"
    "  <md:Extensions><foo:Bar xmlns:foo=\"urn:x\"/></md:Extensions>\n"
    "  <md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
    "    <md:KeyDescriptor use=\"encryption\">\n"
    "      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>" CERTE "</ds:X509Certificate>"
    "</ds:X509Data></ds:KeyInfo>\n"
    "    </md:KeyDescriptor>\n"
    "    <md:KeyDescriptor use=\"signing\">\n"
    "      <ds:KeyInfo>\n"
    "        <ds:KeyName>first</ds:KeyName>\n"
    "        <ds:X509Data>\n"
    "          <ds:X509Certificate>\n"
    "            MIIC8DCCAdigAwIBAgIQ\n"
    "            FirstSigningCertAAAA==\n"
    "          </ds:X509Certificate>\n"
    "        </ds:X509Data>\n"
    "      </ds:KeyInfo>\n"
    "    </md:KeyDescriptor>\n"
    "    <md:KeyDescriptor>\n"
    "      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>\r\n\t" CERT2 "\r\n"
    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n"
    "    </md:KeyDescriptor>\n"
    "    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>\n"
    "    <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"\n"
    "        Location=\"https://idp.example.org/idp/profile/SAML2/POST/SSO\"/>\n"
    "    <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\"\n"
    "        Location=\"https://idp.example.org/idp/profile/SAML2/Redirect/SSO?a=1&amp;b=2\"/>\n"
    "  </md:IDPSSODescriptor>\n"
    "  <md:Organization><md:OrganizationName xml:lang=\"en\">Example</md:OrganizationName>"
    "</md:Organization>\n"
    "</md:EntityDescriptor>\n";

static const char default_ns[] =
    "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"urn:idp:plain\">"
    "<IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
    "<KeyDescriptor use=\"signing\"><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"
    "<X509Data><X509Certificate>" CERT1 "</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"
    "<SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\""
    " Location=\"https://plain.example/sso\"/>"
    "</IDPSSODescriptor></EntityDescriptor>";

#define ENTITY(id)                                                                     \
    "<md:EntityDescriptor entityID=\"" id "\"><md:IDPSSODescriptor>"                   \
    "<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" CERT1            \
    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"              \
    "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\"" \
    " Location=\"https://" id "/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>"

#define ENTITIES_OPEN                                                                  \
    "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""         \
    " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Name=\"fed\">"
#define ENTITIES_CLOSE "</md:EntitiesDescriptor>"

static const char entities_one[] = ENTITIES_OPEN ENTITY("one.example") ENTITIES_CLOSE;
static const char entities_two[] =
    ENTITIES_OPEN ENTITY("one.example") ENTITY("two.example") ENTITIES_CLOSE;

#define MD_OPEN(attrs)                                                                 \
    "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""           \
    " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"" attrs ">"
#define KD_SIGNING                                                                     \
    "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"  \
    CERT1 "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
#define SSO_POST                                                                       \
    "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"" \
    " Location=\"https://x/sso\"/>"

static const char no_entity_id[] =
    MD_OPEN("") "<md:IDPSSODescriptor>" KD_SIGNING SSO_POST
    "</md:IDPSSODescriptor></md:EntityDescriptor>";
static const char no_idpsso[] =
    MD_OPEN(" entityID=\"e\"") "<md:SPSSODescriptor/></md:EntityDescriptor>";
static const char no_sso[] =
    MD_OPEN(" entityID=\"e\"") "<md:IDPSSODescriptor>" KD_SIGNING
    "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\""
    " Location=\"https://x/soap\"/>"
    "</md:IDPSSODescriptor></md:EntityDescriptor>";
static const char no_cert[] =
    MD_OPEN(" entityID=\"e\"") "<md:IDPSSODescriptor>"
    "<md:KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
    CERTE "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"
    "</md:KeyDescriptor>" SSO_POST "</md:IDPSSODescriptor></md:EntityDescriptor>";
/* right local names, wrong namespace */
static const char wrong_ns[] =
    "<md:EntityDescriptor xmlns:md=\"urn:not:saml\" entityID=\"e\"><md:IDPSSODescriptor>"
    "</md:IDPSSODescriptor></md:EntityDescriptor>";

static const char billion_laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE lolz [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""
    " entityID=\"&lol9;\"/>\n";

static const char xxe[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
    "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""
    " entityID=\"&e;\"><md:IDPSSODescriptor><md:SingleSignOnService"
    " Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"&e;\"/>"
    "</md:IDPSSODescriptor>&e;</md:EntityDescriptor>\n";

static const char external_dtd[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE md:EntityDescriptor SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
    "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"e\"/>\n";

static const char param_entity[] =
    "<!DOCTYPE x [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><x/>";

/* An undeclared entity without any DOCTYPE: malformed. */
static const char undeclared_entity[] =
    MD_OPEN(" entityID=\"&e;\"") "</md:EntityDescriptor>";

static int global_errors;
static void count_errors(void *data, xmlErrorPtr err)
{
    (void)data;
    (void)err;
    ++global_errors;
}

static idt_error *parse(apr_pool_t *p, const char *xml, idt_saml_idp **idp)
{
    return idt_saml_idp_parse(p, xml, strlen(xml), idp);
}

static int is_xml_err(idt_error *e)
{
    return e != NULL && e->kind == IDT_E_XML && e->status == 400 && e->msg && *e->msg;
}

static char *attr_of(xmlDocPtr doc, const char *elem, const char *name)
{
    /* depth-first search for the first element with local name elem */
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, elem) == 0) {
            xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
            char *s = v ? strdup((const char *)v) : NULL;
            xmlFree(v);
            return s;
        }
        if (n->children) n = n->children;
        else {
            while (n && !n->next) n = n->parent;
            if (n) n = n->next;
        }
    }
    return NULL;
}

static char *text_of(xmlDocPtr doc, const char *elem)
{
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, elem) == 0) {
            xmlChar *v = xmlNodeGetContent(n);
            char *s = v ? strdup((const char *)v) : NULL;
            xmlFree(v);
            return s;
        }
        if (n->children) n = n->children;
        else {
            while (n && !n->next) n = n->parent;
            if (n) n = n->next;
        }
    }
    return NULL;
}

int main(void)
{
    apr_pool_t *p;
    idt_saml_idp *idp;
    idt_error *e;

    apr_initialize();
    apr_pool_create(&p, NULL);

    /* a structured handler set for the thread must never hear about our parses */
    xmlSetStructuredErrorFunc(NULL, count_errors);

    /* realistic metadata with md: prefix */
    e = parse(p, realistic, &idp);
    ok(e == NULL, "realistic IdP metadata parses%s%s", e ? ": " : "", e ? e->msg : "");
    if (e == NULL) {
        is_str(idp->entity_id, "https://idp.example.org/idp/shibboleth", "entityID");
        is_str(idp->sso_url, "https://idp.example.org/idp/profile/SAML2/Redirect/SSO?a=1&b=2",
               "HTTP-Redirect SSO preferred over HTTP-POST, entity unescaped");
        is_int(idp->certs_b64->nelts, 2, "two signing certificates, encryption skipped");
        if (idp->certs_b64->nelts == 2) {
            is_str(APR_ARRAY_IDX(idp->certs_b64, 0, const char *), CERT1,
                   "first signing cert, whitespace stripped");
            is_str(APR_ARRAY_IDX(idp->certs_b64, 1, const char *), CERT2,
                   "KeyDescriptor without use counts as signing");
        }
    }

    /* default namespace, no prefixes */
    e = parse(p, default_ns, &idp);
    ok(e == NULL, "default-namespace metadata parses");
    if (e == NULL) {
        is_str(idp->entity_id, "urn:idp:plain", "default ns: entityID");
        is_str(idp->sso_url, "https://plain.example/sso", "default ns: POST SSO when alone");
        is_int(idp->certs_b64->nelts, 1, "default ns: one cert");
        is_str(APR_ARRAY_IDX(idp->certs_b64, 0, const char *), CERT1, "default ns: cert value");
    }

    /* EntitiesDescriptor */
    e = parse(p, entities_one, &idp);
    ok(e == NULL, "EntitiesDescriptor with one entity parses");
    if (e == NULL) {
        is_str(idp->entity_id, "one.example", "EntitiesDescriptor: inner entityID");
        is_str(idp->sso_url, "https://one.example/sso", "EntitiesDescriptor: SSO");
    }
    idp = (idt_saml_idp *)1;
    e = parse(p, entities_two, &idp);
    ok(is_xml_err(e), "EntitiesDescriptor with two entities -> IDT_E_XML");
    ok(e && strstr(e->msg, "2") != NULL, "message says how many (%s)", e ? e->msg : "");
    ok(idp == NULL, "out is NULL on error");

    /* hostile documents */
    {
        clock_t t0 = clock();
        e = parse(p, billion_laughs, &idp);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        ok(is_xml_err(e), "billion laughs -> IDT_E_XML");
        is_str(e ? e->msg : NULL, "XML with a DOCTYPE is not accepted", "billion laughs: DOCTYPE message");
        ok(secs < 0.5, "billion laughs rejected quickly (%.3fs)", secs);
    }
    e = parse(p, xxe, &idp);
    ok(is_xml_err(e), "XXE -> IDT_E_XML");
    ok(e && strstr(e->msg, "root:") == NULL && strstr(e->msg, "passwd") == NULL,
       "XXE message does not leak the file");
    is_str(e ? e->msg : NULL, "XML with a DOCTYPE is not accepted", "XXE: DOCTYPE message");

    e = parse(p, external_dtd, &idp);
    ok(is_xml_err(e), "external DTD reference -> IDT_E_XML");
    is_str(e ? e->msg : NULL, "XML with a DOCTYPE is not accepted", "external DTD: DOCTYPE message");

    e = parse(p, param_entity, &idp);
    ok(is_xml_err(e), "parameter entity DOCTYPE -> IDT_E_XML");

    e = parse(p, undeclared_entity, &idp);
    ok(is_xml_err(e), "undeclared entity without DOCTYPE -> IDT_E_XML");

    {
        /* depth 200, well-formed */
        int depth = 200, i;
        char *s = apr_palloc(p, (apr_size_t)depth * 8 + 256), *q = s;
        q += sprintf(q, "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""
                        " entityID=\"e\">");
        for (i = 1; i < depth; ++i) q += sprintf(q, "<a>");
        for (i = 1; i < depth; ++i) q += sprintf(q, "</a>");
        sprintf(q, "</md:EntityDescriptor>");
        e = parse(p, s, &idp);
        ok(is_xml_err(e), "depth 200 nesting -> IDT_E_XML");
        ok(e && strstr(e->msg, "64") != NULL, "depth message names the limit (%s)",
           e ? e->msg : "");

        /* depth exactly 64 is fine as far as depth goes (fails later on content) */
        q = s;
        q += sprintf(q, "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""
                        " entityID=\"e\">");
        for (i = 1; i < 64; ++i) q += sprintf(q, "<a>");
        for (i = 1; i < 64; ++i) q += sprintf(q, "</a>");
        sprintf(q, "</md:EntityDescriptor>");
        e = parse(p, s, &idp);
        ok(e && strstr(e->msg, "IDPSSODescriptor") != NULL, "depth 64 passes the depth check");
    }

    {
        /* malformed: truncated */
        size_t n = strlen(realistic) - 40;
        e = idt_saml_idp_parse(p, realistic, n, &idp);
        ok(is_xml_err(e), "truncated XML -> IDT_E_XML");
        ok(e && strncmp(e->msg, "malformed XML at line ", 22) == 0, "malformed message has line (%s)",
           e ? e->msg : "");
        ok(e && strchr(e->msg, '<') == NULL, "malformed message does not quote input");
    }
    e = parse(p, "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"\n\n"
                 " entityID=\"e\"><oops></md:EntityDescriptor>", &idp);
    is_str(e ? e->msg : NULL, "malformed XML at line 3", "mismatched tag reports its line");

    e = idt_saml_idp_parse(p, "", 0, &idp);
    ok(is_xml_err(e), "empty input -> IDT_E_XML");
    {
        apr_size_t big = 1024 * 1024 + 1;
        char *s = apr_palloc(p, big);
        memset(s, ' ', big);
        e = idt_saml_idp_parse(p, s, big, &idp);
        ok(is_xml_err(e) && strstr(e->msg, "1048576"), "more than 1 MiB rejected, naming the limit");
    }

    /* missing pieces */
    {
        const char *blank = MD_OPEN(" entityID=\" \t \"") "<md:IDPSSODescriptor>" KD_SIGNING
            SSO_POST "</md:IDPSSODescriptor></md:EntityDescriptor>";
        e = parse(p, blank, &idp);
        ok(is_xml_err(e) && strstr(e->msg, "white space"), "entityID of white space -> IDT_E_XML");
        blank = MD_OPEN(" entityID=\"\xc2\xa0&#x3000;\"") "<md:IDPSSODescriptor>" KD_SIGNING
            SSO_POST "</md:IDPSSODescriptor></md:EntityDescriptor>";
        e = parse(p, blank, &idp);
        ok(is_xml_err(e) && strstr(e->msg, "white space"), "entityID of Unicode spaces -> IDT_E_XML");
    }
    {
        const char *keyed = MD_OPEN(" entityID=\"e\"") "<md:IDPSSODescriptor>"
            "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:KeyName>"
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"
            "</ds:KeyName><ds:X509Data><ds:X509Certificate>" CERT1
            "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>" SSO_POST
            "</md:IDPSSODescriptor></md:EntityDescriptor>";
        e = parse(p, keyed, &idp);
        ok(e && e->kind == IDT_E_PRIVATE_KEY && !strstr(e->msg, "MIIE"),
           "a private key in ds:KeyName -> IDT_E_PRIVATE_KEY, not quoted");
    }
    e = parse(p, no_entity_id, &idp);
    ok(is_xml_err(e) && strstr(e->msg, "entityID"), "missing entityID -> IDT_E_XML naming it");
    e = parse(p, no_idpsso, &idp);
    ok(is_xml_err(e) && strstr(e->msg, "IDPSSODescriptor"), "missing IDPSSODescriptor -> IDT_E_XML");
    e = parse(p, no_sso, &idp);
    ok(is_xml_err(e) && strstr(e->msg, "SingleSignOnService"),
       "no Redirect/POST SingleSignOnService -> IDT_E_XML");
    e = parse(p, no_cert, &idp);
    ok(is_xml_err(e) && strstr(e->msg, "X509Certificate"), "no signing cert -> IDT_E_XML");
    e = parse(p, "<foo/>", &idp);
    ok(is_xml_err(e), "<foo/> root -> IDT_E_XML");
    e = parse(p, wrong_ns, &idp);
    ok(is_xml_err(e), "EntityDescriptor in a foreign namespace -> IDT_E_XML");
    {
        const char *bad = MD_OPEN(" entityID=\"e\"") "<md:IDPSSODescriptor>"
            "<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>not*base64!"
            "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>" SSO_POST
            "</md:IDPSSODescriptor></md:EntityDescriptor>";
        e = parse(p, bad, &idp);
        ok(is_xml_err(e) && strstr(e->msg, "not*") == NULL, "non-base64 certificate -> IDT_E_XML");
    }

    is_int(global_errors, 0, "no parse error reached the thread's structured handler");
    xmlSetStructuredErrorFunc(NULL, NULL);

    /* SP metadata */
    {
        const char *xml = NULL;
        const char *eid = "https://sp.example/?a=1&b=<2>\"q\"'";
        const char *acs = "https://sp.example/acs?x=\"1\"&y=<z>";
        const char *cert = "MIIBsjCCAVigAwIBAgIJ&<>";
        e = idt_saml_sp_metadata(p, eid, acs, cert, &xml);
        ok(e == NULL && xml != NULL, "sp_metadata builds");
        if (xml) {
            xmlDocPtr doc;
            xmlNodePtr root;
            char *v;

            ok(strncmp(xml, "<?xml", 5) == 0, "output starts with <?xml");
            ok(strstr(xml, "encoding=\"UTF-8\"") != NULL, "declares UTF-8");
            ok(strstr(xml, "<2>") == NULL && strstr(xml, "&b=") == NULL, "raw < and & are escaped");
            doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            ok(doc != NULL, "output parses back");
            if (doc) {
                root = xmlDocGetRootElement(doc);
                ok(root && root->ns && strcmp((const char *)root->ns->href,
                                              "urn:oasis:names:tc:SAML:2.0:metadata") == 0 &&
                       strcmp((const char *)root->name, "EntityDescriptor") == 0,
                   "root is md:EntityDescriptor");
                v = attr_of(doc, "EntityDescriptor", "entityID");
                is_str(v, eid, "entityID round-trips");
                free(v);
                v = attr_of(doc, "AssertionConsumerService", "Location");
                is_str(v, acs, "ACS Location round-trips");
                free(v);
                v = attr_of(doc, "AssertionConsumerService", "Binding");
                is_str(v, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", "ACS binding");
                free(v);
                v = attr_of(doc, "SPSSODescriptor", "AuthnRequestsSigned");
                is_str(v, "true", "AuthnRequestsSigned");
                free(v);
                v = attr_of(doc, "KeyDescriptor", "use");
                is_str(v, "signing", "KeyDescriptor use=signing");
                free(v);
                v = text_of(doc, "X509Certificate");
                is_str(v, cert, "certificate text round-trips");
                free(v);
                v = text_of(doc, "NameIDFormat");
                is_str(v, "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "NameIDFormat");
                free(v);
                xmlFreeDoc(doc);
            }
            ok(strstr(xml, "<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">") != NULL,
               "ds namespace declared on KeyInfo");
        }
        e = idt_saml_sp_metadata(p, "", acs, cert, &xml);
        ok(e && e->kind == IDT_E_BAD_REQUEST && xml == NULL, "empty entityID refused");
        e = idt_saml_sp_metadata(p, "bad\xff", acs, cert, &xml);
        ok(e && e->kind == IDT_E_BAD_REQUEST, "invalid UTF-8 refused");
        e = idt_saml_sp_metadata(p, "x", "a\x01", cert, &xml);
        ok(e && e->kind == IDT_E_BAD_REQUEST, "control character refused");
    }

    /* an SP document is not IdP metadata */
    {
        const char *xml = NULL;
        idt_saml_sp_metadata(p, "sp", "https://sp/acs", CERT1, &xml);
        e = parse(p, xml, &idp);
        ok(is_xml_err(e) && strstr(e->msg, "IDPSSODescriptor"), "SP metadata is not IdP metadata");
    }

    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
