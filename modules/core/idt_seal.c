#include "idt_seal.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SALT_LEN 16
#define NONCE_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32
#define PREFIX "v1:"

static int derive(const char *passphrase, const unsigned char *salt, unsigned char *key)
{
    return PKCS5_PBKDF2_HMAC(passphrase, (int)strlen(passphrase), salt, SALT_LEN,
                             IDT_SEAL_ITERATIONS, EVP_sha256(), KEY_LEN, key) == 1;
}

/* AES-256-GCM one way or the other over in[0..n) into out; tag is read (dec) or
 * written (enc). 1 on success (and, decrypting, a tag that matches). */
static int gcm(int enc, const unsigned char *key, const unsigned char *nonce, const char *aad,
               const unsigned char *in, int n, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, ok;

    if (!ctx) return 0;
    ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
         EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1 &&
         EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
         (n == 0 || EVP_CipherUpdate(ctx, out, &len, in, n) == 1) &&
         (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
         EVP_CipherFinal_ex(ctx, out + (n ? len : 0), &len) == 1 &&
         (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

idt_error *idt_seal(apr_pool_t *p, const char *passphrase, const char *purpose, const char *plain,
                    const char **sealed)
{
    apr_size_t n = strlen(plain), total = SALT_LEN + NONCE_LEN + n + TAG_LEN;
    unsigned char *buf = apr_palloc(p, total), key[KEY_LEN];
    char *b64;
    int ok;

    *sealed = NULL;
    if (n > 64 * 1024) return idt_err(p, IDT_E_BAD_REQUEST, "the secret is longer than 64 KiB");
    if (RAND_bytes(buf, SALT_LEN + NONCE_LEN) != 1 || !derive(passphrase, buf, key))
        return idt_err(p, IDT_E_INTERNAL, "a secret cannot be encrypted");
    ok = gcm(1, key, buf + SALT_LEN, purpose, (const unsigned char *)plain, (int)n,
             buf + SALT_LEN + NONCE_LEN, buf + SALT_LEN + NONCE_LEN + n);
    OPENSSL_cleanse(key, sizeof(key));
    if (!ok) return idt_err(p, IDT_E_INTERNAL, "a secret cannot be encrypted");
    b64 = apr_palloc(p, strlen(PREFIX) + (total + 2) / 3 * 4 + 1);
    memcpy(b64, PREFIX, strlen(PREFIX));
    EVP_EncodeBlock((unsigned char *)b64 + strlen(PREFIX), buf, (int)total);
    *sealed = b64;
    return NULL;
}

idt_error *idt_unseal(apr_pool_t *p, const char *passphrase, const char *purpose,
                      const char *sealed, const char **plain)
{
    const char *b64;
    apr_size_t blen;
    unsigned char *buf, key[KEY_LEN];
    char *out;
    int n, ct, ok;

    *plain = NULL;
    if (!sealed || strncmp(sealed, PREFIX, strlen(PREFIX)))
        return idt_err(p, IDT_E_INTERNAL, "a stored secret is not in the v1 sealed form");
    b64 = sealed + strlen(PREFIX);
    blen = strlen(b64);
    if (blen % 4 || blen > 200 * 1024)
        return idt_err(p, IDT_E_INTERNAL, "a stored secret is damaged");
    buf = apr_palloc(p, blen / 4 * 3 + 1);
    n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)blen);
    if (n > 0 && blen >= 1 && b64[blen - 1] == '=') n--;
    if (n > 0 && blen >= 2 && b64[blen - 2] == '=') n--;
    ct = n - SALT_LEN - NONCE_LEN - TAG_LEN;
    if (n < 0 || ct < 0) return idt_err(p, IDT_E_INTERNAL, "a stored secret is damaged");
    if (!derive(passphrase, buf, key))
        return idt_err(p, IDT_E_INTERNAL, "a stored secret cannot be decrypted");
    out = apr_palloc(p, (apr_size_t)ct + 1);
    ok = gcm(0, key, buf + SALT_LEN, purpose, buf + SALT_LEN + NONCE_LEN, ct, (unsigned char *)out,
             buf + SALT_LEN + NONCE_LEN + ct);
    OPENSSL_cleanse(key, sizeof(key));
    if (!ok)
        return idt_err(p, IDT_E_INTERNAL,
                       "a stored secret cannot be decrypted: damaged, or sealed under another "
                       "IdtrustSecretKeyFile");
    out[ct] = '\0';
    if (memchr(out, '\0', (apr_size_t)ct))
        return idt_err(p, IDT_E_INTERNAL, "a stored secret is damaged");
    *plain = out;
    return NULL;
}
