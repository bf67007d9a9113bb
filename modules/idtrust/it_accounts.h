/* The accounts API: /idtrust/v1/accounts, the admin accounts of idtrust.admin_account
 * and their roles (docs/admin-api.md). Passwords are hashed by PostgreSQL (pgcrypto's
 * bcrypt, cost 10) inside the statement that stores them, bound as a parameter; no
 * answer, log line or audit row holds a password or a hash. A change to an account's
 * password, role or state makes this node forget its remembered login once the change
 * has committed (it_authn_forget); other nodes within IdtrustAuthCacheSeconds. */
#ifndef IT_ACCOUNTS_H
#define IT_ACCOUNTS_H

#include "idt_httpd_runner.h"

/* bcrypt reads no more than 72 bytes: a longer password would be cut without a word */
#define IT_PASSWORD_MIN 12
#define IT_PASSWORD_MAX 72

idt_error *it_account_list(idt_req *q);
idt_error *it_account_create(idt_req *q);
idt_error *it_account_get(idt_req *q);
idt_error *it_account_update(idt_req *q);
idt_error *it_account_delete(idt_req *q);

#endif
