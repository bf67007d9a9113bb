/* The certificate inventory (idtrust.certificate): every module that adds a
 * certificate adds it here first and points at the row. */
#ifndef IDT_INVENTORY_H
#define IDT_INVENTORY_H

#include "idt_db.h"
#include "idt_x509.h"

/* Inserts c with source (e.g. "idstore.idp"); *id is the new row's uuid. */
idt_error *idt_inventory_add(idt_db *db, const idt_cert *c, const char *source, const char **id);

/* For a statement that adds a certificate and more in one round trip: the inventory
 * row's columns, and the expressions that give them from parameters $1 to
 * $IDT_INVENTORY_NPARAMS, which idt_inventory_params fills in (the statement's own
 * parameters follow them):
 *   INSERT INTO idtrust.certificate (IDT_INVENTORY_COLUMNS) SELECT IDT_INVENTORY_VALUES ...
 * $3 is the sha256, $4 the subject. */
#define IDT_INVENTORY_COLUMNS                                                                      \
    "der, pem, sha256, subject, issuer, serial, not_before, not_after, signature_algorithm, "     \
    "source"
#define IDT_INVENTORY_VALUES                                                                       \
    "$1::bytea, $2::text, $3::text, $4::text, $5::text, $6::text, "                                \
    "to_timestamp($7::bigint / 1000.0), to_timestamp($8::bigint / 1000.0), $9::text, $10::text"
#define IDT_INVENTORY_NPARAMS 10
void idt_inventory_params(apr_pool_t *p, const idt_cert *c, const char *source,
                          const char **params);

#endif
