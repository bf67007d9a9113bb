/* The suite's identity-store admin API: /idtrust/v1/identity-stores. */
#ifndef IS_STORES_H
#define IS_STORES_H

#include "is_routes.h"

idt_error *is_store_list(idt_req *q);
/* GET /idtrust/v1/identity-stores/{id}: what Location of a created store names. */
idt_error *is_store_get(idt_req *q);
idt_error *is_store_create(idt_req *q);
idt_error *is_store_delete(idt_req *q);
/* PUT /idtrust/v1/identity-stores/{id} {"name"}: renames it; answers as GET. */
idt_error *is_store_update(idt_req *q);

/* IDT_E_NOT_FOUND unless id names a store; with lock, the store row is locked
 * FOR UPDATE so changes to its certificates are serialised. */
idt_error *is_store_check(idt_req *q, const char *id, int lock);

#endif
