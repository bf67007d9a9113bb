#include "it_authn.h"

#include <stdlib.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <ap_provider.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_auth.h>
#include <openssl/crypto.h>

#include "idt_httpd_db.h"
#include "idt_httpd_error.h"
#include "idt_text.h"
#include "it_store.h"
#include "it_throttle.h"

APLOG_USE_MODULE(idtrust);

/* bcrypt of a random password nobody knows, at cost 10 like the accounts
 * (crypt(pw, gen_salt('bf', 10))): checked for names without an account, only to
 * spend the same time */
static const char dummy_hash[] = "$2y$10$6ufOxj5QBrAxOBGalqiwsu15sLsCs5F1/5jDznht7i2YNSJLEfrHu";

static apr_interval_time_t cache_ttl = apr_time_from_sec(60);

/* How long requests wait for another's check of the same credentials at most (a
 * leader that died frees them after this), and how often they look. */
#define PENDING_TIME apr_time_from_sec(5)
#define PENDING_POLL 2000

void it_authn_set_ttl(apr_interval_time_t ttl)
{
    cache_ttl = ttl;
}

static int user_key(const char *user, it_store_key *k)
{
    return it_store_digest(k, "login", 1, &user);
}

static int password_digest(const char *user, const char *password, it_store_key *d)
{
    const char *parts[2] = {user, password};
    return it_store_digest(d, "password", 2, parts);
}

void it_authn_forget(server_rec *s, apr_pool_t *p, const char *user)
{
    it_store_key k;

    if (!user_key(user, &k) || it_store_lock(s)) return;
    it_store_remove(s, p, &k);
    it_store_forgot(); /* and a check in flight does not remember what it read before */
    it_store_unlock();
    it_store_changed(); /* and every child forgets what it kept */
}

it_role it_role_of(const char *name)
{
    if (!name) return IT_ROLE_NONE;
    if (!strcmp(name, "admin")) return IT_ROLE_ADMIN;
    if (!strcmp(name, "reader")) return IT_ROLE_READER;
    return IT_ROLE_NONE;
}

const char *it_role_name(it_role role)
{
    return role == IT_ROLE_ADMIN ? "admin" : role == IT_ROLE_READER ? "reader" : NULL;
}

/* What the login of this request showed: the account and its role. */
typedef struct it_login_seen {
    const char *user;
    it_role role;
} it_login_seen;

static void seen(request_rec *r, const char *user, it_role role)
{
    it_login_seen *s = apr_palloc(r->pool, sizeof(*s));
    s->user = apr_pstrdup(r->pool, user);
    s->role = role;
    ap_set_module_config(r->request_config, &idtrust_module, s);
}

it_role it_authn_role(request_rec *r)
{
    const it_login_seen *s = ap_get_module_config(r->request_config, &idtrust_module);
    return s && r->user && !strcmp(s->user, r->user) ? s->role : IT_ROLE_NONE;
}

/* The stored hash and role of user, or why there are none. */
static authn_status lookup(request_rec *r, const char *user, const char **hash, it_role *role)
{
    const char *params[1] = {user};
    idt_db *db;
    PGresult *res;
    idt_error *e;

    if (!idt_text_is_utf8(user)) return AUTH_USER_NOT_FOUND;
    e = idt_httpd_db(r, &db);
    if (!e)
        e = idt_db_exec(
            db, &res,
            "SELECT password_hash, role FROM idtrust.admin_account WHERE name = $1 AND enabled", 1,
            params);
    if (e) {
        /* the error document renders this as 503 rather than 500 */
        if (e->kind == IDT_E_UNAVAILABLE) apr_table_setn(r->notes, IDT_NOTE_UNAVAILABLE, "1");
        idt_httpd_log_error(r, APLOG_MODULE_INDEX, "IT00011", e);
        return AUTH_GENERAL_ERROR;
    }
    if (PQntuples(res) == 0) return AUTH_USER_NOT_FOUND;
    *hash = apr_pstrdup(r->pool, PQgetvalue(res, 0, 0));
    *role = it_role_of(PQgetvalue(res, 0, 1));
    return AUTH_USER_FOUND;
}

/* What the success cache holds for a user. */
typedef struct remembered {
    unsigned char d[IT_STORE_KEY_LEN];
    apr_time_t expires;
    int role; /* it_role: the authz provider asks no database for a remembered login */
} remembered;

/* What the login store says before the check. */
typedef struct login {
    it_store_key tkey;    /* the throttle's (address, user) */
    it_store_key ukey;    /* the success cache's user */
    it_store_key pkey;    /* the user's check in flight */
    it_store_key d;       /* digest of user and password */
    int stored;           /* the keys are made and the store is usable */
    int locked;           /* seconds the pair is locked out for */
    int on_record;        /* the pair has failures on record */
    int hit;              /* the success cache holds this login */
    apr_time_t expires;   /* and until when */
    int leader;           /* checks the password; requests with the same credentials wait */
    int follower;         /* another request is checking the same credentials */
    apr_uint32_t gen;     /* it_store_generation before the store was asked */
    apr_uint32_t forgets; /* it_store_forgets before the account was read */
    it_role role;         /* of the account, once the login succeeded */
} login;

/* Each child also keeps what the store told it, per client address and user name, as
 * long as the store's generation stays the same, so a remembered login costs no
 * global lock. A failed login anywhere (which may lock a pair out) or a forgotten
 * login bumps the generation, and the child asks the store again. */
#define LOCAL_MAX_ENTRIES 1024

typedef struct local_entry {
    unsigned char d[IT_STORE_KEY_LEN];
    apr_time_t expires;
    apr_uint32_t gen;
    it_role role;
} local_entry;

static apr_pool_t *local_pool;
static apr_hash_t *local;
static apr_thread_mutex_t *local_lock;

void it_authn_child_init(apr_pool_t *p)
{
    apr_pool_create(&local_pool, p);
    local = apr_hash_make(local_pool);
    if (apr_thread_mutex_create(&local_lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS)
        local_lock = NULL; /* every login asks the store */
}

/* "address\0user" */
static const char *local_key(request_rec *r, const char *user, apr_size_t *len)
{
    const char *ip = r->useragent_ip ? r->useragent_ip : "";
    apr_size_t a = strlen(ip), u = strlen(user);
    char *k = apr_palloc(r->pool, a + 1 + u);

    memcpy(k, ip, a + 1);
    memcpy(k + a + 1, user, u);
    *len = a + 1 + u;
    return k;
}

static int local_hit(request_rec *r, const char *user, const it_store_key *d, apr_uint32_t gen,
                     it_role *role)
{
    apr_size_t len;
    const char *k = local_key(r, user, &len);
    local_entry *e;
    int hit;

    if (!local_lock) return 0;
    apr_thread_mutex_lock(local_lock);
    e = apr_hash_get(local, k, len);
    hit = e && e->gen == gen && e->expires > apr_time_now() &&
          !CRYPTO_memcmp(e->d, d->b, sizeof(e->d));
    if (hit) *role = e->role;
    apr_thread_mutex_unlock(local_lock);
    return hit;
}

static void local_put(request_rec *r, const char *user, const login *l)
{
    apr_size_t len;
    const char *k = local_key(r, user, &len);
    local_entry *e;

    if (!local_lock) return;
    apr_thread_mutex_lock(local_lock);
    if (apr_hash_count(local) >= LOCAL_MAX_ENTRIES) {
        /* bounded memory: start over rather than track ages */
        apr_pool_clear(local_pool);
        local = apr_hash_make(local_pool);
    }
    if (!(e = apr_hash_get(local, k, len))) {
        e = apr_palloc(local_pool, sizeof(*e));
        apr_hash_set(local, apr_pmemdup(local_pool, k, len), len, e);
    }
    memcpy(e->d, l->d.b, sizeof(e->d));
    e->expires = l->expires;
    e->gen = l->gen;
    e->role = l->role;
    apr_thread_mutex_unlock(local_lock);
}

/* With the store locked: whether k holds d. */
static int holds(request_rec *r, const it_store_key *k, const it_store_key *d)
{
    it_store_key v;
    int same = it_store_get(r->server, r->pool, k, v.b, sizeof(v.b)) == sizeof(v.b) &&
               !CRYPTO_memcmp(v.b, d->b, sizeof(v.b));
    OPENSSL_cleanse(v.b, sizeof(v.b));
    return same;
}

/* With the store locked: whether the success cache holds this login (and until when). */
static int is_remembered(request_rec *r, login *l)
{
    remembered v;
    int same = it_store_get(r->server, r->pool, &l->ukey, &v, sizeof(v)) == sizeof(v) &&
               !CRYPTO_memcmp(v.d, l->d.b, sizeof(v.d));
    if (same) {
        l->expires = v.expires;
        l->role = (it_role)v.role;
    }
    OPENSSL_cleanse(&v, sizeof(v));
    return same;
}

/* The shared path, one lock: is the pair locked out, is the login remembered, is the
 * same login being checked right now. Without the last, a burst of requests with
 * the same credentials (a client's connection pool right after a restart) runs one
 * bcrypt check each, all at once, and the CPU they take stalls every request. */
static void look_up(request_rec *r, const char *user, login *l)
{
    it_store_key v;
    apr_size_t n;

    if (!l->stored || it_store_lock(r->server)) return;
    if (it_throttle_on()) l->locked = it_throttle_check_held(r, &l->tkey, &l->on_record);
    if (!l->locked && cache_ttl > 0 && !(l->hit = is_remembered(r, l))) {
        n = it_store_get(r->server, r->pool, &l->pkey, v.b, sizeof(v.b));
        if (n == 0) {
            it_store_put(r->server, r->pool, &l->pkey, apr_time_now() + PENDING_TIME, l->d.b,
                         sizeof(l->d.b));
            l->leader = 1;
        } else {
            l->follower = n == sizeof(v.b) && !CRYPTO_memcmp(v.b, l->d.b, sizeof(v.b));
        }
        OPENSSL_cleanse(v.b, sizeof(v.b));
    }
    it_store_unlock();
}

/* A follower waits for the leader's result: whether the login succeeded. When the
 * leader failed (or vanished) the follower checks for itself, so a wrong password
 * still costs a bcrypt check each time. */
static int wait_for_leader(request_rec *r, login *l)
{
    int hit = 0, pending = 1;

    while (!hit && pending) {
        apr_sleep(PENDING_POLL);
        if (it_store_lock(r->server)) break;
        hit = is_remembered(r, l);
        pending = holds(r, &l->pkey, &l->d); /* false once the marker expired */
        it_store_unlock();
    }
    return hit;
}

/* After the check: a success is remembered (unless the account changed while it was
 * checked: what was read may predate the change), and the leader's marker goes. */
static void checked(request_rec *r, login *l, authn_status st)
{
    int remember = st == AUTH_GRANTED && cache_ttl > 0;
    remembered v;

    if (!l->stored || !(remember || l->leader) || it_store_lock(r->server)) return;
    if (remember && it_store_forgets() != l->forgets) remember = 0;
    if (remember) {
        memset(&v, 0, sizeof(v));
        memcpy(v.d, l->d.b, sizeof(v.d));
        v.role = l->role;
        v.expires = l->expires = apr_time_now() + cache_ttl;
        it_store_put(r->server, r->pool, &l->ukey, v.expires, &v, sizeof(v));
        OPENSSL_cleanse(&v, sizeof(v));
    }
    if (l->leader && holds(r, &l->pkey, &l->d)) it_store_remove(r->server, r->pool, &l->pkey);
    it_store_unlock();
}

static authn_status check_password(request_rec *r, const char *user, const char *password)
{
    login l = {0};
    const char *hash = NULL;
    authn_status st;

    /* read before anything is asked: a change after this makes what we learn stale */
    l.gen = it_store_generation();
    l.forgets = it_store_forgets();
    l.stored = it_store_ready() && password_digest(user, password, &l.d);
    if (l.stored && cache_ttl > 0 && local_hit(r, user, &l.d, l.gen, &l.role)) {
        seen(r, user, l.role);
        OPENSSL_cleanse(&l, sizeof(l));
        return AUTH_GRANTED;
    }
    l.stored = l.stored && it_throttle_key(r, user, &l.tkey) && user_key(user, &l.ukey) &&
               it_store_digest(&l.pkey, "pending", 1, &user);
    look_up(r, user, &l);
    if (l.locked) {
        /* mod_auth_basic answers 500; the error document makes it 429 */
        apr_table_setn(r->notes, IDT_NOTE_THROTTLED, apr_itoa(r->pool, l.locked));
        st = AUTH_GENERAL_ERROR;
    } else if (l.hit || (l.follower && wait_for_leader(r, &l))) {
        st = AUTH_GRANTED;
    } else {
        st = lookup(r, user, &hash, &l.role);
        if (st == AUTH_USER_FOUND)
            st = apr_password_validate(password, hash) == APR_SUCCESS ? AUTH_GRANTED : AUTH_DENIED;
        else if (st == AUTH_USER_NOT_FOUND)
            apr_password_validate(password, dummy_hash); /* the same time as a wrong password */
        checked(r, &l, st);
        /* a repository that cannot answer is no failed login */
        if ((st == AUTH_DENIED || st == AUTH_USER_NOT_FOUND) && l.stored)
            it_throttle_failed(r, &l.tkey, user);
    }
    if (st == AUTH_GRANTED) seen(r, user, l.role);
    if (st == AUTH_GRANTED && l.on_record) it_throttle_forget(r, &l.tkey);
    /* a pair that had failures on record goes through the store once more, now that
     * they are forgotten */
    if (st == AUTH_GRANTED && l.stored && cache_ttl > 0 && l.expires && !l.on_record)
        local_put(r, user, &l);
    OPENSSL_cleanse(&l, sizeof(l));
    return st;
}

static const authn_provider provider = {&check_password, NULL};

void it_authn_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "idtrust", AUTHN_PROVIDER_VERSION, &provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
