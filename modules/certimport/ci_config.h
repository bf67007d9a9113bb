/* mod_certimport's server configuration (every directive is server-wide). */
#ifndef CI_CONFIG_H
#define CI_CONFIG_H

#include <apr_time.h>

typedef struct ci_config {
    const char *mapping_dir;       /* CertimportMappingDir, NULL unset: no mapping files */
    int delivery;                  /* CertimportDelivery: 1 on, 0 off, -1 unset (on) */
    apr_interval_time_t interval;  /* CertimportDeliveryInterval, -1 unset (1 s) */
    apr_interval_time_t timeout;   /* CertimportDeliveryTimeout, -1 unset (10 s) */
    int batch;                     /* CertimportDeliveryBatch, -1 unset (100) */
    int retry_first, retry_max;    /* CertimportRetry first and longest delay (s), -1 unset */
    int retry_attempts;            /* CertimportRetry attempts before failed, -1 unset */
} ci_config;

#define CI_DEFAULT_INTERVAL apr_time_from_sec(1)
#define CI_DEFAULT_TIMEOUT apr_time_from_sec(10)
#define CI_DEFAULT_BATCH 100
#define CI_DEFAULT_RETRY_FIRST 10
#define CI_DEFAULT_RETRY_MAX 3600
#define CI_DEFAULT_RETRY_ATTEMPTS 15

#endif
