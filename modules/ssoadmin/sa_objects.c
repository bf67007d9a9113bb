#include "sa_objects.h"

#include <stdlib.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <strings.h>

#include "idt_audit.h"
#include "idt_httpd_body.h"
#include "idt_httpd_query.h"
#include "idt_json.h"
#include "sa_keys.h"
#include "sa_links.h"
#include "sa_policy.h"

/* Every form parameter name of the API, as answers spell them. */
static const char *const form_names[] = {"type",
                                         "name",
                                         "description",
                                         "mail",
                                         "enabled",
                                         "condition",
                                         "memberurl",
                                         "required",
                                         "singlevalue",
                                         "configuration",
                                         "platform",
                                         "attributeName",
                                         "attributeValue",
                                         "nameValue",
                                         "uid",
                                         "kty",
                                         "kid",
                                         "use",
                                         "notBefore",
                                         "notOnOrAfter",
                                         "nameIDFormat",
                                         "group",
                                         "value",
                                         "username",
                                         "metadata",
                                         NULL};

/* Attributes whose values may span lines (conditions, configuration, EL expressions). */
static int multiline(const sa_attr *a)
{
    return a->kind == SA_TEXT && a->max >= 4096;
}

idt_error *sa_form(idt_req *q, apr_table_t **form)
{
    idt_params_spec spec = {form_names, "form", IDT_BODY_DEFAULT_MAX,
                            IDT_PARAMS_REPEAT | IDT_PARAMS_ANY_CASE | IDT_PARAMS_KEEP_EMPTY};
    return idt_form_read(q->r, &spec, form);
}

idt_error *sa_form_only(idt_req *q, apr_table_t *form, const char *const *allowed,
                        const char *context)
{
    const apr_array_header_t *arr = apr_table_elts(form);
    const apr_table_entry_t *el = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        const char *const *a;
        for (a = allowed; *a && strcmp(*a, el[i].key); a++)
            ;
        if (!*a)
            return idt_err(q->p, IDT_E_BAD_REQUEST, "form parameter %s does not apply to %s",
                           el[i].key, context);
    }
    return NULL;
}

/* The values of parameter name in form, in order. */
static apr_array_header_t *values_of(apr_pool_t *p, apr_table_t *form, const char *name)
{
    const apr_array_header_t *arr = apr_table_elts(form);
    const apr_table_entry_t *el = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *v = apr_array_make(p, 2, sizeof(const char *));
    int i;

    for (i = 0; i < arr->nelts; i++)
        if (!strcmp(el[i].key, name)) APR_ARRAY_PUSH(v, const char *) = el[i].val;
    return v;
}

idt_error *sa_form_one(idt_req *q, apr_table_t *form, const char *name, const char **value)
{
    apr_array_header_t *v = values_of(q->p, form, name);
    idt_error *e;

    *value = NULL;
    if (!v->nelts) return NULL;
    if (v->nelts > 1)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "form parameter %s is given twice", name);
    *value = sa_trim(q->p, APR_ARRAY_IDX(v, 0, const char *));
    if ((e = sa_text_check(q->p, *value, 0, apr_pstrcat(q->p, "form parameter ", name, NULL))))
        return e;
    return NULL;
}

idt_error *sa_bool(idt_req *q, const char *name, const char *value, const char **out)
{
    if (!strcasecmp(value, "true"))
        *out = "true";
    else if (!strcasecmp(value, "false"))
        *out = "false";
    else
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be true or false", name);
    return NULL;
}

idt_error *sa_not_allowed(idt_req *q, const char *allow)
{
    apr_table_setn(q->r->err_headers_out, "Allow", allow);
    return idt_err(q->p, IDT_E_METHOD, "method %s is not allowed here; use %s", q->r->method,
                   allow);
}

/* ISO 8601: YYYY-MM-DD, optionally Thh:mm[:ss[.fff]] and Z or +hh[:mm] / -hh[:mm]. */
static int iso8601(const char *s)
{
    static const char *const shapes[] = {"dddd-dd-dd", "dddd-dd-ddTdd:dd", "dddd-dd-ddTdd:dd:dd",
                                         NULL};
    int i, ok = 0;
    const char *c = s;

    for (i = 2; i >= 0 && !ok; i--) {
        const char *sh = shapes[i];
        for (c = s; *sh && *c && (*sh == 'd' ? apr_isdigit(*c) : *sh == *c); sh++, c++)
            ;
        ok = !*sh;
    }
    if (!ok) return 0;
    if (*c == '.' && c[-3] == ':' && c - s == 19) {
        if (!apr_isdigit(*++c)) return 0;
        while (apr_isdigit(*c))
            c++;
    }
    if (!*c) return 1;
    if (c - s < 16) return 0; /* a zone needs a time */
    if (*c == 'Z') return !c[1];
    if (*c != '+' && *c != '-') return 0;
    c++;
    if (!apr_isdigit(c[0]) || !apr_isdigit(c[1])) return 0;
    c += 2;
    if (*c == ':') c++;
    if (!*c) return 1;
    return apr_isdigit(c[0]) && apr_isdigit(c[1]) && !c[2];
}

static int mail_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at > s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t<>,;\"");
}

/* One value of attribute a, checked; *out is what is stored. */
static idt_error *check_value(idt_req *q, const sa_attr *a, const char *v, const char **out)
{
    idt_error *e;
    const char *const *ok;

    *out = v;
    if (a->kind != SA_ENUM && strlen(v) > a->max)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "%s is longer than %" APR_SIZE_T_FMT " bytes",
                       a->name, a->max);
    if ((e = sa_text_check(q->p, v, multiline(a), a->name))) return e;
    switch (a->kind) {
    case SA_BOOL:
        return sa_bool(q, a->name, v, out);
    case SA_ENUM:
        for (ok = a->values; *ok && strcmp(*ok, v); ok++)
            ;
        if (!*ok) {
            apr_array_header_t *list = apr_array_make(q->p, 8, sizeof(char *));
            for (ok = a->values; *ok; ok++) {
                if (list->nelts) APR_ARRAY_PUSH(list, const char *) = ", ";
                APR_ARRAY_PUSH(list, const char *) = *ok;
            }
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be one of: %s", a->name,
                           apr_array_pstrcat(q->p, list, '\0'));
        }
        return NULL;
    case SA_TIME:
        if (!iso8601(v))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "%s must be an ISO 8601 date and time (2025-01-31T12:00:00Z; a + of "
                           "a time zone is sent %%2B, as curl --data-urlencode does)",
                           a->name);
        return NULL;
    case SA_MAIL:
        if (!mail_ok(v))
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must be an e-mail address", a->name);
        return NULL;
    case SA_TEXT:
    case SA_MULTI:
        return NULL;
    }
    return NULL;
}

/* Applies the attributes of form to attrs (the stored ones of an object of type t, or an
 * empty object for a new one): a value replaces the stored one (every value of a
 * multi-valued attribute replaces the list), an empty value clears it (back to the
 * default, if the attribute has one). */
static idt_error *apply(idt_req *q, sa_type t, apr_table_t *form, json_t *attrs, int create)
{
    const apr_array_header_t *arr = apr_table_elts(form);
    const apr_table_entry_t *el = (const apr_table_entry_t *)arr->elts;
    const sa_attr *a;
    int i, j;
    idt_error *e;

    for (i = 0; i < arr->nelts; i++) {
        const char *name = el[i].key;
        apr_array_header_t *vals;
        json_t *list;

        if (!strcmp(name, "type") || !strcmp(name, "name")) continue;
        for (j = 0; j < i && strcmp(el[j].key, name); j++)
            ;
        if (j < i) continue; /* done with its first occurrence */
        if (!(a = sa_attr_of(t, name)))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "form parameter %s is not an attribute of %s %s", name,
                           t == SA_APPLICATION ? "an" : "a", sa_types[t].name);
        vals = values_of(q->p, form, name);
        if (vals->nelts > 1 && a->kind != SA_MULTI)
            return idt_err(q->p, IDT_E_BAD_REQUEST, "form parameter %s is given twice", name);
        list = json_array();
        for (j = 0; j < vals->nelts; j++) {
            const char *v = sa_trim(q->p, APR_ARRAY_IDX(vals, j, const char *)), *stored;
            if (!*v) continue;
            if ((e = check_value(q, a, v, &stored))) {
                json_decref(list);
                return e;
            }
            json_array_append_new(list, json_string(stored));
        }
        if (json_array_size(list) == 0) {
            json_decref(list);
            if (a->flags & (SA_REQUIRED | SA_IMMUTABLE))
                return idt_err(q->p, IDT_E_BAD_REQUEST, "%s must not be empty", a->name);
            if (a->def)
                json_object_set_new(attrs, a->name, json_string(a->def));
            else
                json_object_del(attrs, a->name);
            continue;
        }
        if (a->kind != SA_MULTI) {
            json_t *v = json_incref(json_array_get(list, 0));
            json_t *old = json_object_get(attrs, a->name);
            json_decref(list);
            if (!create && (a->flags & SA_IMMUTABLE) && old && !json_equal(old, v)) {
                json_decref(v);
                return idt_err(q->p, IDT_E_CONFLICT,
                               "%s cannot change once the %s exists (it is %s): create another "
                               "%s instead",
                               a->name, sa_types[t].name, json_string_value(old), sa_types[t].name);
            }
            json_object_set_new(attrs, a->name, v);
        } else {
            json_object_set_new(attrs, a->name, list);
        }
    }
    if (!create) return NULL;
    for (a = sa_types[t].attrs; a->name; a++) {
        if (json_object_get(attrs, a->name)) continue;
        if (a->flags & SA_REQUIRED)
            return idt_err(q->p, IDT_E_BAD_REQUEST, "%s is required to create %s %s", a->name,
                           t == SA_OMP ? "an" : "a", sa_types[t].name);
        if (a->def) json_object_set_new(attrs, a->name, json_string(a->def));
    }
    return NULL;
}

idt_error *sa_obj_row(idt_req *q, const PGresult *r, int row, int col, sa_obj **out)
{
    sa_obj *o = apr_pcalloc(q->p, sizeof(*o));
    const char *attrs = PQgetvalue(r, row, col + 5);
    int t = sa_type_of(PQgetvalue(r, row, col + 1), 0);
    json_error_t err;

    if (t < 0) return idt_err(q->p, IDT_E_INTERNAL, "a stored object has an unknown type");
    o->id = PQgetvalue(r, row, col);
    o->type = (sa_type)t;
    o->name = PQgetvalue(r, row, col + 2);
    o->path = PQgetvalue(r, row, col + 3);
    o->parent_id = idt_db_value(r, row, col + 4);
    o->attrs = idt_json_own(q->p, json_loads(attrs, JSON_REJECT_DUPLICATES, &err));
    if (!json_is_object(o->attrs))
        return idt_err(q->p, IDT_E_INTERNAL, "a stored object's attributes cannot be read");
    *out = o;
    return NULL;
}

idt_error *sa_obj_find(idt_req *q, const sa_ref *ref, int lock, sa_obj **out)
{
    const char *params[2] = {sa_types[ref->type].name, sa_key(q->p, ref->path)};
    PGresult *r;
    idt_error *e;

    *out = NULL;
    e = idt_db_exec(q->db, &r,
                    lock ? "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                           "WHERE o.type = $1 AND o.path_key = $2 FOR UPDATE"
                         : "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                           "WHERE o.type = $1 AND o.path_key = $2",
                    2, params);
    if (e) return e;
    if (PQntuples(r) == 0) return NULL;
    return sa_obj_row(q, r, 0, 0, out);
}

idt_error *sa_obj_need(idt_req *q, const sa_ref *ref, int lock, sa_obj **out)
{
    idt_error *e = sa_obj_find(q, ref, lock, out);
    if (e) return e;
    if (!*out)
        return idt_err(q->p, IDT_E_NOT_FOUND, "no %s %s", sa_types[ref->type].name,
                       sa_id(q->p, ref->type, ref->path));
    return NULL;
}

json_t *sa_obj_json(const sa_obj *o)
{
    json_t *attrs = json_object();
    const sa_attr *a;

    if (o->type != SA_SERVER) json_object_set_new(attrs, "name", json_string(o->name));
    for (a = sa_types[o->type].attrs; a->name; a++) {
        json_t *v = json_object_get(o->attrs, a->name);
        if (v) json_object_set(attrs, a->name, v);
    }
    return json_pack("{s:s, s:s++, s:o}", "type", sa_types[o->type].name, "id", "/",
                     sa_types[o->type].name, o->path, "attributes", attrs);
}

idt_error *sa_list_reply(idt_req *q, const PGresult *r, int link_cols)
{
    json_t *list = json_array();
    int i, n = PQntuples(r);
    idt_error *e;

    idt_reply(q, 200, list);
    for (i = 0; i < n; i++) {
        sa_obj *o;
        json_t *j;
        if ((e = sa_obj_row(q, r, i, 0, &o))) return e;
        j = sa_obj_json(o);
        if (j && link_cols) {
            const char *enabled = idt_db_value(r, i, SA_OBJ_NCOLS);
            const char *username = idt_db_value(r, i, SA_OBJ_NCOLS + 1);
            json_t *link = json_object();
            if (enabled)
                json_object_set_new(link, "enabled",
                                    json_string(*enabled == 't' ? "true" : "false"));
            if (username) json_object_set_new(link, "username", json_string(username));
            if (json_object_size(link))
                json_object_set_new(j, "link", link);
            else
                json_decref(link);
        }
        if ((e = idt_append(q, list, j))) return e;
    }
    return NULL;
}

/* The audit row of a change to object o. */
static idt_error *audit(idt_req *q, const char *action, const sa_obj *o, json_t *detail)
{
    return idt_audit(q->db, &q->who, action,
                     apr_pstrcat(q->p, "sso_", sa_types[o->type].name, NULL),
                     sa_id(q->p, o->type, o->path), detail);
}

/* What takes the place of a path another container holds. */
static idt_error *taken(idt_req *q, sa_type t, const char *path)
{
    sa_ref ref = {t, path};
    sa_obj *o;
    idt_error *e = sa_obj_find(q, &ref, 0, &o);

    if (e) return e;
    if (o)
        return idt_err(q->p, IDT_E_CONFLICT, "%s %s already exists", sa_types[t].name,
                       sa_id(q->p, t, o->path));
    ref.type = t == SA_SITE ? SA_POLICY : SA_SITE;
    if ((e = sa_obj_find(q, &ref, 0, &o))) return e;
    return idt_err(q->p, IDT_E_CONFLICT,
                   "%s holds that path: a site and a policy cannot share a path, since the "
                   "objects under it belong to one of them",
                   o ? sa_id(q->p, o->type, o->path) : "another object");
}

/* sa_obj_create; with lost, a path another transaction took first is no error: *lost
 * is set and nothing is written. */
static idt_error *create(idt_req *q, sa_type t, const sa_obj *parent, const char *name,
                         apr_table_t *form, sa_obj **out, int *lost)
{
    json_t *attrs = idt_json_own(q->p, json_object());
    const char *params[5];
    PGresult *r;
    sa_obj *o;
    idt_error *e;

    if ((e = sa_name_check(q->p, name, "name"))) return e;
    if ((e = apply(q, t, form, attrs, 1))) return e;
    o = apr_pcalloc(q->p, sizeof(*o));
    o->type = t;
    o->name = name;
    o->path = apr_pstrcat(q->p, parent ? parent->path : "", "/", name, NULL);
    o->parent_id = parent ? parent->id : NULL;
    o->attrs = attrs;
    params[0] = sa_types[t].name;
    params[1] = o->parent_id;
    params[2] = name;
    params[3] = o->path;
    params[4] = idt_json_dump(q->p, attrs, JSON_COMPACT);
    if (strlen(o->path) > 2048)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "the path would be longer than 2048 bytes");
    e = idt_db_exec(q->db, &r,
                    "INSERT INTO idtrust.sso_object (type, parent_id, name, path, attributes) "
                    "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING id",
                    5, params);
    if (e) return e;
    if (PQntuples(r) == 0) {
        if (!lost) return taken(q, t, o->path);
        *lost = 1;
        return NULL;
    }
    o->id = apr_pstrdup(q->p, PQgetvalue(r, 0, 0));
    if ((e = audit(q, "sso.create", o, json_pack("{s:O}", "attributes", attrs))) ||
        (e = sa_key_written(q, o, 1)))
        return e;
    if (t == SA_POLICYITEM && parent && parent->type == SA_POLICY) {
        /* an item in a policy is the policy's: its $link/policyItem lists it */
        int made;
        if ((e = sa_link_add(q, o->id, SA_POLICYITEM, "policy", parent->id, SA_POLICY, &made)))
            return e;
    }
    *out = o;
    return NULL;
}

idt_error *sa_obj_create(idt_req *q, sa_type t, const sa_obj *parent, const char *name,
                         apr_table_t *form, sa_obj **out)
{
    return create(q, t, parent, name, form, out, NULL);
}

/* Sites and methods live at the top; everything else in a site (a policy item: in a
 * site or a policy). The parent of a new object at path, or an error saying why none. */
static idt_error *parent_of(idt_req *q, sa_type t, const char *path, sa_obj **parent)
{
    const char *slash = strrchr(path, '/');
    sa_ref ref = {SA_SITE, apr_pstrmemdup(q->p, path, (apr_size_t)(slash - path))};
    idt_error *e;

    *parent = NULL;
    if (t == SA_METHOD || (t == SA_SITE && slash == path)) return NULL;
    if (slash == path)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "%s %s would be at the top, where only sites and methods live: put it "
                       "in a site (/%s/{site}/%s)",
                       t == SA_APPLICATION || t == SA_OMP ? "an" : "a", sa_types[t].name,
                       sa_types[t].name, slash + 1);
    /* no row lock: the foreign key on parent_id refuses a child of a parent deleted
     * meanwhile, and a lock would make the children of one site wait for each other */
    if (t == SA_POLICYITEM) {
        ref.type = SA_POLICY;
        if ((e = sa_obj_find(q, &ref, 0, parent)) || *parent) return e;
        ref.type = SA_SITE;
    }
    if ((e = sa_obj_find(q, &ref, 0, parent))) return e;
    if (!*parent)
        return idt_err(q->p, IDT_E_NOT_FOUND, "no %s %s to hold %s: create it first",
                       t == SA_POLICYITEM ? "site or policy" : "site",
                       sa_id(q->p, SA_SITE, ref.path), sa_id(q->p, t, path));
    return NULL;
}

static int is_protected(const sa_obj *o)
{
    const char *k = o->path;
    return o->type == SA_SITE &&
           (!strcasecmp(k, "/System") || !strcasecmp(k, "/System/ServerKeyContainer"));
}

static idt_error *list_bare(idt_req *q, const sa_uri *u)
{
    PGresult *r;
    idt_error *e;

    if (u->obj.type == SA_SITE)
        e = idt_db_exec(q->db, &r,
                        "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                        "WHERE o.type = 'site' AND o.parent_id IS NULL ORDER BY o.path_key",
                        0, NULL);
    else if (u->obj.type == SA_METHOD)
        e = idt_db_exec(q->db, &r,
                        "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
                        "WHERE o.type = 'method' ORDER BY o.path_key",
                        0, NULL);
    else
        return idt_err(q->p, IDT_E_NOT_FOUND, "name the %s: /%s/{path}", sa_types[u->obj.type].name,
                       sa_types[u->obj.type].name);
    if (e) return e;
    return sa_list_reply(q, r, 0);
}

idt_error *sa_object_get(idt_req *q, const sa_uri *u)
{
    sa_obj *o;
    idt_error *e;

    if (u->bare) return list_bare(q, u);
    if ((e = sa_obj_need(q, &u->obj, 0, &o))) return e;
    idt_reply(q, 200, sa_obj_json(o));
    return NULL;
}

/* POST /site/{path}: type (application when absent, as the seed's example of an
 * application has none) and name make a new object in the site. */
static idt_error *create_in_site(idt_req *q, const sa_uri *u)
{
    const char *type, *name;
    apr_table_t *form;
    sa_obj *site = NULL, *o;
    int t;
    idt_error *e;

    if ((e = sa_form(q, &form)) || (e = sa_form_one(q, form, "type", &type)) ||
        (e = sa_form_one(q, form, "name", &name)))
        return e;
    if (!type || !*type) type = "application";
    if ((t = sa_type_of(type, 0)) < 0)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "type %s is not an object type",
                       ap_escape_logitem(q->p, type));
    if (!sa_in_tree(t))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "a %s does not live in a site: PUT /%s%s creates one", type,
                       sa_types[t].name, t == SA_METHOD ? "/{name}" : "");
    if (!name || !*name)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "name is required to create %s %s",
                       t == SA_APPLICATION || t == SA_OMP ? "an" : "a", sa_types[t].name);
    if (u->bare && t != SA_SITE)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "only sites live at the top: POST a %s to /site/{site}", sa_types[t].name);
    if (!u->bare && (e = sa_obj_need(q, &u->obj, 0, &site))) return e; /* see parent_of */
    if ((e = sa_obj_create(q, (sa_type)t, site, name, form, &o))) return e;
    idt_reply(q, 201, sa_obj_json(o));
    return NULL;
}

idt_error *sa_object_post(idt_req *q, const sa_uri *u)
{
    if (u->obj.type == SA_SITE) return create_in_site(q, u);
    if (u->obj.type == SA_POLICY && !u->bare) return sa_policy_post(q, u);
    if (u->obj.type == SA_SERVER) return sa_not_allowed(q, "GET");
    if (u->bare)
        return idt_err(q->p, IDT_E_NOT_FOUND, "name the %s: /%s/{path}", sa_types[u->obj.type].name,
                       sa_types[u->obj.type].name);
    return sa_not_allowed(q, "GET, PUT, DELETE");
}

idt_error *sa_object_put(idt_req *q, const sa_uri *u)
{
    const char *type, *name, *params[2];
    apr_table_t *form;
    sa_obj *o, *parent;
    json_t *attrs;
    idt_error *e;

    if (u->obj.type == SA_SERVER) return sa_not_allowed(q, "GET");
    if (u->bare)
        return idt_err(q->p, IDT_E_NOT_FOUND, "name the %s: /%s/{path}", sa_types[u->obj.type].name,
                       sa_types[u->obj.type].name);
    if ((e = sa_form(q, &form)) || (e = sa_form_one(q, form, "type", &type)) ||
        (e = sa_form_one(q, form, "name", &name)))
        return e;
    if (type && *type && sa_type_of(type, 0) != (int)u->obj.type)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "type cannot change: the URI names a %s (leave type out)",
                       sa_types[u->obj.type].name);
    if ((e = sa_obj_find(q, &u->obj, 1, &o))) return e;
    if (!o) {
        const char *leaf = strrchr(u->obj.path, '/') + 1;
        int lost = 0;
        if (name && *name && strcmp(name, leaf))
            return idt_err(q->p, IDT_E_BAD_REQUEST,
                           "name is the last segment of the URI (%s): leave it out", leaf);
        if ((e = parent_of(q, u->obj.type, u->obj.path, &parent)) ||
            (e = create(q, u->obj.type, parent, leaf, form, &o, &lost)))
            return e;
        if (!lost) {
            idt_reply(q, u->obj.type == SA_CREDENTIAL ? 200 : 201, sa_obj_json(o));
            return NULL;
        }
        /* Another PUT made it between our look and our INSERT, which waited for that
         * transaction's commit: the object exists now, so this PUT is an update of it (a
         * PUT creates or updates; it is never "already exists"). The statement sees what
         * committed since; a site or policy holding the path instead is still a 409. */
        if ((e = sa_obj_find(q, &u->obj, 1, &o))) return e;
        if (!o) return taken(q, u->obj.type, u->obj.path);
    }
    if (name && *name && strcmp(name, o->name))
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "name cannot change (it is %s): create the object under its new path "
                       "and delete this one",
                       o->name);
    attrs = idt_json_own(q->p, json_deep_copy(o->attrs));
    if ((e = apply(q, u->obj.type, form, attrs, 0))) return e;
    if (!json_equal(attrs, o->attrs)) {
        params[0] = o->id;
        params[1] = idt_json_dump(q->p, attrs, JSON_COMPACT);
        if ((e = idt_db_exec(q->db, NULL,
                             "UPDATE idtrust.sso_object SET attributes = $2::jsonb, "
                             "updated_at = now() WHERE id = $1",
                             2, params)) ||
            (e = audit(q, "sso.update", o, json_pack("{s:O}", "attributes", attrs))))
            return e;
        o->attrs = attrs;
    }
    if ((e = sa_key_written(q, o, 0))) return e;
    /* the seed answers a key's PUT with 200 */
    idt_reply(q, u->obj.type == SA_CREDENTIAL ? 200 : 201, sa_obj_json(o));
    return NULL;
}

idt_error *sa_object_delete(idt_req *q, const sa_uri *u)
{
    static const char *const none[] = {NULL};
    const char *params[3];
    apr_table_t *form;
    PGresult *r;
    sa_obj *o;
    idt_error *e;
    long below = 0;

    if (u->obj.type == SA_SERVER) return sa_not_allowed(q, "GET");
    if (u->bare)
        return idt_err(q->p, IDT_E_NOT_FOUND, "name the %s: /%s/{path}", sa_types[u->obj.type].name,
                       sa_types[u->obj.type].name);
    if ((e = sa_form(q, &form)) || (e = sa_form_only(q, form, none, "DELETE")) ||
        (e = sa_obj_need(q, &u->obj, 1, &o)))
        return e;
    if (is_protected(o))
        return idt_err(q->p, IDT_E_CONFLICT, "%s is part of every repository and cannot be deleted",
                       sa_id(q->p, o->type, o->path));
    if (o->type == SA_SITE || o->type == SA_POLICY) {
        const char *key = sa_key(q->p, o->path);
        params[0] = apr_pstrcat(q->p, key, "/", NULL);
        params[1] = apr_pstrcat(q->p, key, "0", NULL);
        if ((e = idt_db_exec(q->db, &r,
                             "SELECT count(*) FROM idtrust.sso_object "
                             "WHERE path_key > $1 AND path_key < $2",
                             2, params)))
            return e;
        below = atol(PQgetvalue(r, 0, 0));
    }
    params[0] = o->id;
    if ((e = idt_db_exec(q->db, NULL, "DELETE FROM idtrust.sso_object WHERE id = $1", 1, params)) ||
        (e = audit(q, "sso.delete", o, json_pack("{s:I}", "objects_below", (json_int_t)below))))
        return e;
    /* the seed answers a key's DELETE with 204 */
    if (o->type == SA_CREDENTIAL)
        idt_reply(q, 204, NULL);
    else
        idt_reply(q, 200, sa_obj_json(o));
    return NULL;
}
