/* Authn provider "idtrust-cache": mod_authn_dbd's answer, remembered for a while.
 *
 * Admin passwords are bcrypt hashes, and checking one costs milliseconds of CPU: a
 * REST client sending Basic credentials on every request would pay that each time.
 * This provider asks the "dbd" provider and, on success only, remembers a salted
 * SHA-256 of user and password for IdtrustAuthCacheSeconds; failures are never
 * remembered, so guessing still pays full price. The password itself is never kept. */
#ifndef IT_AUTHCACHE_H
#define IT_AUTHCACHE_H

#include <httpd.h>

void it_authcache_register(apr_pool_t *p);
void it_authcache_child_init(apr_pool_t *p);
void it_authcache_set_ttl(apr_interval_time_t ttl);

#endif
