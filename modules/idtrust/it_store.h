/* The login store: what the authn provider remembers across all child processes of
 * one httpd (the throttle's counters, the success cache). One instance of httpd's
 * socache provider "shmcb" (mod_socache_shmcb), made in post_config, so every child
 * shares it; shmcb is not safe for concurrent use, so every access holds the global
 * mutex "idtrust-logins" (configurable with httpd's Mutex directive).
 *
 * Keys are SHA-256 digests of a random salt (made in post_config, so all children
 * share it) and the key's parts: no user name, address or password is stored in the
 * clear. The store is per node and is emptied by every restart. */
#ifndef IT_STORE_H
#define IT_STORE_H

#include <httpd.h>

#define IT_STORE_KEY_LEN 32

typedef struct it_store_key {
    unsigned char b[IT_STORE_KEY_LEN];
} it_store_key;

/* pre_config: registers the mutex type, so the Mutex directive knows it. */
apr_status_t it_store_pre_config(apr_pool_t *pconf);

/* post_config: the salt, the shmcb instance and the mutex; NULL or why not (httpd
 * must not start: mod_socache_shmcb not loaded, no shared memory, no mutex). */
const char *it_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* child_init: attaches the child to the mutex. */
void it_store_child_init(apr_pool_t *p, server_rec *s);

/* Whether the store is usable in this process. */
int it_store_ready(void);

/* SHA-256 of the salt, the tag and the n strings of parts (each with its NUL, so
 * ("ab","c") and ("a","bc") differ). Returns 0 when hashing failed. */
int it_store_digest(it_store_key *out, const char *tag, int n, const char *const *parts);

/* A counter in shared memory that it_store_changed bumps whenever a login may have lost
 * what let it in: a failed login was counted (it may have locked a pair out) or a
 * remembered login was forgotten. A child may trust what it learnt from the store
 * while the counter still reads as it did before it asked. */
apr_uint32_t it_store_generation(void);
void it_store_changed(void);

/* A counter in shared memory bumped (with the lock held) whenever a remembered login is
 * forgotten because its account changed. A check that read the account before the bump
 * may have read it as it was before the change, so it must not be remembered: compare,
 * with the lock held, what the counter read before the account was read. */
apr_uint32_t it_store_forgets(void);
void it_store_forgot(void);

/* Lock before get/put/remove and unlock after; a failed lock returns non-zero and the
 * caller goes on without the store. */
int it_store_lock(server_rec *s);
void it_store_unlock(void);

/* With the lock held; s for logging, p for scratch. get copies at most len bytes into data and
 * returns how many (0: absent or expired). */
apr_size_t it_store_get(server_rec *s, apr_pool_t *p, const it_store_key *k, void *data,
                        apr_size_t len);
void it_store_put(server_rec *s, apr_pool_t *p, const it_store_key *k, apr_time_t expires,
                  const void *data, apr_size_t len);
void it_store_remove(server_rec *s, apr_pool_t *p, const it_store_key *k);

#endif
