/* What mod_idtrust offers the other idtrust modules. */
#ifndef MOD_IDTRUST_H
#define MOD_IDTRUST_H

#include <apr_optional.h>
#include <httpd.h>
#include <mod_auth.h>

#include "idt_error.h"
#include "idt_httpd_listen.h"

/* The passphrase that encrypts private keys at rest (IdtrustSecretKeyFile), or NULL
 * when the directive is not set. */
APR_DECLARE_OPTIONAL_FN(const char *, idtrust_secret, (server_rec * s));

/* A module says which schema version it needs (call it in post_config), so that
 * /idtrust/ready answers 503 while the repository's schema is older. */
APR_DECLARE_OPTIONAL_FN(void, idtrust_require_schema,
                        (int version, const char *module, const char *migration));

/* An API module says which URI prefixes it serves and how it renders an error, so that
 * errors httpd raises before any <Location> applies (an encoded slash, a request line
 * or header httpd refuses, TRACE) come out in that API's envelope through the
 * server-wide ErrorDocument handler "idtrust-error". Call it in post_config. */
APR_DECLARE_OPTIONAL_FN(void, idtrust_register_api,
                        (const char *const *prefixes,
                         int (*render_error)(request_rec *r, const idt_error *e)));

/* How a realm's secrets are found: the stored hash (bcrypt, as apr_password_validate
 * reads it) of user into *hash, with AUTH_USER_FOUND; AUTH_USER_NOT_FOUND, or
 * AUTH_GENERAL_ERROR when the repository cannot answer (set IDT_NOTE_UNAVAILABLE).
 * A name that is not UTF-8 must be AUTH_USER_NOT_FOUND without asking PostgreSQL
 * (idt_text_is_utf8). *role is for the admin realm only. */
typedef authn_status it_secret_lookup(request_rec *r, void *ctx, const char *user,
                                      const char **hash, int *role);

/* Checks user's secret in realm (e.g. "oauth-client") as admin logins are checked:
 * the same dummy hash for unknown names, the same throttle of failures per user and
 * client address (a locked-out pair: AUTH_GENERAL_ERROR with IDT_NOTE_THROTTLED set to
 * the seconds left), the same success cache shared by all processes
 * (IdtrustAuthCacheSeconds), keyed apart from the admin accounts and other realms.
 * AUTH_GRANTED, AUTH_DENIED (wrong secret or no such user) or AUTH_GENERAL_ERROR. */
APR_DECLARE_OPTIONAL_FN(authn_status, idtrust_check_secret,
                        (request_rec * r, const char *realm, const char *user,
                         const char *secret, it_secret_lookup *lookup, void *ctx));

/* Forgets user's remembered secret in realm on this node (after the secret changed). */
APR_DECLARE_OPTIONAL_FN(void, idtrust_forget_secret,
                        (server_rec * s, apr_pool_t *p, const char *realm, const char *user));

/* A module's read cache subscribes to its NOTIFY channel (call it in child_init):
 * one thread and one mod_dbd connection per child LISTEN on the channels of all
 * modules, reconnecting after a database restart, calling cb from that thread. */
APR_DECLARE_OPTIONAL_FN(void, idtrust_listen,
                        (server_rec * s, apr_pool_t *pchild, const char *channel,
                         const idt_listen_cb *cb));

#endif
