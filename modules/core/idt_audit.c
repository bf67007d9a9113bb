#include "idt_audit.h"

#include "idt_json.h"

idt_error *idt_audit(idt_db *db, const idt_actor *who, const char *action, const char *object_type,
                     const char *object_id, json_t *detail)
{
    const char *params[7] = {who->user,
                             who->request_id,
                             who->client_ip,
                             action,
                             object_type,
                             object_id,
                             idt_json_dump(db->pool, idt_json_own(db->pool, detail), JSON_COMPACT)};

    if (!db->in_tx)
        return idt_err(db->pool, IDT_E_INTERNAL, "audit row written outside a transaction");
    return idt_db_exec(db, NULL,
                       "INSERT INTO idtrust.audit (" IDT_AUDIT_COLUMNS
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
                       7, params);
}
