/* libFuzzer harness for idt_cert_parse (modules/core/idt_x509.c): the certificate a
 * client pastes into the API. Built and run by scripts/fuzz/run.
 *
 * Besides the sanitizers (ASan, UBSan, LeakSanitizer), every input is checked for
 * these invariants; a violation calls abort(), which libFuzzer reports as a crash:
 *   - exactly one of (error, certificate) comes back; an error has a message and a
 *     4xx/5xx status;
 *   - an error message never quotes the input: it holds neither the first 16 bytes
 *     of the input nor the first 16 bytes of the body of any "-----BEGIN" block
 *     (a hit is confirmed by re-parsing with those bytes changed, so that a message
 *     word the input happens to start with is not mistaken for a quote);
 *   - input holding "PRIVATE KEY-----" is always refused as IDT_E_PRIVATE_KEY;
 *   - on success der_len > 0, pem/subject/issuer/serial/sha256 are set, and the PEM
 *     (and its CRLF form from idt_pem_crlf) parses back to the same DER;
 *   - OpenSSL's error queue is empty after every call (ERR_peek_error() == 0). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include <openssl/err.h>

#include "fuzz_common.h"
#include "no_quote.h"
#include "idt_error.h"
#include "idt_x509.h"

/* The parse under test, for the no-quote check's second look. */
static idt_error *reparse(apr_pool_t *p, const char *buf, size_t len)
{
    idt_cert *c = NULL;
    return idt_cert_parse(p, buf, len, &c);
}

static void check_error(const uint8_t *data, size_t size, const idt_error *e, const idt_cert *c)
{
    if (c) violation("an error came back with a certificate", e->msg);
    if (!e->msg || !*e->msg) violation("an error without a message", NULL);
    if (e->status < 400 || e->status > 599) violation("an error with a non-error status", e->msg);
    if (e->kind != IDT_E_PRIVATE_KEY && memmem(data, size, "PRIVATE KEY-----", 16))
        violation("a PEM private key was not refused as a private key", e->msg);

    check_no_quotes(data, size, e->msg, reparse);
}

static void check_cert(apr_pool_t *p, const uint8_t *data, size_t size, const idt_cert *c)
{
    const char *crlf;
    idt_cert *again = NULL;
    idt_error *e;

    if (!c) violation("neither an error nor a certificate came back", NULL);
    if (memmem(data, size, "PRIVATE KEY-----", 16))
        violation("input with a PEM private key was accepted", NULL);
    if (!c->x509 || !c->der || c->der_len == 0) violation("a certificate without DER", NULL);
    if (!c->pem || strncmp(c->pem, "-----BEGIN CERTIFICATE-----\n", 28) != 0)
        violation("a certificate without PEM", NULL);
    if (!c->subject || !c->issuer || !c->serial_dec || !c->serial_hex || !c->sig_alg ||
        !c->public_key_b64 || !c->sha256_hex || strlen(c->sha256_hex) != 64)
        violation("a certificate with a missing field", NULL);
    if (c->version < 1 || c->version > 3) violation("a certificate version out of range", NULL);

    crlf = idt_pem_crlf(p, c->pem);
    if (!crlf || strstr(crlf, "\r\n") == NULL) violation("idt_pem_crlf made no CRLF PEM", NULL);
    if (ERR_peek_error() != 0) violation("OpenSSL error queue not empty after success", NULL);

    /* What we hand out as PEM must be accepted back, in both line-end forms. */
    e = idt_cert_parse(p, crlf, strlen(crlf), &again);
    if (e) violation("the CRLF PEM of a parsed certificate is refused", e->msg);
    if (again->der_len != c->der_len || memcmp(again->der, c->der, c->der_len) != 0)
        violation("the CRLF PEM of a parsed certificate holds other DER", NULL);
    if (ERR_peek_error() != 0) violation("OpenSSL error queue not empty after re-parse", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    idt_cert *c = NULL;
    idt_error *e;

    ERR_clear_error();
    apr_pool_create(&p, root_pool);
    e = idt_cert_parse(p, (const char *)data, size, &c);
    if (ERR_peek_error() != 0)
        violation("OpenSSL error queue not empty after idt_cert_parse", e ? e->msg : NULL);
    if (e) check_error(data, size, e, c);
    else check_cert(p, data, size, c);
    apr_pool_destroy(p);
    return 0;
}
