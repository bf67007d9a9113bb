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
 * A name that is unknown, disabled or not UTF-8 is checked against a dummy bcrypt hash
 * of cost 10 (the cost accounts are made with), so the answer takes as long as a wrong
 * password for a real account and names cannot be told apart by timing.
 *
 * Failed logins are counted per user name and client address (it_throttle.h); a
 * locked-out pair is refused before any check: the provider sets IDT_NOTE_THROTTLED
 * and returns AUTH_GENERAL_ERROR, and the error document answers 429.
 *
 * bcrypt costs milliseconds of CPU and a REST client sends its credentials on every
 * request, so a successful check is remembered for IdtrustAuthCacheSeconds in the
 * login store shared by all child processes (it_store.h), keyed by the user name, as
 * a salted SHA-256 of user and password (never the password). Failures are never
 * remembered, so guessing still pays full price. Requests with the same credentials
 * that arrive while they are being checked wait for that check. Each child keeps what
 * the store told it until the store's generation changes, so a remembered login
 * costs no lock shared between processes.
 *
 * Why not mod_authn_socache: it re-validates the value it caches with
 * apr_password_validate, so a bcrypt hash would cost a bcrypt check on every hit, and
 * it cannot forget an entry when a password changes.
 *
 * The success cache also holds the account's role, so the authz provider
 * "idtrust-role" (it_authz.h) costs no database round trip for a remembered login. A
 * forgotten login stays forgotten: a check that read the account before the change
 * and finishes after it is not remembered (it_store_forgets). */
#ifndef IT_AUTHN_H
#define IT_AUTHN_H

#include <httpd.h>

#include "mod_idtrust.h"

/* The roles of idtrust.admin_account.role. */
typedef enum { IT_ROLE_NONE = 0, IT_ROLE_ADMIN = 1, IT_ROLE_READER = 2 } it_role;

/* "admin" / "reader" and back; IT_ROLE_NONE and NULL for anything else. */
it_role it_role_of(const char *name);
const char *it_role_name(it_role role);

void it_authn_register(apr_pool_t *p);
void it_authn_child_init(apr_pool_t *p);
void it_authn_set_ttl(apr_interval_time_t ttl);

/* Forgets user's remembered login on this node at once (all child processes), e.g.
 * after its password changed or it was disabled. */
void it_authn_forget(server_rec *s, apr_pool_t *p, const char *user);

/* The role of r->user as this request's login through the provider showed it, or
 * IT_ROLE_NONE when the provider did not authenticate r->user. */
it_role it_authn_role(request_rec *r);

/* The optional functions idtrust_check_secret and idtrust_forget_secret
 * (mod_idtrust.h): other realms' secrets checked as the admin logins are. */
authn_status idtrust_check_secret(request_rec *r, const char *realm, const char *user,
                                  const char *secret, it_secret_lookup *lookup, void *ctx);
void idtrust_forget_secret(server_rec *s, apr_pool_t *p, const char *realm, const char *user);

#endif
