/* Unit tests of idt_mapping (mapping files: parse, placeholders checked, rendering),
 * idt_seal (secrets at rest) and idt_pkcs7 (bundles made and read back). */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
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
