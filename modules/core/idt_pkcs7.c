/* PKCS#7 certs-only bundles: classified by their PEM marker or, for bare base64, by
 * trying a certificate first (idt_cert_parse) and SignedData second. */
#include "idt_pkcs7.h"

#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "idt_text.h"

#define PEM_P7_BEGIN "-----BEGIN PKCS7-----"
#define PEM_P7_END "-----END PKCS7-----"
#define P7_INPUT_MAX (1024 * 1024)

static apr_status_t p7_cleanup(void *data)
{
    PKCS7_free(data);
    return APR_SUCCESS;
}

static idt_error *decode_err(apr_pool_t *p, const char *why)
{
    return idt_err(p, IDT_E_CERT_DECODE,
                   "the certificate cannot be read: %s; send a certificate (PEM or base64 DER) "
                   "or a PKCS#7 certs-only bundle (PEM or base64 DER)",
                   why);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Base64 with white space anywhere, decoded; NULL when it is not base64. */
static unsigned char *b64_decode(apr_pool_t *p, const char *s, apr_size_t len, apr_size_t *n_out)
{
    char *clean = apr_palloc(p, len + 1);
    unsigned char *out;
    apr_size_t i, n = 0, pad = 0;
    int got;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) continue;
        if (c == '=') pad++;
        else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/'))
            return NULL;
        clean[n++] = (char)c;
    }
    if (n == 0 || n % 4 || pad > 2 || n > INT_MAX) return NULL;
    out = apr_palloc(p, n / 4 * 3 + 1);
    got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
    if (got < 0) return NULL;
    *n_out = (apr_size_t)got - pad;
    return out;
}

/* The end entity among certs: issued no other one. NULL when none or several. */
static X509 *end_entity(STACK_OF(X509) * certs)
{
    X509 *found = NULL;
    int i, j, n = sk_X509_num(certs);

    if (n == 1) return sk_X509_value(certs, 0);
    for (i = 0; i < n; i++) {
        X509 *c = sk_X509_value(certs, i);
        int issued_other = 0;
        for (j = 0; j < n && !issued_other; j++) {
            X509 *o = sk_X509_value(certs, j);
            if (i != j && !X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(o)))
                issued_other = 1;
        }
        if (issued_other) continue;
        if (found) return NULL;
        found = c;
    }
    return found;
}

static idt_error *from_p7_der(apr_pool_t *p, const unsigned char *der, apr_size_t len,
                              idt_cert **out, int *n)
{
    const unsigned char *q = der;
    PKCS7 *p7 = len <= LONG_MAX ? d2i_PKCS7(NULL, &q, (long)len) : NULL;
    STACK_OF(X509) * certs;
    X509 *ee;
    unsigned char *eder = NULL;
    int elen;
    idt_error *e;

    ERR_clear_error();
    if (!p7) return decode_err(p, "it is neither a certificate nor a PKCS#7 bundle");
    apr_pool_cleanup_register(p, p7, p7_cleanup, apr_pool_cleanup_null);
    if (q != der + len) return decode_err(p, "there are extra bytes after the PKCS#7 bundle");
    if (!PKCS7_type_is_signed(p7) || !p7->d.sign)
        return decode_err(p, "the PKCS#7 is not a certs-only SignedData bundle");
    if (sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info) > 0)
        return decode_err(p, "the PKCS#7 bundle is signed data, not a certs-only bundle");
    certs = p7->d.sign->cert;
    *n = certs ? sk_X509_num(certs) : 0;
    if (*n == 0) return decode_err(p, "the PKCS#7 bundle holds no certificate");
    if (!(ee = end_entity(certs)))
        return idt_err(p, IDT_E_CERT_CHAIN,
                       "the PKCS#7 bundle holds %d certificates but no single end-entity "
                       "certificate (one that issued none of the others)",
                       *n);
    /* a copy of the DER: the idt_cert owns its own X509 */
    elen = i2d_X509(ee, &eder);
    if (elen <= 0) return decode_err(p, "its certificate cannot be re-encoded");
    e = idt_cert_from_der(p, eder, (apr_size_t)elen, out);
    OPENSSL_free(eder);
    return e;
}

idt_error *idt_cert_or_bundle_parse(apr_pool_t *p, const char *input, apr_size_t len,
                                    idt_cert **out, int *in_bundle)
{
    const char *s = input;
    unsigned char *der;
    apr_size_t der_len = 0;
    idt_error *e;

    *out = NULL;
    *in_bundle = 1;
    if (!input) len = 0;
    if (idt_text_has_private_key(s, len)) return idt_cert_parse(p, s, len, out);
    if (len > P7_INPUT_MAX) return decode_err(p, "the input is too large");
    while (len > 0 && is_space((unsigned char)s[0]))
        s++, len--;
    while (len > 0 && is_space((unsigned char)s[len - 1]))
        len--;

    if (len >= strlen(PEM_P7_BEGIN) && !strncmp(s, PEM_P7_BEGIN, strlen(PEM_P7_BEGIN))) {
        apr_size_t end = strlen(PEM_P7_END);
        s += strlen(PEM_P7_BEGIN);
        len -= strlen(PEM_P7_BEGIN);
        if (len < end || strncmp(s + len - end, PEM_P7_END, end))
            return decode_err(p, "the END PKCS7 line is missing or followed by text");
        len -= end;
        if (!(der = b64_decode(p, s, len, &der_len)))
            return decode_err(p, "the PKCS7 PEM body is not base64");
        return from_p7_der(p, der, der_len, out, in_bundle);
    }
    e = idt_cert_parse(p, s, len, out);
    if (!e || e->kind != IDT_E_CERT_DECODE) return e;
    /* bare base64 that is no certificate: perhaps the DER of a bundle */
    if (!(der = b64_decode(p, s, len, &der_len)) || der_len < 2 || der[0] != 0x30) return e;
    {
        idt_error *e7 = from_p7_der(p, der, der_len, out, in_bundle);
        /* a DER that is no PKCS#7 either: the certificate's own explanation */
        if (e7 && e7->kind == IDT_E_CERT_DECODE &&
            strstr(e7->msg, "neither a certificate nor a PKCS#7"))
            return e;
        return e7;
    }
}

const char *idt_pkcs7_b64(apr_pool_t *p, const idt_cert *c)
{
    PKCS7 *p7 = PKCS7_new();
    unsigned char *der = NULL;
    const char *out = NULL;
    int n;

    if (!p7) return NULL;
    apr_pool_cleanup_register(p, p7, p7_cleanup, apr_pool_cleanup_null);
    if (!PKCS7_set_type(p7, NID_pkcs7_signed) || !PKCS7_content_new(p7, NID_pkcs7_data) ||
        !PKCS7_add_certificate(p7, c->x509)) {
        ERR_clear_error();
        return NULL;
    }
    n = i2d_PKCS7(p7, &der);
    if (n > 0) {
        char *b = apr_palloc(p, ((apr_size_t)n + 2) / 3 * 4 + 1);
        EVP_EncodeBlock((unsigned char *)b, der, n);
        out = b;
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return out;
}
