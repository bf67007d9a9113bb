/* RSA keys of the SSO server (signing and encryption keys, /credential/{site}/{name}):
 * making them, keeping them encrypted at rest, publishing their public half as a JWK,
 * certificate requests for them and the certificates that come back. OpenSSL 3 EVP
 * only. Every OpenSSL object made here is freed by a cleanup on the pool it was made
 * in; an EVP_PKEY handed in is only borrowed. */
#ifndef IDT_KEYS_H
#define IDT_KEYS_H

#include <apr_pools.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "idt_error.h"
#include "idt_x509.h"

/* The size of every key made here. */
#define IDT_KEYS_RSA_BITS 2048

/* Base64url without padding (RFC 7515 section 2) of data[0..len), from p. */
const char *idt_b64url(apr_pool_t *p, const unsigned char *data, apr_size_t len);

/* Makes a new 2048-bit RSA key (public exponent 65537), freed with p.
 * IDT_E_INTERNAL if OpenSSL fails. */
idt_error *idt_keys_rsa_new(apr_pool_t *p, EVP_PKEY **key);

/* The private key as stored: PKCS#8 PEM ("ENCRYPTED PRIVATE KEY") encrypted with
 * AES-256-CBC under a key derived from passphrase (the idt_secret_load secret) by
 * PBKDF2-HMAC-SHA256 (OpenSSL's 2048 iterations and random 8-byte salt: enough for a
 * secret file of at least 32 bytes, which idt_secret_load insists on); the text holds
 * no key material usable without the passphrase, and `openssl pkey -passin file:...`
 * reads it. This is idt_key_encrypt, the one at-rest format of the suite.
 * IDT_E_INTERNAL for no key or an empty passphrase. */
idt_error *idt_keys_seal(apr_pool_t *p, EVP_PKEY *key, const char *passphrase, const char **pem);

/* Reads back what idt_keys_seal wrote (idt_key_decrypt), and refuses what is not an
 * RSA key of at least 2048 bits. All errors are IDT_E_INTERNAL (a stored key that
 * cannot be used is the server's problem, not the client's): no passphrase, a text
 * that is not an encrypted PKCS#8 PEM key, a wrong passphrase or a damaged key, a key
 * of another type or size. The key is freed with p. */
idt_error *idt_keys_open(apr_pool_t *p, const char *pem, const char *passphrase, EVP_PKEY **key);

/* The public half of key as a SubjectPublicKeyInfo PEM ("PUBLIC KEY"), safe to store
 * in the clear, e.g. so that JWKS and the bearer keyset need no decryption. */
idt_error *idt_keys_public_pem(apr_pool_t *p, EVP_PKEY *key, const char **pem);

/* Reads a "PUBLIC KEY" PEM written by idt_keys_public_pem: IDT_E_INTERNAL when it is
 * not one, or not an RSA key of at least 2048 bits. The key is freed with p. */
idt_error *idt_keys_public_from_pem(apr_pool_t *p, const char *pem, EVP_PKEY **key);

/* The default kid of key: its RFC 7638 JWK thumbprint, base64url of the SHA-256 of
 * {"e":"...","kty":"RSA","n":"..."}, 43 characters. Stable for a key, the same for its
 * private and public halves, and what other tools compute (`jose jwk thp`, Keycloak,
 * Nimbus). IDT_E_INTERNAL for a key that is not RSA. */
idt_error *idt_keys_thumbprint(apr_pool_t *p, EVP_PKEY *key, const char **kid);

/* The public JWK of an RSA key, as published in a JWKS: {"kty":"RSA", "kid", "use",
 * "n", "e"} with n and e base64url, unpadded, big-endian without leading zeros
 * (RFC 7518 section 6.3.1). kid NULL means the thumbprint; use is "sig" or "enc", and
 * NULL or "" leaves "use" out (a key for both, RFC 7517 section 4.2). Never holds a
 * private parameter, whatever key is passed. The object is owned by p
 * (idt_json_own). IDT_E_INTERNAL for a key that is not RSA or another use. */
idt_error *idt_keys_jwk(apr_pool_t *p, EVP_PKEY *key, const char *kid, const char *use,
                        json_t **jwk);

/* A PKCS#10 certificate request (version 1, no attributes) for key with subject
 * CN=cn, signed with SHA-256 by key, as PEM ("CERTIFICATE REQUEST", "\n" line ends).
 * key must hold the private half. IDT_E_BAD_REQUEST for a cn that is empty, not UTF-8
 * or over 64 characters; IDT_E_INTERNAL for a public-only key or OpenSSL failing. */
idt_error *idt_keys_csr(apr_pool_t *p, EVP_PKEY *key, const char *cn, const char **pem);

/* Reads the certificate a CA issued for key from input[0..len) (need not be
 * NUL-terminated): the first "-----BEGIN CERTIFICATE-----" block is read and anything
 * after its END line (the rest of a chain) or before its BEGIN line (openssl's
 * "subject=" lines, bag attributes) is ignored. The block is parsed by idt_cert_parse,
 * so *cert has the DER, the PEM ("\n" line ends) and the fields to store. key may be
 * public-only. Errors, all 400, never quoting the input:
 *   IDT_E_PRIVATE_KEY  the input holds private-key armour anywhere
 *   IDT_E_CERT_DECODE  no certificate block, one that cannot be decoded, input over
 *                      1 MiB
 *   IDT_E_BAD_REQUEST  a readable certificate whose public key is not key's
 * Expiry is not checked. */
idt_error *idt_keys_cert_import(apr_pool_t *p, EVP_PKEY *key, const char *input, apr_size_t len,
                                idt_cert **cert);

#endif
