/* The passphrase that encrypts private keys at rest, read from a file the admin
 * names in the configuration (IdtrustSecretKeyFile). */
#ifndef IDT_SECRET_H
#define IDT_SECRET_H

#include <apr_pools.h>

#include "idt_error.h"

/* Reads the first line of path (trailing newline and spaces removed). Refuses a file
 * that others can read or write, a missing file, and one shorter than 32 bytes. */
idt_error *idt_secret_load(apr_pool_t *p, const char *path, const char **secret);

#endif
