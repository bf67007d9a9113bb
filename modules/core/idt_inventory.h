/* The certificate inventory (idtrust.certificate): every module that adds a
 * certificate adds it here first and points at the row. */
#ifndef IDT_INVENTORY_H
#define IDT_INVENTORY_H

#include "idt_db.h"
#include "idt_x509.h"

/* Inserts c with source (e.g. "idstore.idp"); *id is the new row's uuid. */
idt_error *idt_inventory_add(idt_db *db, const idt_cert *c, const char *source, const char **id);

#endif
