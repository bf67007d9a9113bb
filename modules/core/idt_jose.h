/* OAuth 2.0 access tokens as JWTs (RFC 9068), signed RS256 and verified through cjose.
 *
 * Two long-lived objects, each built once (at startup, or when the keys change) in a
 * pool that outlives the requests, then only read, so one instance may be shared by
 * all threads of a process:
 *   idt_jose_signer  one private key, ready to sign (the token endpoint's current key);
 *   idt_jose_keyset  the public keys tokens are verified against, looked up by kid
 *                    (AuthType Bearer's cache). It is never changed once shared: to
 *                    rotate, build a new one in a new pool holding every key still
 *                    published (the old and the new signing key overlap), swap the
 *                    pointer, and destroy the old pool once no request holds it.
 * Each signed or verified token uses a per-request pool: every cjose and jansson object
 * made on the way is released by a cleanup on it.
 *
 * The verifier is strict and decides alg, crit and typ itself before cjose sees the
 * token: cjose 0.6.2 accepts "crit" it does not understand, lets the last of two "alg"
 * members win, and picks the verification method from the token's own alg. */
#ifndef IDT_JOSE_H
#define IDT_JOSE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "idt_error.h"

/* Tokens longer than this (bytes of the compact serialisation) are refused before
 * any decoding; ours are well under 2 KiB. */
#define IDT_JWT_MAX_LEN 8192

/* Clock skew tolerated between the token's issuer and its verifier, in seconds: the
 * value to pass as idt_jwt_expect.leeway unless configured otherwise. */
#define IDT_JWT_LEEWAY_DEFAULT 60

/* Longest kid accepted, in bytes. */
#define IDT_JOSE_KID_MAX 256

/* ---- signing ---- */

typedef struct idt_jose_signer idt_jose_signer;

/* Readies key (an RSA private key of at least 2048 bits) to sign with, under kid
 * (1 to IDT_JOSE_KID_MAX bytes of UTF-8; NULL means idt_keys_thumbprint). The signer
 * holds its own copy of the key, released with p; key is only borrowed.
 * IDT_E_INTERNAL for a public-only, non-RSA or short key, or a bad kid. */
idt_error *idt_jose_signer_new(apr_pool_t *p, EVP_PKEY *key, const char *kid,
                               idt_jose_signer **out);

/* The kid the signer puts in its tokens' headers. */
const char *idt_jose_signer_kid(const idt_jose_signer *s);

/* What an access token says (RFC 9068 section 2.2). */
typedef struct idt_jwt_params {
    const char *issuer;    /* "iss", required: the authorization server's issuer URL */
    const char *audience;  /* "aud", required: the resource server */
    const char *client_id; /* "client_id", required */
    const char *subject;   /* "sub"; NULL means client_id (client credentials grant) */
    /* "scope": the granted scopes, const char * each, joined with single spaces;
     * NULL or empty leaves "scope" out. Each must be a non-empty RFC 6749 section 3.3
     * scope-token (printable ASCII but space, '"' and '\'). */
    const apr_array_header_t *scopes;
    apr_int64_t lifetime; /* seconds, 1 to 86400: "exp" = "iat" + lifetime */
    apr_time_t now;       /* "iat" (whole seconds of it); 0 means apr_time_now() */
} idt_jwt_params;

/* Signs an access token: the JWS compact serialisation, header
 * {"alg":"RS256","typ":"at+jwt","kid":kid}, claims iss, sub, aud, exp, iat, jti,
 * client_id and scope (when there are scopes). jti is 128 bits from OpenSSL's RAND,
 * base64url (22 characters); *jti (may be NULL) gets it, e.g. for the audit row.
 * IDT_E_BAD_REQUEST for a missing or non-UTF-8 field, a bad scope-token, or a
 * lifetime out of range; IDT_E_INTERNAL if cjose or OpenSSL fails. The token and
 * *jti are allocated from p. */
idt_error *idt_jwt_sign(apr_pool_t *p, const idt_jose_signer *s, const idt_jwt_params *in,
                        const char **token, const char **jti);

/* ---- verification ---- */

typedef struct idt_jose_keyset idt_jose_keyset;

/* An empty keyset in p; the keys added later live and die with p. */
idt_jose_keyset *idt_jose_keyset_new(apr_pool_t *p);

/* Adds the public half of key (an RSA key of at least 2048 bits, private or public:
 * only n and e are kept) under kid (1 to IDT_JOSE_KID_MAX bytes; NULL means
 * idt_keys_thumbprint). IDT_E_INTERNAL for a non-RSA or short key or a bad kid;
 * IDT_E_CONFLICT when kid is taken by another key (the same key again is a no-op).
 * Not to be called once the keyset is shared between threads. */
idt_error *idt_jose_keyset_add(idt_jose_keyset *ks, EVP_PKEY *key, const char *kid);

/* The number of keys in ks. */
int idt_jose_keyset_count(const idt_jose_keyset *ks);

/* Why a token was refused; every refusal is IDT_E_UNAUTHORIZED (401, error
 * "invalid_token" in WWW-Authenticate). The idt_error's msg is the sentence after the
 * name here, and never holds any part of the token. */
typedef enum {
    IDT_JWT_OK = 0,
    IDT_JWT_TOO_LARGE, /* "the token is too large" (over IDT_JWT_MAX_LEN) */
    IDT_JWT_MALFORMED, /* "the token is malformed": empty, not three dot-separated
                        * parts of the base64url alphabet (no padding), an empty header
                        * or payload, a header or payload that is not a JSON object
                        * with unique member names */
    IDT_JWT_ALG_NONE,  /* "the token is not signed (alg none)" */
    IDT_JWT_ALG,       /* "the token is not signed with RS256": any other alg, HS256
                        * included, or alg missing or not a string */
    IDT_JWT_CRIT,      /* "the token has critical header parameters" (any "crit") */
    IDT_JWT_TYP,       /* "the token is not an access token (typ)": typ other than
                        * at+jwt or application/at+jwt (case-insensitive), or none
                        * (RFC 9068 section 4) */
    IDT_JWT_KID,       /* "the token's key is unknown": no kid, not a string, or no
                        * key of the keyset has it */
    IDT_JWT_SIGNATURE, /* "the token's signature is not valid" */
    IDT_JWT_CLAIMS,    /* "the token lacks a required claim": iss, sub, aud, exp, iat,
                        * jti, client_id missing or of the wrong type (exp, iat, nbf
                        * must be integers; scope, when present, a string) */
    IDT_JWT_EXPIRED,   /* "the token has expired": exp <= now - leeway */
    IDT_JWT_NOT_YET,   /* "the token is not valid yet": nbf or iat > now + leeway */
    IDT_JWT_ISSUER,    /* "the token's issuer is not accepted" */
    IDT_JWT_AUDIENCE   /* "the token's audience is not accepted" */
} idt_jwt_reason;

/* What the token must be. */
typedef struct idt_jwt_expect {
    const char *issuer;   /* required: "iss" must equal it */
    const char *audience; /* required: "aud" (a string, or an array of them) must hold it */
    apr_int64_t leeway;   /* seconds of clock skew allowed, 0 to 3600 (see
                           * IDT_JWT_LEEWAY_DEFAULT) */
    apr_time_t now;       /* 0 means apr_time_now() */
} idt_jwt_expect;

/* A verified access token; everything is allocated from (and owned by) the pool
 * idt_jwt_verify was given. */
typedef struct idt_jwt {
    json_t *claims;  /* the payload object, as signed */
    const char *kid; /* the key that verified it */
    const char *issuer, *subject, *client_id, *jti;
    apr_int64_t exp, iat; /* seconds since the epoch */
    /* "scope" split at spaces (const char * each, no empty ones); empty when the token
     * has no scope claim */
    apr_array_header_t *scopes;
} idt_jwt;

/* Verifies token[0..len) (need not be NUL-terminated) against ks and x. Checks, in
 * this order, each refusal with its own reason: length, shape (three base64url parts),
 * header (a JSON object; alg "none", then alg RS256, then no crit, then typ, then kid
 * in ks), the RS256 signature (cjose, with the key the kid names, the header's alg
 * already known to be RS256), the payload (a JSON object), required claims, exp,
 * nbf and iat, iss, aud. On success *out is the token and NULL is returned; on
 * failure *out is NULL and the error is IDT_E_UNAUTHORIZED with the reason's message.
 * reason (may be NULL) gets the reason either way. Safe to call from many threads
 * with one ks. */
idt_error *idt_jwt_verify(apr_pool_t *p, const idt_jose_keyset *ks, const char *token,
                          apr_size_t len, const idt_jwt_expect *x, idt_jwt **out,
                          idt_jwt_reason *reason);

/* 1 when the verified token t was granted scope (exact, case-sensitive match). */
int idt_jwt_has_scope(const idt_jwt *t, const char *scope);

#endif
