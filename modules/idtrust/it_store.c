#include "it_store.h"

#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <http_log.h>
#include <util_mutex.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

APLOG_USE_MODULE(idtrust);

#define MUTEX_TYPE "idtrust-logins"
/* 1 MiB holds some 8,000 entries (a key of 32 bytes, a value of at most 48, and shmcb's
 * index); when full, shmcb drops the oldest */
#define STORE_BYTES 1048576

static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *mutex;
static unsigned char salt[32];
static apr_uint32_t *generation; /* [0]: it_store_generation, [1]: it_store_forgets */

apr_status_t it_store_pre_config(apr_pool_t *pconf)
{
    provider = NULL;
    instance = NULL;
    mutex = NULL;
    generation = NULL;
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t destroy(void *data)
{
    if (provider && instance) provider->destroy(instance, data);
    instance = NULL;
    mutex = NULL;
    generation = NULL;
    return APR_SUCCESS;
}

const char *it_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    static const struct ap_socache_hints hints = {IT_STORE_KEY_LEN, 48, apr_time_from_sec(30)};
    const char *err, *arg;
    apr_shm_t *shm;
    apr_status_t rv;

    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb", AP_SOCACHE_PROVIDER_VERSION);
    if (!provider)
        return "logins need the socache provider shmcb: load mod_socache_shmcb "
               "(LoadModule socache_shmcb_module .../mod_socache_shmcb.so)";
    if (RAND_bytes(salt, sizeof(salt)) != 1) return "no random bytes for the login store's salt";
    if (apr_shm_create(&shm, 2 * sizeof(*generation), NULL, pconf) != APR_SUCCESS)
        return "login store: no shared memory for its generation counter";
    generation = apr_shm_baseaddr_get(shm);
    apr_atomic_set32(&generation[0], 0);
    apr_atomic_set32(&generation[1], 0);
    rv = ap_global_mutex_create(&mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) return "could not create the mutex " MUTEX_TYPE;
    /* shmcb uses anonymous shared memory; the file name is its fallback only */
    arg = apr_psprintf(ptemp, "%s(%d)", ap_runtime_dir_relative(ptemp, "idtrust-logins"),
                       STORE_BYTES);
    if ((err = provider->create(&instance, arg, ptemp, pconf)))
        return apr_pstrcat(ptemp, "login store: ", err, NULL);
    rv = provider->init(instance, "idtrust-logins", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        instance = NULL;
        return "login store: no shared memory (shmcb init failed)";
    }
    apr_pool_cleanup_register(pconf, s, destroy, apr_pool_cleanup_null);
    return NULL;
}

void it_store_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (!mutex) return;
    rv = apr_global_mutex_child_init(&mutex, apr_global_mutex_lockfile(mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "IT00072: child could not attach to the mutex " MUTEX_TYPE
                     "; logins are checked against the repository, unthrottled");
        mutex = NULL;
    }
}

int it_store_ready(void)
{
    return instance && mutex && generation;
}

apr_uint32_t it_store_generation(void)
{
    return generation ? apr_atomic_read32(generation) : 0;
}

void it_store_changed(void)
{
    if (generation) apr_atomic_inc32(generation);
}

apr_uint32_t it_store_forgets(void)
{
    return generation ? apr_atomic_read32(&generation[1]) : 0;
}

void it_store_forgot(void)
{
    if (generation) apr_atomic_inc32(&generation[1]);
}

int it_store_digest(it_store_key *out, const char *tag, int n, const char *const *parts)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(ctx, salt, sizeof(salt)) &&
             EVP_DigestUpdate(ctx, tag, strlen(tag) + 1);
    int i;

    for (i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1);
    ok = ok && EVP_DigestFinal_ex(ctx, out->b, &len) && len == IT_STORE_KEY_LEN;
    EVP_MD_CTX_free(ctx);
    return ok;
}

int it_store_lock(server_rec *s)
{
    apr_status_t rv;

    if (!it_store_ready()) return -1;
    if ((rv = apr_global_mutex_lock(mutex)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "IT00073: could not lock " MUTEX_TYPE);
        return -1;
    }
    return 0;
}

void it_store_unlock(void)
{
    apr_global_mutex_unlock(mutex);
}

apr_size_t it_store_get(server_rec *s, apr_pool_t *p, const it_store_key *k, void *data,
                        apr_size_t len)
{
    unsigned int n = (unsigned int)len;

    if (provider->retrieve(instance, s, k->b, IT_STORE_KEY_LEN, data, &n, p) != APR_SUCCESS)
        return 0;
    return n;
}

void it_store_put(server_rec *s, apr_pool_t *p, const it_store_key *k, apr_time_t expires,
                  const void *data, apr_size_t len)
{
    /* shmcb copies data; the cast drops a const its interface forgot */
    provider->store(instance, s, k->b, IT_STORE_KEY_LEN, expires, (unsigned char *)data,
                    (unsigned int)len, p);
}

void it_store_remove(server_rec *s, apr_pool_t *p, const it_store_key *k)
{
    provider->remove(instance, s, k->b, IT_STORE_KEY_LEN, p);
}
