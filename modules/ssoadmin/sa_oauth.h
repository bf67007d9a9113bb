/* The SSO server's OAuth2 side, a second API of mod_ssoadmin on the shared runner:
 *   POST /uas/oauth2/token, POST /web.oauth2/connect/token   token endpoint, client
 *        credentials grant (RFC 6749 section 4.4), client_secret_basic or _post;
 *   GET  /uas/.well-known/oauth-authorization-server          RFC 8414 metadata;
 *   GET  /uas/.well-known/openid-configuration                the same, as OpenID
 *        Connect discovery names it;
 *   GET  /uas/oauth2/metadata.jwks                            the signing keys (RFC 7517).
 * Access tokens are JWTs (RFC 9068) signed with the newest valid key of the keyring
 * (sa_keyring.h); errors are RFC 6749 section 5.2 objects. Clients are SSO applications
 * with credentials (sso_client, from PUT $attribute/metadata), enabled, each allowed the
 * scopes of its metadata's "scope" member. */
#ifndef SA_OAUTH_H
#define SA_OAUTH_H

#include <httpd.h>

#include "idt_httpd_runner.h"

extern idt_api sa_oauth_api;

/* The issuer URL tokens name and bearer tokens must name: SsoIssuer, or the request's
 * own scheme, host and port followed by /uas. */
const char *sa_issuer(request_rec *r);

/* The audience of the tokens: the issuer (one SSO server is its own resource server). */
const char *sa_audience(request_rec *r);

/* The error renderer of the OAuth2 API: {"error", "error_description"}. */
int sa_oauth_render_error(request_rec *r, const idt_error *e);

#endif
