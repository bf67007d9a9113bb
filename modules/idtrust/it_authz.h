/* Authz provider "idtrust-role": Require idtrust-role ROLE... grants an account of
 * idtrust.admin_account whose role is one of the roles named (admin, reader), e.g.
 *
 *   <RequireAny>
 *       <RequireAll>
 *           Require method GET HEAD
 *           Require idtrust-role reader admin
 *       </RequireAll>
 *       Require idtrust-role admin
 *   </RequireAny>
 *
 * The role comes from the login (AuthBasicProvider idtrust), remembered with it in the
 * success cache, so a remembered login costs no database round trip; an r->user that
 * another provider authenticated is looked up (an unknown or disabled account has no
 * role and is refused). Without r->user: AUTHZ_DENIED_NO_USER, so httpd asks for
 * credentials (401); a role not named: AUTHZ_DENIED (403 with
 * AuthzSendForbiddenOnFailure On). */
#ifndef IT_AUTHZ_H
#define IT_AUTHZ_H

#include <httpd.h>

void it_authz_register(apr_pool_t *p);

#endif
