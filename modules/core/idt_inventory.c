#include "idt_inventory.h"

#include <apr_strings.h>

void idt_inventory_params(apr_pool_t *p, const idt_cert *c, const char *source,
                          const char **params)
{
    static const char hex[] = "0123456789abcdef";
    char *der = apr_palloc(p, c->der_len * 2 + 3);
    apr_size_t i;

    /* bytea in hex input form, so the parameter stays text */
    der[0] = '\\', der[1] = 'x';
    for (i = 0; i < c->der_len; i++) {
        der[2 + 2 * i] = hex[c->der[i] >> 4];
        der[3 + 2 * i] = hex[c->der[i] & 15];
    }
    der[2 + 2 * c->der_len] = '\0';
    params[0] = der;
    params[1] = c->pem;
    params[2] = c->sha256_hex;
    params[3] = c->subject;
    params[4] = c->issuer;
    params[5] = c->serial_dec;
    params[6] = apr_psprintf(p, "%" APR_INT64_T_FMT, c->not_before_ms);
    params[7] = apr_psprintf(p, "%" APR_INT64_T_FMT, c->not_after_ms);
    params[8] = c->sig_alg;
    params[9] = source;
}

idt_error *idt_inventory_add(idt_db *db, const idt_cert *c, const char *source, const char **id)
{
    const char *params[IDT_INVENTORY_NPARAMS];
    PGresult *r;
    idt_error *e;

    idt_inventory_params(db->pool, c, source, params);
    e = idt_db_exec(db, &r,
                    "INSERT INTO idtrust.certificate (" IDT_INVENTORY_COLUMNS
                    ") SELECT " IDT_INVENTORY_VALUES " RETURNING id",
                    IDT_INVENTORY_NPARAMS, params);
    if (e) return e;
    *id = apr_pstrdup(db->pool, PQgetvalue(r, 0, 0));
    return NULL;
}
