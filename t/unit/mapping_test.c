/* Unit tests of idt_mapping (mapping files: parse, placeholders checked, rendering,
 * each value escaped for the body's content type), idt_seal (secrets at rest) and
 * idt_pkcs7 (bundles made and read back). */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <apr_escape.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "idt_mapping.h"
#include "idt_pkcs7.h"
#include "idt_seal.h"
#include "idt_x509.h"
#include "tap.h"

static const char FIELDS[] =
    "{\"Certificate\": {\"id\": \"\", \"serial\": \"\", \"target\": {\"id\": null, \"name\": null}},"
    " \"ExternalSystem\": {\"apiLocation\": \"\"}, \"CertificatePolicy\": {\"objectId\": \"\"}}";

static const char GOOD[] =
    "<?xml version=\"1.0\"?>\n"
    "<Notification Name=\"REST Certificate Added\">\n"
    "  <DataSources><DataSource Name=\"Certificate\"/><DataSource Name=\"ExternalSystem\"/></DataSources>\n"
    "  <Endpoint Verb=\"POST\" URL=\"{ExternalSystem.apiLocation}/certificates/{Certificate.id}/added\">\n"
    "    <Header Name=\"x-api-version\" Value=\"1\"/>\n"
    "    <Header Name=\"X-Serial\" Value=\"s-{Certificate.serial}\"/>\n"
    "  </Endpoint>\n"
    "  <Body><![CDATA[{\"id\": \"{Certificate.id}\", \"who\": \"{Certificate.target}\",\n"
    "    \"text\": \"serial {Certificate.serial} {not a placeholder}\", \"n\": 1}]]></Body>\n"
    "</Notification>\n";

static idt_error *parse(apr_pool_t *p, const char *xml, idt_mapping **m)
{
    json_t *fields = json_loads(FIELDS, 0, NULL);
    idt_error *e = idt_mapping_parse(p, "test.xml", xml, strlen(xml), fields, m);
    json_decref(fields);
    return e;
}

/* The message of parsing GOOD with from replaced by to. */
static const char *broken(apr_pool_t *p, const char *from, const char *to)
{
    const char *at = strstr(GOOD, from);
    idt_mapping *m;
    idt_error *e;
    if (!at) return "(the test's text is not in GOOD)";
    e = parse(p,
              apr_pstrcat(p, apr_pstrmemdup(p, GOOD, (apr_size_t)(at - GOOD)), to,
                          at + strlen(from), NULL),
              &m);
    return e ? e->msg : "(parsed)";
}

/* ---- values escaped for the body's content type ------------------------------------ */

/* Subjects an attacker can put in a certificate, each with a printable label. */
static const struct {
    const char *label, *cn;
} HOSTILE[] = {
    {"elements", "</Name><Admin>true</Admin><Name>x"},
    {"a form field", "x&role=admin"},
    {"quotes, & and <", "\"double\" 'single' & <tag> a&amp;b"},
    {"CDATA and comment ends", "]]> --> <!-- <![CDATA[ x"},
    {"percent, plus, equals", "%41+plus=eq;semi%"},
    {"a placeholder as a value", "{Certificate.serial}"},
    {"tab, line feed, carriage return", "a\tb\nc\r\nd\re"},
    {"controls XML cannot hold (JSON, form and text can)", "nul-less \x01\x1f\x7f"},
    {"non-ASCII", "J\xc3\xbcrgen \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xe2\x84\xaa (Kelvin) "
                  "\xef\xbf\xbd"},
    {"empty", ""},
};
#define N_HOSTILE (sizeof(HOSTILE) / sizeof(HOSTILE[0]))

/* A mapping of content type ct whose body is body (in CDATA). */
static idt_error *with_body(apr_pool_t *p, const char *ct, const char *body, idt_mapping **m)
{
    return parse(p,
                 apr_pstrcat(p,
                             "<Notification Name=\"REST Certificate Added\">\n"
                             "  <DataSources><DataSource Name=\"Certificate\"/>"
                             "<DataSource Name=\"ExternalSystem\"/></DataSources>\n"
                             "  <Endpoint Verb=\"POST\" URL=\"{ExternalSystem.apiLocation}/x\"/>\n"
                             "  <Body ContentType=\"",
                             ct, "\"><![CDATA[", body, "]]></Body>\n</Notification>\n", NULL),
                 m);
}

/* The request of m for a certificate of subject CN cn (also its target's name) and
 * serial "0A". */
static idt_error *render_cn(apr_pool_t *p, const idt_mapping *m, const char *cn,
                            idt_mapping_request *req)
{
    json_t *data = json_pack("{s:{s:s, s:s, s:{s:s, s:s}}, s:{s:s}}", "Certificate", "id", "c1",
                             "serial", "0A", "target", "id", "p1", "name", cn, "ExternalSystem",
                             "apiLocation", "https://x.example");
    idt_error *e = idt_mapping_render(p, m, data, req);
    json_decref(data);
    return e;
}

/* The text content of the only element named name under n, or NULL. */
static const char *xml_text(apr_pool_t *p, xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (!strcmp((const char *)n->name, name)) {
            xmlChar *t = xmlNodeGetContent(n);
            const char *s = apr_pstrdup(p, t ? (const char *)t : "");
            xmlFree(t);
            return s;
        }
        const char *in = xml_text(p, n->children, name);
        if (in) return in;
    }
    return NULL;
}

static int count_elements(xmlNodePtr n)
{
    int c = 0;
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE) c += 1 + count_elements(n->children);
    return c;
}

static const char *xml_attr(apr_pool_t *p, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    const char *s = v ? apr_pstrdup(p, (const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static void test_json(apr_pool_t *p)
{
    idt_mapping *m;
    idt_mapping_request req;
    idt_error *e = with_body(p, "application/json",
                             "{\"name\": \"{Certificate.target.name}\", \"text\": "
                             "\"cn={Certificate.target.name};\", \"serial\": \"{Certificate.serial}\"}",
                             &m);
    size_t i;
    ok(!e && m->body_type == IDT_MAPPING_JSON, "JSON: a JSON mapping%s%s", e ? ": " : "",
       e ? e->msg : "");
    if (e) return;
    for (i = 0; i < N_HOSTILE; i++) {
        json_t *j = NULL;
        e = render_cn(p, m, HOSTILE[i].cn, &req);
        if (!e) j = json_loadb(req.body, req.body_len, JSON_REJECT_DUPLICATES, NULL);
        ok(j && json_object_size(j) == 3 &&
               !strcmp(json_string_value(json_object_get(j, "name")) ?: "-", HOSTILE[i].cn) &&
               !strcmp(json_string_value(json_object_get(j, "text")) ?: "-",
                       apr_pstrcat(p, "cn=", HOSTILE[i].cn, ";", NULL)) &&
               !strcmp(json_string_value(json_object_get(j, "serial")) ?: "-", "0A"),
           "JSON, %s: parses, the same three members, the value intact", HOSTILE[i].label);
        json_decref(j);
    }
}

static void test_xml(apr_pool_t *p)
{
    static const char body[] =
        "\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Added serial=\"{Certificate.serial}\">\n"
        "  <Name>{Certificate.target.name}</Name>\n"
        "  <Note v='{Certificate.target.name}' w=\"{Certificate.target.name}\">cn={Certificate.target.name};</Note>\n"
        "</Added>\n";
    static const struct {
        const char *label, *cn, *code;
    } refused[] = {
        {"U+0001", "a\x01z", "U+0001"},
        {"U+001F", "\x1f", "U+001F"},
        {"U+FFFE", "a\xef\xbf\xbe", "U+FFFE"},
        {"U+FFFF", "\xef\xbf\xbfz", "U+FFFF"},
    };
    idt_mapping *m;
    idt_mapping_request req;
    idt_error *e = with_body(p, "application/xml", body, &m);
    size_t i;

    ok(!e && m->body_type == IDT_MAPPING_XML, "XML: an XML mapping%s%s", e ? ": " : "",
       e ? e->msg : "");
    if (e) return;
    ok(!strncmp(m->body, "<?xml", 5), "XML: the line break before the declaration is dropped");
    for (i = 0; i < N_HOSTILE; i++) {
        xmlDocPtr doc;
        xmlNodePtr root;
        int held = !!strchr(HOSTILE[i].cn, '\x01');
        e = render_cn(p, m, HOSTILE[i].cn, &req);
        if (held) {
            ok(e && strstr(e->msg, "{Certificate.target.name} holds U+0001") &&
                   !strstr(e->msg, "nul-less"),
               "XML, %s: refused, naming the placeholder and not the value: %s",
               HOSTILE[i].label, e ? e->msg : "(rendered)");
            continue;
        }
        doc = e ? NULL
                : xmlReadMemory(req.body, (int)req.body_len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        root = doc ? xmlDocGetRootElement(doc) : NULL;
        ok(root && !strcmp((const char *)root->name, "Added") && count_elements(root) == 3,
           "XML, %s: libxml2 parses it, three elements as written%s%s", HOSTILE[i].label,
           e ? ": " : "", e ? e->msg : "");
        if (root) {
            xmlNodePtr note = root->children;
            while (note && !(note->type == XML_ELEMENT_NODE && !strcmp((const char *)note->name, "Note")))
                note = note->next;
            is_str(xml_text(p, root->children, "Name"), HOSTILE[i].cn,
                   "XML, %s: the element's text is the value", HOSTILE[i].label);
            is_str(note ? xml_attr(p, note, "v") : NULL, HOSTILE[i].cn,
                   "XML, %s: a single-quoted attribute's value is the value", HOSTILE[i].label);
            is_str(note ? xml_attr(p, note, "w") : NULL, HOSTILE[i].cn,
                   "XML, %s: a double-quoted attribute's value is the value", HOSTILE[i].label);
            is_str(xml_text(p, root->children, "Note"),
                   apr_pstrcat(p, "cn=", HOSTILE[i].cn, ";", NULL),
                   "XML, %s: text around it kept", HOSTILE[i].label);
            is_str(xml_attr(p, root, "serial"), "0A", "XML, %s: the other value", HOSTILE[i].label);
        }
        xmlFreeDoc(doc);
    }
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        e = render_cn(p, m, refused[i].cn, &req);
        ok(e && strstr(e->msg, apr_pstrcat(p, "{Certificate.target.name} holds ", refused[i].code,
                                            ", which an XML 1.0 body cannot carry", NULL)),
           "XML, %s: not sent (dropping it would make two values one): %s", refused[i].label,
           e ? e->msg : "(rendered)");
    }
}

/* body decoded as application/x-www-form-urlencoded: "name\tvalue\n" per field. */
static const char *form_fields(apr_pool_t *p, const char *body)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    char *copy = apr_pstrdup(p, body), *last, *pair;
    for (pair = apr_strtok(copy, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        const char *name, *value;
        if (eq) *eq = '\0';
        name = apr_punescape_url(p, pair, NULL, NULL, 1);
        value = eq ? apr_punescape_url(p, eq + 1, NULL, NULL, 1) : "";
        if (!name || !value) return "(a field does not decode)";
        APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, name, "\t", value, "\n", NULL);
    }
    return apr_array_pstrcat(p, out, 0);
}

static void test_form(apr_pool_t *p)
{
    idt_mapping *m;
    idt_mapping_request req;
    idt_error *e = with_body(p, "application/x-www-form-urlencoded",
                             "\n  cn={Certificate.target.name}&serial={Certificate.serial}"
                             "&role=user&{Certificate.target.name}=named\n",
                             &m);
    size_t i;
    ok(!e && m->body_type == IDT_MAPPING_FORM, "form: a form mapping%s%s", e ? ": " : "",
       e ? e->msg : "");
    if (e) return;
    for (i = 0; i < N_HOSTILE; i++) {
        e = render_cn(p, m, HOSTILE[i].cn, &req);
        is_str(e ? e->msg : form_fields(p, req.body),
               apr_pstrcat(p, "cn\t", HOSTILE[i].cn, "\nserial\t0A\nrole\tuser\n", HOSTILE[i].cn,
                           "\tnamed\n", NULL),
               "form, %s: decodes to the four fields written, the value intact",
               HOSTILE[i].label);
    }
}

static void test_text(apr_pool_t *p)
{
    idt_mapping *m;
    idt_mapping_request req;
    idt_error *e = with_body(p, "text/plain; charset=utf-8",
                             "\nCertificate added: {Certificate.target.name} ({Certificate.serial})\n",
                             &m);
    size_t i;
    ok(!e && m->body_type == IDT_MAPPING_TEXT, "text: a text/plain mapping%s%s", e ? ": " : "",
       e ? e->msg : "");
    if (e) return;
    for (i = 0; i < N_HOSTILE; i++) {
        e = render_cn(p, m, HOSTILE[i].cn, &req);
        is_str(e ? e->msg : req.body,
               apr_pstrcat(p, "\nCertificate added: ", HOSTILE[i].cn, " (0A)\n", NULL),
               "text, %s: the value as it is (text/plain has no syntax to keep)",
               HOSTILE[i].label);
    }
    is_str(req.content_type, "text/plain; charset=utf-8", "text: the content type as declared");
}

/* What loading refuses: types with no escaping, XML bodies whose values could not be
 * escaped where they stand. */
static void test_refused(apr_pool_t *p)
{
    static const struct {
        const char *label, *ct, *body, *want;
    } cases[] = {
        {"a type with no escaping", "text/csv", "{Certificate.id}", "ContentType text/csv: values are escaped for"},
        {"text/html", "text/html", "<p>{Certificate.id}</p>", "ContentType text/html: values are escaped for"},
        {"not a media type", "json", "{}", "ContentType json is not a media type"},
        {"another charset", "application/json; charset=ISO-8859-1", "{}", "the body is sent in UTF-8"},
        {"XML that does not parse", "application/xml", "\n\n<a>{Certificate.id}</b>",
         "test.xml:6: the XML body does not parse"},
        {"a placeholder in a CDATA section", "text/xml",
         /* the body's own CDATA section, its end split across the file's two */
         "<a>\n<![CDATA[{Certificate.id}]]]]><![CDATA[></a>",
         "test.xml:5: a placeholder inside a CDATA section"},
        {"a placeholder in a comment", "application/soap+xml",
         "<a>\n\n<!-- {Certificate.id} --></a>", "test.xml:6: a placeholder inside a comment"},
        {"a placeholder in a processing instruction", "application/xml",
         "<a><?pi {Certificate.id}?></a>", "test.xml:4: a placeholder inside a processing instruction"},
        {"an XML body in another encoding", "application/xml",
         "\n<?xml version='1.0' encoding = 'ISO-8859-1'?><a>{Certificate.id}</a>",
         "test.xml:5: the XML body declares encoding ISO-8859-1: it is sent in UTF-8"},
        {"an unknown field in an XML body", "application/xml", "<a>\n{Certificate.nope}</a>",
         "test.xml:5: {Certificate.nope}: data source Certificate has no field nope"},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        idt_mapping *m;
        idt_error *e = with_body(p, cases[i].ct, cases[i].body, &m);
        ok(e && strstr(e->msg, cases[i].want), "refused when loaded, %s: %s", cases[i].label,
           e ? e->msg : "(parsed)");
    }
    {
        idt_mapping *m;
        idt_error *e = with_body(p, "application/vnd.example+xml; charset=&quot;UTF-8&quot;",
                                 "<a x=\"{Certificate.id}\">{Certificate.id}<!-- ok --></a>", &m);
        ok(!e && m->body_type == IDT_MAPPING_XML,
           "a +xml type with a UTF-8 charset, placeholders in an attribute and text: loaded%s%s",
           e ? ": " : "", e ? e->msg : "");
        e = with_body(p, "Application/Problem+JSON", "{\"a\": \"{Certificate.id}\"}", &m);
        ok(!e && m->body_type == IDT_MAPPING_JSON, "a +json type in any case: JSON%s%s",
           e ? ": " : "", e ? e->msg : "");
    }
}

/* A body of many placeholders costs its length: each piece is copied once (the pieces
 * re-copied at every placeholder would take about 400 MB here). */
static void test_linear(apr_pool_t *p)
{
    enum { N = 2000 };
    apr_array_header_t *parts = apr_array_make(p, N, sizeof(const char *));
    char cn[201];
    idt_mapping *m;
    idt_mapping_request req;
    struct rusage before, after;
    idt_error *e;
    int i;

    memset(cn, 'x', 200);
    cn[200] = '\0';
    for (i = 0; i < N; i++) APR_ARRAY_PUSH(parts, const char *) = "<v>{Certificate.target.name}</v>";
    e = with_body(p, "application/xml",
                  apr_pstrcat(p, "<a>", apr_array_pstrcat(p, parts, 0), "</a>", NULL), &m);
    getrusage(RUSAGE_SELF, &before);
    if (!e) e = render_cn(p, m, cn, &req);
    getrusage(RUSAGE_SELF, &after);
    ok(!e && req.body_len == N * (200 + 7) + 7, "%d placeholders rendered%s%s", N, e ? ": " : "",
       e ? e->msg : "");
    ok(after.ru_maxrss - before.ru_maxrss < 64 * 1024,
       "the peak memory grew by %ld kB rendering a %d kB body (under 64 MB)",
       after.ru_maxrss - before.ru_maxrss, N * 207 / 1024);
}

int main(void)
{
    apr_pool_t *p;
    idt_mapping *m = NULL;
    idt_mapping_request req;
    idt_error *e;
    json_t *data;

    apr_initialize();
    apr_pool_create(&p, NULL);

    e = parse(p, GOOD, &m);
    ok(!e, "a good mapping file parses%s%s", e ? ": " : "", e ? e->msg : "");
    if (!m) return done_testing();
    is_str(m->verb, "POST", "Verb");
    is_int(m->headers->nelts, 2, "two headers");
    ok(m->json, "a JSON body by default");

    data = json_loads("{\"Certificate\": {\"id\": \"c 1/é\", \"serial\": \"0A\", \"target\": "
                      "{\"id\": \"p1\", \"name\": \"John\"}}, \"ExternalSystem\": "
                      "{\"apiLocation\": \"https://x.example/rest.core\"}}",
                      0, NULL);
    e = idt_mapping_render(p, m, data, &req);
    ok(!e, "renders%s%s", e ? ": " : "", e ? e->msg : "");
    if (!e) {
        is_str(req.url, "https://x.example/rest.core/certificates/c%201%2F%C3%A9/added",
               "URL: the leading placeholder as it is, the others percent-encoded");
        is_str(APR_ARRAY_IDX(req.headers, 1, const char *), "X-Serial: s-0A", "a header template");
        is_str(req.body,
               "{\"id\":\"c 1/\xc3\xa9\",\"who\":{\"id\":\"p1\",\"name\":\"John\"},"
               "\"text\":\"serial 0A {not a placeholder}\",\"n\":1}",
               "body: a whole-string placeholder takes the value itself, others its text");
        is_str(req.content_type, "application/json", "content type");
    }
    json_object_del(json_object_get(data, "Certificate"), "serial");
    e = idt_mapping_render(p, m, data, &req);
    ok(e && strstr(e->msg, "{Certificate.serial} has no value"), "a missing value: %s",
       e ? e->msg : "(rendered)");
    json_decref(data);

    ok(strstr(broken(p, "{Certificate.id}/added", "{Certificate.nope}/added"),
              "test.xml:4: {Certificate.nope}: data source Certificate has no field nope") != NULL,
       "an unknown field, with file and line: %s", broken(p, "{Certificate.id}/added", "{Certificate.nope}/added"));
    ok(strstr(broken(p, "\"n\": 1", "\"n\": {CertificatePolicy.objectId}"), "test.xml:9:") != NULL,
       "a JSON body that does not parse, with its line: %s",
       broken(p, "\"n\": 1", "\"n\": {CertificatePolicy.objectId}"));
    ok(strstr(broken(p, "\"n\": 1", "\"n\": \"{CertificatePolicy.objectId}\""),
              "which <DataSources> does not declare") != NULL,
       "an undeclared source: %s", broken(p, "\"n\": 1", "\"n\": \"{CertificatePolicy.objectId}\""));
    ok(strstr(broken(p, "Verb=\"POST\"", "Verb=\"GET\""), "test.xml:4: Verb GET") != NULL,
       "a verb that sends no body: %s", broken(p, "Verb=\"POST\"", "Verb=\"GET\""));
    ok(strstr(broken(p, "<DataSource Name=\"Certificate\"/>", "<DataSource Name=\"Person\"/>"),
              "unknown data source Person") != NULL,
       "an unknown data source: %s",
       broken(p, "<DataSource Name=\"Certificate\"/>", "<DataSource Name=\"Person\"/>"));
    ok(strstr(broken(p, "</Notification>", ""), "test.xml") != NULL,
       "XML that does not parse names the file: %s", broken(p, "</Notification>", ""));
    ok(strstr(broken(p, "Name=\"x-api-version\"", "Name=\"Authorization\""),
              "set by idtrust") != NULL,
       "a header idtrust sets itself: %s",
       broken(p, "Name=\"x-api-version\"", "Name=\"Authorization\""));
    ok(strstr(broken(p, "<Body>", "<Extra/><Body>"), "unknown element <Extra>") != NULL,
       "an unknown element: %s", broken(p, "<Body>", "<Extra/><Body>"));
    ok(strstr(broken(p, "URL=\"{ExternalSystem.apiLocation}", "URL=\"ftp://x"), "must start with") != NULL,
       "a URL of another scheme: %s", broken(p, "URL=\"{ExternalSystem.apiLocation}", "URL=\"ftp://x"));

    test_json(p);
    test_xml(p);
    test_form(p);
    test_text(p);
    test_refused(p);
    test_linear(p);

    /* secrets at rest */
    {
        const char *sealed, *plain, *sealed2;
        const char *pass = "0123456789abcdef0123456789abcdef-passphrase";
        e = idt_seal(p, pass, "purpose-a", "s3cret value", &sealed);
        ok(!e && !strncmp(sealed, "v1:", 3), "sealed: %s", e ? e->msg : sealed);
        ok(!strstr(sealed, "s3cret"), "the sealed form does not hold the secret");
        e = idt_unseal(p, pass, "purpose-a", sealed, &plain);
        is_str(e ? e->msg : plain, "s3cret value", "unsealed with the same passphrase and purpose");
        idt_seal(p, pass, "purpose-a", "s3cret value", &sealed2);
        ok(strcmp(sealed, sealed2) != 0, "sealing twice gives two forms (fresh salt and nonce)");
        ok(idt_unseal(p, "another passphrase of thirty-two bytes..", "purpose-a", sealed, &plain) != NULL,
           "another passphrase: refused");
        ok(idt_unseal(p, pass, "purpose-b", sealed, &plain) != NULL, "another purpose: refused");
        {
            char *bad = apr_pstrdup(p, sealed);
            bad[10] = bad[10] == 'A' ? 'B' : 'A';
            ok(idt_unseal(p, pass, "purpose-a", bad, &plain) != NULL, "a changed byte: refused");
        }
        e = idt_seal(p, pass, "purpose-a", "", &sealed);
        e = e ? e : idt_unseal(p, pass, "purpose-a", sealed, &plain);
        is_str(e ? e->msg : plain, "", "an empty secret round-trips");
    }

    /* PKCS#7: a bundle made of a certificate reads back as that certificate */
    {
        idt_cert *c, *back;
        EVP_PKEY *key;
        const char *b64;
        int n = 0;
        e = idt_selfsigned_new(p, "bundle.example.test", 2048, 1, &c, &key);
        ok(!e, "a certificate to bundle");
        b64 = e ? NULL : idt_pkcs7_b64(p, c);
        ok(b64 != NULL, "a PKCS#7 bundle of it");
        e = b64 ? idt_cert_or_bundle_parse(p, b64, strlen(b64), &back, &n) : NULL;
        ok(b64 && !e && !strcmp(back->sha256_hex, c->sha256_hex) && n == 1,
           "reads back as the same certificate");
        e = idt_cert_or_bundle_parse(p, c->pem, strlen(c->pem), &back, &n);
        ok(!e && !strcmp(back->sha256_hex, c->sha256_hex), "a PEM certificate is taken too");
        e = idt_cert_or_bundle_parse(p, "-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n", 44,
                                     &back, &n);
        ok(e && e->kind == IDT_E_CERT_DECODE, "a truncated bundle: %s", e ? e->msg : "(read)");
    }

    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
