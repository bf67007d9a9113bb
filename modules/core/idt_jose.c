/* Access tokens (RFC 9068) through cjose. cjose does the JWS: base64url, the signing
 * input, RS256 signing and verification. This file decides what is acceptable before
 * cjose is asked (alg, crit, typ, kid: see idt_jose.h for why) and checks the claims
 * after. Every cjose, jansson and OpenSSL object is released by a pool cleanup
 * registered as soon as it exists, so that no path leaks. */
#include "idt_jose.h"
#include "idt_json.h"
#include "idt_keys.h"

#include <string.h>
#include <strings.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include <cjose/cjose.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

/* The longest lifetime a token may be given, in seconds. */
#define LIFETIME_MAX 86400
/* The most a verifier may be asked to tolerate, in seconds. */
#define LEEWAY_MAX 3600

struct idt_jose_signer {
    cjose_jwk_t *jwk; /* private */
    const char *kid;
};

typedef struct ks_entry {
    const char *kid;
    cjose_jwk_t *jwk; /* public only */
    EVP_PKEY *pub;
} ks_entry;

struct idt_jose_keyset {
    apr_pool_t *p;
    apr_hash_t *by_kid;
};

/* ---- cleanups ---- */

static apr_status_t jwk_cleanup(void *data)
{
    cjose_jwk_release(data);
    return APR_SUCCESS;
}

static apr_status_t jws_cleanup(void *data)
{
    cjose_jws_release(data);
    return APR_SUCCESS;
}

static apr_status_t header_cleanup(void *data)
{
    cjose_header_release(data);
    return APR_SUCCESS;
}

/* For the strings json_dumps returns: freed the way jansson allocated them. */
static apr_status_t json_mem_cleanup(void *data)
{
    json_malloc_t m;
    json_free_t f;

    json_get_alloc_funcs(&m, &f);
    f(data);
    return APR_SUCCESS;
}

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* cjose's messages name the kind of failure and the function, never data. */
static idt_error *cjose_fail(apr_pool_t *p, const char *what, const cjose_err *err)
{
    idt_error *e = idt_err(p, IDT_E_INTERNAL, "%s: %s", what,
                           err->message ? err->message : "unknown cjose error");
    if (err->function)
        e->detail = apr_psprintf(p, "cjose %s (%s:%lu)", err->function, err->file ? err->file : "?",
                                 err->line);
    ERR_clear_error();
    return e;
}

/* ---- keys to cjose JWKs ---- */

typedef struct rsa_bin {
    uint8_t *data;
    size_t len;
} rsa_bin;

/* Big-endian bytes of an RSA parameter, in OpenSSL memory that is wiped on free. */
static int rsa_param(EVP_PKEY *key, const char *name, rsa_bin *out)
{
    BIGNUM *bn = NULL;
    int n;

    out->data = NULL;
    out->len = 0;
    if (!EVP_PKEY_get_bn_param(key, name, &bn)) return 0;
    n = BN_num_bytes(bn);
    if (n > 0 && (out->data = OPENSSL_malloc((size_t)n)) != NULL && BN_bn2bin(bn, out->data) == n)
        out->len = (size_t)n;
    BN_clear_free(bn);
    return out->len > 0;
}

static void rsa_bin_free(rsa_bin *b)
{
    OPENSSL_clear_free(b->data, b->len);
    b->data = NULL;
    b->len = 0;
}

/* A cjose JWK of key (private when priv), owned by p. */
static idt_error *jwk_of(apr_pool_t *p, EVP_PKEY *key, int priv, cjose_jwk_t **out)
{
    enum { N, E, D, P, Q, DP, DQ, QI, COUNT };
    static const char *const names[COUNT] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    rsa_bin b[COUNT];
    cjose_jwk_rsa_keyspec spec;
    cjose_jwk_t *jwk = NULL;
    cjose_err err = {0};
    idt_error *e = NULL;
    int i, want = priv ? COUNT : D;

    *out = NULL;
    memset(b, 0, sizeof(b));
    for (i = 0; i < want; i++) {
        if (!rsa_param(key, names[i], &b[i])) {
            e = idt_err(p, IDT_E_INTERNAL,
                        priv ? "the signing key lacks its private half (or its CRT "
                               "parameters)"
                             : "cannot read the RSA public key");
            goto done;
        }
    }
    memset(&spec, 0, sizeof(spec));
    spec.n = b[N].data, spec.nlen = b[N].len;
    spec.e = b[E].data, spec.elen = b[E].len;
    if (priv) {
        spec.d = b[D].data, spec.dlen = b[D].len;
        spec.p = b[P].data, spec.plen = b[P].len;
        spec.q = b[Q].data, spec.qlen = b[Q].len;
        spec.dp = b[DP].data, spec.dplen = b[DP].len;
        spec.dq = b[DQ].data, spec.dqlen = b[DQ].len;
        spec.qi = b[QI].data, spec.qilen = b[QI].len;
    }
    jwk = cjose_jwk_create_RSA_spec(&spec, &err);
    if (!jwk) {
        e = cjose_fail(p, "cannot make the JWK", &err);
        goto done;
    }
    apr_pool_cleanup_register(p, jwk, jwk_cleanup, apr_pool_cleanup_null);
    *out = jwk;

done:
    for (i = 0; i < COUNT; i++)
        rsa_bin_free(&b[i]);
    ERR_clear_error();
    return e;
}

static idt_error *check_key(apr_pool_t *p, EVP_PKEY *key, const char **kid)
{
    json_t *s;
    size_t n;

    if (!key || !EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) < IDT_KEYS_RSA_BITS)
        return idt_err(p, IDT_E_INTERNAL, "the key is not an RSA key of at least %d bits",
                       IDT_KEYS_RSA_BITS);
    if (!*kid) return idt_keys_thumbprint(p, key, kid);
    n = strlen(*kid);
    if (n == 0 || n > IDT_JOSE_KID_MAX)
        return idt_err(p, IDT_E_INTERNAL, "a kid has 1 to %d bytes", IDT_JOSE_KID_MAX);
    /* json_string refuses what is not UTF-8: the kid goes into JSON headers and JWKS. */
    if (!(s = json_string(*kid))) return idt_err(p, IDT_E_INTERNAL, "a kid must be UTF-8");
    json_decref(s);
    return NULL;
}

/* ---- signing ---- */

idt_error *idt_jose_signer_new(apr_pool_t *p, EVP_PKEY *key, const char *kid, idt_jose_signer **out)
{
    idt_jose_signer *s;
    idt_error *e;

    *out = NULL;
    if ((e = check_key(p, key, &kid)) != NULL) return e;
    s = apr_pcalloc(p, sizeof(*s));
    s->kid = apr_pstrdup(p, kid);
    if ((e = jwk_of(p, key, 1, &s->jwk)) != NULL) return e;
    *out = s;
    return NULL;
}

const char *idt_jose_signer_kid(const idt_jose_signer *s)
{
    return s ? s->kid : NULL;
}

/* RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static int scope_token_ok(const char *s)
{
    const unsigned char *c = (const unsigned char *)s;

    if (!s || !*s) return 0;
    for (; *c; c++)
        if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\') return 0;
    return 1;
}

static int set_str(json_t *o, const char *k, const char *v)
{
    json_t *s = json_string(v);
    return s && json_object_set_new(o, k, s) == 0;
}

idt_error *idt_jwt_sign(apr_pool_t *p, const idt_jose_signer *s, const idt_jwt_params *in,
                        const char **token, const char **jti_out)
{
    unsigned char rnd[16];
    const char *jti, *sub, *scope = NULL, *ser = NULL;
    json_t *claims;
    cjose_header_t *hdr;
    cjose_jws_t *jws;
    cjose_err err = {0};
    char *payload;
    apr_int64_t iat;
    int i;

    *token = NULL;
    if (jti_out) *jti_out = NULL;
    if (!s || !in) return idt_err(p, IDT_E_INTERNAL, "no signer or no token parameters");
    if (!in->issuer || !*in->issuer || !in->audience || !*in->audience || !in->client_id ||
        !*in->client_id)
        return idt_err(p, IDT_E_BAD_REQUEST, "a token needs an issuer, an audience and a client");
    sub = in->subject && *in->subject ? in->subject : in->client_id;
    if (in->lifetime < 1 || in->lifetime > LIFETIME_MAX)
        return idt_err(p, IDT_E_BAD_REQUEST, "a token's lifetime is 1 to %d seconds", LIFETIME_MAX);
    if (in->scopes && in->scopes->nelts > 0) {
        const char **v = (const char **)in->scopes->elts;
        for (i = 0; i < in->scopes->nelts; i++)
            if (!scope_token_ok(v[i]))
                return idt_err(p, IDT_E_BAD_REQUEST, "scope %d is not a valid scope-token", i + 1);
        scope = apr_array_pstrcat(p, in->scopes, ' ');
    }

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        ERR_clear_error();
        return idt_err(p, IDT_E_INTERNAL, "cannot make a random token id");
    }
    jti = idt_b64url(p, rnd, sizeof(rnd));
    iat = apr_time_sec(in->now ? in->now : apr_time_now());

    claims = idt_json_own(p, json_object());
    if (!claims || !set_str(claims, "iss", in->issuer) || !set_str(claims, "sub", sub) ||
        !set_str(claims, "aud", in->audience) ||
        json_object_set_new(claims, "exp", json_integer(iat + in->lifetime)) ||
        json_object_set_new(claims, "iat", json_integer(iat)) || !set_str(claims, "jti", jti) ||
        !set_str(claims, "client_id", in->client_id) || (scope && !set_str(claims, "scope", scope)))
        return idt_err(p, IDT_E_BAD_REQUEST, "a token's claims must be UTF-8");
    payload = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!payload) return idt_err(p, IDT_E_INTERNAL, "cannot serialise the token's claims");
    apr_pool_cleanup_register(p, payload, json_mem_cleanup, apr_pool_cleanup_null);

    if (!(hdr = cjose_header_new(&err))) return cjose_fail(p, "cannot make the JWS header", &err);
    apr_pool_cleanup_register(p, hdr, header_cleanup, apr_pool_cleanup_null);
    if (!cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_RS256, &err) ||
        !cjose_header_set(hdr, "typ", "at+jwt", &err) ||
        !cjose_header_set(hdr, CJOSE_HDR_KID, s->kid, &err))
        return cjose_fail(p, "cannot fill in the JWS header", &err);

    jws = cjose_jws_sign(s->jwk, hdr, (const uint8_t *)payload, strlen(payload), &err);
    if (!jws) return cjose_fail(p, "cannot sign the token", &err);
    apr_pool_cleanup_register(p, jws, jws_cleanup, apr_pool_cleanup_null);
    if (!cjose_jws_export(jws, &ser, &err) || !ser)
        return cjose_fail(p, "cannot serialise the token", &err);

    *token = apr_pstrdup(p, ser);
    if (jti_out) *jti_out = jti;
    return NULL;
}

/* ---- the keyset ---- */

idt_jose_keyset *idt_jose_keyset_new(apr_pool_t *p)
{
    idt_jose_keyset *ks = apr_pcalloc(p, sizeof(*ks));
    ks->p = p;
    ks->by_kid = apr_hash_make(p);
    return ks;
}

idt_error *idt_jose_keyset_add(idt_jose_keyset *ks, EVP_PKEY *key, const char *kid)
{
    apr_pool_t *p;
    ks_entry *ent, *old;
    idt_error *e;
    unsigned char *der = NULL;
    const unsigned char *q;
    int n;

    if (!ks) return NULL;
    p = ks->p;
    if ((e = check_key(p, key, &kid)) != NULL) return e;
    old = apr_hash_get(ks->by_kid, kid, APR_HASH_KEY_STRING);
    if (old) {
        if (EVP_PKEY_eq(old->pub, key) == 1) return NULL;
        ERR_clear_error();
        return idt_err(p, IDT_E_CONFLICT, "two verification keys have the kid %s", kid);
    }

    ent = apr_pcalloc(p, sizeof(*ent));
    ent->kid = apr_pstrdup(p, kid);
    /* Only the public half is kept: a copy through its SubjectPublicKeyInfo. */
    n = i2d_PUBKEY(key, &der);
    if (n <= 0) {
        ERR_clear_error();
        return idt_err(p, IDT_E_INTERNAL, "cannot read the RSA public key");
    }
    q = der;
    ent->pub = d2i_PUBKEY(NULL, &q, n);
    OPENSSL_free(der);
    if (!ent->pub) {
        ERR_clear_error();
        return idt_err(p, IDT_E_INTERNAL, "cannot copy the RSA public key");
    }
    apr_pool_cleanup_register(p, ent->pub, pkey_cleanup, apr_pool_cleanup_null);
    if ((e = jwk_of(p, ent->pub, 0, &ent->jwk)) != NULL) return e;
    apr_hash_set(ks->by_kid, ent->kid, APR_HASH_KEY_STRING, ent);
    return NULL;
}

int idt_jose_keyset_count(const idt_jose_keyset *ks)
{
    return ks ? (int)apr_hash_count(ks->by_kid) : 0;
}

/* ---- verification ---- */

static const char *const reason_msg[] = {
    [IDT_JWT_OK] = "the token is valid",
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

static idt_error *refuse(apr_pool_t *p, idt_jwt_reason r, idt_jwt_reason *reason)
{
    if (reason) *reason = r;
    ERR_clear_error();
    return idt_err(p, IDT_E_UNAUTHORIZED, "%s", reason_msg[r]);
}

static int b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Decodes one base64url part and parses it as a JSON object with unique member names;
 * NULL when it is not one. The object is owned by p. */
static json_t *part_object(apr_pool_t *p, const char *s, apr_size_t len)
{
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    cjose_err err = {0};
    json_error_t jerr;
    json_t *j;

    if (!cjose_base64url_decode(s, len, &raw, &raw_len, &err) || !raw) return NULL;
    j = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, &jerr);
    cjose_get_dealloc()(raw);
    if (!j) return NULL;
    idt_json_own(p, j);
    return json_is_object(j) ? j : NULL;
}

/* The string value of o[k] when it is a string without NUL bytes, else NULL. */
static const char *str_member(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    const char *s;

    if (!json_is_string(v)) return NULL;
    s = json_string_value(v);
    return strlen(s) == json_string_length(v) ? s : NULL;
}

static int int_member(const json_t *o, const char *k, apr_int64_t *out)
{
    json_t *v = json_object_get(o, k);

    if (!json_is_integer(v)) return 0;
    *out = (apr_int64_t)json_integer_value(v);
    return 1;
}

static int audience_holds(const json_t *aud, const char *want)
{
    size_t i;
    json_t *v;

    if (json_is_string(aud))
        return json_string_length(aud) == strlen(want) && strcmp(json_string_value(aud), want) == 0;
    if (!json_is_array(aud)) return 0;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && json_string_length(v) == strlen(want) &&
            strcmp(json_string_value(v), want) == 0)
            return 1;
    }
    return 0;
}

/* aud is a string or a non-empty array of strings (RFC 7519 section 4.1.3). */
static int audience_ok(const json_t *aud)
{
    size_t i;
    json_t *v;

    if (json_is_string(aud)) return 1;
    if (!json_is_array(aud) || json_array_size(aud) == 0) return 0;
    json_array_foreach(aud, i, v)
    {
        if (!json_is_string(v)) return 0;
    }
    return 1;
}

static apr_array_header_t *split_scope(apr_pool_t *p, const char *scope)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *copy, *tok, *last;

    if (!scope) return a;
    copy = apr_pstrdup(p, scope);
    for (tok = apr_strtok(copy, " ", &last); tok; tok = apr_strtok(NULL, " ", &last))
        *(const char **)apr_array_push(a) = tok;
    return a;
}

idt_error *idt_jwt_verify(apr_pool_t *p, const idt_jose_keyset *ks, const char *token,
                          apr_size_t len, const idt_jwt_expect *x, idt_jwt **out,
                          idt_jwt_reason *reason)
{
    apr_size_t i, dot1 = 0, dot2 = 0;
    int dots = 0;
    json_t *hdr, *claims, *v;
    const char *alg, *typ, *kid, *cjose_alg;
    ks_entry *ent;
    cjose_jws_t *jws;
    cjose_err err = {0};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    idt_jwt *t;
    apr_int64_t now, nbf = 0, leeway;
    int has_nbf;

    *out = NULL;
    if (reason) *reason = IDT_JWT_OK;
    if (!ks || !x || !x->issuer || !x->audience || x->leeway < 0 || x->leeway > LEEWAY_MAX)
        return idt_err(p, IDT_E_INTERNAL, "the token verifier is not configured");

    /* ---- shape: before any decoding ---- */
    if (len > IDT_JWT_MAX_LEN) return refuse(p, IDT_JWT_TOO_LARGE, reason);
    if (!token || len == 0) return refuse(p, IDT_JWT_MALFORMED, reason);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];
        if (c == '.') {
            if (++dots == 1)
                dot1 = i;
            else if (dots == 2)
                dot2 = i;
            else
                return refuse(p, IDT_JWT_MALFORMED, reason);
        } else if (!b64url_char(c))
            return refuse(p, IDT_JWT_MALFORMED, reason);
    }
    /* An empty signature is left to the signature check (an unsigned token says
     * alg none, and is refused as such first). */
    if (dots != 2 || dot1 == 0 || dot2 == dot1 + 1) return refuse(p, IDT_JWT_MALFORMED, reason);

    /* ---- header: what is acceptable is decided here, not by cjose ---- */
    if (!(hdr = part_object(p, token, dot1))) return refuse(p, IDT_JWT_MALFORMED, reason);
    alg = str_member(hdr, "alg");
    if (alg && strcasecmp(alg, "none") == 0) return refuse(p, IDT_JWT_ALG_NONE, reason);
    if (!alg || strcmp(alg, "RS256") != 0) return refuse(p, IDT_JWT_ALG, reason);
    /* No header parameter extension is understood here, so any crit is refused
     * (RFC 7515 section 4.1.11); cjose 0.6.2 would ignore it. */
    if (json_object_get(hdr, "crit")) return refuse(p, IDT_JWT_CRIT, reason);
    typ = str_member(hdr, "typ");
    if (!typ || (strcasecmp(typ, "at+jwt") != 0 && strcasecmp(typ, "application/at+jwt") != 0))
        return refuse(p, IDT_JWT_TYP, reason);
    kid = str_member(hdr, "kid");
    ent = kid ? apr_hash_get(ks->by_kid, kid, APR_HASH_KEY_STRING) : NULL;
    if (!ent) return refuse(p, IDT_JWT_KID, reason);

    /* ---- signature: cjose, over the bytes as received ---- */
    jws = cjose_jws_import(token, len, &err);
    if (!jws) return refuse(p, IDT_JWT_MALFORMED, reason);
    apr_pool_cleanup_register(p, jws, jws_cleanup, apr_pool_cleanup_null);
    /* cjose parsed the header on its own; it must have read the same alg. */
    cjose_alg = cjose_header_get(cjose_jws_get_protected(jws), CJOSE_HDR_ALG, &err);
    if (!cjose_alg || strcmp(cjose_alg, "RS256") != 0) return refuse(p, IDT_JWT_ALG, reason);
    if (!cjose_jws_verify(jws, ent->jwk, &err)) return refuse(p, IDT_JWT_SIGNATURE, reason);

    /* ---- claims ---- */
    if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &err) || !plain)
        return refuse(p, IDT_JWT_MALFORMED, reason);
    {
        json_error_t jerr;
        claims = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
        if (claims) idt_json_own(p, claims);
        if (!json_is_object(claims)) return refuse(p, IDT_JWT_MALFORMED, reason);
    }

    t = apr_pcalloc(p, sizeof(*t));
    t->claims = claims;
    t->kid = ent->kid;
    t->issuer = str_member(claims, "iss");
    t->subject = str_member(claims, "sub");
    t->client_id = str_member(claims, "client_id");
    t->jti = str_member(claims, "jti");
    v = json_object_get(claims, "scope");
    has_nbf = json_object_get(claims, "nbf") != NULL;
    if (!t->issuer || !t->subject || !t->client_id || !t->jti ||
        !audience_ok(json_object_get(claims, "aud")) || !int_member(claims, "exp", &t->exp) ||
        !int_member(claims, "iat", &t->iat) || (v && !str_member(claims, "scope")) ||
        (has_nbf && !int_member(claims, "nbf", &nbf)))
        return refuse(p, IDT_JWT_CLAIMS, reason);

    now = apr_time_sec(x->now ? x->now : apr_time_now());
    leeway = x->leeway;
    if (t->exp <= now - leeway) return refuse(p, IDT_JWT_EXPIRED, reason);
    if (has_nbf && nbf > now + leeway) return refuse(p, IDT_JWT_NOT_YET, reason);
    if (t->iat > now + leeway) return refuse(p, IDT_JWT_NOT_YET, reason);
    if (strcmp(t->issuer, x->issuer) != 0) return refuse(p, IDT_JWT_ISSUER, reason);
    if (!audience_holds(json_object_get(claims, "aud"), x->audience))
        return refuse(p, IDT_JWT_AUDIENCE, reason);

    t->scopes = split_scope(p, str_member(claims, "scope"));
    *out = t;
    return NULL;
}

int idt_jwt_has_scope(const idt_jwt *t, const char *scope)
{
    int i;

    if (!t || !t->scopes || !scope) return 0;
    for (i = 0; i < t->scopes->nelts; i++)
        if (strcmp(((const char **)t->scopes->elts)[i], scope) == 0) return 1;
    return 0;
}
