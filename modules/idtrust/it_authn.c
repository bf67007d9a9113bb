#include "it_authn.h"

#include <stdlib.h>
#include <apr_hash.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <ap_provider.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_auth.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "idt_httpd_db.h"
#include "idt_httpd_error.h"

APLOG_USE_MODULE(idtrust);

#define CACHE_MAX_ENTRIES 1024

typedef struct entry {
    unsigned char digest[32];
    apr_time_t expires;
} entry;

static apr_interval_time_t cache_ttl = apr_time_from_sec(60);
static apr_pool_t *cache_pool;
static apr_hash_t *cache;
static apr_thread_mutex_t *cache_lock;
static unsigned char salt[32];

void it_authn_set_ttl(apr_interval_time_t ttl)
{
    cache_ttl = ttl;
}

static int digest(const char *user, const char *password, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(ctx, salt, sizeof(salt)) &&
             EVP_DigestUpdate(ctx, user, strlen(user) + 1) &&
             EVP_DigestUpdate(ctx, password, strlen(password)) && EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
    return ok && n == 32;
}

static int remembered(const char *user, const unsigned char d[32])
{
    int hit = 0;
    entry *e;

    apr_thread_mutex_lock(cache_lock);
    e = apr_hash_get(cache, user, APR_HASH_KEY_STRING);
    if (e && e->expires > apr_time_now() && !CRYPTO_memcmp(e->digest, d, 32)) hit = 1;
    apr_thread_mutex_unlock(cache_lock);
    return hit;
}

static void remember(const char *user, const unsigned char d[32])
{
    entry *e;

    apr_thread_mutex_lock(cache_lock);
    if (apr_hash_count(cache) >= CACHE_MAX_ENTRIES) {
        /* bounded memory: start over rather than track ages */
        apr_pool_clear(cache_pool);
        cache = apr_hash_make(cache_pool);
    }
    e = apr_hash_get(cache, user, APR_HASH_KEY_STRING);
    if (!e) {
        e = apr_palloc(cache_pool, sizeof(*e));
        apr_hash_set(cache, apr_pstrdup(cache_pool, user), APR_HASH_KEY_STRING, e);
    }
    memcpy(e->digest, d, 32);
    e->expires = apr_time_now() + cache_ttl;
    apr_thread_mutex_unlock(cache_lock);
}

/* The stored hash of user, or why there is none. */
static authn_status lookup(request_rec *r, const char *user, const char **hash)
{
    const char *params[1] = {user};
    idt_db *db;
    PGresult *res;
    idt_error *e = idt_httpd_db(r, &db);

    if (!e)
        e = idt_db_exec(
            db, &res, "SELECT password_hash FROM idtrust.admin_account WHERE name = $1 AND enabled",
            1, params);
    if (e) {
        /* the error document renders this as 503 rather than 500 */
        if (e->kind == IDT_E_UNAVAILABLE) apr_table_setn(r->notes, IDT_NOTE_UNAVAILABLE, "1");
        idt_httpd_log_error(r, APLOG_MODULE_INDEX, "IT00011", e);
        return AUTH_GENERAL_ERROR;
    }
    if (PQntuples(res) == 0) return AUTH_USER_NOT_FOUND;
    *hash = apr_pstrdup(r->pool, PQgetvalue(res, 0, 0));
    return AUTH_USER_FOUND;
}

static authn_status check_password(request_rec *r, const char *user, const char *password)
{
    unsigned char d[32];
    int cacheable = cache_ttl > 0 && cache_lock && digest(user, password, d);
    const char *hash = NULL;
    authn_status st;

    if (cacheable && remembered(user, d)) return AUTH_GRANTED;
    st = lookup(r, user, &hash);
    if (st == AUTH_USER_FOUND)
        st = apr_password_validate(password, hash) == APR_SUCCESS ? AUTH_GRANTED : AUTH_DENIED;
    if (st == AUTH_GRANTED && cacheable) remember(user, d);
    OPENSSL_cleanse(d, sizeof(d));
    return st;
}

static const authn_provider provider = {&check_password, NULL};

void it_authn_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "idtrust", AUTHN_PROVIDER_VERSION, &provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}

void it_authn_child_init(apr_pool_t *p)
{
    apr_pool_create(&cache_pool, p);
    cache = apr_hash_make(cache_pool);
    if (RAND_bytes(salt, sizeof(salt)) != 1 ||
        apr_thread_mutex_create(&cache_lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS)
        cache_lock = NULL; /* no cache: every request is checked against the repository */
}
