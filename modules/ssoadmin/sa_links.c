#include "sa_links.h"

#include <apr_strings.h>

#include "idt_audit.h"
#include "sa_objects.h"

/* The verbs a link's URI allows, for Allow and 405: a list (no target) is read only,
 * except where the other end is the server, which needs no path. */
static const char *allowed(const sa_link_def *l, int target)
{
    if (l->special != SA_L_STORED || !target || l->verbs == SA_V_GET) return "GET";
    if (!(l->verbs & SA_V_DELETE)) return "GET, PUT, POST";
    return "GET, PUT, POST, DELETE";
}

/* The link's other end when the URI gives none: the server, for links to it. */
static int server_end(const sa_link_def *l)
{
    return l->targets == SA_BIT(SA_SERVER);
}

static idt_error *list_tree(idt_req *q, const sa_uri *u, const sa_obj *o)
{
    const char *params[4];
    const char *key = sa_key(q->p, o->path);
    PGresult *r;
    idt_error *e;
    int n = 0;

    switch (u->link->special) {
    case SA_L_ONE:
        params[n++] = o->id;
        if (u->filter >= 0) params[n++] = sa_types[u->filter].name;
        e = idt_db_exec(q->db, &r,
                        u->filter >= 0 ? "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                                         "WHERE o.parent_id = $1 AND o.type = $2 "
                                         "ORDER BY o.path_key, o.type"
                                       : "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                                         "WHERE o.parent_id = $1 ORDER BY o.path_key, o.type",
                        n, params);
        break;
    case SA_L_SUB:
        /* the site itself and the range of keys under it: '0' follows '/' */
        params[n++] = o->id;
        params[n++] = apr_pstrcat(q->p, key, "/", NULL);
        params[n++] = apr_pstrcat(q->p, key, "0", NULL);
        if (u->filter >= 0) params[n++] = sa_types[u->filter].name;
        e = idt_db_exec(q->db, &r,
                        u->filter >= 0 ? "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                                         "WHERE (o.id = $1 OR o.path_key > $2 AND o.path_key < $3) "
                                         "AND o.type = $4 ORDER BY o.path_key, o.type"
                                       : "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                                         "WHERE o.id = $1 OR o.path_key > $2 AND o.path_key < $3 "
                                         "ORDER BY o.path_key, o.type",
                        n, params);
        break;
    default: /* SA_L_PARENT */
        if (u->has_target) {
            /* one link: the parent, if that is the site named */
            sa_obj *t;
            if ((e = sa_obj_need(q, &u->target, 0, &t))) return e;
            if (!o->parent_id || strcmp(t->id, o->parent_id))
                return idt_err(q->p, IDT_E_NOT_FOUND, "%s is not in site %s",
                               sa_id(q->p, o->type, o->path), sa_id(q->p, t->type, t->path));
            idt_reply(q, 200, sa_obj_json(t));
            return NULL;
        }
        params[n++] = o->parent_id;
        e = idt_db_exec(q->db, &r,
                        "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o WHERE o.id = $1", n,
                        params);
        break;
    }
    if (e) return e;
    return sa_list_reply(q, r, 0);
}

/* The two ends of the stored row a link of o to other is. */
static void ends(const sa_link_def *l, const sa_obj *o, const sa_obj *other, const sa_obj **from,
                 const sa_obj **to)
{
    *from = l->inverse ? other : o;
    *to = l->inverse ? o : other;
}

/* The object at the link's other end that the URI names (or the server). */
static idt_error *other_end(idt_req *q, const sa_uri *u, const sa_obj *o, sa_obj **other)
{
    sa_ref server = {SA_SERVER, ""};
    idt_error *e = sa_obj_need(q, u->has_target ? &u->target : &server, 0, other);

    if (e) return e;
    if ((*other)->type == o->type && !strcmp((*other)->id, o->id))
        return idt_err(q->p, IDT_E_BAD_REQUEST, "an object cannot be linked to itself");
    return NULL;
}

/* The row linking o and other by l: *found 0 when there is none; its enabled and
 * username (NULL when unset). */
static idt_error *row_of(idt_req *q, const sa_link_def *l, const sa_obj *o, const sa_obj *other,
                         int lock, int *found, const char **enabled, const char **username)
{
    const sa_obj *from, *to;
    const char *params[3];
    PGresult *r;
    idt_error *e;

    ends(l, o, other, &from, &to);
    params[0] = from->id;
    params[1] = l->kind;
    params[2] = to->id;
    e = idt_db_exec(q->db, &r,
                    lock ? "SELECT enabled, username FROM idtrust.sso_link "
                           "WHERE from_id = $1 AND kind = $2 AND to_id = $3 FOR UPDATE"
                         : "SELECT enabled, username FROM idtrust.sso_link "
                           "WHERE from_id = $1 AND kind = $2 AND to_id = $3",
                    3, params);
    if (e) return e;
    *found = PQntuples(r) > 0;
    *enabled = *found ? idt_db_value(r, 0, 0) : NULL;
    if (*enabled) *enabled = **enabled == 't' ? "true" : "false";
    *username = *found ? idt_db_value(r, 0, 1) : NULL;
    return NULL;
}

/* other's JSON with the link's attributes in a "link" member. */
static json_t *linked_json(const sa_obj *other, const char *enabled, const char *username)
{
    json_t *j = sa_obj_json(other), *link;

    if (!j || (!enabled && !username)) return j;
    link = json_object();
    if (enabled) json_object_set_new(link, "enabled", json_string(enabled));
    if (username) json_object_set_new(link, "username", json_string(username));
    json_object_set_new(j, "link", link);
    return j;
}

static idt_error *not_linked(idt_req *q, const sa_uri *u, const sa_obj *o, const sa_obj *other)
{
    return idt_err(q->p, IDT_E_NOT_FOUND, "%s has no %s link to %s", sa_id(q->p, o->type, o->path),
                   u->link->name, sa_id(q->p, other->type, other->path));
}

idt_error *sa_link_get(idt_req *q, const sa_uri *u)
{
    const char *params[3], *enabled, *username;
    sa_obj *o, *other;
    PGresult *r;
    idt_error *e;
    int found;

    if ((e = sa_obj_need(q, &u->obj, 0, &o))) return e;
    if (u->link->special != SA_L_STORED) return list_tree(q, u, o);
    if (u->has_target) {
        if ((e = other_end(q, u, o, &other)) ||
            (e = row_of(q, u->link, o, other, 0, &found, &enabled, &username)))
            return e;
        if (!found) return not_linked(q, u, o, other);
        idt_reply(q, 200, linked_json(other, enabled, username));
        return NULL;
    }
    params[0] = o->id;
    params[1] = u->link->kind;
    if (u->link->inverse) {
        params[2] = sa_types[u->link->default_type].name;
        e = idt_db_exec(q->db, &r,
                        "SELECT " SA_OBJ_COLS ", l.enabled, l.username FROM idtrust.sso_link l "
                        "JOIN idtrust.sso_object o ON o.id = l.from_id "
                        "WHERE l.to_id = $1 AND l.kind = $2 AND l.from_type = $3 "
                        "ORDER BY o.type, o.path_key",
                        3, params);
    } else {
        e = idt_db_exec(q->db, &r,
                        "SELECT " SA_OBJ_COLS ", l.enabled, l.username FROM idtrust.sso_link l "
                        "JOIN idtrust.sso_object o ON o.id = l.to_id "
                        "WHERE l.from_id = $1 AND l.kind = $2 ORDER BY o.type, o.path_key",
                        2, params);
    }
    if (e) return e;
    return sa_list_reply(q, r, 1);
}

/* The other end already linked by a link that allows one per object, other than other. */
static idt_error *single_check(idt_req *q, const sa_uri *u, const sa_obj *o, const sa_obj *other)
{
    const char *params[3] = {o->id, u->link->kind, other->id};
    PGresult *r;
    idt_error *e;
    sa_obj *cur;

    if (!u->link->single || u->link->inverse) return NULL;
    e = idt_db_exec(q->db, &r,
                    "SELECT " SA_OBJ_COLS " FROM idtrust.sso_link l "
                    "JOIN idtrust.sso_object o ON o.id = l.to_id "
                    "WHERE l.from_id = $1 AND l.kind = $2 AND l.to_id <> $3",
                    3, params);
    if (e || PQntuples(r) == 0) return e;
    if ((e = sa_obj_row(q, r, 0, 0, &cur))) return e;
    return idt_err(q->p, IDT_E_CONFLICT,
                   "%s already has %s %s, and may have one: DELETE %s/$link/%s/%s first",
                   sa_id(q->p, o->type, o->path), u->link->name, sa_id(q->p, cur->type, cur->path),
                   sa_id(q->p, o->type, o->path), u->link->name, cur->path + 1);
}

idt_error *sa_link_add(idt_req *q, const char *from_id, sa_type from_type, const char *kind,
                       const char *to_id, sa_type to_type, int *made)
{
    const char *params[5] = {from_id, sa_types[from_type].name, kind, to_id,
                             sa_types[to_type].name};
    PGresult *r;
    idt_error *e = idt_db_exec(q->db, &r,
                               "INSERT INTO idtrust.sso_link (from_id, from_type, kind, to_id, "
                               "to_type) VALUES ($1, $2, $3, $4, $5) "
                               "ON CONFLICT (from_id, kind, to_id) DO NOTHING RETURNING 1",
                               5, params);
    if (e) return e;
    *made = PQntuples(r) > 0;
    return NULL;
}

idt_error *sa_link_set(idt_req *q, const sa_uri *u, int post)
{
    static const char *const with_enabled[] = {"enabled", NULL};
    static const char *const with_username[] = {"username", NULL};
    static const char *const none[] = {NULL};
    const sa_link_def *l = u->link;
    const char *enabled = NULL, *username = NULL, *old_enabled, *old_username, *params[7];
    const sa_obj *from, *to;
    apr_table_t *form;
    sa_obj *o, *other;
    json_t *detail;
    idt_error *e;
    int found;

    if (l->special != SA_L_STORED || !(l->verbs & SA_V_SET) || (!u->has_target && !server_end(l)))
        return sa_not_allowed(q, allowed(l, u->has_target));
    if ((e = sa_form(q, &form)) ||
        (e = sa_form_only(q, form,
                          (l->attrs & SA_LA_ENABLED)    ? with_enabled
                          : (l->attrs & SA_LA_USERNAME) ? with_username
                                                        : none,
                          apr_pstrcat(q->p, "a ", l->name, " link", NULL))) ||
        (e = sa_form_one(q, form, "enabled", &enabled)) ||
        (e = sa_form_one(q, form, "username", &username)))
        return e;
    if (enabled && *enabled && (e = sa_bool(q, "enabled", enabled, &enabled))) return e;
    if (username && strlen(username) > 255)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "username is longer than 255 bytes");
    if ((e = sa_obj_need(q, &u->obj, 1, &o)) || (e = other_end(q, u, o, &other)) ||
        (e = row_of(q, l, o, other, 1, &found, &old_enabled, &old_username)))
        return e;
    if (found && post)
        return idt_err(q->p, IDT_E_CONFLICT, "%s already has a %s link to %s: PUT changes it",
                       sa_id(q->p, o->type, o->path), l->name,
                       sa_id(q->p, other->type, other->path));
    if (!found && (e = single_check(q, u, o, other))) return e;
    if (l->attrs & SA_LA_ENABLED) {
        if (!enabled || !*enabled) enabled = found && old_enabled ? old_enabled : "false";
    }
    if (l->attrs & SA_LA_USERNAME) {
        if (!username || !*username) username = found ? old_username : NULL;
        if (!username)
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "username is required: the user name the policy sends for the user");
    }
    ends(l, o, other, &from, &to);
    params[0] = from->id;
    params[1] = sa_types[from->type].name;
    params[2] = l->kind;
    params[3] = to->id;
    params[4] = sa_types[to->type].name;
    params[5] = enabled;
    params[6] = username;
    if ((e = idt_db_exec(q->db, NULL,
                         "INSERT INTO idtrust.sso_link (from_id, from_type, kind, to_id, to_type, "
                         "enabled, username) VALUES ($1, $2, $3, $4, $5, $6::boolean, $7) "
                         "ON CONFLICT (from_id, kind, to_id) DO UPDATE SET "
                         "enabled = EXCLUDED.enabled, username = EXCLUDED.username",
                         7, params)))
        return e;
    detail = json_pack("{s:s, s:s}", "link", l->name, "to", sa_id(q->p, other->type, other->path));
    if (enabled) json_object_set_new(detail, "enabled", json_string(enabled));
    if (username) json_object_set_new(detail, "username", json_string(username));
    if ((e = idt_audit(q->db, &q->who, found ? "sso.link.update" : "sso.link",
                       apr_pstrcat(q->p, "sso_", sa_types[o->type].name, NULL),
                       sa_id(q->p, o->type, o->path), detail)))
        return e;
    /* the seed answers a key's association to the server with 200 */
    idt_reply(q, !strcmp(l->kind, "credential") ? 200 : 201, linked_json(other, enabled, username));
    return NULL;
}

idt_error *sa_link_delete(idt_req *q, const sa_uri *u)
{
    static const char *const none[] = {NULL};
    const sa_link_def *l = u->link;
    const char *params[3];
    const sa_obj *from, *to;
    apr_table_t *form;
    sa_obj *o, *other;
    PGresult *r;
    idt_error *e;

    if (l->special != SA_L_STORED || !(l->verbs & SA_V_DELETE) ||
        (!u->has_target && !server_end(l)))
        return sa_not_allowed(q, allowed(l, u->has_target));
    if ((e = sa_form(q, &form)) || (e = sa_form_only(q, form, none, "DELETE")) ||
        (e = sa_obj_need(q, &u->obj, 1, &o)) || (e = other_end(q, u, o, &other)))
        return e;
    ends(l, o, other, &from, &to);
    params[0] = from->id;
    params[1] = l->kind;
    params[2] = to->id;
    if ((e = idt_db_exec(q->db, &r,
                         "DELETE FROM idtrust.sso_link WHERE from_id = $1 AND kind = $2 "
                         "AND to_id = $3 RETURNING 1",
                         3, params)))
        return e;
    if (PQntuples(r) == 0) return not_linked(q, u, o, other);
    if ((e = idt_audit(q->db, &q->who, "sso.unlink",
                       apr_pstrcat(q->p, "sso_", sa_types[o->type].name, NULL),
                       sa_id(q->p, o->type, o->path),
                       json_pack("{s:s, s:s}", "link", l->name, "to",
                                 sa_id(q->p, other->type, other->path)))))
        return e;
    idt_reply(q, 200, sa_obj_json(other));
    return NULL;
}
