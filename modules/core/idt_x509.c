/* X.509 certificates, signing keys and private keys at rest, with OpenSSL.
 *
 * Parsing what a user pasted is done in three steps: the text is classified (PEM
 * private key, PEM certificate(s), other PEM, bare base64) by looking only at the
 * PEM markers, the base64 body is decoded with OpenSSL's EVP_Decode*, and the DER is
 * read with d2i_X509, which must consume every byte. Nothing from the input ever
 * reaches an error message. */
#include "idt_x509.h"
#include "idt_text.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include <apr_strings.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

/* Pasted input larger than this is refused before any decoding: real certificates
 * are a few kilobytes, and the limit bounds the memory a request can make us use. */
#define IDT_CERT_INPUT_MAX (1024 * 1024)

#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_CERT_END "-----END CERTIFICATE-----"
#define PEM_DASHES "-----"
#define PEM_ENCRYPTED_KEY_BEGIN "-----BEGIN ENCRYPTED PRIVATE KEY-----"

/* ---- pool cleanups for OpenSSL objects ---- */

static apr_status_t x509_cleanup(void *data)
{
    X509_free(data);
    return APR_SUCCESS;
}

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* ---- small helpers ---- */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static int count_bytes(const char *hay, apr_size_t len, const char *needle)
{
    apr_size_t n = strlen(needle);
    const char *s = hay, *end = hay + len;
    int count = 0;

    while ((s = idt_text_find(s, (apr_size_t)(end - s), needle)) != NULL) {
        count++;
        s += n;
    }
    return count;
}

static int starts_with(const char *s, apr_size_t len, const char *prefix)
{
    apr_size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static int ends_with(const char *s, apr_size_t len, const char *suffix)
{
    apr_size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* The reason of the most recent OpenSSL error, for internal errors; the queue is
 * cleared. The reason strings are OpenSSL's own and hold no data. */
static const char *ossl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    return r ? r : "unknown OpenSSL error";
}

static idt_error *ossl_err(apr_pool_t *p, const char *what)
{
    return idt_err(p, IDT_E_INTERNAL, "%s: %s", what, ossl_reason());
}

static idt_error *decode_err(apr_pool_t *p, const char *why)
{
    ERR_clear_error();
    return idt_err(p, IDT_E_CERT_DECODE, "the certificate cannot be decoded: %s", why);
}

static idt_error *private_key_err(apr_pool_t *p)
{
    ERR_clear_error();
    return idt_err(p, IDT_E_PRIVATE_KEY,
                   "the input holds a private key, not a certificate; send only the "
                   "certificate and treat the key as compromised");
}

/* Contents of a memory BIO, copied into p and NUL-terminated. */
static const char *bio_pstrdup(apr_pool_t *p, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);

    if (n < 0 || (n > 0 && !data)) return NULL;
    return apr_pstrmemdup(p, n > 0 ? data : "", (apr_size_t)n);
}

static const char *b64_encode(apr_pool_t *p, const unsigned char *data, apr_size_t len)
{
    char *out;

    if (len > (apr_size_t)INT_MAX / 4 * 3 - 3) return NULL;
    out = apr_palloc(p, 4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

static const char *hex_lower(apr_pool_t *p, const unsigned char *data, apr_size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = apr_palloc(p, 2 * len + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return out;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil);
 * valid for any year, before 1970 and after 2038 alike. */
static apr_int64_t days_from_civil(apr_int64_t y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int asn1_time_ms(const ASN1_TIME *t, apr_int64_t *ms)
{
    struct tm tm;
    apr_int64_t days;

    memset(&tm, 0, sizeof(tm));
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
    days = days_from_civil((apr_int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    *ms = ((days * 24 + tm.tm_hour) * 60 + tm.tm_min) * 60 + tm.tm_sec;
    *ms *= 1000;
    return 1;
}

/* Java (JCA) name of a signature algorithm; OpenSSL's long name otherwise. */
static const char *sig_alg_name(apr_pool_t *p, const X509 *x)
{
    static const struct {
        int nid;
        const char *name;
    } names[] = {
        {NID_sha256WithRSAEncryption, "SHA256withRSA"},
        {NID_sha384WithRSAEncryption, "SHA384withRSA"},
        {NID_sha512WithRSAEncryption, "SHA512withRSA"},
        {NID_sha224WithRSAEncryption, "SHA224withRSA"},
        {NID_sha1WithRSAEncryption, "SHA1withRSA"},
        {NID_md5WithRSAEncryption, "MD5withRSA"},
        {NID_ecdsa_with_SHA256, "SHA256withECDSA"},
        {NID_ecdsa_with_SHA384, "SHA384withECDSA"},
        {NID_ecdsa_with_SHA512, "SHA512withECDSA"},
        {NID_ecdsa_with_SHA224, "SHA224withECDSA"},
        {NID_ecdsa_with_SHA1, "SHA1withECDSA"},
        {NID_dsa_with_SHA256, "SHA256withDSA"},
        {NID_dsa_with_SHA224, "SHA224withDSA"},
        {NID_dsaWithSHA1, "SHA1withDSA"},
        {NID_rsassaPss, "RSASSA-PSS"},
        {NID_ED25519, "Ed25519"},
        {NID_ED448, "Ed448"},
    };
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *obj = NULL;
    char oid[128];
    int nid;
    size_t i;

    X509_get0_signature(NULL, &alg, x);
    if (alg) X509_ALGOR_get0(&obj, NULL, NULL, alg);
    nid = obj ? OBJ_obj2nid(obj) : NID_undef;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].nid == nid) return names[i].name;
    if (nid != NID_undef && OBJ_nid2ln(nid)) return apr_pstrdup(p, OBJ_nid2ln(nid));
    if (obj && OBJ_obj2txt(oid, sizeof(oid), obj, 1) > 0) return apr_pstrdup(p, oid);
    return "unknown";
}

/* RFC 2253 form of name. UTF-8 is kept as UTF-8 (not escaped as \XX) so that names
 * read the same as in Java; control characters and RFC 2253 specials are escaped. */
static const char *name_rfc2253(apr_pool_t *p, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const char *s = NULL;

    if (!bio) return NULL;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
        s = bio_pstrdup(p, bio);
    BIO_free(bio);
    return s;
}

/* Fills an idt_cert from x, whose ownership passes to p at once (also on error). */
static idt_error *cert_wrap(apr_pool_t *p, X509 *x, idt_cert **out)
{
    idt_cert *c;
    unsigned char *der, *q;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int der_len, pk_len;
    BIO *bio;
    ASN1_INTEGER *serial;
    BIGNUM *bn;
    char *dec, *hex;
    int64_t v;
    X509_PUBKEY *pub;

    apr_pool_cleanup_register(p, x, x509_cleanup, apr_pool_cleanup_null);
    c = apr_pcalloc(p, sizeof(*c));
    c->x509 = x;

    der_len = i2d_X509(x, NULL);
    if (der_len <= 0) return decode_err(p, "it cannot be re-encoded");
    der = q = apr_palloc(p, (apr_size_t)der_len);
    if (i2d_X509(x, &q) != der_len) return decode_err(p, "it cannot be re-encoded");
    c->der = der;
    c->der_len = (apr_size_t)der_len;

    if (!(bio = BIO_new(BIO_s_mem()))) return ossl_err(p, "cannot allocate a BIO");
    if (PEM_write_bio_X509(bio, x) > 0) c->pem = bio_pstrdup(p, bio);
    BIO_free(bio);
    if (!c->pem) return ossl_err(p, "cannot write the certificate as PEM");

    c->subject = name_rfc2253(p, X509_get_subject_name(x));
    if (!c->subject) return decode_err(p, "its subject name cannot be read");
    c->issuer = name_rfc2253(p, X509_get_issuer_name(x));
    if (!c->issuer) return decode_err(p, "its issuer name cannot be read");

    serial = X509_get_serialNumber(x);
    bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    if (!bn) return decode_err(p, "its serial number cannot be read");
    dec = BN_bn2dec(bn);
    hex = BN_bn2hex(bn);
    BN_free(bn);
    if (dec) c->serial_dec = apr_pstrdup(p, dec);
    if (hex) c->serial_hex = apr_pstrdup(p, hex);
    OPENSSL_free(dec);
    OPENSSL_free(hex);
    if (!c->serial_dec || !c->serial_hex) return ossl_err(p, "cannot format the serial number");
    if (ASN1_INTEGER_get_int64(&v, serial) == 1 && v >= 0) {
        c->serial_fits_int64 = 1;
        c->serial_int64 = (apr_int64_t)v;
    }
    ERR_clear_error();

    if (!asn1_time_ms(X509_get0_notBefore(x), &c->not_before_ms))
        return decode_err(p, "its notBefore time is not valid");
    if (!asn1_time_ms(X509_get0_notAfter(x), &c->not_after_ms))
        return decode_err(p, "its notAfter time is not valid");

    c->sig_alg = sig_alg_name(p, x);

    /* The SubjectPublicKeyInfo as it is, so that keys OpenSSL cannot use still show. */
    pub = X509_get_X509_PUBKEY(x);
    pk_len = pub ? i2d_X509_PUBKEY(pub, NULL) : -1;
    if (pk_len <= 0) return decode_err(p, "its public key cannot be read");
    q = apr_palloc(p, (apr_size_t)pk_len);
    {
        unsigned char *w = q;
        if (i2d_X509_PUBKEY(pub, &w) != pk_len)
            return decode_err(p, "its public key cannot be read");
    }
    c->spki = q;
    c->spki_len = (apr_size_t)pk_len;
    c->public_key_b64 = b64_encode(p, q, (apr_size_t)pk_len);

    /* RFC 5280 knows v1(0), v2(1) and v3(2), but OpenSSL 3.0 reads any INTEGER here:
     * refuse the rest rather than hand out a version outside 1..3 (or overflow). */
    {
        long version = X509_get_version(x);
        if (version < X509_VERSION_1 || version > X509_VERSION_3)
            return decode_err(p, "its version is not 1, 2 or 3");
        c->version = (int)version + 1;
    }

    if (!EVP_Digest(der, (size_t)der_len, md, &md_len, EVP_sha256(), NULL))
        return ossl_err(p, "cannot compute the certificate fingerprint");
    c->sha256_hex = hex_lower(p, md, md_len);

    *out = c;
    return NULL;
}

/* 1 when der is, in full, a private key: PKCS#8 (plain or encrypted) or a
 * traditional RSA, EC or DSA key. */
static int der_is_private_key(const unsigned char *der, long len)
{
    const unsigned char *q;
    PKCS8_PRIV_KEY_INFO *p8;
    X509_SIG *sig;
    EVP_PKEY *pk;
    int found = 0;

    q = der;
    if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, len)) != NULL) {
        found = q == der + len;
        PKCS8_PRIV_KEY_INFO_free(p8);
    }
    q = der;
    if (!found && (sig = d2i_X509_SIG(NULL, &q, len)) != NULL) {
        found = q == der + len;
        X509_SIG_free(sig);
    }
    q = der;
    if (!found && (pk = d2i_AutoPrivateKey(NULL, &q, len)) != NULL) {
        found = 1;
        EVP_PKEY_free(pk);
    }
    ERR_clear_error();
    return found;
}

/* The library context certificates are read in: only OpenSSL's null provider, so that
 * d2i_X509 leaves the public key as the bytes it was sent. In the default context
 * OpenSSL 3.0 builds a decoder context for the key of every certificate it reads,
 * which is nine tenths of the time a parse takes (about 150 us of 170 for a P-256
 * certificate); what the suite reads a certificate for (names, serial, dates,
 * fingerprint, encodings) never needs the key, and idt_cert_public_key decodes it
 * when something does. Made once per process and kept for its life. */
static OSSL_LIB_CTX *parse_ctx;
static CRYPTO_ONCE parse_once = CRYPTO_ONCE_STATIC_INIT;

static void parse_ctx_init(void)
{
    OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
    if (ctx && OSSL_PROVIDER_load(ctx, "null")) {
        parse_ctx = ctx;
        return;
    }
    /* without it certificates are read in the default context: slower, the same */
    OSSL_LIB_CTX_free(ctx);
    ERR_clear_error();
}

/* d2i_X509 in the parse context; NULL when der is not a certificate. */
static X509 *d2i_cert(const unsigned char **q, long len)
{
    X509 *x;

    if (!CRYPTO_THREAD_run_once(&parse_once, parse_ctx_init) || !parse_ctx)
        return d2i_X509(NULL, q, len);
    if (!(x = X509_new_ex(parse_ctx, NULL))) return NULL;
    if (!d2i_X509(&x, q, len)) {
        X509_free(x);
        return NULL;
    }
    return x;
}

EVP_PKEY *idt_cert_public_key(apr_pool_t *p, const idt_cert *c)
{
    const unsigned char *q = c->spki;
    EVP_PKEY *k = c->spki_len <= (apr_size_t)LONG_MAX ? d2i_PUBKEY(NULL, &q, (long)c->spki_len)
                                                      : NULL;

    ERR_clear_error();
    if (k && q != c->spki + c->spki_len) {
        EVP_PKEY_free(k);
        return NULL;
    }
    if (k) apr_pool_cleanup_register(p, k, pkey_cleanup, apr_pool_cleanup_null);
    return k;
}

/* Reads one DER certificate, or says it is a private key. */
static idt_error *der_to_cert(apr_pool_t *p, const unsigned char *der, apr_size_t len,
                              idt_cert **out)
{
    const unsigned char *q = der;
    X509 *x;

    if (len == 0) return decode_err(p, "it is empty");
    if (len > (apr_size_t)LONG_MAX) return decode_err(p, "it is too large");
    x = d2i_cert(&q, (long)len);
    if (!x || q != der + len) {
        X509_free(x);
        ERR_clear_error();
        if (der_is_private_key(der, (long)len)) return private_key_err(p);
        return decode_err(p, x ? "there are extra bytes after the certificate"
                               : "it is not a DER X.509 certificate");
    }
    ERR_clear_error();
    return cert_wrap(p, x, out);
}

/* Decodes base64 text in which whitespace may appear anywhere (pem: the body of a
 * PEM block). *why says what is wrong when NULL is returned. */
static unsigned char *b64_decode(apr_pool_t *p, const char *s, apr_size_t len, int pem,
                                 apr_size_t *out_len, const char **why)
{
    char *clean = apr_palloc(p, len + 1);
    unsigned char *out;
    apr_size_t i, n = 0, pad = 0;
    EVP_ENCODE_CTX *ctx;
    int outl = 0, finl = 0, rc;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) continue;
        if (c == '=') {
            pad++;
        } else if (!is_b64(c) || pad) {
            *why = pem ? "the PEM body is not base64" : "it is neither PEM nor base64";
            return NULL;
        }
        clean[n++] = (char)c;
    }
    if (n == 0) {
        *why = "it is empty";
        return NULL;
    }
    if (n % 4 != 0 || pad > 2 || n > (apr_size_t)INT_MAX) {
        *why = "its base64 is truncated or malformed";
        return NULL;
    }
    out = apr_palloc(p, n / 4 * 3 + 3);
    if (!(ctx = EVP_ENCODE_CTX_new())) {
        *why = "out of memory";
        return NULL;
    }
    EVP_DecodeInit(ctx);
    rc = EVP_DecodeUpdate(ctx, out, &outl, (const unsigned char *)clean, (int)n);
    if (rc >= 0 && EVP_DecodeFinal(ctx, out + outl, &finl) == 1) {
        *out_len = (apr_size_t)outl + (apr_size_t)finl;
    } else {
        rc = -1;
    }
    EVP_ENCODE_CTX_free(ctx);
    ERR_clear_error();
    if (rc < 0) {
        *why = "its base64 is truncated or malformed";
        return NULL;
    }
    return out;
}

idt_error *idt_cert_parse(apr_pool_t *p, const char *input, apr_size_t len, idt_cert **out)
{
    const char *s = input, *why = NULL;
    unsigned char *der;
    apr_size_t der_len = 0;
    int certs;

    *out = NULL;
    if (!input) len = 0;
    /* A key is refused wherever it sits, before anything else is looked at, so that
     * the caller can tell the user the key has been exposed. */
    if (idt_text_has_private_key(s, len)) return private_key_err(p);
    if (len > IDT_CERT_INPUT_MAX) return decode_err(p, "the input is too large");

    while (len > 0 && is_space((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space((unsigned char)s[len - 1]))
        len--;
    if (len == 0) return decode_err(p, "the input is empty");

    certs = count_bytes(s, len, PEM_CERT_BEGIN);
    if (certs > 1)
        return idt_err(p, IDT_E_CERT_CHAIN,
                       "the input holds %d certificates; send exactly one certificate, "
                       "not a chain",
                       certs);

    if (certs == 1 || starts_with(s, len, PEM_DASHES)) {
        /* PEM: exactly BEGIN CERTIFICATE, base64, END CERTIFICATE, nothing around
         * them but whitespace, no headers and no other blocks. */
        if (!starts_with(s, len, PEM_CERT_BEGIN))
            return decode_err(p, certs ? "there is text before the BEGIN CERTIFICATE line"
                                       : "it is a PEM block but not a certificate");
        s += strlen(PEM_CERT_BEGIN);
        len -= strlen(PEM_CERT_BEGIN);
        if (!ends_with(s, len, PEM_CERT_END)) {
            if (!idt_text_find(s, len, PEM_CERT_END))
                return decode_err(p, "the END CERTIFICATE line is missing");
            return decode_err(p, "there is text after the END CERTIFICATE line");
        }
        len -= strlen(PEM_CERT_END);
        if (idt_text_find(s, len, PEM_DASHES)) return decode_err(p, "the PEM block is malformed");
    }

    der = b64_decode(p, s, len, certs == 1, &der_len, &why);
    if (!der) return decode_err(p, why);
    return der_to_cert(p, der, der_len, out);
}

idt_error *idt_cert_from_der(apr_pool_t *p, const unsigned char *der, apr_size_t len,
                             idt_cert **out)
{
    *out = NULL;
    if (!der) return decode_err(p, "it is empty");
    return der_to_cert(p, der, len, out);
}

const char *idt_pem_crlf(apr_pool_t *p, const char *pem)
{
    apr_size_t len, i, o = 0;
    char *out;

    if (!pem) return NULL;
    len = strlen(pem);
    while (len > 0 && is_space((unsigned char)pem[len - 1]))
        len--;
    out = apr_palloc(p, 2 * len + 1);
    for (i = 0; i < len; i++) {
        if (pem[i] == '\r' && i + 1 < len && pem[i + 1] == '\n')
            continue; /* already CRLF: the "\n" writes it */
        if (pem[i] == '\n') out[o++] = '\r';
        out[o++] = pem[i];
    }
    out[o] = '\0';
    return out;
}

const char *idt_cert_b64(apr_pool_t *p, const idt_cert *c)
{
    if (!c || !c->der) return NULL;
    return b64_encode(p, c->der, c->der_len);
}

static idt_error *add_ext(apr_pool_t *p, X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return ossl_err(p, "cannot make a certificate extension");
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (!ok) return ossl_err(p, "cannot add a certificate extension");
    return NULL;
}

idt_error *idt_selfsigned_new(apr_pool_t *p, const char *cn, int bits, int days, idt_cert **cert,
                              EVP_PKEY **key)
{
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    BIGNUM *bn = NULL;
    X509_NAME *name;
    idt_error *err = NULL;
    time_t now;

    *cert = NULL;
    *key = NULL;
    if (!cn || !*cn) return idt_err(p, IDT_E_BAD_REQUEST, "the certificate needs a common name");
    if (bits < 2048 || bits > 16384)
        return idt_err(p, IDT_E_BAD_REQUEST, "the RSA key size must be 2048 to 16384 bits");
    if (days < 1 || days > 36500)
        return idt_err(p, IDT_E_BAD_REQUEST, "the validity must be 1 to 36500 days");

    if (!(x = X509_new()) || !(bn = BN_new())) {
        err = ossl_err(p, "cannot allocate the certificate");
        goto done;
    }
    /* The name first: a bad one is found before the costly key generation. */
    name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0)) {
        ERR_clear_error();
        err = idt_err(p, IDT_E_BAD_REQUEST,
                      "the common name must be valid UTF-8 of 1 to 64 characters");
        goto done;
    }

    pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (!pk) {
        err = ossl_err(p, "cannot make an RSA key");
        goto done;
    }
    /* The key belongs to p from here on, whatever happens to the certificate. */
    apr_pool_cleanup_register(p, pk, pkey_cleanup, apr_pool_cleanup_null);

    if (!X509_set_version(x, X509_VERSION_3)) {
        err = ossl_err(p, "cannot set the certificate version");
        goto done;
    }
    do {
        if (!BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) {
            err = ossl_err(p, "cannot make a random serial number");
            goto done;
        }
    } while (BN_is_zero(bn));
    if (!BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
        err = ossl_err(p, "cannot set the serial number");
        goto done;
    }

    now = time(NULL);
    if (!X509_time_adj_ex(X509_getm_notBefore(x), 0, -60, &now) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), days, -60, &now)) {
        err = ossl_err(p, "cannot set the validity");
        goto done;
    }

    if (!X509_set_issuer_name(x, name) || !X509_set_pubkey(x, pk)) {
        err = ossl_err(p, "cannot fill in the certificate");
        goto done;
    }
    if ((err = add_ext(p, x, NID_basic_constraints, "critical,CA:FALSE")) != NULL ||
        (err = add_ext(p, x, NID_key_usage, "critical,digitalSignature")) != NULL)
        goto done;
    if (X509_sign(x, pk, EVP_sha256()) <= 0) {
        err = ossl_err(p, "cannot sign the certificate");
        goto done;
    }

    err = cert_wrap(p, x, cert); /* x now belongs to p */
    x = NULL;
    if (!err) *key = pk;

done:
    BN_free(bn);
    X509_free(x);
    if (err) *cert = NULL;
    return err;
}

idt_error *idt_key_encrypt(apr_pool_t *p, EVP_PKEY *key, const char *passphrase,
                           const char **pem_out)
{
    BIO *bio;
    size_t plen;
    const char *pem = NULL;

    *pem_out = NULL;
    if (!key) return idt_err(p, IDT_E_INTERNAL, "no private key to encrypt");
    if (!passphrase || !*passphrase)
        return idt_err(p, IDT_E_INTERNAL, "no passphrase to encrypt the private key with");
    plen = strlen(passphrase);
    if (plen > INT_MAX) return idt_err(p, IDT_E_INTERNAL, "the passphrase is too long");
    if (!(bio = BIO_new(BIO_s_mem()))) return ossl_err(p, "cannot allocate a BIO");
    if (PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), passphrase, (int)plen, NULL,
                                      NULL) == 1)
        pem = bio_pstrdup(p, bio);
    BIO_free(bio);
    if (!pem) return ossl_err(p, "cannot encrypt the private key");
    ERR_clear_error();
    *pem_out = pem;
    return NULL;
}

/* Hands OpenSSL the passphrase; never prompts on a terminal. */
static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pass = u;
    size_t n;

    if (!pass || size <= 0) return -1;
    n = strlen(pass);
    if (n > (size_t)size) return -1;
    memcpy(buf, pass, n);
    return (int)n;
}

idt_error *idt_key_decrypt(apr_pool_t *p, const char *pem, const char *passphrase, EVP_PKEY **key)
{
    const char *s = pem;
    size_t len;
    BIO *bio;
    EVP_PKEY *pk;

    *key = NULL;
    if (!passphrase || !*passphrase)
        return idt_err(p, IDT_E_INTERNAL, "no passphrase to decrypt the private key with");
    if (!pem) return idt_err(p, IDT_E_INTERNAL, "no private key to decrypt");
    while (is_space((unsigned char)*s))
        s++;
    len = strlen(s);
    /* Keys at rest are always encrypted; a plain key here means someone put it there. */
    if (!starts_with(s, len, PEM_ENCRYPTED_KEY_BEGIN))
        return idt_err(p, IDT_E_INTERNAL,
                       "the stored private key is not an encrypted PKCS#8 PEM key");
    if (len > INT_MAX) return idt_err(p, IDT_E_INTERNAL, "the stored private key is too large");
    if (!(bio = BIO_new_mem_buf(s, (int)len))) return ossl_err(p, "cannot allocate a BIO");
    pk = PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, (void *)passphrase);
    BIO_free(bio);
    ERR_clear_error();
    if (!pk)
        return idt_err(p, IDT_E_INTERNAL,
                       "the stored private key cannot be decrypted: wrong passphrase or "
                       "damaged key");
    apr_pool_cleanup_register(p, pk, pkey_cleanup, apr_pool_cleanup_null);
    *key = pk;
    return NULL;
}
