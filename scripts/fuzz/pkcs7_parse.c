/* libFuzzer harness for idt_cert_or_bundle_parse (modules/core/idt_pkcs7.c): the `x509`
 * member of POST /rest.core/api/Certificates/import (a certificate, PEM or base64 DER, or
 * a PKCS#7 certs-only bundle, PEM or base64 DER), and what a receiver parses of the
 * bundle RESTCertificateAddedMyID.xml sends. Built and run by scripts/fuzz/run.
 *
 * Besides the sanitizers (ASan, UBSan, LeakSanitizer), every input is checked for
 * these invariants; a violation calls abort(), which libFuzzer reports as a crash:
 *   - exactly one of (error, certificate) comes back; an error has a message, status
 *     400 and one of the kinds idt_pkcs7.h documents (IDT_E_PRIVATE_KEY,
 *     IDT_E_CERT_CHAIN, IDT_E_CERT_DECODE);
 *   - input holding "PRIVATE KEY-----" is always refused as IDT_E_PRIVATE_KEY;
 *   - an error message never quotes the input: neither its first 16 bytes nor the first
 *     16 bytes of the body of any "-----BEGIN" block (a hit is confirmed by parsing
 *     again with those bytes changed, as scripts/fuzz/cert_parse.c does);
 *   - on success in_bundle >= 1, and the certificate has DER, PEM and its fields;
 *   - white space around the input changes nothing (the API trims it);
 *   - the bundle idt_pkcs7_b64 makes of an accepted certificate (what a notification
 *     sends) parses back, as base64 and as PEM, to the same DER, in a bundle of one;
 *   - OpenSSL's error queue is empty after every call. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <openssl/err.h>

#include "fuzz_common.h"
#include "no_quote.h"
#include "idt_error.h"
#include "idt_pkcs7.h"
#include "idt_x509.h"

/* The parse under test, for the no-quote check's second look. */
static idt_error *reparse(apr_pool_t *p, const char *buf, size_t len)
{
    idt_cert *c = NULL; int n;
    return idt_cert_or_bundle_parse(p, buf, len, &c, &n);
}

static void check_error(const uint8_t *data, size_t size, const idt_error *e, const idt_cert *c)
{
    if (c) violation("an error came back with a certificate", e->msg);
    if (!e->msg || !*e->msg) violation("an error without a message", NULL);
    if (e->status != 400) violation("an error that is not a 400", e->msg);
    if (e->kind != IDT_E_PRIVATE_KEY && e->kind != IDT_E_CERT_CHAIN && e->kind != IDT_E_CERT_DECODE)
        violation("an error of a kind idt_pkcs7.h does not document", e->msg);
    if (e->kind != IDT_E_PRIVATE_KEY && memmem(data, size, "PRIVATE KEY-----", 16))
        violation("a PEM private key was not refused as a private key", e->msg);
    check_no_quotes(data, size, e->msg, reparse);
}

/* s parses to a certificate with the DER of c, in a bundle of n_want (0: any). */
static void same_cert(apr_pool_t *p, const char *s, size_t len, const idt_cert *c, int n_want,
                      const char *what)
{
    idt_cert *again = NULL;
    int n = 0;
    idt_error *e = idt_cert_or_bundle_parse(p, s, len, &again, &n);

    if (ERR_peek_error() != 0) violation("OpenSSL error queue not empty", what);
    if (e) violation(what, e->msg);
    if (!again || again->der_len != c->der_len || memcmp(again->der, c->der, c->der_len))
        violation(what, "another certificate");
    if (n_want && n != n_want) violation(what, "another bundle size");
}

static void check_cert(apr_pool_t *p, const uint8_t *data, size_t size, const idt_cert *c, int n)
{
    const char *b64, *pem;
    char *padded;

    if (!c) violation("neither an error nor a certificate came back", NULL);
    if (n < 1) violation("a certificate from a bundle of fewer than one", NULL);
    if (memmem(data, size, "PRIVATE KEY-----", 16))
        violation("input with a PEM private key was accepted", NULL);
    if (!c->x509 || !c->der || c->der_len == 0) violation("a certificate without DER", NULL);
    if (!c->pem || strncmp(c->pem, "-----BEGIN CERTIFICATE-----\n", 28) != 0)
        violation("a certificate without PEM", NULL);
    if (!c->subject || !c->issuer || !c->serial_hex || !c->sha256_hex || strlen(c->sha256_hex) != 64)
        violation("a certificate with a missing field", NULL);

    padded = apr_palloc(p, size + 5);
    memcpy(padded, " \n", 2);
    memcpy(padded + 2, data, size);
    memcpy(padded + 2 + size, "\r\n\t", 3);
    same_cert(p, padded, size + 5, c, n, "white space around an accepted input changes it");

    if (!(b64 = idt_pkcs7_b64(p, c))) violation("idt_pkcs7_b64 made no bundle", NULL);
    if (ERR_peek_error() != 0) violation("OpenSSL error queue not empty after idt_pkcs7_b64", NULL);
    same_cert(p, b64, strlen(b64), c, 1, "the bundle of an accepted certificate, base64");
    pem = apr_pstrcat(p, "-----BEGIN PKCS7-----\n", b64, "\n-----END PKCS7-----\n", NULL);
    same_cert(p, pem, strlen(pem), c, 1, "the bundle of an accepted certificate, PEM");
    same_cert(p, c->pem, strlen(c->pem), c, 1, "the PEM of an accepted certificate");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    idt_cert *c = NULL;
    int n = 0;
    idt_error *e;

    ERR_clear_error();
    apr_pool_create(&p, root_pool);
    e = idt_cert_or_bundle_parse(p, (const char *)data, size, &c, &n);
    if (ERR_peek_error() != 0)
        violation("OpenSSL error queue not empty after idt_cert_or_bundle_parse", e ? e->msg : NULL);
    if (e) check_error(data, size, e, c);
    else check_cert(p, data, size, c, n);
    apr_pool_destroy(p);
    return 0;
}
