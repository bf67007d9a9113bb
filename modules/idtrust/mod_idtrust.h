/* What mod_idtrust offers the other idtrust modules. */
#ifndef MOD_IDTRUST_H
#define MOD_IDTRUST_H

#include <apr_optional.h>
#include <httpd.h>

/* The passphrase that encrypts private keys at rest (IdtrustSecretKeyFile), or NULL
 * when the directive is not set. */
APR_DECLARE_OPTIONAL_FN(const char *, idtrust_secret, (server_rec * s));

/* A module says which schema version it needs (call it in post_config), so that
 * /idtrust/ready answers 503 while the repository's schema is older. */
APR_DECLARE_OPTIONAL_FN(void, idtrust_require_schema,
                        (int version, const char *module, const char *migration));

#endif
