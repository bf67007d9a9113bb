/* Unit tests of idt_jose: access tokens signed and verified, and every token the
 * verifier must refuse, each crafted here (re-signed with OpenSSL where the attack
 * needs a signature). Keys are made at run time. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "idt_error.h"
#include "idt_jose.h"
#include "idt_json.h"
#include "idt_keys.h"
#include "tap.h"

#define ISS "https://sso.example.com/uas"
#define AUD "https://sso.example.com/sso-api"
/* 2026-12-01T00:00:00Z: every token here is made and checked at fixed times. */
#define T0 ((apr_int64_t)1796083200)

static apr_pool_t *pool;
static EVP_PKEY *key, *other;
static idt_jose_signer *signer;
static idt_jose_keyset *keyset;

static int kind_of(const idt_error *e)
{
    return e ? (int)e->kind : 0;
}

static char *b64url(const void *data, size_t len)
{
    return (char *)idt_b64url(pool, data, len);
}

static const char *b64url_str(const char *s)
{
    return b64url(s, strlen(s));
}

static char *b64url_decode(const char *s, size_t n, int *len)
{
    char *b = apr_palloc(pool, n + 4);
    unsigned char *out = apr_palloc(pool, n + 4);
    size_t i, pad = (4 - n % 4) % 4;
    int got;

    for (i = 0; i < n; i++)
        b[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    for (i = 0; i < pad; i++)
        b[n + i] = '=';
    got = EVP_DecodeBlock(out, (unsigned char *)b, (int)(n + pad));
    *len = got < 0 ? -1 : got - (int)pad;
    if (got >= 0) out[*len] = '\0';
    return (char *)out;
}

/* The header, payload or signature (part 0, 1, 2) of a compact token, decoded. */
static const char *part(const char *token, int which)
{
    const char *s = token, *dot;
    int i, len;

    for (i = 0; i < which && s; i++)
        s = (dot = strchr(s, '.')) ? dot + 1 : NULL;
    if (!s) return NULL;
    dot = strchr(s, '.');
    return b64url_decode(s, dot ? (size_t)(dot - s) : strlen(s), &len);
}

/* RS256 over header.payload with k, as any JOSE library would: the attacker's tool. */
static const char *rs256(EVP_PKEY *k, const char *header, const char *payload)
{
    const char *input = apr_pstrcat(pool, b64url_str(header), ".", b64url_str(payload), NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t sl = sizeof(sig);

    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k);
    EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)input, strlen(input));
    EVP_MD_CTX_free(ctx);
    return apr_pstrcat(pool, input, ".", b64url(sig, sl), NULL);
}

/* HS256 over header.payload with secret as the HMAC key. */
static const char *hs256(const char *secret, size_t slen, const char *header, const char *payload)
{
    const char *input = apr_pstrcat(pool, b64url_str(header), ".", b64url_str(payload), NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;

    HMAC(EVP_sha256(), secret, (int)slen, (const unsigned char *)input, strlen(input), mac, &ml);
    return apr_pstrcat(pool, input, ".", b64url(mac, ml), NULL);
}

static const char *kid_of(EVP_PKEY *k)
{
    const char *kid = NULL;
    idt_keys_thumbprint(pool, k, &kid);
    return kid;
}

static const char *std_header(void)
{
    return apr_psprintf(pool, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid_of(key));
}

/* Claims as ours are, with at most one member replaced (or dropped, when value is
 * NULL); value is JSON text. */
static const char *claims_with(const char *name, const char *value)
{
    static const char *const names[] = {"iss", "sub", "aud",       "exp",
                                        "iat", "jti", "client_id", "scope"};
    const char *values[8];
    json_t *o = json_object();
    char *s;
    const char *out;
    size_t i;

    values[0] = "\"" ISS "\"";
    values[1] = "\"idtrust-cli\"";
    values[2] = "\"" AUD "\"";
    values[3] = apr_psprintf(pool, "%" APR_INT64_T_FMT, T0 + 300);
    values[4] = apr_psprintf(pool, "%" APR_INT64_T_FMT, T0);
    values[5] = "\"abcdefghijklmnopqrstuv\"";
    values[6] = "\"idtrust-cli\"";
    values[7] = "\"sso.manage myid.rest.basic\"";
    for (i = 0; i < 8; i++) {
        const char *v = name && strcmp(name, names[i]) == 0 ? value : values[i];
        if (v)
            json_object_set_new(o, names[i], json_loads(v, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    }
    if (name && value && !json_object_get(o, name))
        json_object_set_new(o, name, json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    out = apr_pstrdup(pool, s);
    free(s);
    json_decref(o);
    return out;
}

static idt_jwt_expect expect_at(apr_int64_t sec)
{
    idt_jwt_expect x = {ISS, AUD, IDT_JWT_LEEWAY_DEFAULT, apr_time_from_sec(sec)};
    return x;
}

/* Verifies at T0 + 10 s; returns the reason. */
static idt_jwt_reason verify_at(const char *token, apr_int64_t sec, idt_error **err)
{
    idt_jwt_expect x = expect_at(sec);
    idt_jwt *t = (idt_jwt *)1;
    idt_jwt_reason r = (idt_jwt_reason)-1;
    idt_error *e = idt_jwt_verify(pool, keyset, token, token ? strlen(token) : 0, &x, &t, &r);

    if (e && t) r = (idt_jwt_reason)-2; /* an error must not come with a token */
    if (e && (e->kind != IDT_E_UNAUTHORIZED || e->status != 401)) r = (idt_jwt_reason)-3;
    if (err) *err = e;
    return r;
}

static idt_jwt_reason verify(const char *token)
{
    return verify_at(token, T0 + 10, NULL);
}

/* A refusal that names its reason and never quotes the token. */
#define refused(token, want, ...)                                                                  \
    do {                                                                                           \
        idt_error *e_ = NULL;                                                                      \
        const char *t_ = (token);                                                                  \
        is_int(verify_at(t_, T0 + 10, &e_), want, __VA_ARGS__);                                    \
        if (e_ && t_ && strlen(t_) >= 12 && strstr(e_->msg, apr_pstrndup(pool, t_, 12)))           \
            ok(0, "the message quotes the token");                                                 \
    } while (0)

static apr_array_header_t *scopes_of(const char *a, const char *b)
{
    apr_array_header_t *s = apr_array_make(pool, 2, sizeof(const char *));
    if (a) *(const char **)apr_array_push(s) = a;
    if (b) *(const char **)apr_array_push(s) = b;
    return s;
}

/* ---- the round trip ---- */

static const char *test_round_trip(void)
{
    idt_jwt_params in = {ISS,
                         AUD,
                         "idtrust-cli",
                         NULL,
                         scopes_of("sso.manage", "myid.rest.basic"),
                         300,
                         apr_time_from_sec(T0)};
    const char *token = NULL, *jti = NULL, *jti2 = NULL, *token2 = NULL;
    json_t *h, *c;
    idt_jwt *t = NULL;
    idt_jwt_expect x = expect_at(T0 + 10);
    idt_jwt_reason r = (idt_jwt_reason)-1;
    idt_error *e;

    e = idt_jwt_sign(pool, signer, &in, &token, &jti);
    ok(!e && token, "idt_jwt_sign: %s", e ? e->msg : "ok");
    if (!token) return NULL;
    h = json_loads(part(token, 0), 0, NULL);
    c = json_loads(part(token, 1), 0, NULL);
    is_str(json_string_value(json_object_get(h, "alg")), "RS256", "header alg RS256");
    is_str(json_string_value(json_object_get(h, "typ")), "at+jwt", "header typ at+jwt");
    is_str(json_string_value(json_object_get(h, "kid")), kid_of(key),
           "header kid is the key's thumbprint");
    is_int(json_object_size(h), 3, "and nothing else in the header");
    is_str(json_string_value(json_object_get(c, "iss")), ISS, "iss");
    is_str(json_string_value(json_object_get(c, "sub")), "idtrust-cli", "sub is the client");
    is_str(json_string_value(json_object_get(c, "aud")), AUD, "aud");
    is_int(json_integer_value(json_object_get(c, "iat")), T0, "iat");
    is_int(json_integer_value(json_object_get(c, "exp")), T0 + 300, "exp = iat + lifetime");
    is_str(json_string_value(json_object_get(c, "client_id")), "idtrust-cli", "client_id");
    is_str(json_string_value(json_object_get(c, "scope")), "sso.manage myid.rest.basic",
           "scope, space-separated");
    is_str(json_string_value(json_object_get(c, "jti")), jti, "jti as returned");
    ok(jti && strlen(jti) == 22 && !strpbrk(jti, "+/="), "jti: 128 bits base64url");
    is_int(json_object_size(c), 8, "eight claims");
    json_decref(h);
    json_decref(c);

    idt_jwt_sign(pool, signer, &in, &token2, &jti2);
    ok(jti && jti2 && strcmp(jti, jti2) != 0, "two tokens have different jti");

    e = idt_jwt_verify(pool, keyset, token, strlen(token), &x, &t, &r);
    ok(!e && t, "idt_jwt_verify accepts it: %s", e ? e->msg : "ok");
    is_int(r, IDT_JWT_OK, "reason OK");
    if (t) {
        is_str(t->kid, kid_of(key), "verified by the key of its kid");
        is_str(t->issuer, ISS, "issuer");
        is_str(t->subject, "idtrust-cli", "subject");
        is_str(t->client_id, "idtrust-cli", "client_id");
        is_str(t->jti, jti, "jti");
        is_int(t->exp, T0 + 300, "exp");
        is_int(t->iat, T0, "iat");
        is_int(t->scopes->nelts, 2, "two scopes");
        ok(idt_jwt_has_scope(t, "sso.manage") && idt_jwt_has_scope(t, "myid.rest.basic"),
           "idt_jwt_has_scope finds both");
        ok(!idt_jwt_has_scope(t, "sso") && !idt_jwt_has_scope(t, "SSO.MANAGE") &&
               !idt_jwt_has_scope(t, ""),
           "and nothing else");
        ok(json_is_object(t->claims), "the claims are there");
    }

    /* the token also verifies against a keyset of the public half only */
    {
        idt_jose_keyset *pubs = idt_jose_keyset_new(pool);
        const char *pem = NULL;
        EVP_PKEY *pub = NULL;
        idt_keys_public_pem(pool, key, &pem);
        idt_keys_public_from_pem(pool, pem, &pub);
        e = idt_jose_keyset_add(pubs, pub, NULL);
        ok(!e, "a keyset of the public key read from PEM");
        e = idt_jwt_verify(pool, pubs, token, strlen(token), &x, &t, NULL);
        ok(!e && t, "verifies the token too");
    }

    /* without scopes */
    in.scopes = NULL;
    e = idt_jwt_sign(pool, signer, &in, &token2, NULL);
    c = token2 ? json_loads(part(token2, 1), 0, NULL) : NULL;
    ok(!e && c && !json_object_get(c, "scope"), "no scopes, no scope claim");
    json_decref(c);
    e = idt_jwt_verify(pool, keyset, token2, strlen(token2), &x, &t, NULL);
    ok(!e && t && t->scopes->nelts == 0, "verified with an empty scope list");
    ok(t && !idt_jwt_has_scope(t, "sso.manage"), "and no scope");

    /* a subject apart from the client */
    in.subject = "alice";
    e = idt_jwt_sign(pool, signer, &in, &token2, NULL);
    e = idt_jwt_verify(pool, keyset, token2, strlen(token2), &x, &t, NULL);
    is_str(t ? t->subject : NULL, "alice", "a given subject is kept");
    return token;
}

static void test_sign_errors(void)
{
    idt_jwt_params in = {ISS, AUD, "idtrust-cli", NULL, NULL, 300, apr_time_from_sec(T0)};
    const char *token = NULL;
    idt_error *e;

    in.lifetime = 0;
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a lifetime of 0 is refused");
    in.lifetime = 86401;
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a lifetime over a day is refused");
    ok(token == NULL, "and no token comes back");
    in.lifetime = 300;
    in.scopes = scopes_of("sso.manage", "two words");
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a scope with a space is refused");
    in.scopes = scopes_of("a\"b", NULL);
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a scope with a quote is refused");
    in.scopes = scopes_of("", NULL);
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "an empty scope is refused");
    in.scopes = NULL;
    in.issuer = NULL;
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "no issuer is refused");
    in.issuer = ISS;
    in.client_id = "bad \xff";
    e = idt_jwt_sign(pool, signer, &in, &token, NULL);
    is_int(kind_of(e), IDT_E_BAD_REQUEST, "a client id that is not UTF-8 is refused");
}

static void test_signer_keyset(void)
{
    idt_jose_signer *s = NULL;
    idt_jose_keyset *ks = idt_jose_keyset_new(pool);
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), *pub = NULL;
    const char *pem = NULL;
    idt_error *e;

    is_str(idt_jose_signer_kid(signer), kid_of(key), "a signer's kid defaults to the thumbprint");
    e = idt_jose_signer_new(pool, key, "rotation-2", &s);
    is_str(s ? idt_jose_signer_kid(s) : NULL, "rotation-2", "or is the kid given");
    e = idt_jose_signer_new(pool, small, NULL, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a 1024-bit key cannot sign");
    ok(s == NULL, "and gives no signer");
    idt_keys_public_pem(pool, key, &pem);
    idt_keys_public_from_pem(pool, pem, &pub);
    e = idt_jose_signer_new(pool, pub, NULL, &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a public key cannot sign");
    e = idt_jose_signer_new(pool, key, "", &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "an empty kid is refused");
    e = idt_jose_signer_new(pool, key, apr_psprintf(pool, "%0257d", 0), &s);
    is_int(kind_of(e), IDT_E_INTERNAL, "a kid of 257 bytes is refused");

    is_int(idt_jose_keyset_count(ks), 0, "a new keyset is empty");
    ok(!idt_jose_keyset_add(ks, key, NULL), "a key is added");
    ok(!idt_jose_keyset_add(ks, pub, NULL), "its public half again is a no-op");
    is_int(idt_jose_keyset_count(ks), 1, "one key");
    e = idt_jose_keyset_add(ks, other, kid_of(key));
    is_int(kind_of(e), IDT_E_CONFLICT, "another key under a kid taken is refused");
    e = idt_jose_keyset_add(ks, small, NULL);
    is_int(kind_of(e), IDT_E_INTERNAL, "a 1024-bit key is refused");
    ok(!idt_jose_keyset_add(ks, other, NULL), "a second key is added");
    is_int(idt_jose_keyset_count(ks), 2, "two keys");
    EVP_PKEY_free(small);
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

/* ---- what must be refused ---- */

static void test_refusals(const char *good)
{
    const char *kid = kid_of(key), *hdr = std_header(), *claims = claims_with(NULL, NULL);
    const char *pub_pem = NULL, *t, *dot2;
    char *s;
    size_t n;

    is_int(verify(rs256(key, hdr, claims)), IDT_JWT_OK, "fixture: a token crafted here verifies");

    /* shape */
    refused("", IDT_JWT_MALFORMED, "an empty token is malformed");
    refused(NULL, IDT_JWT_MALFORMED, "no token is malformed");
    refused("garbage", IDT_JWT_MALFORMED, "garbage is malformed");
    refused("a.b", IDT_JWT_MALFORMED, "two parts are malformed");
    refused(apr_pstrcat(pool, good, ".AAAA", NULL), IDT_JWT_MALFORMED, "four parts are malformed");
    refused(apr_pstrcat(pool, ".", strchr(good, '.') + 1, NULL), IDT_JWT_MALFORMED,
            "an empty header is malformed");
    dot2 = strrchr(good, '.');
    refused(apr_pstrcat(pool, apr_pstrndup(pool, good, (apr_size_t)(strchr(good, '.') - good)),
                        "..", dot2 + 1, NULL),
            IDT_JWT_MALFORMED, "an empty payload is malformed");
    refused(apr_pstrcat(pool, good, "=", NULL), IDT_JWT_MALFORMED, "padding is malformed");
    s = apr_pstrdup(pool, good);
    s[5] = '+';
    refused(s, IDT_JWT_MALFORMED, "base64 (not base64url) is malformed");
    refused(apr_pstrcat(pool, " ", good, NULL), IDT_JWT_MALFORMED, "white space is malformed");
    refused(apr_pstrcat(pool, "Bearer ", good, NULL), IDT_JWT_MALFORMED,
            "the scheme left in is malformed");
    refused(apr_pstrcat(pool, "A", good, NULL), IDT_JWT_MALFORMED,
            "a header whose base64url length is 1 mod 4 is malformed");
    refused(apr_pstrcat(pool, b64url_str("not json"), ".", b64url_str(claims), ".AAAA", NULL),
            IDT_JWT_MALFORMED, "a header that is not JSON is malformed");
    refused(apr_pstrcat(pool, b64url_str("[\"RS256\"]"), ".", b64url_str(claims), ".AAAA", NULL),
            IDT_JWT_MALFORMED, "a header that is an array is malformed");
    refused(apr_pstrcat(pool, b64url_str(hdr), "x.", b64url_str(claims), ".AAAA", NULL),
            IDT_JWT_MALFORMED, "a header with trailing bytes is malformed");
    refused(rs256(key, hdr, "not json"), IDT_JWT_MALFORMED,
            "a signed payload that is not JSON is malformed");
    refused(rs256(key, hdr, "[1,2]"), IDT_JWT_MALFORMED,
            "a signed payload that is an array is malformed");
    refused(rs256(key,
                  apr_psprintf(pool,
                               "{\"alg\":\"none\",\"alg\":\"RS256\",\"typ\":\"at+jwt\","
                               "\"kid\":\"%s\"}",
                               kid),
                  claims),
            IDT_JWT_MALFORMED, "a header with alg twice is malformed (cjose takes the last)");
    refused(rs256(key, hdr, apr_pstrcat(pool, "{\"iss\":\"https://evil\",", claims + 1, NULL)),
            IDT_JWT_MALFORMED, "claims with iss twice are malformed");
    {
        idt_jwt_expect x = expect_at(T0 + 10);
        idt_jwt *tk = NULL;
        idt_jwt_reason r = IDT_JWT_OK;
        idt_error *e = idt_jwt_verify(pool, keyset, good, strlen(good) - 2, &x, &tk, &r);
        is_int(r, IDT_JWT_SIGNATURE, "len is authoritative: two bytes short is a bad signature");
        ok(e && !tk, "and no token");
        e = idt_jwt_verify(pool, keyset,
                           apr_pmemdup(pool, apr_pstrcat(pool, good, "#", NULL), strlen(good) + 1),
                           strlen(good) + 1, &x, &tk, &r);
        is_int(r, IDT_JWT_MALFORMED, "a byte outside base64url after the token is malformed");
        n = IDT_JWT_MAX_LEN + 1;
        s = apr_palloc(pool, n + 1);
        memset(s, 'A', n);
        s[n] = '\0';
        s[10] = '.';
        s[20] = '.';
        e = idt_jwt_verify(pool, keyset, s, n, &x, &tk, &r);
        is_int(r, IDT_JWT_TOO_LARGE, "a token of 8 KiB + 1 is too large");
        ok(e && strcmp(e->msg, "the token is too large") == 0, "saying so: %s", e ? e->msg : "");
        e = idt_jwt_verify(pool, keyset, s, IDT_JWT_MAX_LEN, &x, &tk, &r);
        ok(r != IDT_JWT_TOO_LARGE, "8 KiB itself is not too large");
    }

    /* alg */
    refused(apr_pstrcat(pool,
                        b64url_str(apr_psprintf(
                            pool, "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid)),
                        ".", b64url_str(claims), ".", NULL),
            IDT_JWT_ALG_NONE, "alg none, no signature, is refused");
    refused(apr_pstrcat(pool, b64url_str("{\"alg\":\"none\"}"), ".", b64url_str(claims), ".",
                        dot2 + 1, NULL),
            IDT_JWT_ALG_NONE, "alg none with a signature left on is refused");
    refused(apr_pstrcat(pool, b64url_str("{\"alg\":\"None\"}"), ".", b64url_str(claims), ".", NULL),
            IDT_JWT_ALG_NONE, "alg None is refused as none");
    /* the confusion attack: HS256 keyed with the public key the JWKS publishes */
    idt_keys_public_pem(pool, key, &pub_pem);
    t = hs256(pub_pem, strlen(pub_pem),
              apr_psprintf(pool, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
              claims);
    refused(t, IDT_JWT_ALG, "HS256 signed with the public key PEM as secret is refused");
    {
        json_t *jwk = NULL;
        const char *jwk_s;
        idt_keys_jwk(pool, key, NULL, "sig", &jwk);
        jwk_s = idt_json_dump(pool, jwk, JSON_COMPACT);
        t = hs256(jwk_s, strlen(jwk_s),
                  apr_psprintf(pool, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
                  claims);
        refused(t, IDT_JWT_ALG, "HS256 signed with the JWK as secret is refused");
    }
    refused(rs256(key,
                  apr_psprintf(pool, "{\"alg\":\"RS512\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
                  claims),
            IDT_JWT_ALG, "RS512 is refused");
    refused(rs256(key,
                  apr_psprintf(pool, "{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
                  claims),
            IDT_JWT_ALG, "PS256 is refused");
    refused(rs256(key,
                  apr_psprintf(pool, "{\"alg\":\"rs256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
                  claims),
            IDT_JWT_ALG, "rs256 in lower case is refused");
    refused(rs256(key, apr_psprintf(pool, "{\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid), claims),
            IDT_JWT_ALG, "no alg is refused");
    refused(
        rs256(key,
              apr_psprintf(pool, "{\"alg\":[\"RS256\"],\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
              claims),
        IDT_JWT_ALG, "an alg that is not a string is refused");
    refused(rs256(key,
                  apr_psprintf(
                      pool, "{\"alg\":\"RS256\\u0000x\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
                  claims),
            IDT_JWT_MALFORMED, "an alg with a NUL byte is malformed (jansson refuses \\u0000)");

    /* crit, typ */
    refused(rs256(key,
                  apr_psprintf(pool,
                               "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\","
                               "\"crit\":[\"exp\"],\"exp\":1}",
                               kid),
                  claims),
            IDT_JWT_CRIT, "a crit header (which cjose 0.6.2 ignores) is refused");
    refused(rs256(key,
                  apr_psprintf(pool,
                               "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\","
                               "\"crit\":[]}",
                               kid),
                  claims),
            IDT_JWT_CRIT, "an empty crit is refused");
    refused(rs256(key,
                  apr_psprintf(pool, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid),
                  claims),
            IDT_JWT_TYP, "typ JWT (an ID token, say) is refused");
    refused(rs256(key, apr_psprintf(pool, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid), claims),
            IDT_JWT_TYP, "no typ is refused");
    is_int(verify(rs256(key,
                        apr_psprintf(pool,
                                     "{\"alg\":\"RS256\",\"typ\":\"application/AT+JWT\","
                                     "\"kid\":\"%s\"}",
                                     kid),
                        claims)),
           IDT_JWT_OK, "typ application/at+jwt in any case is accepted");

    /* kid */
    refused(rs256(key, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", claims), IDT_JWT_KID,
            "no kid is refused");
    refused(rs256(key, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"nobody\"}", claims),
            IDT_JWT_KID, "an unknown kid is refused");
    refused(rs256(key, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":7}", claims), IDT_JWT_KID,
            "a kid that is not a string is refused");
    refused(rs256(key,
                  apr_psprintf(pool, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\\u0000\"}",
                               kid),
                  claims),
            IDT_JWT_MALFORMED, "a kid with a NUL byte after the real one is malformed");
    /* signed by the other key, under our key's kid: swapped kid */
    refused(rs256(other, hdr, claims), IDT_JWT_SIGNATURE,
            "a token of another key under this key's kid has a bad signature");
    /* our key's token relabelled with the other key's kid, which the keyset holds */
    refused(rs256(key,
                  apr_psprintf(pool, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
                               kid_of(other)),
                  claims),
            IDT_JWT_SIGNATURE, "a token relabelled with another known kid has a bad signature");

    /* signature */
    t = strchr(good, '.') + 1;
    s = apr_pstrcat(pool, apr_pstrndup(pool, good, (apr_size_t)(t - good)),
                    b64url_str(claims_with("scope", "\"sso.manage admin\"")), strrchr(good, '.'),
                    NULL);
    refused(s, IDT_JWT_SIGNATURE, "a tampered payload (a scope added) has a bad signature");
    s = apr_pstrdup(pool, good);
    n = strlen(s);
    s[n - 5] = s[n - 5] == 'A' ? 'B' : 'A';
    refused(s, IDT_JWT_SIGNATURE, "a changed signature is bad");
    refused(apr_pstrcat(pool, apr_pstrndup(pool, good, (apr_size_t)(dot2 - good)), ".", NULL),
            IDT_JWT_SIGNATURE, "an RS256 token without signature has a bad signature");
    refused(apr_pstrcat(pool, apr_pstrndup(pool, good, (apr_size_t)(dot2 - good)), ".AAAA", NULL),
            IDT_JWT_SIGNATURE, "a short signature is bad");

    /* claims */
    refused(rs256(key, hdr, claims_with("exp", NULL)), IDT_JWT_CLAIMS, "no exp is refused");
    refused(rs256(key, hdr, claims_with("exp", "\"tomorrow\"")), IDT_JWT_CLAIMS,
            "an exp that is a string is refused");
    refused(rs256(key, hdr, claims_with("exp", "1.796e9")), IDT_JWT_CLAIMS,
            "an exp that is not an integer is refused");
    refused(rs256(key, hdr, claims_with("iat", NULL)), IDT_JWT_CLAIMS, "no iat is refused");
    refused(rs256(key, hdr, claims_with("iss", NULL)), IDT_JWT_CLAIMS, "no iss is refused");
    refused(rs256(key, hdr, claims_with("sub", NULL)), IDT_JWT_CLAIMS, "no sub is refused");
    refused(rs256(key, hdr, claims_with("aud", NULL)), IDT_JWT_CLAIMS, "no aud is refused");
    refused(rs256(key, hdr, claims_with("aud", "[]")), IDT_JWT_CLAIMS, "an empty aud is refused");
    refused(rs256(key, hdr, claims_with("aud", "[\"" AUD "\",1]")), IDT_JWT_CLAIMS,
            "an aud array with a number is refused");
    refused(rs256(key, hdr, claims_with("jti", NULL)), IDT_JWT_CLAIMS, "no jti is refused");
    refused(rs256(key, hdr, claims_with("client_id", NULL)), IDT_JWT_CLAIMS,
            "no client_id is refused");
    refused(rs256(key, hdr, claims_with("scope", "[\"sso.manage\"]")), IDT_JWT_CLAIMS,
            "a scope that is not a string is refused");
    refused(rs256(key, hdr, claims_with("nbf", "\"now\"")), IDT_JWT_CLAIMS,
            "an nbf that is not an integer is refused");

    /* time */
    t = rs256(key, hdr, claims);
    is_int(verify_at(t, T0 + 300 + 59, NULL), IDT_JWT_OK, "59 s after exp: within the leeway");
    is_int(verify_at(t, T0 + 300 + 60, NULL), IDT_JWT_EXPIRED, "60 s after exp: expired");
    is_int(verify_at(t, T0 + 86400, NULL), IDT_JWT_EXPIRED, "a day later: expired");
    is_int(verify_at(t, T0 - 60, NULL), IDT_JWT_OK, "iat 60 s ahead of the clock: within leeway");
    is_int(verify_at(t, T0 - 61, NULL), IDT_JWT_NOT_YET, "iat 61 s ahead: not valid yet");
    refused(rs256(key, hdr, claims_with("nbf", apr_psprintf(pool, "%" APR_INT64_T_FMT, T0 + 100))),
            IDT_JWT_NOT_YET, "nbf 90 s in the future: not valid yet");
    is_int(verify(rs256(key, hdr, claims_with("nbf", apr_psprintf(pool, "%" APR_INT64_T_FMT, T0)))),
           IDT_JWT_OK, "an nbf in the past is accepted");
    refused(rs256(key, hdr, claims_with("exp", "-9223372036854775807")), IDT_JWT_EXPIRED,
            "a hugely negative exp: expired");
    {
        idt_jwt_expect x = expect_at(T0 + 300 + 30);
        idt_jwt *tk = NULL;
        idt_jwt_reason r = IDT_JWT_OK;
        x.leeway = 0;
        idt_jwt_verify(pool, keyset, t, strlen(t), &x, &tk, &r);
        is_int(r, IDT_JWT_EXPIRED, "with no leeway, 30 s after exp is expired");
        x.leeway = 3601;
        ok(idt_jwt_verify(pool, keyset, t, strlen(t), &x, &tk, &r) && !tk,
           "a leeway over an hour is a configuration error");
    }

    /* iss, aud */
    refused(rs256(key, hdr, claims_with("iss", "\"https://evil.example.com/uas\"")), IDT_JWT_ISSUER,
            "a wrong issuer is refused");
    refused(rs256(key, hdr, claims_with("iss", "\"" ISS "/\"")), IDT_JWT_ISSUER,
            "an issuer with a trailing slash is another issuer");
    refused(rs256(key, hdr, claims_with("iss", "\"https://sso.example.com/uas\\u0000x\"")),
            IDT_JWT_MALFORMED, "an issuer with a NUL byte is malformed");
    refused(rs256(key, hdr, claims_with("aud", "\"https://other.example.com\"")), IDT_JWT_AUDIENCE,
            "a wrong audience is refused");
    refused(rs256(key, hdr, claims_with("aud", "[\"https://other.example.com\"]")),
            IDT_JWT_AUDIENCE, "an audience array without ours is refused");
    is_int(
        verify(rs256(key, hdr, claims_with("aud", "[\"https://other.example.com\",\"" AUD "\"]"))),
        IDT_JWT_OK, "an audience array with ours is accepted");

    /* messages */
    {
        idt_error *e = NULL;
        verify_at(rs256(key, hdr, claims), T0 + 1000, &e);
        is_str(e ? e->msg : NULL, "the token has expired", "the expired message");
        t = hs256(pub_pem, strlen(pub_pem),
                  apr_psprintf(pool, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid),
                  claims);
        verify_at(t, T0, &e);
        is_str(e ? e->msg : NULL, "the token is not signed with RS256", "the alg message");
        ok(e && e->status == 401, "401");
    }
    ok(ERR_peek_error() == 0, "the OpenSSL error queue is left empty");
}

int main(void)
{
    const char *good;
    idt_error *e;

    apr_initialize();
    apr_pool_create(&pool, NULL);

    idt_keys_rsa_new(pool, &key);
    idt_keys_rsa_new(pool, &other);
    e = idt_jose_signer_new(pool, key, NULL, &signer);
    ok(!e && signer, "idt_jose_signer_new: %s", e ? e->msg : "ok");
    keyset = idt_jose_keyset_new(pool);
    ok(!idt_jose_keyset_add(keyset, key, NULL) && !idt_jose_keyset_add(keyset, other, NULL),
       "fixture: a keyset of two keys");
    if (signer) {
        test_signer_keyset();
        good = test_round_trip();
        test_sign_errors();
        if (good) test_refusals(good);
    }

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
