#include "idt_inventory.h"

#include <apr_strings.h>

idt_error *idt_inventory_add(idt_db *db, const idt_cert *c, const char *source, const char **id)
{
    apr_pool_t *p = db->pool;
    const char *params[10] = {NULL,
                              c->pem,
                              c->sha256_hex,
                              c->subject,
                              c->issuer,
                              c->serial_dec,
                              apr_psprintf(p, "%" APR_INT64_T_FMT, c->not_before_ms),
                              apr_psprintf(p, "%" APR_INT64_T_FMT, c->not_after_ms),
                              c->sig_alg,
                              source};
    static const char hex[] = "0123456789abcdef";
    char *der = apr_palloc(p, c->der_len * 2 + 3);
    PGresult *r;
    idt_error *e;
    apr_size_t i;

    /* bytea in hex input form, so the parameter stays text */
    der[0] = '\\', der[1] = 'x';
    for (i = 0; i < c->der_len; i++) {
        der[2 + 2 * i] = hex[c->der[i] >> 4];
        der[3 + 2 * i] = hex[c->der[i] & 15];
    }
    der[2 + 2 * c->der_len] = '\0';
    params[0] = der;
    e = idt_db_exec(
        db, &r,
        "INSERT INTO idtrust.certificate (der, pem, sha256, subject, issuer, serial, "
        "not_before, not_after, signature_algorithm, source) VALUES ($1::bytea, $2, $3, "
        "$4, $5, $6, to_timestamp($7::bigint / 1000.0), to_timestamp($8::bigint / 1000.0), "
        "$9, $10) RETURNING id",
        10, params);
    if (e) return e;
    *id = apr_pstrdup(p, PQgetvalue(r, 0, 0));
    return NULL;
}
