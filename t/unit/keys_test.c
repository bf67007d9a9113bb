/* Unit tests of idt_keys: RSA keys, keys at rest, JWK and thumbprint, certificate
 * requests and the certificates issued for them. Keys are made at run time; the only
 * fixed key is RFC 7638's public example. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "idt_error.h"
#include "idt_keys.h"
#include "idt_secret.h"
#include "idt_x509.h"
#include "tap.h"

static apr_pool_t *pool;

static int kind_of(const idt_error *e)
{
    return e ? (int)e->kind : 0;
}

static const char *bio_str(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    return apr_pstrmemdup(pool, data ? data : "", n > 0 ? (apr_size_t)n : 0);
}

/* base64url (unpadded) to bytes, for checking what the code under test encoded. */
static unsigned char *b64url_decode(const char *s, int *len)
{
    size_t n = strlen(s), i;
    char *b = apr_palloc(pool, n + 4);
    unsigned char *out;
    int pad = (int)((4 - n % 4) % 4), got;

    for (i = 0; i < n; i++)
        b[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    for (i = 0; i < (size_t)pad; i++)
        b[n + i] = '=';
    b[n + pad] = '\0';
    out = apr_palloc(pool, n + 4);
    got = EVP_DecodeBlock(out, (unsigned char *)b, (int)(n + pad));
    *len = got < 0 ? -1 : got - pad;
    return out;
}

static BIGNUM *bn_of(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    EVP_PKEY_get_bn_param(k, name, &bn);
    return bn;
}

/* 1 when the big-endian bytes of parameter name of k occur in hay[0..n). */
static int param_in(EVP_PKEY *k, const char *name, const unsigned char *hay, long n)
{
    BIGNUM *bn = bn_of(k, name);
    int len = bn ? BN_num_bytes(bn) : 0, found = 0;
    unsigned char *b = apr_palloc(pool, len > 0 ? (apr_size_t)len : 1);
    long i;

    if (bn) BN_bn2bin(bn, b);
    for (i = 0; len > 0 && i + len <= n && !found; i++)
        found = memcmp(hay + i, b, (size_t)len) == 0;
    BN_free(bn);
    return found;
}

static EVP_PKEY *public_half(EVP_PKEY *k)
{
    unsigned char *der = NULL;
    const unsigned char *q;
    int n = i2d_PUBKEY(k, &der);
    EVP_PKEY *pub;

    q = der;
    pub = n > 0 ? d2i_PUBKEY(NULL, &q, n) : NULL;
    OPENSSL_free(der);
    return pub;
}

/* Never prompts: OpenSSL reading a key "without the passphrase". */
static int no_pass(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

/* ---- generation ---- */

static EVP_PKEY *test_new(void)
{
    EVP_PKEY *k = NULL, *k2 = NULL;
    idt_error *e = idt_keys_rsa_new(pool, &k);
    BIGNUM *exp;

    ok(!e && k, "idt_keys_rsa_new: %s", e ? e->msg : "ok");
    if (!k) return NULL;
    ok(EVP_PKEY_is_a(k, "RSA"), "it is an RSA key");
    is_int(EVP_PKEY_get_bits(k), 2048, "of 2048 bits");
    exp = bn_of(k, OSSL_PKEY_PARAM_RSA_E);
    ok(exp && BN_is_word(exp, 65537), "public exponent 65537");
    BN_free(exp);
    idt_keys_rsa_new(pool, &k2);
    ok(k2 && EVP_PKEY_eq(k, k2) != 1, "two keys made are different");
    return k;
}

/* ---- at rest ---- */

static const char *secret_from_file(void)
{
    char dir[] = "/tmp/keys_test.XXXXXX";
    const char *path, *secret = NULL;
    FILE *f;
    idt_error *e;

    if (!mkdtemp(dir)) return NULL;
    path = apr_pstrcat(pool, dir, "/secret.key", NULL);
    f = fopen(path, "w");
    if (!f) return NULL;
    fputs("v3ryL0ngRandomLookingSecretOfMoreThan32Bytes+/==\n", f);
    fclose(f);
    chmod(path, 0600);
    e = idt_secret_load(pool, path, &secret);
    ok(!e && secret, "fixture: idt_secret_load: %s", e ? e->msg : "ok");
    unlink(path);
    rmdir(dir);
    return secret;
}

static void test_at_rest(EVP_PKEY *key)
{
    const char *secret = secret_from_file(), *pem = NULL;
    EVP_PKEY *k = NULL, *small, *ec;
    unsigned char *der = NULL;
    long der_len = 0;
    char *name = NULL, *header = NULL;
    BIO *bio;
    idt_error *e;

    if (!secret) return;
    e = idt_keys_seal(pool, key, secret, &pem);
    ok(!e && pem, "idt_keys_seal: %s", e ? e->msg : "ok");
    if (!pem) return;
    ok(strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 38) == 0,
       "it is an ENCRYPTED PRIVATE KEY PEM");
    ok(!strstr(pem, "BEGIN PRIVATE KEY") && !strstr(pem, "BEGIN RSA PRIVATE KEY"),
       "with no plain PRIVATE KEY block");

    /* What a DBA with the text and without the passphrase can do with it. */
    bio = BIO_new_mem_buf(pem, -1);
    k = PEM_read_bio_PrivateKey(bio, NULL, no_pass, NULL);
    BIO_free(bio);
    ERR_clear_error();
    ok(k == NULL, "OpenSSL cannot read the key without the passphrase");
    EVP_PKEY_free(k);
    bio = BIO_new_mem_buf(pem, -1);
    ok(PEM_read_bio(bio, &name, &header, &der, &der_len) == 1, "the PEM body decodes");
    BIO_free(bio);
    {
        const unsigned char *q = der;
        PKCS8_PRIV_KEY_INFO *p8 = der ? d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, der_len) : NULL;
        ok(p8 == NULL, "the body is not a plain PKCS#8 key");
        PKCS8_PRIV_KEY_INFO_free(p8);
        ERR_clear_error();
    }
    ok(der && !param_in(key, OSSL_PKEY_PARAM_RSA_FACTOR1, der, der_len) &&
           !param_in(key, OSSL_PKEY_PARAM_RSA_D, der, der_len),
       "neither the first prime nor the private exponent is in the stored bytes");
    ok(der && !param_in(key, OSSL_PKEY_PARAM_RSA_N, der, der_len),
       "nor is the modulus (no clear public part to pair with)");
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);

    k = NULL;
    e = idt_keys_open(pool, pem, secret, &k);
    ok(!e && k, "idt_keys_open with the passphrase: %s", e ? e->msg : "ok");
    ok(k && EVP_PKEY_eq(k, key) == 1, "gives the same key back");
    {
        BIGNUM *d = k ? bn_of(k, OSSL_PKEY_PARAM_RSA_D) : NULL;
        BIGNUM *d0 = bn_of(key, OSSL_PKEY_PARAM_RSA_D);
        ok(d && d0 && BN_cmp(d, d0) == 0, "private exponent included");
        BN_clear_free(d);
        BN_clear_free(d0);
    }

    k = (EVP_PKEY *)1;
    e = idt_keys_open(pool, pem, "v3ryL0ngRandomLookingSecretOfMoreThan32Bytes+/=!", &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "a wrong passphrase fails");
    ok(k == NULL, "and gives no key");
    ok(e && !strstr(e->msg, "v3ryL0ng"), "the message does not hold the passphrase");
    e = idt_keys_open(pool, pem, "", &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "an empty passphrase fails");
    e = idt_keys_seal(pool, key, NULL, &pem);
    is_int(kind_of(e), IDT_E_INTERNAL, "sealing without a passphrase is refused");

    small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    idt_key_encrypt(pool, small, secret, &pem);
    e = idt_keys_open(pool, pem, secret, &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "a stored 1024-bit key is refused");
    ok(k == NULL, "and gives no key");
    idt_key_encrypt(pool, ec, secret, &pem);
    e = idt_keys_open(pool, pem, secret, &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "a stored EC key is refused");
    EVP_PKEY_free(small);
    EVP_PKEY_free(ec);
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- public key PEM ---- */

static void test_public_pem(EVP_PKEY *key)
{
    const char *pem = NULL;
    EVP_PKEY *k = NULL, *small;
    BIO *bio;
    idt_error *e;

    e = idt_keys_public_pem(pool, key, &pem);
    ok(!e && pem && strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0,
       "idt_keys_public_pem writes a PUBLIC KEY PEM");
    ok(pem && !strstr(pem, "PRIVATE"), "with nothing private");
    e = idt_keys_public_from_pem(pool, pem, &k);
    ok(!e && k && EVP_PKEY_eq(k, key) == 1, "idt_keys_public_from_pem reads it back");
    e = idt_keys_public_from_pem(
        pool, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", &k);
    is_int(kind_of(e), IDT_E_INTERNAL, "a damaged public key is refused");
    ok(k == NULL, "and gives no key");

    small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, small);
    e = idt_keys_public_from_pem(pool, bio_str(bio), &k);
    BIO_free(bio);
    EVP_PKEY_free(small);
    is_int(kind_of(e), IDT_E_INTERNAL, "a 1024-bit public key is refused");
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- thumbprint and JWK ---- */

/* RFC 7638 section 3.1's example key and its thumbprint. */
#define RFC7638_N                                                                                  \
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"      \
    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"     \
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4v"   \
    "MQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static EVP_PKEY *rsa_from_ne(const char *n_b64url, const char *e_b64url)
{
    int nl, el;
    unsigned char *n = b64url_decode(n_b64url, &nl), *e = b64url_decode(e_b64url, &el);
    BIGNUM *bn = BN_bin2bn(n, nl, NULL), *be = BN_bin2bn(e, el, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;

    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
    params = OSSL_PARAM_BLD_to_param(bld);
    if (EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        k = NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(bn);
    BN_free(be);
    return k;
}

static void test_thumbprint(EVP_PKEY *key)
{
    EVP_PKEY *ex = rsa_from_ne(RFC7638_N, "AQAB"), *pub = public_half(key), *ec;
    const char *kid = NULL, *kid2 = NULL;
    idt_error *e;

    ok(ex != NULL, "fixture: RFC 7638's example key");
    e = idt_keys_thumbprint(pool, ex, &kid);
    is_str(kid, RFC7638_THUMBPRINT, "idt_keys_thumbprint gives RFC 7638's thumbprint: %s",
           e ? e->msg : "ok");
    idt_keys_thumbprint(pool, key, &kid);
    idt_keys_thumbprint(pool, pub, &kid2);
    ok(kid && strlen(kid) == 43, "a thumbprint has 43 characters");
    is_str(kid2, kid, "the public half has the same thumbprint");
    ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    e = idt_keys_thumbprint(pool, ec, &kid);
    is_int(kind_of(e), IDT_E_INTERNAL, "an EC key has no RSA thumbprint");
    ok(kid == NULL, "and gives none");
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ex);
    EVP_PKEY_free(pub);
}

static void test_jwk(EVP_PKEY *key)
{
    json_t *j = NULL;
    const char *thumb = NULL, *n_s, *e_s;
    unsigned char *n, *ex;
    int nl = 0, el = 0;
    BIGNUM *bn, *be, *kn = bn_of(key, OSSL_PKEY_PARAM_RSA_N),
                     *ke = bn_of(key, OSSL_PKEY_PARAM_RSA_E);
    static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};
    size_t i;
    int none_private = 1;
    idt_error *e;

    e = idt_keys_jwk(pool, key, NULL, "sig", &j);
    ok(!e && json_is_object(j), "idt_keys_jwk: %s", e ? e->msg : "ok");
    if (!j) return;
    idt_keys_thumbprint(pool, key, &thumb);
    is_str(json_string_value(json_object_get(j, "kty")), "RSA", "kty RSA");
    is_str(json_string_value(json_object_get(j, "kid")), thumb, "kid defaults to the thumbprint");
    is_str(json_string_value(json_object_get(j, "use")), "sig", "use sig");
    is_int(json_object_size(j), 5, "five members: kty, kid, use, n, e");
    for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        if (json_object_get(j, priv[i])) none_private = 0;
    ok(none_private, "no private parameter, though the key has them");

    n_s = json_string_value(json_object_get(j, "n"));
    e_s = json_string_value(json_object_get(j, "e"));
    ok(n_s && !strpbrk(n_s, "=+/") && e_s && !strpbrk(e_s, "=+/"),
       "n and e are base64url without padding");
    is_str(e_s, "AQAB", "e is AQAB (65537)");
    n = b64url_decode(n_s ? n_s : "", &nl);
    ex = b64url_decode(e_s ? e_s : "", &el);
    is_int(nl, 256, "n has 256 bytes");
    ok(nl > 0 && n[0] != 0, "with no leading zero byte");
    bn = BN_bin2bn(n, nl, NULL);
    be = BN_bin2bn(ex, el, NULL);
    ok(bn && kn && BN_cmp(bn, kn) == 0, "n is the key's modulus");
    ok(be && ke && BN_cmp(be, ke) == 0, "e is the key's public exponent");
    BN_free(bn);
    BN_free(be);
    BN_free(kn);
    BN_free(ke);

    e = idt_keys_jwk(pool, key, "my-key-1", NULL, &j);
    ok(!e && j, "a JWK with a given kid and no use");
    is_str(json_string_value(json_object_get(j, "kid")), "my-key-1", "carries that kid");
    ok(j && !json_object_get(j, "use"), "and no use member");
    e = idt_keys_jwk(pool, key, "k", "", &j);
    ok(!e && j && !json_object_get(j, "use"), "an empty use is no use member");
    e = idt_keys_jwk(pool, key, "k", "enc", &j);
    is_str(j ? json_string_value(json_object_get(j, "use")) : NULL, "enc", "use enc");
    e = idt_keys_jwk(pool, key, "k", "both", &j);
    is_int(kind_of(e), IDT_E_INTERNAL, "another use is refused");
    ok(j == NULL, "and gives no JWK");
}

/* ---- CSR ---- */

static X509_REQ *read_req(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509_REQ *req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return req;
}

static const char *test_csr(EVP_PKEY *key)
{
    const char *pem = NULL, *pem2 = NULL;
    X509_REQ *req;
    EVP_PKEY *pub = public_half(key), *rpk;
    char cn[128] = "";
    idt_error *e;

    e = idt_keys_csr(pool, key, "signing-key-1", &pem);
    ok(!e && pem, "idt_keys_csr: %s", e ? e->msg : "ok");
    if (!pem) return NULL;
    ok(strncmp(pem, "-----BEGIN CERTIFICATE REQUEST-----\n", 36) == 0, "a CERTIFICATE REQUEST PEM");
    req = read_req(pem);
    ok(req != NULL, "OpenSSL reads it");
    if (!req) return NULL;
    is_int(X509_REQ_verify(req, key), 1, "X509_REQ_verify: signed by the key");
    rpk = X509_REQ_get0_pubkey(req);
    ok(rpk && EVP_PKEY_eq(rpk, key) == 1, "it carries the key's public key");
    X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn));
    is_str(cn, "signing-key-1", "subject CN is the name given");
    is_int(X509_NAME_entry_count(X509_REQ_get_subject_name(req)), 1, "and nothing else");
    is_int(X509_REQ_get_signature_nid(req), NID_sha256WithRSAEncryption, "signed SHA-256 with RSA");
    is_int(X509_REQ_get_version(req), X509_REQ_VERSION_1, "version 1");
    X509_REQ_free(req);

    e = idt_keys_csr(pool, key, "Zoë's key", &pem2);
    req = pem2 ? read_req(pem2) : NULL;
    X509_NAME_get_text_by_NID(req ? X509_REQ_get_subject_name(req) : NULL, NID_commonName, cn,
                              sizeof(cn));
    is_str(cn, "Zoë's key", "a UTF-8 CN is kept: %s", e ? e->msg : "ok");
    X509_REQ_free(req);

    e = idt_keys_csr(pool, key, "", &pem2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "an empty CN is refused");
    e = idt_keys_csr(pool, key, apr_psprintf(pool, "%065d", 0), &pem2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a 65-character CN is refused");
    e = idt_keys_csr(pool, key, "bad \xff utf-8", &pem2);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a CN that is not UTF-8 is refused");
    e = idt_keys_csr(pool, pub, "x", &pem2);
    is_int(kind_of(e), IDT_E_INTERNAL, "a public-only key cannot sign a request");
    ok(pem2 == NULL, "and gives none");
    EVP_PKEY_free(pub);
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
    return pem;
}

/* ---- certificate import ---- */

/* What a CA does with the request: a certificate for its subject and key. */
static const char *ca_issue(const char *csr_pem, idt_cert *ca, EVP_PKEY *ca_key)
{
    X509_REQ *req = read_req(csr_pem);
    X509 *x = X509_new();
    BIO *bio = BIO_new(BIO_s_mem());
    const char *pem;

    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_set_issuer_name(x, X509_get_subject_name(ca->x509));
    X509_set_subject_name(x, X509_REQ_get_subject_name(req));
    X509_set_pubkey(x, X509_REQ_get0_pubkey(req));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_sign(x, ca_key, EVP_sha256());
    PEM_write_bio_X509(bio, x);
    pem = bio_str(bio);
    BIO_free(bio);
    X509_free(x);
    X509_REQ_free(req);
    return pem;
}

static void test_cert_import(EVP_PKEY *key, const char *csr)
{
    idt_cert *ca = NULL, *c = NULL;
    EVP_PKEY *ca_key = NULL, *pub = public_half(key);
    const char *issued, *in, *key_pem;
    char cn[64] = "";
    BIO *bio;
    idt_error *e;

    e = idt_selfsigned_new(pool, "Test CA", 2048, 30, &ca, &ca_key);
    ok(!e, "fixture: a CA");
    if (e || !csr) return;
    issued = ca_issue(csr, ca, ca_key);
    ok(strncmp(issued, "-----BEGIN CERTIFICATE-----", 27) == 0, "fixture: the CA's certificate");

    e = idt_keys_cert_import(pool, key, issued, strlen(issued), &c);
    ok(!e && c, "idt_keys_cert_import takes the certificate for the key: %s", e ? e->msg : "ok");
    if (!c) return;
    ok(c->der_len > 0 && c->pem && strcmp(c->pem, issued) == 0, "with its DER and PEM");
    X509_NAME_get_text_by_NID(X509_get_subject_name(c->x509), NID_commonName, cn, sizeof(cn));
    is_str(cn, "signing-key-1", "the certificate of the request");
    is_str(c->issuer, "CN=Test CA", "issued by the CA");

    in = apr_pstrcat(pool, issued, ca->pem, NULL);
    c = NULL;
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    ok(!e && c && strcmp(c->pem, issued) == 0, "a chain: only the first certificate is read");
    in = apr_pstrcat(pool, "subject=CN = signing-key-1\nissuer=CN = Test CA\n", issued, NULL);
    c = NULL;
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    ok(!e && c, "text before the BEGIN line is ignored");
    c = NULL;
    e = idt_keys_cert_import(pool, pub, issued, strlen(issued) - 1, &c);
    ok(!e && c, "matched against a public-only key, without the last newline");

    c = (idt_cert *)1;
    e = idt_keys_cert_import(pool, key, ca->pem, strlen(ca->pem), &c);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a certificate of another key is refused");
    ok(e && strstr(e->msg, "public key is not this key"), "saying so: %s", e ? e->msg : "");
    ok(c == NULL, "and gives no certificate");
    in = apr_pstrcat(pool, ca->pem, issued, NULL);
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "the key's certificate second in a chain is not read");

    e = idt_keys_cert_import(pool, key, "hello", 5, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "text that is no certificate cannot be read");
    e = idt_keys_cert_import(pool, key, "", 0, &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "nothing cannot be read");
    in = apr_pstrndup(pool, issued, 200);
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a certificate without its END line cannot be read");
    in = apr_pstrdup(pool, issued);
    ((char *)in)[400] = '*';
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a damaged certificate cannot be read");
    ok(e && !strstr(e->msg, "MII"), "the message does not quote the input");
    in = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    is_int(kind_of(e), IDT_E_CERT_DECODE, "a block that is no DER certificate cannot be read");

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    key_pem = bio_str(bio);
    BIO_free(bio);
    in = apr_pstrcat(pool, issued, key_pem, NULL);
    e = idt_keys_cert_import(pool, key, in, strlen(in), &c);
    is_int(kind_of(e), IDT_E_PRIVATE_KEY, "a private key with the certificate is refused");
    ok(e && !strstr(e->msg, "MII"), "the message does not quote the key");
    EVP_PKEY_free(pub);
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

static void test_b64url(void)
{
    static const unsigned char b[] = {0xfb, 0xff, 0xbf, 0x00};
    is_str(idt_b64url(pool, b, 3), "-_-_", "idt_b64url uses - and _");
    is_str(idt_b64url(pool, b, 4), "-_-_AA", "and no padding");
    is_str(idt_b64url(pool, b, 0), "", "nothing is empty");
}

int main(void)
{
    EVP_PKEY *key;
    const char *csr;

    apr_initialize();
    apr_pool_create(&pool, NULL);

    test_b64url();
    key = test_new();
    if (key) {
        test_at_rest(key);
        test_public_pem(key);
        test_thumbprint(key);
        test_jwk(key);
        csr = test_csr(key);
        test_cert_import(key, csr);
    }

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
