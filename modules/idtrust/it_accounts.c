#include "it_accounts.h"

#include <apr_lib.h>
#include <apr_strings.h>

#include "idt_httpd_body.h"
#include "idt_httpd_page.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "it_authn.h"

#define NAME_MAX_LEN 64
#define COLUMNS "name, role, enabled, (extract(epoch FROM created_at) * 1000)::bigint"

/* The table's CHECK: ^[A-Za-z0-9._@-]{1,64}$ */
static int valid_name(const char *s)
{
    apr_size_t n = 0;
    if (!s) return 0;
    for (; *s; s++, n++)
        if (!apr_isalnum(*s) && !strchr("._@-", *s)) return 0;
    return n >= 1 && n <= NAME_MAX_LEN;
}

static json_t *view(const PGresult *r, int i)
{
    return json_pack("{s:s, s:s, s:b, s:I}", "name", PQgetvalue(r, i, 0), "role",
                     PQgetvalue(r, i, 1), "enabled", *PQgetvalue(r, i, 2) == 't', "created_at",
                     (json_int_t)apr_atoi64(PQgetvalue(r, i, 3)));
}

static idt_error *no_account(idt_req *q)
{
    return idt_err(q->p, IDT_E_NOT_FOUND, "no such account");
}

idt_error *it_account_list(idt_req *q)
{
    static const char *const allowed[] = {"limit", "marker", NULL};
    apr_table_t *t;
    idt_page page;
    const char *params[2];
    json_t *list;
    PGresult *r;
    idt_error *e;
    int i, n;

    if ((e = idt_query_parse(q->r, allowed, &t)) || (e = idt_page_parse(q->p, t, &page))) return e;
    /* the marker is the last name of the page before */
    if (page.marker && !valid_name(page.marker))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "marker is not one this API gave out");
    params[0] = page.marker;
    params[1] = idt_page_fetch(q->p, &page);
    e = idt_page_query(q, &page, "SELECT FROM idtrust.admin_account WHERE name = $1", 1, params,
                       "SELECT " COLUMNS " FROM idtrust.admin_account "
                       "WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2::int",
                       2, params, &r);
    if (e) return e;
    list = idt_page_reply(q, "accounts", r, &page, 0, -1, &n);
    for (i = 0; i < n; i++)
        if ((e = idt_append(q, list, view(r, i)))) return e;
    return NULL;
}

idt_error *it_account_get(idt_req *q)
{
    const char *params[1] = {q->args[0]};
    PGresult *r;
    idt_error *e;

    if (!valid_name(q->args[0])) return no_account(q);
    e = idt_db_exec(q->db, &r, "SELECT " COLUMNS " FROM idtrust.admin_account WHERE name = $1", 1,
                    params);
    if (e) return e;
    if (PQntuples(r) == 0) return no_account(q);
    idt_reply(q, 200, view(r, 0));
    return NULL;
}

/* Members of a body that are checked the same way on create and update. */
static idt_error *password_member(idt_req *q, json_t *in, int required, const char **pw)
{
    /* read longer than allowed, so the message can say why */
    idt_error *e = idt_json_string(q->p, in, "password", required, 4096, pw);
    if (e || !*pw) return e;
    if (strlen(*pw) < IT_PASSWORD_MIN)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "password must be at least %d bytes long",
                       IT_PASSWORD_MIN);
    if (strlen(*pw) > IT_PASSWORD_MAX)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "password must be at most %d bytes long (bcrypt reads no more)",
                       IT_PASSWORD_MAX);
    return NULL;
}

static idt_error *role_member(idt_req *q, json_t *in, int required, const char **role)
{
    idt_error *e = idt_json_string(q->p, in, "role", required, 16, role);
    if (e || !*role) return e;
    if (!it_role_of(*role))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "role must be \"admin\" or \"reader\"");
    return NULL;
}

idt_error *it_account_create(idt_req *q)
{
    static const char *const allowed[] = {"name", "password", "role", NULL};
    const char *name, *pw, *role, *params[3];
    json_t *in;
    PGresult *r;
    idt_error *e;

    if ((e = idt_httpd_read_json(q->r, &in)) || (e = idt_json_only(q->p, in, allowed)) ||
        (e = idt_json_string(q->p, in, "name", 1, NAME_MAX_LEN, &name)))
        return e;
    if (!valid_name(name))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "name may hold only letters A-Z and a-z, digits, '.', '_', '@' and '-'");
    if ((e = password_member(q, in, 1, &pw)) || (e = role_member(q, in, 1, &role))) return e;
    params[0] = name;
    params[1] = pw;
    params[2] = role;
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.admin_account (name, password_hash, role) "
                    "VALUES ($1, crypt($2, gen_salt('bf', 10)), $3) "
                    "ON CONFLICT (name) DO NOTHING RETURNING " COLUMNS,
                    3, params);
    if (e) return e;
    if (PQntuples(r) == 0)
        return idt_err(q->p, IDT_E_CONFLICT, "an account with this name already exists");
    if ((e = idt_audit(q->db, &q->who, "account.create", "account", name,
                       json_pack("{s:s}", "role", role))))
        return e;
    idt_reply(q, 201, view(r, 0));
    apr_table_setn(q->r->headers_out, "Location",
                   apr_pstrcat(q->p, "/idtrust/v1/accounts/", name, NULL));
    return NULL;
}

/* The account the request names, locked, with the enabled admins locked first (always
 * in the same order, so two changes wait for each other rather than deadlock): a
 * change that would leave no enabled admin sees the others' committed state. */
static idt_error *lock_account(idt_req *q, int *admins, it_role *role, int *enabled)
{
    const char *params[1] = {q->args[0]};
    PGresult *r;
    idt_error *e;

    if (!valid_name(q->args[0])) return no_account(q);
    if ((e = idt_db_exec(q->db, &r,
                         "SELECT name FROM idtrust.admin_account WHERE role = 'admin' AND enabled "
                         "ORDER BY name FOR UPDATE",
                         0, NULL)))
        return e;
    *admins = PQntuples(r);
    if ((e = idt_db_exec(q->db, &r,
                         "SELECT role, enabled FROM idtrust.admin_account WHERE name = $1 "
                         "FOR UPDATE",
                         1, params)))
        return e;
    if (PQntuples(r) == 0) return no_account(q);
    *role = it_role_of(PQgetvalue(r, 0, 0));
    *enabled = *PQgetvalue(r, 0, 1) == 't';
    return NULL;
}

static idt_error *last_admin(idt_req *q, const char *what)
{
    return idt_err(q->p, IDT_E_CONFLICT,
                   "%s is the last enabled admin account and cannot be %s: give another account "
                   "the admin role first",
                   q->args[0], what);
}

/* Once the change is committed, this node forgets the login: the old password, role
 * or account stops working with the next request. */
static void forget(idt_req *q)
{
    it_authn_forget(q->r->server, q->p, q->args[0]);
}

idt_error *it_account_update(idt_req *q)
{
    static const char *const allowed[] = {"password", "role", "enabled", NULL};
    const char *pw, *role, *params[4];
    json_t *in, *en;
    it_role was;
    int admins, enabled, now_enabled;
    idt_error *e;

    /* the body first, as on create: a bad body for an unknown account is a 400 */
    if ((e = idt_httpd_read_json(q->r, &in)) || (e = idt_json_only(q->p, in, allowed)) ||
        (e = password_member(q, in, 0, &pw)) || (e = role_member(q, in, 0, &role)))
        return e;
    en = json_object_get(in, "enabled");
    if (en && !json_is_boolean(en))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "enabled must be true or false");
    if (!pw && !role && !en)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "give password, role or enabled to change");
    if ((e = lock_account(q, &admins, &was, &enabled))) return e;
    now_enabled = en ? json_is_true(en) : enabled;
    if (was == IT_ROLE_ADMIN && enabled && admins <= 1) {
        if (role && it_role_of(role) != IT_ROLE_ADMIN) return last_admin(q, "demoted");
        if (!now_enabled) return last_admin(q, "disabled");
    }
    params[0] = q->args[0];
    params[1] = pw;
    params[2] = role;
    params[3] = en ? (json_is_true(en) ? "true" : "false") : NULL;
    if ((e = idt_db_exec(q->db, NULL,
                         "UPDATE idtrust.admin_account SET password_hash = CASE WHEN $2::text IS "
                         "NULL THEN password_hash ELSE crypt($2, gen_salt('bf', 10)) END, "
                         "role = coalesce($3, role), enabled = coalesce($4::boolean, enabled) "
                         "WHERE name = $1",
                         4, params)) ||
        (e = idt_audit(q->db, &q->who, "account.update", "account", q->args[0],
                       json_pack("{s:b, s:s?, s:s?, s:b, s:b}", "password_changed", pw != NULL,
                                 "role", role ? role : it_role_name(was), "previous_role",
                                 it_role_name(was), "enabled", now_enabled, "previous_enabled",
                                 enabled))))
        return e;
    q->committed = forget;
    return it_account_get(q);
}

idt_error *it_account_delete(idt_req *q)
{
    it_role was;
    int admins, enabled;
    const char *params[1] = {q->args[0]};
    idt_error *e;

    if ((e = lock_account(q, &admins, &was, &enabled))) return e;
    if (was == IT_ROLE_ADMIN && enabled && admins <= 1) return last_admin(q, "deleted");
    if ((e = idt_db_exec(q->db, NULL, "DELETE FROM idtrust.admin_account WHERE name = $1", 1,
                         params)) ||
        (e = idt_audit(q->db, &q->who, "account.delete", "account", q->args[0],
                       json_pack("{s:s?, s:b}", "role", it_role_name(was), "enabled", enabled))))
        return e;
    q->committed = forget;
    q->status = 204;
    return NULL;
}
