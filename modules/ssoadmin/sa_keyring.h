/* The SSO server's keys in use, as each child process keeps them: the keys linked to the
 * server (sso_link kind credential), enabled, meant for signing (use sig or none) and not
 * past notOnOrAfter, with their public halves (what the JWKS publishes and bearer tokens
 * are verified against) and their private halves ready to sign with.
 *
 * A ring is built from the repository when first needed and kept until the SSO tree
 * changes (NOTIFY idtrust_ssoadmin, through mod_idtrust's listener); while the listener
 * is disconnected every request builds its own. A request holds the ring it got until
 * its pool is cleared, so a change never frees keys in use. Keys whose notBefore lies ahead
 * are in the ring already (published, so caches have them before they sign); which key
 * signs and which keys verify is decided by the clock at each use. */
#ifndef SA_KEYRING_H
#define SA_KEYRING_H

#include <httpd.h>
#include <jansson.h>

#include "idt_db.h"
#include "idt_jose.h"

typedef struct sa_ring sa_ring;

/* child_init: the ring's lock, and its subscription to the tree's changes. */
void sa_keyring_child_init(server_rec *s, apr_pool_t *pchild);

/* The ring in force, held by r until r's pool is cleared. db is the request's connection
 * (NULL: one is taken from mod_dbd only when the ring must be built), secret the passphrase of the private
 * keys (NULL: the ring verifies and publishes but cannot sign). IDT_E_UNAVAILABLE when
 * the repository cannot be read. */
idt_error *sa_ring_get(request_rec *r, idt_db *db, const char *secret, sa_ring **out);

/* A ring built now for this request alone (held by r), from db as this transaction
 * sees it; the ring in force is marked stale, so the next request builds anew. For a
 * request that has just changed the keys. */
idt_error *sa_ring_fresh(request_rec *r, idt_db *db, const char *secret, sa_ring **out);

/* An id of the ring, unique among the rings this process built: what a verdict on a
 * token made with one ring can be remembered under. */
apr_uint32_t sa_ring_generation(const sa_ring *ring);

/* The public keys, to verify with. */
const idt_jose_keyset *sa_ring_keyset(const sa_ring *ring);

/* Whether the key kid may verify a token at now: enabled, linked, notBefore (less the
 * leeway) reached and notOnOrAfter not. */
int sa_ring_verifies(const sa_ring *ring, const char *kid, apr_time_t now, apr_int64_t leeway);

/* The key to sign with at now: of the keys within their validity, the one whose
 * validity began last (the newest key takes over as soon as it is valid); NULL when
 * there is none or the ring has no private keys. */
const idt_jose_signer *sa_ring_signer(const sa_ring *ring, apr_time_t now);

/* {"keys": [{kty, kid, use, n, e}, ...]} of every key of the ring, in p. */
idt_error *sa_ring_jwks(apr_pool_t *p, const sa_ring *ring, json_t **out);

#endif
