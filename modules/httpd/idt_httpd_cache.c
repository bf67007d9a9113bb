#include "idt_httpd_cache.h"

#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <http_log.h>

/* Counters the scopes hash onto: enough that 10 writes a second to one store leave the
 * cached reads of a few thousand others alone. */
#define IDT_CACHE_SLOTS 4096

/* Bytes one process keeps for one API, and the largest answer it keeps: the entries are
 * legitimate answers of a reader's choosing, so a bound in entries alone would let a few
 * thousand keys of multi-megabyte answers fill a child's memory. A larger answer is
 * served from the repository each time (its cost is linear in its size). */
#define IDT_CACHE_MAX_BYTES (16 * 1024 * 1024)
#define IDT_CACHE_MAX_ENTRY (2 * 1024 * 1024)

typedef struct shared {
    apr_uint32_t global;
    apr_uint32_t slots[IDT_CACHE_SLOTS];
} shared;

struct idt_cache {
    shared *gen; /* in shared memory */
    int max_entries;
    apr_pool_t *pool; /* the entries; cleared when full */
    apr_hash_t *entries;
    apr_thread_mutex_t *lock;
    int stored;       /* entries made since the pool was cleared */
    apr_size_t bytes; /* what they took of the pool (replaced ones included) */
    volatile apr_uint32_t usable;
};

typedef struct entry {
    idt_cache_stamp stamp;
    apr_size_t len;
    char body[1];
} entry;

idt_cache *idt_cache_create(apr_pool_t *pconf, server_rec *s, int max_entries)
{
    idt_cache *c = apr_pcalloc(pconf, sizeof(*c));
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, sizeof(shared), NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "IT00030: no shared memory for the read cache; reads go to the repository");
        return NULL;
    }
    c->gen = apr_shm_baseaddr_get(shm);
    memset(c->gen, 0, sizeof(shared));
    c->gen->global = 1;
    c->max_entries = max_entries;
    return c;
}

void idt_cache_child_init(idt_cache *c, apr_pool_t *pchild)
{
    if (!c) return;
    apr_pool_create(&c->pool, pchild);
    c->entries = apr_hash_make(c->pool);
    if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS)
        c->lock = NULL;
}

void idt_cache_set_usable(idt_cache *c, int usable)
{
    if (c) apr_atomic_set32(&c->usable, usable ? 1 : 0);
}

static unsigned slot_of(const char *scope)
{
    apr_ssize_t len = APR_HASH_KEY_STRING;
    if (!scope || !*scope) return 0; /* the unscoped lists */
    return 1 + apr_hashfunc_default(scope, &len) % (IDT_CACHE_SLOTS - 1);
}

idt_cache_stamp idt_cache_stamp_of(idt_cache *c, const char *scope)
{
    idt_cache_stamp st = {0, 0, 0};
    if (!c) return st;
    st.slot = slot_of(scope);
    st.global = apr_atomic_read32(&c->gen->global);
    st.scoped = apr_atomic_read32(&c->gen->slots[st.slot]);
    return st;
}

static int current(idt_cache *c, idt_cache_stamp st)
{
    return st.global == apr_atomic_read32(&c->gen->global) &&
           st.scoped == apr_atomic_read32(&c->gen->slots[st.slot]);
}

static int usable(idt_cache *c)
{
    return c && c->lock && apr_atomic_read32(&c->usable);
}

const char *idt_cache_get(idt_cache *c, const char *key, apr_pool_t *p)
{
    const char *body = NULL;
    entry *e;

    if (!usable(c)) return NULL;
    apr_thread_mutex_lock(c->lock);
    e = apr_hash_get(c->entries, key, APR_HASH_KEY_STRING);
    if (e && current(c, e->stamp)) body = apr_pstrmemdup(p, e->body, e->len);
    apr_thread_mutex_unlock(c->lock);
    return body;
}

void idt_cache_put(idt_cache *c, const char *key, idt_cache_stamp stamp, const char *body)
{
    apr_size_t len = strlen(body), size = sizeof(entry) + len + strlen(key) + 1;
    entry *e;

    if (!usable(c) || !current(c, stamp) || len > IDT_CACHE_MAX_ENTRY) return;
    apr_thread_mutex_lock(c->lock);
    if (++c->stored > c->max_entries || c->bytes + size > IDT_CACHE_MAX_BYTES) {
        /* bounded memory, in entries and in bytes (replaced entries stay in the pool
         * until it is cleared): start over rather than track ages */
        apr_pool_clear(c->pool);
        c->entries = apr_hash_make(c->pool);
        c->stored = 1;
        c->bytes = 0;
    }
    c->bytes += size;
    e = apr_palloc(c->pool, sizeof(*e) + len);
    e->stamp = stamp;
    e->len = len;
    memcpy(e->body, body, len + 1);
    apr_hash_set(c->entries, apr_pstrdup(c->pool, key), APR_HASH_KEY_STRING, e);
    apr_thread_mutex_unlock(c->lock);
}

void idt_cache_invalidate(idt_cache *c, const char *scope)
{
    unsigned slot;
    if (!c) return;
    if (!scope) {
        apr_atomic_inc32(&c->gen->global);
        return;
    }
    slot = slot_of(scope);
    apr_atomic_inc32(&c->gen->slots[slot]);
    if (slot) apr_atomic_inc32(&c->gen->slots[0]);
}
