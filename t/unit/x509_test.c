/* Unit tests of idt_x509 (certificate parsing, self-signed certificates, keys at
 * rest) and idt_secret (the passphrase file). Fixed certificates below were made
 * with the openssl command line; keys are made at run time, so none is stored here. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "idt_error.h"
#include "idt_secret.h"
#include "idt_x509.h"
#include "tap.h"

/* openssl req -x509 -newkey rsa:2048 -subj "/O=Example/CN=Example Test CA" -days 3650
 *   -sha256 -set_serial 1 */
static const char CA_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDJjCCAg6gAwIBAgIBATANBgkqhkiG9w0BAQsFADAsMRAwDgYDVQQKDAdFeGFt\n"
    "cGxlMRgwFgYDVQQDDA9FeGFtcGxlIFRlc3QgQ0EwHhcNMjYxMTI0MDUyMDEzWhcN\n"
    "MzYxMTIxMDUyMDEzWjAsMRAwDgYDVQQKDAdFeGFtcGxlMRgwFgYDVQQDDA9FeGFt\n"
    "cGxlIFRlc3QgQ0EwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDAvxkY\n"
    "muAtg1hENuPGybAX8MNvug1RFwFXErP9ZWF1PcewXySLDjIXMQT/KXCYRmPcLcDD\n"
    "4mnVh2O/oDT+sDaMP60bnsniM4IoY9UZgKcHSTR8QDcSl8TC2l3g8CHRcrUumPy6\n"
    "gCxgIGVtkHB9DU9hvslBkjKINTM2F+RvfaR/Y0bxkDHOswdfzB/FGhncVNIJR/zD\n"
    "Rwl4psfScccVMNtrVnK1vWhUdIt3x0H7rGZLMUylrFvZD/2oGnPv3G5ayxwh90wU\n"
    "AyUESvfBxgMZ79xRMXlL5CIEBbRILRWG+96sPefOt1u+ypaZvl4/waAzSDdNmgEm\n"
    "wRMC6MznYTG8G2U3AgMBAAGjUzBRMB0GA1UdDgQWBBSFA4uGNFxH9yGdRJWmYwHN\n"
    "uKnQyDAfBgNVHSMEGDAWgBSFA4uGNFxH9yGdRJWmYwHNuKnQyDAPBgNVHRMBAf8E\n"
    "BTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAmRs+AElpRLu6QMQW2xP225EXUgioZ\n"
    "rop53EeMA/N9Qfp+jDi+ZkJqmg/7SUuudKa7HkYeVcDXrw2dc9B1zmB7Gfk58v8H\n"
    "5F9OBQEOhrDioDvTbDctc8f7uQbdtKFgI4ITwPjC8Zl9NREtbxB0EFlnxjjA24lP\n"
    "3qpayR/wZcUKher/GhlKj27HyR5bTu1MkiBvdyhyDW8K1s9j+2U15yMrCpek4WPe\n"
    "vWapDA+UiEgrLfe2+Dd+xeVF1pHYI8GBWVskDlHmnU2RBcCXEJ2MeANNtTudXKU8\n"
    "1ftygZmIwvNELJ92RuF2RfyJZOc92+AUbWi5VywMbQE+yc37xSwAuZMM\n"
    "-----END CERTIFICATE-----\n";

/* openssl x509 -req (subject /O=Example/CN=idp.example.com) -CA <above>
 *   -set_serial 0x1234 -days 730 -sha256: a version 1 certificate.
 * notBefore 261124052013Z, notAfter 281123052013Z (UTCTime). */
static const char LEAF_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICzTCCAbUCAhI0MA0GCSqGSIb3DQEBCwUAMCwxEDAOBgNVBAoMB0V4YW1wbGUx\n"
    "GDAWBgNVBAMMD0V4YW1wbGUgVGVzdCBDQTAeFw0yNjExMjQwNTIwMTNaFw0yODEx\n"
    "MjMwNTIwMTNaMCwxEDAOBgNVBAoMB0V4YW1wbGUxGDAWBgNVBAMMD2lkcC5leGFt\n"
    "cGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAL0o1Q/BEBlF\n"
    "b0z1HR1QtJrZJlczoRfkQBEAe/E0S4ZJg8v8ck8hYAkpAZg8MyHb3YZzPnOG8L1F\n"
    "ay2d9frAtPhqcCdZIgM+6S8NyuXnDTEMLZakRGVWcBz8Yx1tzc5a3WjK5/0pUmKt\n"
    "IJVnhcBq2yyIivjeSW+C43oGyxeALk7b5vSOtPElvXA95QnzDcRhiSR2VVa1ZnUc\n"
    "/BfLj2AZJqFr86XGqFEvvBJbS9bdBFOBmAh3t7OCHC75RDxleQrXulCok6+yGzTk\n"
    "1Yu/wNhzqmpq0yK6xhTiNIi4o9Y4dKK0r1D0FUK853Ndj+PumiBZg0ZL1FkRPiQE\n"
    "X/J0yan95acCAwEAATANBgkqhkiG9w0BAQsFAAOCAQEASKs/KF4ct6EDxuhbe+Hy\n"
    "D2xt5hDORbUstdza7hCDltvmB4ljxjJINvAhu1U/b7xdGGsYdjpQoI1RHPbHb/+q\n"
    "4vp/hBVi1RGGpDHx89ZP9AOMEFqwwF+GbK0CFZ+tRJAIYV40j/mA5n3YS5wik7l2\n"
    "9ls9kVEUTowVSo9y/fuy6K8rkEIRpqLL/K7UqjwHjMA97UDqhCaLgZof3LsHkEf8\n"
    "+mPsWHuvN1QgzH9zpfXD1XQSPtROl1fOpX1OZ20HIQscMMP9IMUkNofyDZztAoND\n"
    "otK51svD89GDpmbzktxpG2w7f96FNzPX3uX6kPr/X4vbao/LAoJuk7WE8TVGlanP\n"
    "dw==\n"
    "-----END CERTIFICATE-----\n";
#define LEAF_NOT_BEFORE_MS INT64_C(1795497613000) /* date -d 2026-11-24T05:20:13Z */
#define LEAF_NOT_AFTER_MS INT64_C(1858569613000)  /* date -d 2028-11-23T05:20:13Z */
#define LEAF_SHA256 "48121ccf11cdfb2726b3453a9e23e1cc41b96ceb31645c94b98d6b685b50dba4"
#define LEAF_PUBKEY                                                                  \
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvSjVD8EQGUVvTPUdHVC0mtkmVzOhF+RAEQB78" \
    "TRLhkmDy/xyTyFgCSkBmDwzIdvdhnM+c4bwvUVrLZ31+sC0+GpwJ1kiAz7pLw3K5ecNMQwtlqREZVZwHP" \
    "xjHW3NzlrdaMrn/SlSYq0glWeFwGrbLIiK+N5Jb4LjegbLF4AuTtvm9I608SW9cD3lCfMNxGGJJHZVVrV" \
    "mdRz8F8uPYBkmoWvzpcaoUS+8EltL1t0EU4GYCHe3s4IcLvlEPGV5Cte6UKiTr7IbNOTVi7/A2HOqamrT" \
    "IrrGFOI0iLij1jh0orSvUPQVQrznc12P4+6aIFmDRkvUWRE+JARf8nTJqf3lpwIDAQAB"

/* openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=ec.example.com
 *   -days 36500 -sha256 -set_serial 0x00F1E2D3C4B5A69788796A5B4C3D2E1F
 * notAfter 21261031052013Z (GeneralizedTime). */
static const char EC_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBhTCCASugAwIBAgIQAPHi08S1ppeIeWpbTD0uHzAKBggqhkjOPQQDAjAZMRcw\n"
    "FQYDVQQDDA5lYy5leGFtcGxlLmNvbTAgFw0yNjExMjQwNTIwMTNaGA8yMTI2MTAz\n"
    "MTA1MjAxM1owGTEXMBUGA1UEAwwOZWMuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAASvrnSW1wIbkcnRoiVyvV9+KKjvnKNQ6+hgG837WDYFu9nf\n"
    "99Pnvh+UpgkDaNupy0aX4qHSFCQ43eNIO7wNl0clo1MwUTAdBgNVHQ4EFgQULeOv\n"
    "xfOlZzpDUVYz+8RD+SNp/8cwHwYDVR0jBBgwFoAULeOvxfOlZzpDUVYz+8RD+SNp\n"
    "/8cwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAZ2X3r+KuZyU8Y\n"
    "mefXwePNZeLjDWtJ5VEwX30v9Xvv6AIhAMYoVAjI5z025267b5jLGHJFAWwcJtwR\n"
    "aUftA6sAby2o\n"
    "-----END CERTIFICATE-----\n";
#define EC_NOT_AFTER_MS INT64_C(4949097613000) /* date -d 2126-10-31T05:20:13Z */
#define EC_PUBKEY                                                                    \
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEr650ltcCG5HJ0aIlcr1ffiio75yjUOvoYBvN+1g2BbvZ3" \
    "/fT574flKYJA2jbqctGl+Kh0hQkON3jSDu8DZdHJQ=="

static apr_pool_t *pool;

/* ---- helpers ---- */

/* s with every "\n" turned into "\r\n". */
static const char *to_crlf(const char *s)
{
    char *out = apr_palloc(pool, 2 * strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\n')
            *o++ = '\r';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

/* The base64 body of a PEM block: the lines between BEGIN and END, newlines kept
 * when keep_nl, removed otherwise. */
static const char *pem_body(const char *pem, int keep_nl)
{
    const char *s = strchr(pem, '\n') + 1;
    const char *end = strstr(s, "-----END");
    char *out = apr_palloc(pool, (apr_size_t)(end - s) + 1), *o = out;
    for (; s < end; s++)
        if (keep_nl || (*s != '\n' && *s != '\r'))
            *o++ = *s;
    *o = '\0';
    return out;
}

/* 1 when msg holds any run of 10 non-space bytes of input. */
static int quotes_input(const char *msg, const char *input, apr_size_t len)
{
    const apr_size_t w = 10;
    apr_size_t i, j;

    if (!msg || len < w)
        return 0;
    for (i = 0; i + w <= len; i++) {
        for (j = 0; j < w; j++)
            if (input[i + j] == ' ' || input[i + j] == '\n' || input[i + j] == '\r' ||
                input[i + j] == '\0')
                break;
        if (j < w)
            continue;
        for (j = 0; msg[j]; j++)
            if (strncmp(msg + j, input + i, w) == 0)
                return 1;
    }
    return 0;
}

static idt_error *parse(const char *s, idt_cert **c)
{
    return idt_cert_parse(pool, s, strlen(s), c);
}

static int kind_of(idt_error *e)
{
    return e ? (int)e->kind : 0;
}

static const char *bio_str(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    return apr_pstrmemdup(pool, data, (apr_size_t)n);
}

/* A certificate signed by key with md (NULL for EdDSA), with the given times
 * (ASN1_TIME_set_string forms) and serial (negative allowed), as DER in pool. */
static const unsigned char *make_der(EVP_PKEY *key, const EVP_MD *md, const char *nb,
                                     const char *na, long serial, apr_size_t *len)
{
    X509 *x = X509_new();
    unsigned char *der = NULL, *out = NULL;
    int n;

    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               (const unsigned char *)"made.example.com", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    ASN1_TIME_set_string(X509_getm_notBefore(x), nb);
    ASN1_TIME_set_string(X509_getm_notAfter(x), na);
    X509_set_pubkey(x, key);
    if (X509_sign(x, key, md) > 0 && (n = i2d_X509(x, &der)) > 0) {
        out = apr_pmemdup(pool, der, (apr_size_t)n);
        *len = (apr_size_t)n;
    }
    OPENSSL_free(der);
    X509_free(x);
    return out;
}

/* A self-signed certificate whose version field holds version as it is (0 is v1, 2 is
 * v3; OpenSSL 3.0 writes and reads any INTEGER there), as DER in pool. */
static const unsigned char *make_der_version(EVP_PKEY *key, long version, apr_size_t *len)
{
    X509 *x = X509_new();
    unsigned char *der = NULL, *out = NULL;
    int n;

    if (X509_set_version(x, version) == 1 && X509_get_version(x) == version) {
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   (const unsigned char *)"version.example.com", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        ASN1_TIME_set_string(X509_getm_notBefore(x), "20000101000000Z");
        ASN1_TIME_set_string(X509_getm_notAfter(x), "20010101000000Z");
        X509_set_pubkey(x, key);
        if (X509_sign(x, key, EVP_sha256()) > 0 && (n = i2d_X509(x, &der)) > 0) {
            out = apr_pmemdup(pool, der, (apr_size_t)n);
            *len = (apr_size_t)n;
        }
    }
    OPENSSL_free(der);
    X509_free(x);
    ERR_clear_error();
    return out;
}

/* ---- idt_cert_parse: accepted forms ---- */

static void test_parse_forms(void)
{
    idt_cert *c = NULL;
    idt_error *e;
    const char *b64, *s;
    char *buf;
    apr_size_t n;

    e = parse(LEAF_PEM, &c);
    ok(!e && c, "PEM with \\n line ends parses");
    is_str(c ? c->pem : NULL, LEAF_PEM, "pem is the input PEM");

    e = parse(to_crlf(LEAF_PEM), &c);
    ok(!e && c, "PEM with \\r\\n line ends parses");
    is_str(c ? c->pem : NULL, LEAF_PEM, "pem of a \\r\\n paste has \\n line ends");

    e = parse(apr_pstrcat(pool, " \t\r\n\n  ", LEAF_PEM, "\n\n \t  \r\n", NULL), &c);
    ok(!e && c, "PEM with surrounding whitespace parses");

    s = LEAF_PEM;
    s = apr_pstrcat(pool, "-----BEGIN CERTIFICATE-----", pem_body(s, 0),
                    "-----END CERTIFICATE-----", NULL);
    e = parse(s, &c);
    ok(!e && c, "PEM on one line parses");

    b64 = pem_body(LEAF_PEM, 0);
    e = parse(b64, &c);
    ok(!e && c && strcmp(c->sha256_hex, LEAF_SHA256) == 0, "bare base64 on one line parses");
    e = parse(pem_body(LEAF_PEM, 1), &c);
    ok(!e && c && strcmp(c->sha256_hex, LEAF_SHA256) == 0,
       "bare base64 with 64-column lines parses");
    e = parse(apr_pstrcat(pool, "\n  ", to_crlf(pem_body(LEAF_PEM, 1)), "  \n", NULL), &c);
    ok(!e && c, "bare base64 with \\r\\n lines and surrounding whitespace parses");
    is_str(c ? idt_cert_b64(pool, c) : NULL, b64, "idt_cert_b64 is the one-line base64");

    /* len is authoritative: what follows it is not looked at. */
    n = strlen(LEAF_PEM);
    buf = apr_palloc(pool, n + 16);
    memcpy(buf, LEAF_PEM, n);
    memcpy(buf + n, "GARBAGE-GARBAGE", 16);
    e = idt_cert_parse(pool, buf, n, &c);
    ok(!e && c, "bytes past len are ignored");

    e = idt_cert_from_der(pool, c->der, c->der_len, &c);
    ok(!e && c && strcmp(c->sha256_hex, LEAF_SHA256) == 0, "idt_cert_from_der parses DER");
}

/* ---- idt_cert_parse: refused input ---- */

static void test_parse_errors(void)
{
    static const char garbage[] = "zq-XYZZY-plugh-8472-frobnitz-99";
    idt_cert *c = NULL;
    idt_error *e;
    const char *s;
    char *buf;
    apr_size_t n;
    unsigned char der_plus[2048];
    idt_cert *leaf = NULL;

    e = parse(apr_pstrcat(pool, LEAF_PEM, CA_PEM, NULL), &c);
    is_int(kind_of(e), IDT_E_CERT_CHAIN, "two certificates: CERT_CHAIN");
    ok(e && strstr(e->msg, "2 certificates"), "the message says 2 were found (%s)",
       e ? e->msg : "");
    ok(c == NULL, "no certificate on error");
    e = parse(apr_pstrcat(pool, LEAF_PEM, "\n", CA_PEM, "\r\n", EC_PEM, NULL), &c);
    is_int(kind_of(e), IDT_E_CERT_CHAIN, "three certificates: CERT_CHAIN");
    ok(e && strstr(e->msg, "3 certificates"), "the message says 3 were found");

    e = parse(garbage, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "garbage: CERT_DECODE");
    ok(e && strncmp(e->msg, "the certificate cannot be decoded: ", 35) == 0,
       "the message says the certificate cannot be decoded (%s)", e ? e->msg : "");
    ok(e && !quotes_input(e->msg, garbage, strlen(garbage)),
       "the message does not quote the garbage");

    s = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="; /* valid base64, not DER */
    e = parse(s, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "base64 that is not DER: CERT_DECODE");
    ok(e && !quotes_input(e->msg, s, strlen(s)), "the message does not quote it");

    e = parse("", &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "empty input: CERT_DECODE");
    e = parse(" \r\n\t ", &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "whitespace only: CERT_DECODE");
    e = idt_cert_parse(pool, NULL, 0, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "NULL input: CERT_DECODE");

    /* Truncations. */
    s = LEAF_PEM;
    e = parse(apr_pstrndup(pool, s, (apr_size_t)(strstr(s, "-----END") - s)), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "PEM without its END line: CERT_DECODE");
    e = parse(apr_pstrcat(pool, apr_pstrndup(pool, s, 400), "\n-----END CERTIFICATE-----\n",
                          NULL),
              &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "PEM cut in the middle: CERT_DECODE");
    e = parse(apr_pstrndup(pool, s, 500), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "PEM cut off: CERT_DECODE");
    s = pem_body(LEAF_PEM, 0);
    e = parse(apr_pstrndup(pool, s, strlen(s) - 40), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "truncated bare base64: CERT_DECODE");

    /* Text around the block. */
    e = parse(apr_pstrcat(pool, LEAF_PEM, garbage, NULL), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "text after END: CERT_DECODE");
    ok(e && !quotes_input(e->msg, garbage, strlen(garbage)), "the message does not quote it");
    e = parse(apr_pstrcat(pool, LEAF_PEM, "\n.\n", NULL), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a dot after END: CERT_DECODE");
    e = parse(apr_pstrcat(pool, garbage, "\n", LEAF_PEM, NULL), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "text before BEGIN: CERT_DECODE");
    e = parse(apr_pstrcat(pool, LEAF_PEM, "-----BEGIN X509 CRL-----\nAAAA\n"
                                          "-----END X509 CRL-----\n", NULL),
              &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a CRL after the certificate: CERT_DECODE");
    e = parse("-----BEGIN PUBLIC KEY-----\n" EC_PUBKEY "\n-----END PUBLIC KEY-----\n", &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a PUBLIC KEY block: CERT_DECODE");
    e = parse("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n"
              "-----END CERTIFICATE-----\n", &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "PEM headers: CERT_DECODE");

    /* NUL bytes: len counts them. */
    n = strlen(LEAF_PEM);
    buf = apr_pmemdup(pool, LEAF_PEM, n + 1);
    buf[100] = '\0';
    e = idt_cert_parse(pool, buf, n, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a NUL byte in the body: CERT_DECODE");
    buf = apr_pcalloc(pool, n + 8);
    memcpy(buf, LEAF_PEM, n);
    e = idt_cert_parse(pool, buf, n + 8, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "NUL bytes after END: CERT_DECODE");

    /* Huge input. */
    n = 3 * 1024 * 1024;
    buf = apr_palloc(pool, n);
    memset(buf, 'A', n);
    e = idt_cert_parse(pool, buf, n, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "3 MiB of base64: CERT_DECODE");

    /* DER with a byte after the certificate. */
    e = parse(LEAF_PEM, &leaf);
    ok(!e && leaf && leaf->der_len < sizeof(der_plus), "leaf parses again");
    memcpy(der_plus, leaf->der, leaf->der_len);
    der_plus[leaf->der_len] = 0;
    e = idt_cert_from_der(pool, der_plus, leaf->der_len + 1, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "DER with a trailing byte: CERT_DECODE");
    e = idt_cert_from_der(pool, der_plus, leaf->der_len - 1, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "DER one byte short: CERT_DECODE");
    e = idt_cert_from_der(pool, der_plus, 0, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "empty DER: CERT_DECODE");

    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- idt_cert_parse: private keys ---- */

static void check_key(const char *input, const char *what)
{
    idt_cert *c = (idt_cert *)1;
    idt_error *e = idt_cert_parse(pool, input, strlen(input), &c);

    is_int(kind_of(e), IDT_E_PRIVATE_KEY, "%s: PRIVATE_KEY", what);
    ok(e && !quotes_input(e->msg, input, strlen(input)),
       "%s: the message does not quote the key", what);
    ok(c == NULL, "%s: no certificate", what);
}

static void test_parse_private_keys(EVP_PKEY *rsa)
{
    BIO *bio;
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    const char *pem, *enc = NULL;
    unsigned char *der = NULL;
    int n;

    ok(ec != NULL, "an EC key is made");

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey_traditional(bio, rsa, NULL, NULL, 0, NULL, NULL);
    pem = bio_str(bio);
    BIO_free(bio);
    ok(strncmp(pem, "-----BEGIN RSA PRIVATE KEY-----", 31) == 0, "fixture: RSA PRIVATE KEY");
    check_key(pem, "RSA PRIVATE KEY PEM");
    check_key(apr_pstrcat(pool, "\r\n", to_crlf(pem), NULL), "RSA PRIVATE KEY PEM, \\r\\n");
    check_key(apr_pstrcat(pool, LEAF_PEM, pem, NULL), "certificate followed by its key");
    check_key(pem_body(pem, 1), "bare base64 of a PKCS#1 RSA key");

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey_traditional(bio, ec, NULL, NULL, 0, NULL, NULL);
    pem = bio_str(bio);
    BIO_free(bio);
    ok(strncmp(pem, "-----BEGIN EC PRIVATE KEY-----", 30) == 0, "fixture: EC PRIVATE KEY");
    check_key(pem, "EC PRIVATE KEY PEM");

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PKCS8PrivateKey(bio, rsa, NULL, NULL, 0, NULL, NULL);
    pem = bio_str(bio);
    BIO_free(bio);
    ok(strncmp(pem, "-----BEGIN PRIVATE KEY-----", 27) == 0, "fixture: PRIVATE KEY");
    check_key(pem, "PKCS#8 PRIVATE KEY PEM");
    check_key(pem_body(pem, 0), "bare base64 of a PKCS#8 key");
    check_key(pem_body(pem, 1), "bare base64 of a PKCS#8 key, in lines");
    check_key(apr_pstrcat(pool, "-----BEGIN CERTIFICATE-----\n", pem_body(pem, 1),
                          "-----END CERTIFICATE-----\n", NULL),
              "a PKCS#8 key labelled CERTIFICATE");

    n = i2d_PrivateKey(ec, &der);
    ok(n > 0, "fixture: EC key DER");
    if (n > 0) {
        char *b64 = apr_palloc(pool, 4 * ((apr_size_t)n + 2) / 3 + 1);
        EVP_EncodeBlock((unsigned char *)b64, der, n);
        check_key(b64, "bare base64 of an EC key");
    }
    OPENSSL_free(der);

    idt_key_encrypt(pool, rsa, "a passphrase of some length", &enc);
    ok(enc && strncmp(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0,
       "fixture: ENCRYPTED PRIVATE KEY");
    if (enc) {
        check_key(enc, "ENCRYPTED PRIVATE KEY PEM");
        check_key(pem_body(enc, 0), "bare base64 of an encrypted PKCS#8 key");
    }
    check_key("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
              "-----END OPENSSH PRIVATE KEY-----\n",
              "OPENSSH PRIVATE KEY PEM");

    EVP_PKEY_free(ec);
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- fields ---- */

static void test_fields(EVP_PKEY *rsa)
{
    idt_cert *c = NULL;
    idt_error *e;
    const unsigned char *der;
    apr_size_t len = 0;
    EVP_PKEY *k;

    e = parse(LEAF_PEM, &c);
    ok(!e && c, "leaf parses");
    if (!c)
        return;
    ok(c->x509 != NULL, "x509 is set");
    is_str(c->subject, "CN=idp.example.com,O=Example", "subject, RFC 2253");
    is_str(c->issuer, "CN=Example Test CA,O=Example", "issuer, RFC 2253");
    is_str(c->serial_dec, "4660", "serial_dec");
    is_str(c->serial_hex, "1234", "serial_hex");
    is_int(c->serial_fits_int64, 1, "serial fits int64");
    is_int(c->serial_int64, 4660, "serial_int64");
    is_int(c->version, 1, "version 1");
    is_str(c->sig_alg, "SHA256withRSA", "sig_alg SHA256withRSA");
    is_int(c->not_before_ms, LEAF_NOT_BEFORE_MS, "not_before_ms");
    is_int(c->not_after_ms, LEAF_NOT_AFTER_MS, "not_after_ms");
    is_str(c->public_key_b64, LEAF_PUBKEY, "public_key_b64");
    is_str(c->sha256_hex, LEAF_SHA256, "sha256_hex");

    e = parse(CA_PEM, &c);
    ok(!e && c, "CA parses");
    is_int(c ? c->version : 0, 3, "CA version 3");
    is_str(c ? c->subject : NULL, "CN=Example Test CA,O=Example", "CA subject");
    is_str(c ? c->serial_hex : NULL, "01", "CA serial_hex");

    e = parse(EC_PEM, &c);
    ok(!e && c, "EC certificate parses");
    if (c) {
        is_str(c->sig_alg, "SHA256withECDSA", "sig_alg SHA256withECDSA");
        is_str(c->subject, "CN=ec.example.com", "EC subject");
        is_str(c->serial_hex, "F1E2D3C4B5A69788796A5B4C3D2E1F", "serial_hex upper-case");
        is_str(c->serial_dec, "1255944145498273452229294975526710815", "big serial_dec");
        is_int(c->serial_fits_int64, 0, "a 120-bit serial does not fit int64");
        is_int(c->not_after_ms, EC_NOT_AFTER_MS, "GeneralizedTime notAfter in 2126");
        is_str(c->public_key_b64, EC_PUBKEY, "EC public_key_b64");
    }

    /* Times beyond UTCTime, and around its 2049/2050 edge. */
    der = make_der(rsa, EVP_sha256(), "19500101000000Z", "20500101000000Z", 7, &len);
    e = der ? idt_cert_from_der(pool, der, len, &c) : NULL;
    ok(der && !e && c, "a 1950-2050 certificate parses");
    if (der && !e) {
        is_int(c->not_before_ms, INT64_C(-631152000000), "not_before_ms in 1950");
        is_int(c->not_after_ms, INT64_C(2524608000000), "not_after_ms in 2050");
    }
    der = make_der(rsa, EVP_sha384(), "691231235959Z", "491231235959Z", -5, &len);
    e = der ? idt_cert_from_der(pool, der, len, &c) : NULL;
    ok(der && !e && c, "a UTCTime 1969-2049 certificate with a negative serial parses");
    if (der && !e) {
        is_int(c->not_before_ms, -1000, "not_before_ms 1969-12-31T23:59:59Z");
        is_int(c->not_after_ms, INT64_C(2524607999000), "not_after_ms 2049-12-31T23:59:59Z");
        is_str(c->sig_alg, "SHA384withRSA", "sig_alg SHA384withRSA");
        is_str(c->serial_dec, "-5", "negative serial_dec");
        is_int(c->serial_fits_int64, 0, "a negative serial is not reported as int64");
    }
    der = make_der(rsa, EVP_sha512(), "20000101000000Z", "20010101000000Z", 1, &len);
    ok(der && !idt_cert_from_der(pool, der, len, &c) && strcmp(c->sig_alg, "SHA512withRSA") == 0,
       "sig_alg SHA512withRSA");
    der = make_der(rsa, EVP_sha1(), "20000101000000Z", "20010101000000Z", 1, &len);
    ok(der && !idt_cert_from_der(pool, der, len, &c) && strcmp(c->sig_alg, "SHA1withRSA") == 0,
       "sig_alg SHA1withRSA");

    /* Version fields RFC 5280 does not know are refused, not reported as version
     * -37 or 11; INT_MAX overflowed "version + 1". Found by scripts/fuzz/cert_parse. */
    {
        static const long bad[] = {3, 10, -1, -38, 2147483647L};
        size_t i;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            der = make_der_version(rsa, bad[i], &len);
            e = der ? idt_cert_from_der(pool, der, len, &c) : NULL;
            ok(der && kind_of(e) == IDT_E_CERT_DECODE && e->msg && strstr(e->msg, "version"),
               "version field %ld: CERT_DECODE (%s)", bad[i], e ? e->msg : "accepted");
        }
        der = make_der_version(rsa, X509_VERSION_2, &len);
        e = der ? idt_cert_from_der(pool, der, len, &c) : NULL;
        ok(der && !e && c->version == 2, "version field 1 is version 2");
        ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
    }

    k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    der = k ? make_der(k, EVP_sha384(), "20000101000000Z", "20010101000000Z", 1, &len) : NULL;
    ok(der && !idt_cert_from_der(pool, der, len, &c) &&
           strcmp(c->sig_alg, "SHA384withECDSA") == 0,
       "sig_alg SHA384withECDSA");
    EVP_PKEY_free(k);
    k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    der = k ? make_der(k, NULL, "20000101000000Z", "20010101000000Z", 1, &len) : NULL;
    ok(der && !idt_cert_from_der(pool, der, len, &c) && strcmp(c->sig_alg, "Ed25519") == 0,
       "sig_alg Ed25519");
    EVP_PKEY_free(k);
}

/* ---- idt_pem_crlf ---- */

static void test_pem_crlf(void)
{
    const char *s, *q;
    int lines = 0, crlf = 0;

    is_str(idt_pem_crlf(pool, "-----BEGIN CERTIFICATE-----\nMIIE\nAAAA\n"
                              "-----END CERTIFICATE-----\n"),
           "-----BEGIN CERTIFICATE-----\r\nMIIE\r\nAAAA\r\n-----END CERTIFICATE-----",
           "idt_pem_crlf: \\r\\n line ends, none after END");
    is_str(idt_pem_crlf(pool, "-----BEGIN CERTIFICATE-----\r\nMIIE\r\n"
                              "-----END CERTIFICATE-----\r\n"),
           "-----BEGIN CERTIFICATE-----\r\nMIIE\r\n-----END CERTIFICATE-----",
           "idt_pem_crlf: \\r\\n input is not doubled");

    s = idt_pem_crlf(pool, LEAF_PEM);
    for (q = LEAF_PEM; *q; q++)
        lines += *q == '\n';
    for (q = s; *q; q++) {
        if (*q == '\n' && (q == s || q[-1] != '\r'))
            crlf = -1000;
        if (*q == '\r' && q[1] == '\n')
            crlf++;
    }
    is_int(crlf, lines - 1, "leaf in \\r\\n form: every line but the last ends \\r\\n");
    ok(strncmp(s, "-----BEGIN CERTIFICATE-----\r\nMIIC", 33) == 0, "it starts with BEGIN");
    ok(strlen(s) > 25 && strcmp(s + strlen(s) - 26, "\n-----END CERTIFICATE-----") == 0,
       "it ends with END and no line end");
}

/* ---- idt_selfsigned_new ---- */

static void test_selfsigned(idt_cert *c, EVP_PKEY *key)
{
    idt_cert *c2 = NULL;
    EVP_PKEY *k2 = NULL;
    idt_error *e;
    int i;
    BIGNUM *bn;
    apr_int64_t now_ms = apr_time_now() / 1000;

    ok(c && key, "idt_selfsigned_new makes a certificate and a key");
    if (!c || !key)
        return;
    is_int(X509_check_private_key(c->x509, key), 1, "the certificate holds the key");
    is_int(X509_verify(c->x509, X509_get0_pubkey(c->x509)), 1, "it is self-signed");
    is_int(EVP_PKEY_get_bits(key), 2048, "a 2048-bit RSA key");
    {
        /* read back, the key is left undecoded and decoded on demand */
        idt_cert *rc = NULL;
        EVP_PKEY *pub;
        ok(!idt_cert_parse(pool, c->pem, strlen(c->pem), &rc) && rc, "it parses back");
        pub = rc ? idt_cert_public_key(pool, rc) : NULL;
        ok(pub && EVP_PKEY_eq(pub, key) == 1, "idt_cert_public_key gives its key");
        ok(rc && rc->spki_len > 0 && !strcmp(rc->public_key_b64, c->public_key_b64),
           "the same SubjectPublicKeyInfo as the certificate made");
        ERR_clear_error();
    }
    is_str(c->subject, "CN=Zoë \\,Idp", "subject CN keeps UTF-8, escapes the comma");
    is_str(c->issuer, c->subject, "issuer is the subject");
    is_int(c->version, 3, "version 3");
    is_str(c->sig_alg, "SHA256withRSA", "signed with SHA-256");
    is_int(c->not_after_ms - c->not_before_ms, INT64_C(30) * 86400 * 1000,
           "valid for 30 days");
    ok(c->not_before_ms <= now_ms - 55000 && c->not_before_ms >= now_ms - 70000,
       "valid from a minute ago");

    bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(c->x509), NULL);
    ok(bn && !BN_is_negative(bn) && !BN_is_zero(bn) && BN_num_bits(bn) <= 128,
       "serial is positive and at most 128 bits");
    BN_free(bn);

    ok((X509_get_extension_flags(c->x509) & EXFLAG_BCONS) &&
           !(X509_get_extension_flags(c->x509) & EXFLAG_CA),
       "basicConstraints CA:FALSE");
    i = X509_get_ext_by_NID(c->x509, NID_basic_constraints, -1);
    ok(i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(c->x509, i)),
       "basicConstraints is critical");
    is_int(X509_get_key_usage(c->x509), KU_DIGITAL_SIGNATURE, "keyUsage digitalSignature");
    i = X509_get_ext_by_NID(c->x509, NID_key_usage, -1);
    ok(i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(c->x509, i)),
       "keyUsage is critical");

    e = idt_cert_parse(pool, c->pem, strlen(c->pem), &c2);
    ok(!e && c2 && strcmp(c2->sha256_hex, c->sha256_hex) == 0, "its PEM parses back");

    e = idt_selfsigned_new(pool, "x", 1024, 30, &c2, &k2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "1024 bits is refused");
    ok(!c2 && !k2, "nothing is returned on error");
    e = idt_selfsigned_new(pool, "x", 2048, 0, &c2, &k2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "0 days is refused");
    e = idt_selfsigned_new(pool, "", 2048, 30, &c2, &k2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "an empty CN is refused");
    e = idt_selfsigned_new(pool, apr_psprintf(pool, "%065d", 0), 2048, 30, &c2, &k2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a 65-character CN is refused");
    e = idt_selfsigned_new(pool, "bad \xff\xfe utf-8", 2048, 30, &c2, &k2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a CN that is not UTF-8 is refused");
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- keys at rest ---- */

static void test_key_at_rest(idt_cert *c, EVP_PKEY *key)
{
    const char *pass = "correct horse battery staple 0123456789";
    const char *pem = NULL;
    EVP_PKEY *k = NULL;
    idt_error *e;
    BIO *bio;

    e = idt_key_encrypt(pool, key, pass, &pem);
    ok(!e && pem, "idt_key_encrypt");
    ok(pem && strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 38) == 0,
       "it is an ENCRYPTED PRIVATE KEY PEM");
    if (!pem)
        return;

    e = idt_key_decrypt(pool, pem, pass, &k);
    ok(!e && k, "it decrypts with the passphrase");
    ok(k && EVP_PKEY_eq(k, key) == 1, "to the same key");
    ok(k && X509_check_private_key(c->x509, k) == 1, "that matches the certificate");

    k = (EVP_PKEY *)1;
    e = idt_key_decrypt(pool, pem, "correct horse battery staple 0123456788", &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "a wrong passphrase fails");
    ok(k == NULL, "and gives no key");
    ok(e && !strstr(e->msg, "correct horse"), "the message does not hold the passphrase");

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    e = idt_key_decrypt(pool, bio_str(bio), pass, &k);
    BIO_free(bio);
    is_int(kind_of(e), IDT_E_INTERNAL, "a key that is not encrypted is refused");

    e = idt_key_decrypt(pool, apr_pstrndup(pool, pem, strlen(pem) / 2), pass, &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "a truncated key fails");
    e = idt_key_encrypt(pool, key, "", &pem);
    is_int(kind_of(e), IDT_E_INTERNAL, "an empty passphrase is refused");
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- idt_secret_load ---- */

static const char *write_file(const char *dir, const char *name, const char *content,
                              mode_t mode)
{
    const char *path = apr_pstrcat(pool, dir, "/", name, NULL);
    FILE *f = fopen(path, "wb");

    if (f) {
        fputs(content, f);
        fclose(f);
    }
    chmod(path, mode);
    return path;
}

static void test_secret(void)
{
    static const char secret[] = "0123456789abcdef0123456789ABCDEF-secret";
    char dir[] = "/tmp/idt_x509_test.XXXXXX";
    const char *path, *s = NULL;
    idt_error *e;

    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp: %s", strerror(errno));
        return;
    }

    path = write_file(dir, "s600", apr_pstrcat(pool, secret, "\nsecond line\n", NULL), 0600);
    e = idt_secret_load(pool, path, &s);
    ok(!e, "a 0600 file is read");
    is_str(s, secret, "the secret is its first line");
    unlink(path);

    path = write_file(dir, "s640", apr_pstrcat(pool, secret, "  \r\n", NULL), 0640);
    e = idt_secret_load(pool, path, &s);
    ok(!e, "a 0640 file is read (group read is allowed)");
    is_str(s, secret, "trailing spaces and \\r\\n are removed");
    unlink(path);

    path = write_file(dir, "nonl", secret, 0600);
    e = idt_secret_load(pool, path, &s);
    is_str(e ? NULL : s, secret, "a file without a newline is read");
    unlink(path);

    path = write_file(dir, "s644", secret, 0644);
    s = "x";
    e = idt_secret_load(pool, path, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a 0644 file is refused");
    ok(s == NULL, "and gives no secret");
    ok(e && strstr(e->msg, path), "the message names the file");
    ok(e && !strstr(e->msg, "0123456789abcdef"), "the message does not hold the secret");
    unlink(path);

    path = write_file(dir, "s602", secret, 0602);
    e = idt_secret_load(pool, path, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a world-writable file is refused");
    unlink(path);

    path = write_file(dir, "short", "0123456789abcdef0123456789abcde\n", 0600);
    e = idt_secret_load(pool, path, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a 31-byte secret is refused");
    ok(e && strstr(e->msg, "32") && strstr(e->msg, path), "the message says why and where");
    ok(e && !strstr(e->msg, "0123456789abcdef"), "the message does not hold the secret");
    unlink(path);

    path = write_file(dir, "spaces", "0123456789abcdef                \n", 0600);
    e = idt_secret_load(pool, path, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a secret padded to 32 bytes with spaces is refused");
    unlink(path);

    path = apr_pstrcat(pool, dir, "/missing", NULL);
    e = idt_secret_load(pool, path, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a missing file is refused");
    ok(e && strstr(e->msg, path), "the message names the file (%s)", e ? e->msg : "");

    e = idt_secret_load(pool, dir, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a directory is refused");

    rmdir(dir);
}

int main(void)
{
    idt_cert *cert = NULL;
    EVP_PKEY *key = NULL;
    idt_error *e;

    apr_initialize();
    apr_pool_create(&pool, NULL);

    test_parse_forms();
    test_parse_errors();

    e = idt_selfsigned_new(pool, "Zoë ,Idp", 2048, 30, &cert, &key);
    ok(!e, "idt_selfsigned_new: %s", e ? e->msg : "ok");
    if (!e) {
        test_parse_private_keys(key);
        test_fields(key);
        test_selfsigned(cert, key);
        test_key_at_rest(cert, key);
    }
    test_pem_crlf();
    test_secret();

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
