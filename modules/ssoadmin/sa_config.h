/* mod_ssoadmin's server configuration. */
#ifndef SA_CONFIG_H
#define SA_CONFIG_H

typedef struct sa_config {
    int read_cache; /* SsoadminReadCache: 1 on, 0 off, -1 unset (on) */
} sa_config;

#endif
