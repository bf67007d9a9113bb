#include "ci_policies.h"

#include <apr_lib.h>
#include <stdlib.h>
#include <apr_strings.h>

#include "ci_certificates.h"
#include "idt_httpd_body.h"
#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "idt_text.h"

#define POLICY_COLUMNS                                                                             \
    "p.id, p.name, p.object_id, p.external_notification_data, "                                    \
    "(extract(epoch FROM p.created_at) * 1000)::bigint, "                                          \
    "(extract(epoch FROM p.updated_at) * 1000)::bigint, "                                          \
    "coalesce((SELECT array_to_json(array_agg(s.name ORDER BY s.name))::text "                     \
    "FROM idtrust.ci_policy_system x JOIN idtrust.ci_external_system s ON s.id = x.system_id "     \
    "WHERE x.policy_id = p.id), '[]'), "                                                           \
    "(SELECT count(*) FROM idtrust.ci_certificate m WHERE m.policy_id = p.id)"

static json_t *policy_json(const PGresult *r, int i)
{
    json_t *systems = json_loads(PQgetvalue(r, i, 6), 0, NULL);
    const char *end = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I}", "id", PQgetvalue(r, i, 0),
                     "name", PQgetvalue(r, i, 1), "objectId", PQgetvalue(r, i, 2),
                     "externalNotificationData", end ? json_string(end) : json_null(),
                     "externalSystems", systems ? systems : json_array(), "certificates",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 7)), "createdAt",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 4)), "updatedAt",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 5)));
}

static idt_error *fetch(idt_req *q, const char *id, int lock, PGresult **r)
{
    const char *params[1] = {id};
    idt_error *e;

    if (!ci_is_uuid(id))
        return idt_err(q->p, IDT_E_NOT_FOUND, "no certificate policy with that id");
    e = idt_db_exec(q->db, r,
                    lock ? "SELECT " POLICY_COLUMNS " FROM idtrust.ci_policy p WHERE p.id = $1 "
                           "FOR UPDATE"
                         : "SELECT " POLICY_COLUMNS " FROM idtrust.ci_policy p WHERE p.id = $1",
                    1, params);
    if (e) return e;
    if (PQntuples(*r) == 0)
        return idt_err(q->p, IDT_E_NOT_FOUND, "no certificate policy with that id");
    return NULL;
}

typedef struct {
    const char *name, *object_id, *end;
    int end_given;
    json_t *systems;
} policy_in;

static idt_error *read_in(idt_req *q, int create, policy_in *in)
{
    static const char *const allowed[] = {"name", "objectId", "externalNotificationData",
                                          "externalSystems", NULL};
    json_t *j, *v, *s;
    const char *c;
    size_t i;
    idt_error *e;

    memset(in, 0, sizeof(*in));
    if ((e = idt_httpd_read_json(q->r, &j)) || (e = idt_json_only(q->p, j, allowed)) ||
        (e = idt_json_string(q->p, j, "name", create, 255, &in->name)) ||
        (e = idt_json_string(q->p, j, "objectId", create, 128, &in->object_id)))
        return e;
    if (in->name && idt_text_blank(in->name))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "name must not be blank");
    for (c = in->object_id; c && *c; c++)
        if (!(apr_isalnum(*c) || strchr("._:{}-", *c)) || (c == in->object_id && !apr_isalnum(*c)))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "objectId is an OID or an identifier of A-Z a-z 0-9 . _ : { } -, "
                           "starting with a letter or digit");
    if ((v = json_object_get(j, "externalNotificationData"))) {
        in->end_given = 1;
        if (!json_is_null(v) &&
            (!json_is_string(v) || json_string_length(v) > 1024 ||
             strlen(json_string_value(v)) != json_string_length(v)))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "externalNotificationData must be a string of at most 1024 bytes "
                           "(without NUL) or null");
        in->end = json_is_string(v) ? json_string_value(v) : NULL;
    }
    if ((v = json_object_get(j, "externalSystems"))) {
        if (!json_is_array(v) || json_array_size(v) > 256)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "externalSystems must be a list of external system names");
        json_array_foreach(v, i, s) {
            if (!json_is_string(s))
                return idt_err(q->p, IDT_E_BAD_REQUEST,
                               "externalSystems must be a list of external system names");
        }
        in->systems = v;
    }
    return NULL;
}

static idt_error *set_systems(idt_req *q, const char *id, json_t *systems)
{
    const char *params[2] = {id, NULL};
    PGresult *r;
    json_t *v;
    size_t i;
    idt_error *e;

    if (!systems) return NULL;
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.ci_policy_system WHERE policy_id = $1", 1,
                         params)))
        return e;
    json_array_foreach(systems, i, v) {
        params[1] = json_string_value(v);
        if ((e = idt_db_exec(q->db, &r,
                             "INSERT INTO idtrust.ci_policy_system (policy_id, system_id) "
                             "SELECT $1, id FROM idtrust.ci_external_system WHERE name = $2 "
                             "ON CONFLICT DO NOTHING RETURNING 1",
                             2, params)))
            return e;
        if (PQntuples(r) == 0 && PQcmdTuples(r)[0] == '0') {
            /* either unknown, or named twice: tell them apart */
            PGresult *x;
            if ((e = idt_db_exec(q->db, &x,
                                 "SELECT 1 FROM idtrust.ci_external_system WHERE name = $1", 1,
                                 &params[1])))
                return e;
            if (PQntuples(x) == 0)
                return idt_err(q->p, IDT_E_BAD_REQUEST,
                               "externalSystems: no external system is named \"%s\"", params[1]);
        }
    }
    return NULL;
}

static idt_error *conflict(idt_req *q, idt_error *e)
{
    if (e && e->kind == IDT_E_CONFLICT)
        return idt_err(q->p, IDT_E_CONFLICT,
                       "a certificate policy with that name or objectId exists already");
    return e;
}

idt_error *ci_policy_create(idt_req *q)
{
    policy_in in;
    const char *params[3], *id;
    PGresult *r;
    idt_error *e;

    if ((e = read_in(q, 1, &in))) return e;
    params[0] = in.name;
    params[1] = in.object_id;
    params[2] = in.end;
    if ((e = conflict(q, idt_db_exec(q->db, &r,
                                     "INSERT INTO idtrust.ci_policy (name, object_id, "
                                     "external_notification_data) VALUES ($1, $2, $3) RETURNING id",
                                     3, params))))
        return e;
    id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    if ((e = set_systems(q, id, in.systems)) ||
        (e = idt_audit(q->db, &q->who, "certificate_policy.create", "certificate_policy", id,
                       json_pack("{s:s, s:s}", "name", in.name, "object_id", in.object_id))) ||
        (e = fetch(q, id, 0, &r)))
        return e;
    apr_table_setn(q->r->headers_out, "Location",
                   apr_pstrcat(q->p, "/idtrust/v1/certificate-policies/", id, NULL));
    idt_reply(q, 201, policy_json(r, 0));
    return NULL;
}

idt_error *ci_policy_list(idt_req *q)
{
    return idt_page_list(q, "certificate_policies",
                         "SELECT FROM idtrust.ci_policy WHERE name = $1",
                         "SELECT " POLICY_COLUMNS " FROM idtrust.ci_policy p "
                         "WHERE ($1::text IS NULL OR p.name > $1) ORDER BY p.name LIMIT $2::int",
                         1, policy_json);
}

idt_error *ci_policy_get(idt_req *q)
{
    PGresult *r;
    idt_error *e = fetch(q, q->args[0], 0, &r);
    if (e) return e;
    idt_reply(q, 200, policy_json(r, 0));
    return NULL;
}

idt_error *ci_policy_update(idt_req *q)
{
    policy_in in;
    const char *params[5], *id = q->args[0];
    PGresult *r;
    idt_error *e;

    if ((e = fetch(q, id, 1, &r)) || (e = read_in(q, 0, &in))) return e;
    params[0] = id;
    params[1] = in.name;
    params[2] = in.object_id;
    params[3] = in.end;
    params[4] = in.end_given ? "true" : "false";
    if ((e = conflict(q, idt_db_exec(q->db, &r,
                                     "UPDATE idtrust.ci_policy SET name = coalesce($2, name), "
                                     "object_id = coalesce($3, object_id), "
                                     "external_notification_data = CASE WHEN $5::boolean THEN $4 "
                                     "ELSE external_notification_data END, "
                                     "updated_at = clock_timestamp() WHERE id = $1",
                                     5, params))) ||
        (e = set_systems(q, id, in.systems)) ||
        (e = idt_audit(q->db, &q->who, "certificate_policy.update", "certificate_policy", id,
                       json_pack("{s:s?, s:s?}", "name", in.name, "object_id", in.object_id))) ||
        (e = fetch(q, id, 0, &r)))
        return e;
    idt_reply(q, 200, policy_json(r, 0));
    return NULL;
}

idt_error *ci_policy_delete(idt_req *q)
{
    const char *params[1] = {q->args[0]};
    PGresult *r;
    idt_error *e;

    if ((e = fetch(q, q->args[0], 1, &r))) return e;
    if (apr_atoi64(PQgetvalue(r, 0, 7)) > 0)
        return idt_err(q->p, IDT_E_CONFLICT,
                       "the certificate policy holds %s certificates and cannot be deleted",
                       PQgetvalue(r, 0, 7));
    if ((e = idt_db_exec(q->db, &r, "DELETE FROM idtrust.ci_policy WHERE id = $1", 1, params)) ||
        (e = idt_audit(q->db, &q->who, "certificate_policy.delete", "certificate_policy",
                       q->args[0], NULL)))
        return e;
    idt_reply(q, 204, NULL);
    return NULL;
}
