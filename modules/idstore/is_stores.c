#include "is_stores.h"

#include <stdlib.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "idt_json.h"
#include "idt_text.h"
#include "idt_httpd_body.h"
#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "is_sp_certs.h"

idt_error *is_store_check(idt_req *q, const char *id, int lock)
{
    const char *params[1] = {id};
    PGresult *r;
    idt_error *e;

    if (!is_uuid(id)) return idt_err(q->p, IDT_E_NOT_FOUND, "identity store not found");
    e = idt_db_exec(q->db, &r,
                    lock ? "SELECT 1 FROM idtrust.identity_store WHERE id = $1 FOR UPDATE"
                         : "SELECT 1 FROM idtrust.identity_store WHERE id = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0) return idt_err(q->p, IDT_E_NOT_FOUND, "identity store %s not found", id);
    return NULL;
}

idt_error *is_store_list(idt_req *q)
{
    static const char *const allowed[] = {"limit", "marker", NULL};
    /* keyset pages over (created_at, id); the marker is the last row's created_at in
     * microseconds since 1970, a dot, its id */
    static const char *const sql =
        "SELECT id, name, (extract(epoch FROM created_at) * 1000)::bigint, "
        "(extract(epoch FROM created_at) * 1000000)::bigint FROM idtrust.identity_store "
        "WHERE $2::bigint IS NULL OR (created_at, id) > ('epoch'::timestamptz + $2::bigint * "
        "interval '1 microsecond', $3::uuid) ORDER BY created_at, id LIMIT $1::int";
    const char *params[3] = {NULL, NULL, NULL};
    apr_table_t *t;
    idt_page page;
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page))) return e;
    if ((e = idt_page_time_marker(q->p, &page, &params[1], &params[2]))) return e;
    params[0] = idt_page_fetch(q->p, &page);
    if ((e = idt_page_query(q, &page,
                            "SELECT FROM idtrust.identity_store WHERE id = $2::uuid AND "
                            "(extract(epoch FROM created_at) * 1000000)::bigint = $1::bigint",
                            2, params + 1, sql, 3, params, &r)))
        return e;
    list = idt_page_reply(q, "identity_stores", r, &page, 0, 3, &n);
    for (i = 0; i < n; i++)
        if ((e = idt_append(q, list,
                            json_pack("{s:s, s:s, s:I}", "identity_store_id", PQgetvalue(r, i, 0),
                                      "name", PQgetvalue(r, i, 1), "created_at",
                                      (json_int_t)apr_atoi64(PQgetvalue(r, i, 2))))))
            return e;
    return NULL;
}

idt_error *is_store_get(idt_req *q)
{
    const char *params[1] = {q->args[0]};
    PGresult *r;
    idt_error *e;

    if (!is_uuid(q->args[0])) return idt_err(q->p, IDT_E_NOT_FOUND, "identity store not found");
    e = idt_db_exec(q->db, &r,
                    "SELECT id, name, (extract(epoch FROM created_at) * 1000)::bigint "
                    "FROM idtrust.identity_store WHERE id = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "identity store %s not found", q->args[0]);
    idt_reply(q, 200,
              json_pack("{s:s, s:s, s:I}", "identity_store_id", PQgetvalue(r, 0, 0), "name",
                        PQgetvalue(r, 0, 1), "created_at",
                        (json_int_t)apr_atoi64(PQgetvalue(r, 0, 2))));
    return NULL;
}

static idt_error *check_name(idt_req *q, const char *name)
{
    const unsigned char *c;
    /* C0, DEL and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F): all of Unicode's Cc */
    for (c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f || (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "name must not contain control characters");
    if (strlen(name) > 64) return idt_err(q->p, IDT_E_BAD_REQUEST, "name is longer than 64 bytes");
    /* a name nobody can see cannot be told from another in a list */
    if (idt_text_blank(name))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "name must not be made only of white space");
    return NULL;
}

idt_error *is_store_create(idt_req *q)
{
    static const char *const allowed[] = {"name", NULL};
    const char *name, *id, *cert_id;
    const char *params[1];
    json_t *in;
    PGresult *r;
    idt_error *e;

    if ((e = idt_httpd_read_json(q->r, &in)) || (e = idt_json_only(q->p, in, allowed)) ||
        (e = idt_json_string(q->p, in, "name", 1, 1024, &name)) || (e = check_name(q, name)))
        return e;
    params[0] = name;
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.identity_store (name) VALUES ($1) "
                    "ON CONFLICT (name) DO NOTHING RETURNING id",
                    1, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_CONFLICT, "an identity store with this name already exists");
    id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    if ((e = is_sp_cert_new(q, id, "ACTIVE", &cert_id))) return e;
    if ((e = idt_audit(q->db, &q->who, "identity_store.create", "identity_store", id,
                       json_pack("{s:s, s:s}", "name", name, "saml_certificate_id", cert_id))))
        return e;
    idt_reply(q, 201, json_pack("{s:s}", "identity_store_id", id));
    apr_table_setn(q->r->headers_out, "Location",
                   apr_pstrcat(q->p, "/idtrust/v1/identity-stores/", id, NULL));
    return NULL;
}

idt_error *is_store_delete(idt_req *q)
{
    const char *id = q->args[0];
    const char *params[1] = {id};
    idt_error *e;

    if ((e = is_store_check(q, id, 1))) return e;
    /* the store's certificates leave the inventory with it */
    if ((e = idt_db_exec(
             q->db, NULL,
             "WITH sp AS (DELETE FROM idtrust.sp_certificate WHERE store_id = $1 "
             "RETURNING certificate_id), "
             "idp AS (DELETE FROM idtrust.idp_certificate WHERE idp_id IN "
             "(SELECT id FROM idtrust.external_idp WHERE store_id = $1) RETURNING certificate_id) "
             "DELETE FROM idtrust.certificate WHERE id IN "
             "(SELECT certificate_id FROM sp UNION ALL SELECT certificate_id FROM idp)",
             1, params)) ||
        (e = idt_db_exec(q->db, NULL, "DELETE FROM idtrust.identity_store WHERE id = $1", 1,
                         params)))
        return e;
    if ((e = idt_audit(q->db, &q->who, "identity_store.delete", "identity_store", id, NULL)))
        return e;
    q->status = 204;
    return NULL;
}

idt_error *is_store_update(idt_req *q)
{
    static const char *const allowed[] = {"name", NULL};
    const char *name, *previous, *params[2];
    json_t *in;
    PGresult *r;
    idt_error *e;

    /* the body first, as on create: a bad body for an unknown store is a 400 */
    if ((e = idt_httpd_read_json(q->r, &in)) || (e = idt_json_only(q->p, in, allowed)) ||
        (e = idt_json_string(q->p, in, "name", 1, 1024, &name)) || (e = check_name(q, name)) ||
        (e = is_store_check(q, q->args[0], 1)))
        return e;
    params[0] = q->args[0];
    params[1] = name;
    e = idt_db_exec(q->db, &r,
                    "SELECT name, EXISTS (SELECT 1 FROM idtrust.identity_store "
                    "WHERE name = $2 AND id <> $1) FROM idtrust.identity_store WHERE id = $1",
                    2, params);
    if (e) return e;
    if (!strcmp(PQgetvalue(r, 0, 1), "t"))
        return idt_err(q->p, IDT_E_CONFLICT, "an identity store with this name already exists");
    previous = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    /* a rename racing this one to the same name fails on the unique key: 409 too */
    if ((e = idt_db_exec(q->db, NULL, "UPDATE idtrust.identity_store SET name = $2 WHERE id = $1",
                         2, params)) ||
        (e = idt_audit(q->db, &q->who, "identity_store.update", "identity_store", q->args[0],
                       json_pack("{s:s, s:s}", "name", name, "previous_name", previous))))
        return e;
    return is_store_get(q);
}
