/* What mod_idtrust offers the other idtrust modules. */
#ifndef MOD_IDTRUST_H
#define MOD_IDTRUST_H

#include <apr_optional.h>
#include <httpd.h>

/* The passphrase that encrypts private keys at rest (IdtrustSecretKeyFile), or NULL
 * when the directive is not set. */
APR_DECLARE_OPTIONAL_FN(const char *, idtrust_secret, (server_rec *s));

#endif
