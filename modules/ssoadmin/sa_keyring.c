#include "sa_keyring.h"

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_rwlock.h>
#include <http_log.h>

#include "idt_httpd_db.h"
#include "idt_httpd_listen.h"
#include "idt_keys.h"

APLOG_USE_MODULE(ssoadmin);

/* Where the tree's changes are announced (schema/012): payload "keys" for a change that
 * may touch the signing keys, "tree" for any other, empty when anything may have changed. */
#define SA_CHANNEL "idtrust_ssoadmin"
#define SA_SCOPE_TREE "tree"

typedef struct ring_key {
    const char *kid, *use;
    apr_time_t not_before, not_after; /* 0: none */
    EVP_PKEY *pub;
    idt_jose_signer *signer; /* NULL without the passphrase */
} ring_key;

struct sa_ring {
    apr_pool_t *pool;
    apr_uint32_t refs; /* requests holding it, plus one while it is the ring in force */
    idt_jose_keyset *keyset;
    apr_array_header_t *keys; /* of ring_key, the newest validity first */
    int can_sign;
    apr_uint32_t generation; /* unique per ring built in this process */
};

static volatile apr_uint32_t generations;

static struct {
    apr_thread_mutex_t *mu;    /* one build at a time */
    apr_thread_rwlock_t *lock; /* cur: read to take it, write to replace it */
    sa_ring *cur;
    volatile apr_uint32_t stale; /* the tree changed since cur was built */
    volatile apr_uint32_t up;    /* the listener is connected: cur can be trusted */
} kr;

static void changed(void *ctx, const char *scope)
{
    /* A write to sites, applications, users, ... leaves the keys as they are: rebuilding
     * would decode every key again and start a new ring generation, under which every
     * bearer token is verified and remembered anew: a signature check and memory per
     * token per write. Whatever else is said (keys, nothing, a word of a later schema)
     * may touch the keys. */
    if (scope && !strcmp(scope, SA_SCOPE_TREE)) return;
    apr_atomic_set32(&kr.stale, 1);
}

static void connected(void *ctx, int up)
{
    apr_atomic_set32(&kr.up, up ? 1 : 0);
    apr_atomic_set32(&kr.stale, 1);
}

void sa_keyring_child_init(server_rec *s, apr_pool_t *pchild)
{
    idt_listen_cb cb = {changed, connected, NULL};
    kr.stale = 1;
    kr.up = 0;
    if (apr_thread_mutex_create(&kr.mu, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS ||
        apr_thread_rwlock_create(&kr.lock, pchild) != APR_SUCCESS)
        kr.mu = NULL; /* every request builds its own ring */
    idt_httpd_listen_start(s, pchild, SA_CHANNEL, &cb);
}

static void unref(sa_ring *ring)
{
    if (ring && apr_atomic_dec32(&ring->refs) == 0) apr_pool_destroy(ring->pool);
}

static apr_status_t release(void *data)
{
    unref(data);
    return APR_SUCCESS;
}

/* Seconds since the epoch of an ISO 8601 text, as PostgreSQL read it ("" for none). */
static apr_time_t seconds(const char *text)
{
    return *text ? apr_time_from_sec(apr_atoi64(text)) : 0;
}

/* Seconds since the epoch (text) of a credential's ISO 8601 attribute (sa_objects.c checks
 * its shape), NULL when it has none; a time without a zone is UTC. */
#define SA_EPOCH(attr)                                                                     \
    "floor(extract(epoch FROM (NULLIF(o.attributes->>'" attr "', '') || CASE WHEN "          \
    "o.attributes->>'" attr "' ~ 'T.*(Z|[+-]\\d\\d(:?\\d\\d)?)$' THEN '' ELSE ' UTC' END)" \
    "::timestamptz))::text"

/* A ring from the repository, in a pool of its own (a child of the process's pool). */
static idt_error *build(request_rec *r, idt_db *db, const char *secret, sa_ring **out)
{
    apr_pool_t *pool;
    sa_ring *ring;
    PGresult *res;
    idt_error *e;
    int i;

    if (!db && (e = idt_httpd_db(r, &db))) return e;
    e = idt_db_exec(
        db, &res,
        "SELECT kid, use, nbf, naf, pub, priv FROM (SELECT k.kid, "
        "COALESCE(o.attributes->>'use', '') AS use, "
        "COALESCE(" SA_EPOCH("notBefore") ", '') AS nbf, "
        "COALESCE(" SA_EPOCH("notOnOrAfter") ", '') AS naf, "
        "k.public_key_pem AS pub, k.private_key_pem AS priv, k.created_at, k.credential_id "
        "FROM idtrust.sso_link l "
        "JOIN idtrust.sso_key k ON k.credential_id = l.to_id "
        "JOIN idtrust.sso_object o ON o.id = k.credential_id "
        "WHERE l.from_type = 'server' AND l.kind = 'credential' "
        "AND o.attributes->>'enabled' = 'true' "
        "AND COALESCE(o.attributes->>'use', '') IN ('', 'sig')) t "
        "ORDER BY NULLIF(nbf, '')::numeric DESC NULLS LAST, created_at DESC, credential_id DESC",
        0, NULL);
    if (e) return e;
    /* unmanaged: made from request threads, freed by whichever request lets go last */
    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
        return idt_err(r->pool, IDT_E_INTERNAL, "cannot create a memory pool");
    ring = apr_pcalloc(pool, sizeof(*ring));
    ring->pool = pool;
    ring->refs = 1;
    ring->keyset = idt_jose_keyset_new(pool);
    ring->keys = apr_array_make(pool, PQntuples(res), sizeof(ring_key));
    ring->can_sign = secret != NULL;
    ring->generation = apr_atomic_inc32(&generations) + 1;
    for (i = 0; i < PQntuples(res); i++) {
        ring_key *k;
        EVP_PKEY *priv;
        apr_time_t nbf = seconds(PQgetvalue(res, i, 2)), exp = seconds(PQgetvalue(res, i, 3));
        /* a key past notOnOrAfter verifies nothing and is not published */
        if (exp && exp <= apr_time_now()) continue;
        k = apr_array_push(ring->keys);
        k->kid = apr_pstrdup(pool, PQgetvalue(res, i, 0));
        k->use = apr_pstrdup(pool, PQgetvalue(res, i, 1));
        k->not_before = nbf;
        k->not_after = exp;
        k->signer = NULL;
        if ((e = idt_keys_public_from_pem(pool, PQgetvalue(res, i, 4), &k->pub)) ||
            (e = idt_jose_keyset_add(ring->keyset, k->pub, k->kid)))
            break;
        if (secret) {
            if ((e = idt_keys_open(pool, PQgetvalue(res, i, 5), secret, &priv)) ||
                (e = idt_jose_signer_new(pool, priv, k->kid, &k->signer)))
                break;
        }
    }
    if (e) {
        e = idt_err(r->pool, e->kind, "the signing key \"%s\" cannot be used: %s",
                    PQgetvalue(res, i, 0), e->msg);
        apr_pool_destroy(pool);
        return e;
    }
    *out = ring;
    return NULL;
}

idt_error *sa_ring_fresh(request_rec *r, idt_db *db, const char *secret, sa_ring **out)
{
    sa_ring *ring;
    idt_error *e;

    apr_atomic_set32(&kr.stale, 1);
    if ((e = build(r, db, secret, &ring))) return e;
    apr_pool_cleanup_register(r->pool, ring, release, apr_pool_cleanup_null);
    *out = ring;
    return NULL;
}

idt_error *sa_ring_get(request_rec *r, idt_db *db, const char *secret, sa_ring **out)
{
    sa_ring *ring = NULL, *old = NULL;
    idt_error *e = NULL;

    *out = NULL;
    if (!kr.mu || !apr_atomic_read32(&kr.up)) {
        /* nobody tells us of changes: a ring for this request alone */
        if ((e = build(r, db, secret, &ring))) return e;
        apr_pool_cleanup_register(r->pool, ring, release, apr_pool_cleanup_null);
        *out = ring;
        return NULL;
    }
    /* the common case: the ring in force, under a read lock that readers share */
    apr_thread_rwlock_rdlock(kr.lock);
    if (kr.cur && !apr_atomic_read32(&kr.stale) && (!secret || kr.cur->can_sign)) {
        ring = kr.cur;
        apr_atomic_inc32(&ring->refs);
    }
    apr_thread_rwlock_unlock(kr.lock);
    if (!ring) {
        apr_thread_mutex_lock(kr.mu);
        if (!kr.cur || apr_atomic_read32(&kr.stale) || (secret && !kr.cur->can_sign)) {
            sa_ring *built = NULL;
            /* clear the mark first: a change during the build marks it again */
            apr_atomic_set32(&kr.stale, 0);
            if ((e = build(r, db, secret, &built))) {
                apr_atomic_set32(&kr.stale, 1);
            } else {
                apr_thread_rwlock_wrlock(kr.lock);
                old = kr.cur;
                kr.cur = built;
                apr_thread_rwlock_unlock(kr.lock);
                /* rare (the first request, a change of the keys, the listener back): an
                 * operator sees when a child reloaded its keys, and the tests check that
                 * other writes do not make it */
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                              "SA00310: signing keys loaded: ring %u, %d key(s)%s",
                              (unsigned)built->generation, built->keys->nelts,
                              built->can_sign ? "" : ", verifying only");
            }
        }
        if (!e) {
            apr_thread_rwlock_rdlock(kr.lock);
            ring = kr.cur;
            apr_atomic_inc32(&ring->refs);
            apr_thread_rwlock_unlock(kr.lock);
        }
        apr_thread_mutex_unlock(kr.mu);
    }
    unref(old); /* the ring in force no more: freed when its last request is done */
    if (e) return e;
    apr_pool_cleanup_register(r->pool, ring, release, apr_pool_cleanup_null);
    *out = ring;
    return NULL;
}

apr_uint32_t sa_ring_generation(const sa_ring *ring)
{
    return ring->generation;
}

const idt_jose_keyset *sa_ring_keyset(const sa_ring *ring)
{
    return ring->keyset;
}

static int valid_at(const ring_key *k, apr_time_t now, apr_int64_t leeway)
{
    apr_time_t slack = apr_time_from_sec(leeway);
    return (!k->not_before || k->not_before - slack <= now) && (!k->not_after || now < k->not_after);
}

int sa_ring_verifies(const sa_ring *ring, const char *kid, apr_time_t now, apr_int64_t leeway)
{
    int i;
    for (i = 0; i < ring->keys->nelts; i++) {
        const ring_key *k = &APR_ARRAY_IDX(ring->keys, i, ring_key);
        if (!strcmp(k->kid, kid)) return valid_at(k, now, leeway);
    }
    return 0;
}

const idt_jose_signer *sa_ring_signer(const sa_ring *ring, apr_time_t now)
{
    int i;
    /* the keys are in order of their notBefore, the latest first */
    for (i = 0; i < ring->keys->nelts; i++) {
        const ring_key *k = &APR_ARRAY_IDX(ring->keys, i, ring_key);
        if (k->signer && valid_at(k, now, 0)) return k->signer;
    }
    return NULL;
}

idt_error *sa_ring_jwks(apr_pool_t *p, const sa_ring *ring, json_t **out)
{
    json_t *keys = json_array();
    idt_error *e;
    int i;

    *out = json_pack("{s:o}", "keys", keys);
    for (i = 0; i < ring->keys->nelts; i++) {
        const ring_key *k = &APR_ARRAY_IDX(ring->keys, i, ring_key);
        json_t *jwk;
        if ((e = idt_keys_jwk(p, k->pub, k->kid, k->use, &jwk))) {
            json_decref(*out);
            *out = NULL;
            return e;
        }
        json_array_append(keys, jwk);
    }
    return NULL;
}
