#include "it_authn.h"

#include <stdlib.h>
#include <apr_md5.h>
#include <apr_strings.h>
#include <ap_provider.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_auth.h>
#include <openssl/crypto.h>

#include "idt_httpd_db.h"
#include "idt_httpd_error.h"
#include "it_store.h"
#include "it_throttle.h"

APLOG_USE_MODULE(idtrust);

/* bcrypt of a random password nobody knows, at cost 10 like the accounts
 * (crypt(pw, gen_salt('bf', 10))): checked for names without an account, only to
 * spend the same time */
static const char dummy_hash[] = "$2y$10$6ufOxj5QBrAxOBGalqiwsu15sLsCs5F1/5jDznht7i2YNSJLEfrHu";

static apr_interval_time_t cache_ttl = apr_time_from_sec(60);

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
    it_store_unlock();
}

/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF): PostgreSQL refuses anything else with an error (22021). */
static int is_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned char c = *s;
        int n, i;
        apr_uint32_t cp;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07;
        else
            return 0;
        for (i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        s += n + 1;
    }
    return 1;
}

/* The stored hash of user, or why there is none. */
static authn_status lookup(request_rec *r, const char *user, const char **hash)
{
    const char *params[1] = {user};
    idt_db *db;
    PGresult *res;
    idt_error *e;

    if (!is_utf8((const unsigned char *)user)) return AUTH_USER_NOT_FOUND;
    e = idt_httpd_db(r, &db);
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
    it_store_key tkey, ukey, d, remembered;
    int stored = it_store_ready() && it_throttle_key(r, user, &tkey) && user_key(user, &ukey) &&
                 password_digest(user, password, &d);
    int locked = 0, on_record = 0, hit = 0;
    const char *hash = NULL;
    authn_status st;

    /* the fast path, one lock: is the pair locked out, is the login remembered */
    if (stored && !it_store_lock(r->server)) {
        if (it_throttle_on()) locked = it_throttle_check_held(r, &tkey, &on_record);
        if (!locked && cache_ttl > 0)
            hit = it_store_get(r->server, r->pool, &ukey, remembered.b, sizeof(remembered.b)) ==
                      sizeof(remembered.b) &&
                  !CRYPTO_memcmp(remembered.b, d.b, sizeof(d.b));
        it_store_unlock();
    }
    if (locked) {
        /* mod_auth_basic answers 500; the error document makes it 429 */
        apr_table_setn(r->notes, IDT_NOTE_THROTTLED, apr_itoa(r->pool, locked));
        st = AUTH_GENERAL_ERROR;
    } else if (hit) {
        st = AUTH_GRANTED;
    } else {
        st = lookup(r, user, &hash);
        if (st == AUTH_USER_FOUND)
            st = apr_password_validate(password, hash) == APR_SUCCESS ? AUTH_GRANTED : AUTH_DENIED;
        else if (st == AUTH_USER_NOT_FOUND)
            apr_password_validate(password, dummy_hash); /* the same time as a wrong password */
        if (st == AUTH_GRANTED && stored && cache_ttl > 0 && !it_store_lock(r->server)) {
            it_store_put(r->server, r->pool, &ukey, apr_time_now() + cache_ttl, d.b, sizeof(d.b));
            it_store_unlock();
        }
        /* a repository that cannot answer is no failed login */
        if ((st == AUTH_DENIED || st == AUTH_USER_NOT_FOUND) && stored)
            it_throttle_failed(r, &tkey, user);
    }
    if (st == AUTH_GRANTED && on_record) it_throttle_forget(r, &tkey);
    OPENSSL_cleanse(d.b, sizeof(d.b));
    OPENSSL_cleanse(remembered.b, sizeof(remembered.b));
    return st;
}

static const authn_provider provider = {&check_password, NULL};

void it_authn_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "idtrust", AUTHN_PROVIDER_VERSION, &provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
