/* X.509 certificates, signing keys and private keys at rest (OpenSSL). Every
 * OpenSSL object made here is freed by a cleanup on the pool it was made in. */
#ifndef IDT_X509_H
#define IDT_X509_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "idt_error.h"

/* A certificate as read: x509 holds no decoded public key when it was parsed (see
 * idt_cert_public_key); one made here (idt_selfsigned_new) does. */
typedef struct idt_cert {
    X509 *x509;
    const unsigned char *der;
    apr_size_t der_len;
    const char *pem;        /* PEM, "\n" line ends, ends with "\n" */
    const char *subject;    /* RFC 2253, e.g. "CN=idp.example.com,O=Example" */
    const char *issuer;     /* RFC 2253 */
    const char *serial_dec; /* serial number, decimal */
    const char *serial_hex; /* serial number, upper-case hex, no separators */
    int serial_fits_int64;  /* 1 when serial_int64 holds the serial */
    apr_int64_t serial_int64;
    apr_int64_t not_before_ms; /* milliseconds since the epoch */
    apr_int64_t not_after_ms;
    const char *sig_alg;        /* Java-style name: SHA256withRSA, SHA384withECDSA, ... */
    const unsigned char *spki;  /* DER SubjectPublicKeyInfo */
    apr_size_t spki_len;
    const char *public_key_b64; /* spki, base64, one line */
    int version;                /* 1, 2 or 3 */
    const char *sha256_hex;     /* fingerprint of der, lower-case hex */
} idt_cert;

/* Parses what a user pasted: exactly one PEM certificate ("\n" or "\r\n" line ends,
 * surrounding whitespace allowed) or bare base64 of a DER certificate (whitespace
 * allowed, as in SAML metadata). Errors:
 *   IDT_E_PRIVATE_KEY  the input holds any "PRIVATE KEY" PEM block, or DER that parses
 *                      as a private key; the message never quotes the input
 *   IDT_E_CERT_CHAIN   more than one certificate
 *   IDT_E_CERT_DECODE  anything else that is not one certificate (including text
 *                      before BEGIN or after END, PEM headers, other PEM blocks, NUL
 *                      bytes, DER with trailing bytes, input over 1 MiB)
 * The message never quotes the input. Expiry is not checked here. len is
 * authoritative: input need not be NUL-terminated. */
idt_error *idt_cert_parse(apr_pool_t *p, const char *input, apr_size_t len, idt_cert **out);

/* Wraps DER bytes; IDT_E_CERT_DECODE when they are not one certificate. */
idt_error *idt_cert_from_der(apr_pool_t *p, const unsigned char *der, apr_size_t len,
                             idt_cert **out);

/* The certificate's public key, decoded (freed with p); NULL when OpenSSL cannot use
 * it. Parsing leaves the key undecoded, so X509_get0_pubkey(c->x509) is NULL for a
 * parsed certificate: this is how to get it. */
EVP_PKEY *idt_cert_public_key(apr_pool_t *p, const idt_cert *c);

/* pem with every line ending in "\r\n" and no line end after the END line, the form
 * of the Identity Center examples. */
const char *idt_pem_crlf(apr_pool_t *p, const char *pem);

/* Base64 of der on one line (as in SAML metadata X509Certificate). */
const char *idt_cert_b64(apr_pool_t *p, const idt_cert *c);

/* Makes a new RSA key of bits bits and a self-signed SHA-256 certificate for it with
 * subject CN=cn, a random 128-bit serial, valid from now minus one minute for days
 * days, basicConstraints CA:FALSE, keyUsage digitalSignature (both critical).
 * IDT_E_BAD_REQUEST for a cn that is empty, not UTF-8 or over 64 characters, bits
 * outside 2048..16384 or days outside 1..36500; IDT_E_INTERNAL if OpenSSL fails. */
idt_error *idt_selfsigned_new(apr_pool_t *p, const char *cn, int bits, int days, idt_cert **cert,
                              EVP_PKEY **key);

/* Private keys at rest: PKCS#8 PEM encrypted with AES-256-CBC under passphrase
 * (PBKDF2, OpenSSL's defaults), readable with `openssl pkey -passin`. Decryption
 * refuses a PEM that is not an ENCRYPTED PRIVATE KEY; a wrong passphrase or damaged
 * key is IDT_E_INTERNAL. The key is freed with p. */
idt_error *idt_key_encrypt(apr_pool_t *p, EVP_PKEY *key, const char *passphrase,
                           const char **pem_out);
idt_error *idt_key_decrypt(apr_pool_t *p, const char *pem, const char *passphrase, EVP_PKEY **key);

#endif
