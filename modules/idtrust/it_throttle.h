/* Login throttling: after `failures` failed logins for one user name from one client
 * address within `window` seconds, every attempt for that pair, right password or
 * wrong, is refused for `lockout` seconds; each further lockout of the pair while it
 * is still remembered (up to `max_lockout` seconds after its last one ended) lasts
 * twice as long, up to `max_lockout`. A successful login forgets the pair.
 *
 * The counters live in the login store (it_store.h), so they hold across all child
 * processes of this httpd; they are per node, and a restart forgets them. */
#ifndef IT_THROTTLE_H
#define IT_THROTTLE_H

#include <httpd.h>

#include "it_store.h"

/* failures 0 turns throttling off. */
void it_throttle_set(int failures, int window, int lockout, int max_lockout);
int it_throttle_on(void);

/* The store key of (client address, user). */
int it_throttle_key(request_rec *r, const char *user, it_store_key *k);

/* With the store locked: the seconds the pair is still locked out for (0: not), and
 * in *on_record whether it has failures or lockouts on record. */
int it_throttle_check_held(request_rec *r, const it_store_key *k, int *on_record);

/* After a failed login (takes the lock): counts it; when it completes a run, locks the
 * pair out and logs one warning naming user and address. */
void it_throttle_failed(request_rec *r, const it_store_key *k, const char *user);

/* After a successful login (takes the lock): forgets the pair. */
void it_throttle_forget(request_rec *r, const it_store_key *k);

#endif
