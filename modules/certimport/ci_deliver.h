/* The delivery of REST Certificate Added notifications: a mod_watchdog task that claims
 * due outbox rows (FOR UPDATE SKIP LOCKED, with a lease), makes each request from its
 * system's mapping file, sends them concurrently with libcurl (a bearer token from the
 * system's token endpoint when it has one, one token request per system at a time) and
 * records each result as it comes. Rows are claimed as room is made, not batch after
 * batch: a receiver or token endpoint that hangs holds back its own system's rows
 * (at most CI_SYSTEM_INFLIGHT) until their timeout, never another system's. */
#ifndef CI_DELIVER_H
#define CI_DELIVER_H

#include <httpd.h>

#include "ci_config.h"

/* The header every attempt of a notification carries, its outbox id as value. */
#define CI_DELIVERY_HEADER "Idtrust-Delivery-Id"

/* At most this many rows of one external system in flight (claimed, not yet answered)
 * in one process: a system whose receiver hangs holds no more than these, and a
 * receiver is never sent more requests at once. */
#define CI_SYSTEM_INFLIGHT 32
/* At most this many rows in flight in one process, all systems together (each is a
 * connection: the bound keeps the process within its file descriptors). */
#define CI_MAX_INFLIGHT 512

/* post_config: registers the task on a singleton child watchdog (one process of this
 * httpd delivers; the other nodes' processes compete for rows through the database).
 * NULL or the sentence to log. */
const char *ci_deliver_post_config(apr_pool_t *pconf, server_rec *s, const ci_config *c);

/* The delay before attempt n+1 after n failed attempts, without jitter (seconds):
 * first * 2^(n-1), at most max. */
long ci_retry_delay(const ci_config *c, int n);

#endif
