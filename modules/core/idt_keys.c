/* RSA keys of the SSO server, with OpenSSL 3 EVP. The at-rest format and the
 * certificate parser are idt_x509's: this file adds what a key needs around them. */
#include "idt_keys.h"
#include "idt_json.h"
#include "idt_text.h"

#include <limits.h>
#include <string.h>

#include <apr_strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* As idt_cert_parse's own limit: nothing larger is read. */
#define CERT_INPUT_MAX (1024 * 1024)

#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_CERT_END "-----END CERTIFICATE-----"

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

static apr_status_t req_cleanup(void *data)
{
    X509_REQ_free(data);
    return APR_SUCCESS;
}

/* OpenSSL's reason strings hold no data; the queue is cleared. */
static idt_error *ossl_err(apr_pool_t *p, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    ERR_clear_error();
    return idt_err(p, IDT_E_INTERNAL, "%s: %s", what, r ? r : "unknown OpenSSL error");
}

static const char *bio_pstrdup(apr_pool_t *p, BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);

    if (n < 0 || (n > 0 && !data)) return NULL;
    return apr_pstrmemdup(p, n > 0 ? data : "", (apr_size_t)n);
}

const char *idt_b64url(apr_pool_t *p, const unsigned char *data, apr_size_t len)
{
    char *out;
    apr_size_t i, n;

    if (len > (apr_size_t)INT_MAX / 4 * 3 - 3) return NULL;
    out = apr_palloc(p, 4 * ((len + 2) / 3) + 1);
    n = (apr_size_t)EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (i = 0; i < n; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
    return out;
}

/* 1 for an RSA key of at least IDT_KEYS_RSA_BITS bits. */
static int rsa_usable(EVP_PKEY *key)
{
    return key && EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= IDT_KEYS_RSA_BITS;
}

/* base64url of an RSA parameter (n or e) of key, big-endian without leading zeros. */
static const char *rsa_param_b64url(apr_pool_t *p, EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char *buf;
    int n;
    const char *s = NULL;

    if (!EVP_PKEY_get_bn_param(key, name, &bn)) return NULL;
    n = BN_num_bytes(bn);
    if (n > 0) {
        buf = apr_palloc(p, (apr_size_t)n);
        if (BN_bn2bin(bn, buf) == n) s = idt_b64url(p, buf, (apr_size_t)n);
    }
    BN_free(bn);
    return s;
}

static idt_error *rsa_n_e(apr_pool_t *p, EVP_PKEY *key, const char **n, const char **e)
{
    if (!key || !EVP_PKEY_is_a(key, "RSA"))
        return idt_err(p, IDT_E_INTERNAL, "the key is not an RSA key");
    *n = rsa_param_b64url(p, key, OSSL_PKEY_PARAM_RSA_N);
    *e = rsa_param_b64url(p, key, OSSL_PKEY_PARAM_RSA_E);
    if (!*n || !*e) return ossl_err(p, "cannot read the RSA public key");
    return NULL;
}

idt_error *idt_keys_rsa_new(apr_pool_t *p, EVP_PKEY **key)
{
    EVP_PKEY *pk;

    *key = NULL;
    pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)IDT_KEYS_RSA_BITS);
    if (!pk) return ossl_err(p, "cannot make an RSA key");
    apr_pool_cleanup_register(p, pk, pkey_cleanup, apr_pool_cleanup_null);
    *key = pk;
    return NULL;
}

idt_error *idt_keys_seal(apr_pool_t *p, EVP_PKEY *key, const char *passphrase, const char **pem)
{
    return idt_key_encrypt(p, key, passphrase, pem);
}

idt_error *idt_keys_open(apr_pool_t *p, const char *pem, const char *passphrase, EVP_PKEY **key)
{
    EVP_PKEY *pk = NULL;
    idt_error *e;

    *key = NULL;
    if ((e = idt_key_decrypt(p, pem, passphrase, &pk)) != NULL) return e;
    /* A stored key swapped for a weak or foreign one is refused, not used. */
    if (!rsa_usable(pk))
        return idt_err(p, IDT_E_INTERNAL,
                       "the stored private key is not an RSA key of at least %d bits",
                       IDT_KEYS_RSA_BITS);
    *key = pk;
    return NULL;
}

idt_error *idt_keys_public_pem(apr_pool_t *p, EVP_PKEY *key, const char **pem)
{
    BIO *bio;
    const char *s = NULL;

    *pem = NULL;
    if (!key) return idt_err(p, IDT_E_INTERNAL, "no key");
    if (!(bio = BIO_new(BIO_s_mem()))) return ossl_err(p, "cannot allocate a BIO");
    if (PEM_write_bio_PUBKEY(bio, key) == 1) s = bio_pstrdup(p, bio);
    BIO_free(bio);
    if (!s) return ossl_err(p, "cannot write the public key");
    *pem = s;
    return NULL;
}

idt_error *idt_keys_public_from_pem(apr_pool_t *p, const char *pem, EVP_PKEY **key)
{
    BIO *bio;
    EVP_PKEY *pk;
    size_t len;

    *key = NULL;
    if (!pem) return idt_err(p, IDT_E_INTERNAL, "no public key");
    len = strlen(pem);
    if (len > INT_MAX) return idt_err(p, IDT_E_INTERNAL, "the public key is too large");
    if (!(bio = BIO_new_mem_buf(pem, (int)len))) return ossl_err(p, "cannot allocate a BIO");
    pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (!pk) return idt_err(p, IDT_E_INTERNAL, "the stored public key cannot be read");
    apr_pool_cleanup_register(p, pk, pkey_cleanup, apr_pool_cleanup_null);
    if (!rsa_usable(pk))
        return idt_err(p, IDT_E_INTERNAL,
                       "the stored public key is not an RSA key of at least %d bits",
                       IDT_KEYS_RSA_BITS);
    *key = pk;
    return NULL;
}

idt_error *idt_keys_thumbprint(apr_pool_t *p, EVP_PKEY *key, const char **kid)
{
    const char *n, *e, *canon;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    idt_error *err;

    *kid = NULL;
    if ((err = rsa_n_e(p, key, &n, &e)) != NULL) return err;
    /* RFC 7638 section 3.2: the required members only, in lexicographic order, no
     * white space; n and e are base64url, which needs no JSON escaping. */
    canon = apr_psprintf(p, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);
    if (!EVP_Digest(canon, strlen(canon), md, &md_len, EVP_sha256(), NULL))
        return ossl_err(p, "cannot compute the key thumbprint");
    *kid = idt_b64url(p, md, md_len);
    return NULL;
}

idt_error *idt_keys_jwk(apr_pool_t *p, EVP_PKEY *key, const char *kid, const char *use,
                        json_t **jwk)
{
    const char *n, *e;
    json_t *j;
    idt_error *err;

    *jwk = NULL;
    if (use && *use && strcmp(use, "sig") != 0 && strcmp(use, "enc") != 0)
        return idt_err(p, IDT_E_INTERNAL, "a key's use is sig, enc or empty");
    if ((err = rsa_n_e(p, key, &n, &e)) != NULL) return err;
    if (!kid && (err = idt_keys_thumbprint(p, key, &kid)) != NULL) return err;
    j = idt_json_own(p, json_object());
    if (!j || json_object_set_new(j, "kty", json_string("RSA")) ||
        json_object_set_new(j, "kid", json_string(kid)) ||
        (use && *use && json_object_set_new(j, "use", json_string(use))) ||
        json_object_set_new(j, "n", json_string(n)) || json_object_set_new(j, "e", json_string(e)))
        return idt_err(p, IDT_E_INTERNAL, "cannot build the JWK (kid not UTF-8?)");
    *jwk = j;
    return NULL;
}

idt_error *idt_keys_csr(apr_pool_t *p, EVP_PKEY *key, const char *cn, const char **pem)
{
    X509_REQ *req;
    X509_NAME *name;
    BIO *bio;
    const char *s = NULL;

    *pem = NULL;
    if (!key) return idt_err(p, IDT_E_INTERNAL, "no key for the certificate request");
    if (!cn || !*cn)
        return idt_err(p, IDT_E_BAD_REQUEST, "the certificate request needs a common name");
    if (!(req = X509_REQ_new())) return ossl_err(p, "cannot allocate the certificate request");
    apr_pool_cleanup_register(p, req, req_cleanup, apr_pool_cleanup_null);

    name = X509_REQ_get_subject_name(req);
    /* X509_NAME_add_entry_by_txt enforces the CN's ub-common-name of 64 characters
     * and valid UTF-8. */
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0)) {
        ERR_clear_error();
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "the common name must be valid UTF-8 of 1 to 64 characters");
    }
    if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) || !X509_REQ_set_pubkey(req, key))
        return ossl_err(p, "cannot fill in the certificate request");
    if (X509_REQ_sign(req, key, EVP_sha256()) <= 0)
        return ossl_err(p, "cannot sign the certificate request (is the private key there?)");

    if (!(bio = BIO_new(BIO_s_mem()))) return ossl_err(p, "cannot allocate a BIO");
    if (PEM_write_bio_X509_REQ(bio, req) == 1) s = bio_pstrdup(p, bio);
    BIO_free(bio);
    if (!s) return ossl_err(p, "cannot write the certificate request");
    *pem = s;
    return NULL;
}

idt_error *idt_keys_cert_import(apr_pool_t *p, EVP_PKEY *key, const char *input, apr_size_t len,
                                idt_cert **cert)
{
    const char *begin, *end;
    idt_cert *c = NULL;
    EVP_PKEY *pub;
    idt_error *e;
    int eq;

    *cert = NULL;
    if (!key) return idt_err(p, IDT_E_INTERNAL, "no key to match the certificate with");
    if (!input) len = 0;
    if (len > CERT_INPUT_MAX)
        return idt_err(p, IDT_E_CERT_DECODE, "the certificate cannot be decoded: it is too large");
    /* A key anywhere is refused before anything else, as everywhere in the suite. */
    if ((e = idt_text_private_key_check(p, input, len, NULL)) != NULL) return e;
    begin = len ? idt_text_find(input, len, PEM_CERT_BEGIN) : NULL;
    if (!begin)
        return idt_err(p, IDT_E_CERT_DECODE,
                       "the certificate cannot be decoded: no -----BEGIN CERTIFICATE----- "
                       "line");
    end = idt_text_find(begin, len - (apr_size_t)(begin - input), PEM_CERT_END);
    if (!end)
        return idt_err(p, IDT_E_CERT_DECODE,
                       "the certificate cannot be decoded: no -----END CERTIFICATE----- line");
    end += strlen(PEM_CERT_END);
    if ((e = idt_cert_parse(p, begin, (apr_size_t)(end - begin), &c)) != NULL) return e;

    pub = idt_cert_public_key(p, c);
    eq = pub ? EVP_PKEY_eq(pub, key) : 0;
    ERR_clear_error();
    if (eq != 1)
        return idt_err(p, IDT_E_BAD_REQUEST,
                       "the certificate's public key is not this key's public key");
    *cert = c;
    return NULL;
}
