#include "is_sp_certs.h"

#include <stdlib.h>
#include <apr_strings.h>

#include "idt_inventory.h"
#include "idt_json.h"
#include "idt_x509.h"
#include "is_stores.h"

/* The columns sp_item renders, from sp_certificate s joined with certificate c. */
#define SP_COLUMNS                                                                                 \
    "SELECT s.id, c.pem, c.signature_algorithm, "                                                  \
    "(extract(epoch FROM c.not_after) * 1000)::bigint, s.state "                                   \
    "FROM idtrust.sp_certificate s JOIN idtrust.certificate c ON c.id = s.certificate_id "

/* Row i of an SP_COLUMNS result as the API shows a certificate (NULL when it cannot). */
static json_t *sp_item(idt_req *q, PGresult *r, int i)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:s}", "certificate_id", PQgetvalue(r, i, 0),
                     "x509certificate", idt_pem_crlf(q->p, PQgetvalue(r, i, 1)), "algorithm",
                     PQgetvalue(r, i, 2), "expiry_date",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 3)), "state", PQgetvalue(r, i, 4));
}

idt_error *is_sp_list(idt_req *q)
{
    const char *params[1] = {q->args[0]};
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if (!is_uuid(q->args[0])) return idt_err(q->p, IDT_E_NOT_FOUND, "identity store not found");
    e = idt_db_exec(q->db, &r, SP_COLUMNS "WHERE s.store_id = $1 ORDER BY s.created_at, s.id", 1,
                    params);
    if (e) return e;
    n = PQntuples(r);
    /* a store always holds its ACTIVE certificate, so no rows means no store */
    if (n == 0 && (e = is_store_check(q, q->args[0], 0))) return e;
    list = idt_json_own(q->p, json_array());
    for (i = 0; i < n; i++)
        if ((e = idt_append(q, list, sp_item(q, r, i)))) return e;
    idt_reply(q, 200, json_incref(list));
    return NULL;
}

idt_error *is_sp_get(idt_req *q)
{
    const char *params[2] = {q->args[0], q->args[1]};
    json_t *item;
    PGresult *r;
    idt_error *e;

    if ((e = is_store_check(q, q->args[0], 0))) return e;
    e = idt_db_exec(q->db, &r, SP_COLUMNS "WHERE s.store_id = $1 AND s.id = $2", 2, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "SAML certificate not found in this identity store");
    if (!(item = sp_item(q, r, 0)))
        return idt_err(q->p, IDT_E_INTERNAL, "a stored value cannot be rendered as JSON");
    idt_reply(q, 200, item);
    return NULL;
}

idt_error *is_sp_cert_new(idt_req *q, const char *store_id, const char *state, const char **cert_id)
{
    const char *cn = apr_pstrcat(q->p, "idtrust SAML SP ", store_id, NULL);
    const char *key_pem, *inv_id, *params[4];
    idt_cert *cert;
    EVP_PKEY *key;
    PGresult *r;
    idt_error *e;

    if (!q->secret)
        return idt_err(q->p, IDT_E_INTERNAL,
                       "signing keys cannot be stored: IdtrustSecretKeyFile is not configured");
    if ((e = idt_selfsigned_new(
             q->p, cn, is_conf(q)->key_bits ? is_conf(q)->key_bits : IS_DEFAULT_KEY_BITS,
             is_conf(q)->cert_days ? is_conf(q)->cert_days : IS_DEFAULT_CERT_DAYS, &cert, &key)) ||
        (e = idt_key_encrypt(q->p, key, q->secret, &key_pem)) ||
        (e = idt_inventory_add(q->db, cert, "idstore.sp", &inv_id)))
        return e;
    params[0] = store_id;
    params[1] = inv_id;
    params[2] = key_pem;
    params[3] = state;
    e = idt_db_exec(
        q->db, &r,
        "INSERT INTO idtrust.sp_certificate (id, store_id, certificate_id, private_key_pem, "
        "state) VALUES ('cer-' || gen_random_uuid(), $1, $2, $3, $4) RETURNING id",
        4, params);
    if (e) return e;
    *cert_id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    return idt_audit(q->db, &q->who, "saml_certificate.create", "saml_certificate", *cert_id,
                     json_pack("{s:s, s:s, s:s}", "identity_store_id", store_id, "state", state,
                               "sha256", cert->sha256_hex));
}

idt_error *is_sp_create(idt_req *q)
{
    const char *cert_id;
    idt_error *e;

    if ((e = is_store_check(q, q->args[0], 1)) ||
        (e = is_sp_cert_new(q, q->args[0], "INACTIVE", &cert_id)))
        return e;
    idt_reply(q, 200, json_pack("{s:s}", "certificate_id", cert_id));
    return NULL;
}

/* The state of certificate cert_id of store_id, or IDT_E_NOT_FOUND. */
static idt_error *sp_state(idt_req *q, const char *store_id, const char *cert_id,
                           const char **state)
{
    const char *params[2] = {store_id, cert_id};
    PGresult *r;
    idt_error *e = idt_db_exec(
        q->db, &r, "SELECT state FROM idtrust.sp_certificate WHERE store_id = $1 AND id = $2", 2,
        params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "SAML certificate not found in this identity store");
    *state = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    return NULL;
}

idt_error *is_sp_activate(idt_req *q)
{
    const char *params[2] = {q->args[0], q->args[1]};
    const char *state;
    idt_error *e;

    /* the store lock serialises concurrent switches, so exactly one stays ACTIVE */
    if ((e = is_store_check(q, q->args[0], 1)) || (e = sp_state(q, q->args[0], q->args[1], &state)))
        return e;
    q->status = 204;
    if (!strcmp(state, "ACTIVE")) return NULL;
    if ((e = idt_db_exec(q->db, NULL,
                         "UPDATE idtrust.sp_certificate SET state = 'INACTIVE' "
                         "WHERE store_id = $1 AND state = 'ACTIVE' AND id <> $2",
                         2, params)) ||
        (e = idt_db_exec(
             q->db, NULL,
             "UPDATE idtrust.sp_certificate SET state = 'ACTIVE' WHERE store_id = $1 AND id = $2",
             2, params)))
        return e;
    return idt_audit(q->db, &q->who, "saml_certificate.activate", "saml_certificate", q->args[1],
                     NULL);
}

idt_error *is_sp_delete(idt_req *q)
{
    const char *params[2] = {q->args[0], q->args[1]};
    const char *state;
    idt_error *e;

    if ((e = is_store_check(q, q->args[0], 1)) || (e = sp_state(q, q->args[0], q->args[1], &state)))
        return e;
    if (!strcmp(state, "ACTIVE"))
        return idt_err(q->p, IDT_E_CONFLICT,
                       "the ACTIVE certificate cannot be deleted: activate another one first");
    if ((e = idt_db_exec(
             q->db, NULL,
             "WITH gone AS (DELETE FROM idtrust.sp_certificate WHERE store_id = $1 AND id = $2 "
             "RETURNING certificate_id) "
             "DELETE FROM idtrust.certificate WHERE id IN (SELECT certificate_id FROM gone)",
             2, params)))
        return e;
    q->status = 204;
    return idt_audit(q->db, &q->who, "saml_certificate.delete", "saml_certificate", q->args[1],
                     NULL);
}

idt_error *is_sp_active_b64(idt_req *q, const char *store_id, const char **b64)
{
    const char *params[1] = {store_id};
    PGresult *r;
    idt_error *e = idt_db_exec(q->db, &r,
                               "SELECT encode(c.der, 'base64') FROM idtrust.sp_certificate s "
                               "JOIN idtrust.certificate c ON c.id = s.certificate_id "
                               "WHERE s.store_id = $1 AND s.state = 'ACTIVE'",
                               1, params);
    char *out, *w;
    const char *c;

    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_INTERNAL, "the identity store has no ACTIVE SAML certificate");
    /* PostgreSQL wraps base64 at 76 columns; metadata wants it on one line */
    out = w = apr_palloc(q->p, strlen(PQgetvalue(r, 0, 0)) + 1);
    for (c = PQgetvalue(r, 0, 0); *c; c++)
        if (*c != '\n') *w++ = *c;
    *w = '\0';
    *b64 = out;
    return NULL;
}
