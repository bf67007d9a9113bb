/* libFuzzer harness for idt_jwt_verify (modules/core/idt_jose.c): every bearer token
 * a client sends. Built and run by scripts/fuzz/run.
 *
 * The keyset is fixed: the public key below (its private half signed the seeds in
 * scripts/fuzz/corpus/jwt/ and was then thrown away) under its RFC 7638 thumbprint,
 * and a second key made at start-up under the kid "second". The clock is fixed at
 * the seeds' iat + 10 s, so that the valid seeds stay valid.
 *
 * Besides the sanitizers (ASan, UBSan, LeakSanitizer), every input is checked for
 * these invariants; a violation calls abort(), which libFuzzer reports as a crash:
 *   - exactly one of (error, token) comes back, and the reason agrees (IDT_JWT_OK
 *     only with a token);
 *   - an error is IDT_E_UNAUTHORIZED, 401, and its message is exactly the one
 *     idt_jose.h documents for its reason, so it never quotes the input;
 *   - an input over IDT_JWT_MAX_LEN is refused as too large, and one holding a byte
 *     outside the base64url alphabet and '.' is refused as malformed (or too large);
 *   - on success: the input is three parts, its header (decoded here with OpenSSL
 *     and parsed with jansson) says alg RS256 and typ at+jwt, and OpenSSL's own RS256
 *     verification of the signing input with the key of the returned kid succeeds;
 *     the claims hold the expected issuer and audience, exp is after the clock
 *     minus leeway, and every scope is non-empty without spaces;
 *   - the OpenSSL error queue is empty after every call. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "fuzz_common.h"
#include "idt_error.h"
#include "idt_jose.h"
#include "idt_keys.h"

#define ISS "https://sso.example.com/uas"
#define AUD "https://sso.example.com/sso-api"
#define NOW_SEC ((apr_int64_t)1796083210) /* the seeds' iat + 10 s */

static const char PUBLIC_PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApNourM3jwiXLLo76pz8U\n"
    "2YXJC8tUhHOVT84h0P56LuvqtV2g98gCR9nUk/kp3dhep3zV2PWKRIFkmnIgy80j\n"
    "HuTp8lsPh+OLaC84euBP2tGbGrQWPegEy9btEkqY5xUmeWqfE0sHjh6MYH9AmBLe\n"
    "8B+r5XdE+NklIrnSr/6KTm8weXXVMkTawPxn5j3eN2ahhUQvAq3fp2eNWKw1VvoV\n"
    "4vakf04KkvT68KgCNoCu0irzSFo0OvcvTUaRKpbZrcgR6sOyjCM02Kt4REl6XWhJ\n"
    "ZymhxcPuoWR+jQX0v1NlYsYjI932/1d8GiXYYB0RQQILsKJGXjBk4sojr5YCOXwa\n"
    "yQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

/* idt_jose.h's messages, by reason. */
static const char *const messages[] = {
    [IDT_JWT_OK] = NULL,
    [IDT_JWT_TOO_LARGE] = "the token is too large",
    [IDT_JWT_MALFORMED] = "the token is malformed",
    [IDT_JWT_ALG_NONE] = "the token is not signed (alg none)",
    [IDT_JWT_ALG] = "the token is not signed with RS256",
    [IDT_JWT_CRIT] = "the token has critical header parameters",
    [IDT_JWT_TYP] = "the token is not an access token (typ)",
    [IDT_JWT_KID] = "the token's key is unknown",
    [IDT_JWT_SIGNATURE] = "the token's signature is not valid",
    [IDT_JWT_CLAIMS] = "the token lacks a required claim",
    [IDT_JWT_EXPIRED] = "the token has expired",
    [IDT_JWT_NOT_YET] = "the token is not valid yet",
    [IDT_JWT_ISSUER] = "the token's issuer is not accepted",
    [IDT_JWT_AUDIENCE] = "the token's audience is not accepted",
};

static apr_pool_t *keys_pool;
static idt_jose_keyset *keyset;
static EVP_PKEY *fixed_key, *second_key;
static const char *fixed_kid;

static void teardown(void)
{
    apr_pool_destroy(keys_pool);
}

/* Before libFuzzer starts, so that the keyset is not counted as an input's leak, and
 * released at exit (before LeakSanitizer's own exit-time check, which was registered
 * first): APR's pool memory is not scanned for the pointers it holds. */
__attribute__((constructor)) static void setup(void)
{
    idt_error *e;

    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&keys_pool, NULL) != APR_SUCCESS)
        violation("cannot initialise APR", NULL);
    keyset = idt_jose_keyset_new(keys_pool);
    if ((e = idt_keys_public_from_pem(keys_pool, PUBLIC_PEM, &fixed_key)) ||
        (e = idt_keys_thumbprint(keys_pool, fixed_key, &fixed_kid)) ||
        (e = idt_jose_keyset_add(keyset, fixed_key, fixed_kid)) ||
        (e = idt_keys_rsa_new(keys_pool, &second_key)) ||
        (e = idt_jose_keyset_add(keyset, second_key, "second")))
        violation("cannot build the keyset", e->msg);
    atexit(teardown);
}

static int b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* base64url part to bytes with OpenSSL (not cjose), into p. */
static unsigned char *decode(apr_pool_t *p, const uint8_t *s, size_t n, int *len)
{
    char *b = apr_palloc(p, n + 4);
    unsigned char *out = apr_palloc(p, n + 4);
    size_t i, pad = (4 - n % 4) % 4;
    int got;

    for (i = 0; i < n; i++)
        b[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : (char)s[i];
    for (i = 0; i < pad; i++)
        b[n + i] = '=';
    got = EVP_DecodeBlock(out, (unsigned char *)b, (int)(n + pad));
    *len = got < 0 ? -1 : got - (int)pad;
    return out;
}

/* What success must mean, checked without idt_jose or cjose. */
static void check_success(apr_pool_t *p, const uint8_t *data, size_t size, const idt_jwt *t,
                          const idt_jwt_expect *x)
{
    const uint8_t *d1 = memchr(data, '.', size), *d2;
    unsigned char *hdr_raw, *sig;
    int hl, sl, i;
    json_t *hdr;
    EVP_PKEY *k;
    EVP_MD_CTX *ctx;
    int verified;
    json_t *aud;

    if (!d1) violation("accepted without a dot", NULL);
    d2 = memchr(d1 + 1, '.', size - (size_t)(d1 + 1 - data));
    if (!d2 || memchr(d2 + 1, '.', size - (size_t)(d2 + 1 - data)))
        violation("accepted without exactly three parts", NULL);

    hdr_raw = decode(p, data, (size_t)(d1 - data), &hl);
    if (hl <= 0) violation("accepted a header OpenSSL cannot decode", NULL);
    hdr = json_loadb((const char *)hdr_raw, (size_t)hl, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(hdr)) violation("accepted a header that is not a JSON object", NULL);
    if (!json_is_string(json_object_get(hdr, "alg")) ||
        strcmp(json_string_value(json_object_get(hdr, "alg")), "RS256") != 0)
        violation("accepted an alg other than RS256", NULL);
    if (!json_is_string(json_object_get(hdr, "typ")) ||
        (strcasecmp(json_string_value(json_object_get(hdr, "typ")), "at+jwt") != 0 &&
         strcasecmp(json_string_value(json_object_get(hdr, "typ")), "application/at+jwt") != 0))
        violation("accepted a typ other than at+jwt", NULL);
    if (json_object_get(hdr, "crit")) violation("accepted a crit header", NULL);
    json_decref(hdr);

    if (strcmp(t->kid, fixed_kid) == 0)
        k = fixed_key;
    else if (strcmp(t->kid, "second") == 0)
        k = second_key;
    else
        violation("accepted under a kid not in the keyset", t->kid);
    sig = decode(p, d2 + 1, size - (size_t)(d2 + 1 - data), &sl);
    if (sl <= 0) violation("accepted a signature OpenSSL cannot decode", NULL);
    ctx = EVP_MD_CTX_new();
    verified = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
               EVP_DigestVerify(ctx, sig, (size_t)sl, data, (size_t)(d2 - data)) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (!verified) violation("accepted a signature OpenSSL does not verify", NULL);

    if (!json_is_object(t->claims)) violation("success without a claims object", NULL);
    if (!t->issuer || strcmp(t->issuer, ISS) != 0) violation("accepted another issuer", NULL);
    aud = json_object_get(t->claims, "aud");
    if (!json_is_string(aud) && !json_is_array(aud)) violation("accepted without aud", NULL);
    if (!t->subject || !t->client_id || !t->jti) violation("success without sub/client/jti", NULL);
    if (t->exp <= apr_time_sec(x->now) - x->leeway) violation("accepted an expired token", NULL);
    if (t->iat > apr_time_sec(x->now) + x->leeway) violation("accepted a future iat", NULL);
    if (!t->scopes) violation("success without a scope list", NULL);
    for (i = 0; i < t->scopes->nelts; i++) {
        const char *s = ((const char **)t->scopes->elts)[i];
        if (!*s || strchr(s, ' ')) violation("a scope that is empty or holds a space", s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    idt_jwt_expect x = {ISS, AUD, IDT_JWT_LEEWAY_DEFAULT, apr_time_from_sec(NOW_SEC)};
    idt_jwt *t = NULL;
    idt_jwt_reason r = (idt_jwt_reason)-1;
    idt_error *e;
    size_t i;
    int alphabet = 1;

    apr_pool_create(&p, root_pool);
    e = idt_jwt_verify(p, keyset, (const char *)data, size, &x, &t, &r);
    if (ERR_peek_error() != 0) violation("the OpenSSL error queue is not empty", NULL);

    for (i = 0; i < size && alphabet; i++)
        alphabet = data[i] == '.' || b64url_char(data[i]);
    if (e) {
        if (t) violation("an error came back with a token", e->msg);
        if (e->kind != IDT_E_UNAUTHORIZED || e->status != 401)
            violation("an error that is not a 401", e->msg);
        if ((int)r <= IDT_JWT_OK || (int)r > IDT_JWT_AUDIENCE)
            violation("an error with no reason", e->msg);
        if (!e->msg || strcmp(e->msg, messages[r]) != 0)
            violation("a message other than the reason's", e->msg);
        if (size > IDT_JWT_MAX_LEN && r != IDT_JWT_TOO_LARGE)
            violation("an oversize token not refused as too large", e->msg);
        if (!alphabet && size <= IDT_JWT_MAX_LEN && r != IDT_JWT_MALFORMED)
            violation("a byte outside base64url not refused as malformed", e->msg);
    } else {
        if (!t) violation("neither an error nor a token", NULL);
        if (r != IDT_JWT_OK) violation("success with a reason", NULL);
        if (!alphabet || size > IDT_JWT_MAX_LEN)
            violation("accepted bytes outside base64url or an oversize token", NULL);
        check_success(p, data, size, t, &x);
    }
    apr_pool_destroy(p);
    return 0;
}
