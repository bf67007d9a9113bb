#include "sa_policy.h"

#include <apr_strings.h>

#include "idt_audit.h"
#include "sa_links.h"
#include "sa_objects.h"

/* Names tried for a new item before giving up: name, name.2, ... */
#define SA_ITEM_TRIES 100

/* The item's name in the policy: the attribute name made a path segment ('/' of a claim
 * URI becomes '_'), cut to leave room for a ".N" suffix. */
static const char *item_base(apr_pool_t *p, const char *name)
{
    char *b = apr_pstrdup(p, name), *c;
    apr_size_t n = strlen(b);

    for (c = b; *c; c++)
        if (*c == '/') *c = '_';
    if (b[0] == '$') b[0] = '_';
    if (!strcmp(b, ".") || !strcmp(b, "..")) b[0] = '_';
    if (n > 240) {
        n = 240;
        while (n && ((unsigned char)b[n] & 0xc0) == 0x80) /* not within a UTF-8 character */
            n--;
        b[n] = '\0';
    }
    return b;
}

/* The policy's item giving name = value, made when there is none. */
static idt_error *item_for(idt_req *q, const sa_obj *policy, const char *name, const char *value,
                           sa_obj **item)
{
    const char *params[3] = {policy->id, name, value}, *base = item_base(q->p, name);
    apr_table_t *attrs;
    PGresult *r;
    idt_error *e;
    int i;

    e = idt_db_exec(
        q->db, &r,
        "SELECT " SA_OBJ_COLS " FROM idtrust.sso_object o "
        "WHERE o.parent_id = $1 AND o.type = 'policyItem' "
        "AND o.attributes->>'attributeName' = $2 AND o.attributes->>'attributeValue' = $3 "
        "ORDER BY o.id LIMIT 1",
        3, params);
    if (e) return e;
    if (PQntuples(r)) return sa_obj_row(q, r, 0, 0, item);
    attrs = apr_table_make(q->p, 2);
    apr_table_setn(attrs, "attributeName", name);
    apr_table_setn(attrs, "attributeValue", value);
    for (i = 1; i <= SA_ITEM_TRIES; i++) {
        const char *leaf = i == 1 ? base : apr_psprintf(q->p, "%s.%d", base, i);
        sa_ref ref = {SA_POLICYITEM, apr_pstrcat(q->p, policy->path, "/", leaf, NULL)};
        sa_obj *taken;
        if ((e = sa_obj_find(q, &ref, 0, &taken))) return e;
        if (taken) continue;
        /* made in the policy, hence linked to it */
        return sa_obj_create(q, SA_POLICYITEM, policy, leaf, attrs, item);
    }
    return idt_err(q->p, IDT_E_CONFLICT, "policy %s has %d items for attribute %s already",
                   sa_id(q->p, policy->type, policy->path), SA_ITEM_TRIES, name);
}

idt_error *sa_policy_post(idt_req *q, const sa_uri *u)
{
    static const char *const allowed[] = {"group", "name", "value", NULL};
    const char *group, *name, *value;
    apr_table_t *form;
    sa_ref gref;
    sa_obj *policy, *g, *item;
    idt_error *e;
    int made;

    if ((e = sa_form(q, &form)) ||
        (e = sa_form_only(q, form, allowed, "a policy's data (group, name and value)")) ||
        (e = sa_form_one(q, form, "group", &group)) || (e = sa_form_one(q, form, "name", &name)) ||
        (e = sa_form_one(q, form, "value", &value)))
        return e;
    if (!group || !*group || !name || !*name || !value || !*value)
        return idt_err(q->p, IDT_E_BAD_REQUEST,
                       "group, name and value are required: the group whose members get the "
                       "attribute, its name and its value");
    if (strlen(name) > 255)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "name is longer than 255 bytes");
    if (strlen(value) > 4096)
        return idt_err(q->p, IDT_E_BAD_REQUEST, "value is longer than 4096 bytes");
    if ((e = sa_ref_parse(q->p, group, SA_BIT(SA_GROUP), SA_GROUP, &gref))) return e;
    if ((e = sa_obj_need(q, &u->obj, 1, &policy)) || (e = sa_obj_need(q, &gref, 0, &g)) ||
        (e = item_for(q, policy, name, value, &item)) ||
        (e = sa_link_add(q, item->id, SA_POLICYITEM, "group", g->id, SA_GROUP, &made)))
        return e;
    if (!made)
        return idt_err(q->p, IDT_E_CONFLICT, "policy %s gives %s = %s to group %s already",
                       sa_id(q->p, policy->type, policy->path), name, value,
                       sa_id(q->p, g->type, g->path));
    if ((e = idt_audit(q->db, &q->who, "sso.policy.data", "sso_policy",
                       sa_id(q->p, policy->type, policy->path),
                       json_pack("{s:s, s:s, s:s, s:s}", "group", sa_id(q->p, g->type, g->path),
                                 "name", name, "value", value, "item",
                                 sa_id(q->p, item->type, item->path)))))
        return e;
    idt_reply(q, 201, sa_obj_json(item));
    return NULL;
}
