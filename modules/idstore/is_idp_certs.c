#include "is_idp_certs.h"

#include <stdlib.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "idt_httpd_body.h"
#include "idt_inventory.h"
#include "idt_json.h"
#include "is_idps.h"

idt_error *is_idp_cert_parse(idt_req *q, const char *text, const char *what, idt_cert **out)
{
    idt_error *e = idt_cert_parse(q->p, text, strlen(text), out);
    if (e) {
        e->msg = apr_pstrcat(q->p, what, ": ", e->msg, NULL);
        return e;
    }
    if ((*out)->not_after_ms < apr_time_as_msec(apr_time_now())) {
        char date[APR_RFC822_DATE_LEN];
        apr_rfc822_date(date, apr_time_from_msec((*out)->not_after_ms));
        return idt_err(q->p, IDT_E_CERT_EXPIRED, "%s: the certificate expired on %s", what, date);
    }
    return NULL;
}

idt_error *is_idp_cert_add(idt_req *q, const char *idp_id, const idt_cert *c, const char **cert_id)
{
    const char *params[2] = {idp_id, c->sha256_hex};
    const char *inv_id;
    PGresult *r;
    idt_error *e;

    e = idt_db_exec(q->db, &r,
                    "SELECT i.id FROM idtrust.idp_certificate i JOIN idtrust.certificate c "
                    "ON c.id = i.certificate_id WHERE i.idp_id = $1 AND c.sha256 = $2",
                    2, params);
    if (e) return e;
    if (PQntuples(r) > 0)
        return idt_err(q->p, IDT_E_CONFLICT,
                       "the identity provider already holds this certificate as %s",
                       PQgetvalue(r, 0, 0));
    if ((e = idt_inventory_add(q->db, c, "idstore.idp", &inv_id))) return e;
    params[1] = inv_id;
    e = idt_db_exec(q->db, &r,
                    /* clock_timestamp, not the transaction's now(): the certificates of one
                       request list (by created_at) in the order they were given */
                    "INSERT INTO idtrust.idp_certificate (idp_id, certificate_id, created_at) "
                    "VALUES ($1, $2, clock_timestamp()) RETURNING id",
                    2, params);
    if (e) return e;
    *cert_id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    return idt_audit(q->db, &q->who, "idp_certificate.import", "idp_certificate", *cert_id,
                     json_pack("{s:s, s:s, s:s}", "idp_id", idp_id, "subject", c->subject, "sha256",
                               c->sha256_hex));
}

idt_error *is_idp_cert_import(idt_req *q)
{
    static const char *const allowed[] = {"x509_certificate_in_pem", "certificate_use", NULL};
    const char *pem, *use, *cert_id;
    idt_cert *c;
    json_t *in;
    idt_error *e;

    if ((e = idt_httpd_read_json(q->r, &in)) || (e = idt_json_only(q->p, in, allowed)) ||
        (e = idt_json_string(q->p, in, "x509_certificate_in_pem", 1, 65536, &pem)) ||
        (e = idt_json_string(q->p, in, "certificate_use", 1, 64, &use)))
        return e;
    /* the API text says "signature", its example sends "SIGNING": both mean signing */
    if (strcasecmp(use, "SIGNING") && strcasecmp(use, "signature"))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "certificate_use must be SIGNING (or signature): only signing certificates "
                       "are supported");
    if ((e = is_idp_check(q, q->args[0], q->args[1], 1)) ||
        (e = is_idp_cert_parse(q, pem, "x509_certificate_in_pem", &c)) ||
        (e = is_idp_cert_add(q, q->args[1], c, &cert_id)))
        return e;
    idt_reply(q, 200, json_pack("{s:s}", "certificate_id", cert_id));
    return NULL;
}

/* Row i (certificate_id, der) as the API shows an IdP certificate, in *item. */
static idt_error *cert_item(idt_req *q, PGresult *r, int i, json_t **item)
{
    size_t len;
    unsigned char *der = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 1), &len);
    idt_cert *c;
    idt_error *e;

    *item = NULL;
    if (!der) return idt_err(q->p, IDT_E_INTERNAL, "out of memory");
    e = idt_cert_from_der(q->p, der, len, &c);
    PQfreemem(der);
    if (e) return idt_err(q->p, IDT_E_INTERNAL, "a stored certificate cannot be decoded");
    *item = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:i, s:s}", "certificate_id",
                      PQgetvalue(r, i, 0), "issuer_name", c->issuer, "subject_name", c->subject,
                      "serial_number_string", c->serial_dec, "not_before",
                      (json_int_t)c->not_before_ms, "not_after", (json_int_t)c->not_after_ms,
                      "signature_algorithm_name", c->sig_alg, "public_key", c->public_key_b64,
                      "version", c->version, "x509_Certificate_in_pem", idt_pem_crlf(q->p, c->pem));
    if (*item)
        json_object_set_new(*item, "serial_number",
                            c->serial_fits_int64 ? json_integer((json_int_t)c->serial_int64)
                                                 : json_null());
    return NULL;
}

idt_error *is_idp_cert_list(idt_req *q)
{
    const char *params[1] = {q->args[1]};
    json_t *list, *item;
    PGresult *r;
    idt_error *e;
    int i;

    if ((e = is_idp_check(q, q->args[0], q->args[1], 0))) return e;
    e = idt_db_exec(q->db, &r,
                    "SELECT i.id, c.der FROM idtrust.idp_certificate i JOIN idtrust.certificate c "
                    "ON c.id = i.certificate_id WHERE i.idp_id = $1 ORDER BY i.created_at, i.id",
                    1, params);
    if (e) return e;
    list = json_array();
    idt_reply(q, 200, json_pack("{s:o}", "idp_certificates", list));
    for (i = 0; i < PQntuples(r); i++)
        if ((e = cert_item(q, r, i, &item)) || (e = idt_append(q, list, item))) return e;
    return NULL;
}

idt_error *is_idp_cert_get(idt_req *q)
{
    const char *params[2] = {q->args[1], q->args[2]};
    json_t *item;
    PGresult *r;
    idt_error *e;

    if ((e = is_idp_check(q, q->args[0], q->args[1], 0))) return e;
    if (!is_uuid(q->args[2]))
        return idt_err(q->p, IDT_E_NOT_FOUND, "certificate not found for this identity provider");
    e = idt_db_exec(q->db, &r,
                    "SELECT i.id, c.der FROM idtrust.idp_certificate i JOIN idtrust.certificate c "
                    "ON c.id = i.certificate_id WHERE i.idp_id = $1 AND i.id = $2",
                    2, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "certificate not found for this identity provider");
    if ((e = cert_item(q, r, 0, &item))) return e;
    if (!item) return idt_err(q->p, IDT_E_INTERNAL, "a stored value cannot be rendered as JSON");
    idt_reply(q, 200, item);
    return NULL;
}

idt_error *is_idp_cert_delete(idt_req *q)
{
    const char *params[2] = {q->args[1], q->args[2]};
    PGresult *r;
    idt_error *e;

    /* the IdP lock serialises deletes, so two can't both pass the last-one check */
    if ((e = is_idp_check(q, q->args[0], q->args[1], 1))) return e;
    if (!is_uuid(q->args[2]))
        return idt_err(q->p, IDT_E_NOT_FOUND, "certificate not found for this identity provider");
    e = idt_db_exec(q->db, &r,
                    "SELECT (SELECT count(*) FROM idtrust.idp_certificate WHERE idp_id = $1), "
                    "EXISTS (SELECT 1 FROM idtrust.idp_certificate WHERE idp_id = $1 AND id = $2)",
                    2, params);
    if (e) return e;
    if (strcmp(PQgetvalue(r, 0, 1), "t"))
        return idt_err(q->p, IDT_E_NOT_FOUND, "certificate not found for this identity provider");
    if (atoi(PQgetvalue(r, 0, 0)) <= 1)
        return idt_err(q->p, IDT_E_CONFLICT,
                       "the last certificate of an identity provider cannot be deleted: import its "
                       "replacement first");
    /* the inventory row goes too: nothing holds the certificate any more */
    if ((e = idt_db_exec(
             q->db, NULL,
             "WITH gone AS (DELETE FROM idtrust.idp_certificate WHERE idp_id = $1 AND id = $2 "
             "RETURNING certificate_id) "
             "DELETE FROM idtrust.certificate WHERE id IN (SELECT certificate_id FROM gone)",
             2, params)))
        return e;
    q->status = 204;
    return idt_audit(q->db, &q->who, "idp_certificate.delete", "idp_certificate", q->args[2], NULL);
}
