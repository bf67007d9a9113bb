/* mod_trustdoc's server configuration. */
#ifndef TD_CONFIG_H
#define TD_CONFIG_H

typedef struct td_config {
    int read_cache; /* TrustdocReadCache: 1 on, 0 off, -1 unset (on) */
} td_config;

#endif
