/* Outbound secrets at rest (an OAuth2 client secret the suite sends to another system):
 * AES-256-GCM under a key derived from the IdtrustSecretKeyFile passphrase.
 *
 * Sealed form: "v1:" then base64 of salt (16 bytes) | nonce (12) | ciphertext | tag (16).
 * The key is PBKDF2-HMAC-SHA256(passphrase, salt, IDT_SEAL_ITERATIONS), fresh per sealed
 * value; what is sealed is bound to a purpose (GCM additional data), so a value sealed for
 * one column cannot be passed off as another's. */
#ifndef IDT_SEAL_H
#define IDT_SEAL_H

#include <apr_pools.h>

#include "idt_error.h"

#define IDT_SEAL_ITERATIONS 100000

/* Seals plain[0..strlen) for purpose; IDT_E_INTERNAL when OpenSSL fails. */
idt_error *idt_seal(apr_pool_t *p, const char *passphrase, const char *purpose, const char *plain,
                    const char **sealed);

/* Opens a sealed value: IDT_E_INTERNAL for a damaged value, another passphrase or
 * purpose (the message says which could be the cause, never the value). */
idt_error *idt_unseal(apr_pool_t *p, const char *passphrase, const char *purpose,
                      const char *sealed, const char **plain);

#endif
