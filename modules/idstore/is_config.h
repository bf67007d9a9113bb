/* mod_idstore's server configuration. */
#ifndef IS_CONFIG_H
#define IS_CONFIG_H

typedef struct is_config {
    int key_bits;           /* IdstoreSigningKeyBits; 0: unset */
    int cert_days;          /* IdstoreCertificateDays; 0: unset */
    const char *public_url; /* IdstorePublicURL; NULL: from the request */
    int read_cache;         /* IdstoreReadCache: 1 on, 0 off, -1 unset (on) */
} is_config;

#define IS_DEFAULT_KEY_BITS 3072
#define IS_DEFAULT_CERT_DAYS 3650

#endif
