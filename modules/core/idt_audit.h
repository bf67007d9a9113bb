/* The audit trail: one row per change, written in the change's own transaction. */
#ifndef IDT_AUDIT_H
#define IDT_AUDIT_H

#include <jansson.h>

#include "idt_db.h"

typedef struct idt_actor {
    const char *user;       /* authenticated user, or NULL */
    const char *request_id; /* mod_unique_id's id */
    const char *client_ip;
} idt_actor;

/* Records action (e.g. "saml_certificate.activate") on object_type/object_id, with
 * optional particulars that never hold a secret. Takes the reference to detail (NULL
 * for none), as json_object_set_new does. Must run inside the change's transaction. */
idt_error *idt_audit(idt_db *db, const idt_actor *who, const char *action, const char *object_type,
                     const char *object_id, json_t *detail);

/* The audit row's columns, for a statement that writes it with the change itself:
 * the actor's three, then action, object_type, object_id and detail (jsonb). */
#define IDT_AUDIT_COLUMNS "actor, request_id, client_ip, action, object_type, object_id, detail"

#endif
