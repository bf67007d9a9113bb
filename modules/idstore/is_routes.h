/* mod_idstore's routes and the request they work on. */
#ifndef IS_ROUTES_H
#define IS_ROUTES_H

#include <httpd.h>
#include <jansson.h>

#include "idt_audit.h"
#include "idt_db.h"
#include "idt_httpd_route.h"
#include "is_config.h"

struct idt_req {
    request_rec *r;
    apr_pool_t *p;
    const char *args[IDT_ROUTE_MAX_ARGS];
    idt_db *db; /* in a transaction for every method but GET */
    idt_actor who;
    const is_config *conf;
    const char *secret; /* passphrase for private keys at rest */
    int status;         /* on success: 200, 201 or 204 */
    json_t *out;        /* on success: the body (owned by p), NULL for 204 */
    const char *cached; /* a GET's rendered body, from or for the read cache */
};

extern const idt_route is_routes[];

/* 1 when s is a canonical lower-case uuid. */
int is_uuid(const char *s);

/* Sets the success status and body; the body becomes owned by the request pool. */
void is_reply(idt_req *q, int status, json_t *body);

/* Appends item (a fresh reference, possibly NULL when json_pack failed) to list:
 * IDT_E_INTERNAL rather than a silently shorter list. */
idt_error *is_append(idt_req *q, json_t *list, json_t *item);

#endif
