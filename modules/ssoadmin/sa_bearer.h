/* AuthType Bearer and `Require scope NAME...` for any <Location>, inside httpd's auth
 * phase: the access token of "Authorization: Bearer ..." (RFC 6750) is verified against
 * the keyring's public keys (sa_keyring.h, kept in memory), its issuer and audience
 * (sa_oauth.h), its times and its key's validity; r->user becomes its client_id.
 *
 *   no token                  401  WWW-Authenticate: Bearer realm="<AuthName>", scope="..."
 *   a token that fails        401  ... error="invalid_token", error_description="..."
 *   a valid token without the 403  ... error="insufficient_scope", scope="..."
 *   scope Require names            (with AuthzSendForbiddenOnFailure On)
 *
 * The scope in the challenges is what the location's `Require scope` lines name. */
#ifndef SA_BEARER_H
#define SA_BEARER_H

#include <httpd.h>
#include <http_config.h>

/* Per-directory: the scopes `Require scope` names here (for the challenge). */
typedef struct sa_dir_config {
    apr_array_header_t *scopes; /* const char *, or NULL */
} sa_dir_config;

void *sa_bearer_create_dir(apr_pool_t *p, char *dir);
void *sa_bearer_merge_dir(apr_pool_t *p, void *base, void *add);

/* child_init: the memory of verified tokens (a token seen again under the same keys
 * costs a lookup, not a signature check). */
void sa_bearer_child_init(apr_pool_t *pchild);

/* register_hooks: the check_authn hook and the authz provider "scope". */
void sa_bearer_register(apr_pool_t *p);

#endif
