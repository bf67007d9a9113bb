/* mod_ssoadmin's server configuration. */
#ifndef SA_CONFIG_H
#define SA_CONFIG_H

#include <apr_tables.h>

/* The schema this build of the module needs. */
#define SA_SCHEMA_VERSION 12
#define SA_SCHEMA_MIGRATION "012_sso_notify_scope.sql"

/* Seconds an access token is valid for, unless SsoTokenLifetime says otherwise. */
#define SA_TOKEN_LIFETIME_DEFAULT 3600

typedef struct sa_config {
    int read_cache;             /* SsoadminReadCache: 1 on, 0 off, -1 unset (on) */
    const char *issuer;         /* SsoIssuer, or NULL: the request's own /uas URL */
    int token_lifetime;         /* SsoTokenLifetime seconds, 0 unset */
    apr_array_header_t *scopes; /* SsoScopes (const char *), or NULL: the defaults */
} sa_config;

#endif
