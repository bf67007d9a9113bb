/* Authn provider "idtrust": admin accounts from idtrust.admin_account, for
 * mod_auth_basic (AuthBasicProvider idtrust).
 *
 * Why not mod_authn_dbd: its lookup is a statement mod_dbd prepares once per
 * connection, and when PostgreSQL restarts, the pgsql driver reconnects the session
 * (PQreset) without its prepared statements, so every login fails until httpd is
 * restarted. This provider asks with a plain bound-parameter query on mod_dbd's
 * connection, which reconnects and retries, and checks the hash with
 * apr_password_validate (bcrypt from pgcrypto or htpasswd -B).
 *
 * bcrypt costs milliseconds of CPU and a REST client sends its credentials on every
 * request, so a successful check is remembered for IdtrustAuthCacheSeconds as a
 * salted SHA-256 of user and password (never the password); failures are never
 * remembered, so guessing still pays full price. */
#ifndef IT_AUTHN_H
#define IT_AUTHN_H

#include <httpd.h>

void it_authn_register(apr_pool_t *p);
void it_authn_child_init(apr_pool_t *p);
void it_authn_set_ttl(apr_interval_time_t ttl);

#endif
