/* What mod_idtrust offers the other idtrust modules. */
#ifndef MOD_IDTRUST_H
#define MOD_IDTRUST_H

#include <apr_optional.h>
#include <httpd.h>

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

/* A module's read cache subscribes to its NOTIFY channel (call it in child_init):
 * one thread and one mod_dbd connection per child LISTEN on the channels of all
 * modules, reconnecting after a database restart, calling cb from that thread. */
APR_DECLARE_OPTIONAL_FN(void, idtrust_listen,
                        (server_rec * s, apr_pool_t *pchild, const char *channel,
                         const idt_listen_cb *cb));

#endif
