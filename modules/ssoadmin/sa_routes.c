#include "sa_routes.h"

#include "sa_keys.h"
#include "idt_httpd_query.h"
#include "sa_links.h"
#include "sa_metadata.h"
#include "sa_objects.h"
#include "sa_uri.h"

/* The URI after the prefix; and no query string but PUT $attribute/metadata's policy. */
static idt_error *parse(idt_req *q, sa_uri *u)
{
    static const char *const none[] = {NULL};
    apr_table_t *query;
    idt_error *e = sa_uri_parse(q->p, q->args[0], u);

    if (e) return e;
    if (u->attribute && q->r->method_number == M_PUT) return NULL;
    return idt_query_parse(q->r, none, &query);
}

/* A credential's attributes are its key's ($attribute/csr); the others, metadata's. */
static idt_error *attribute(idt_req *q, const sa_uri *u)
{
    if (u->obj.type == SA_CREDENTIAL) return sa_key_csr(q, u);
    return sa_metadata(q, u);
}

static idt_error *sa_get(idt_req *q)
{
    sa_uri u;
    idt_error *e = parse(q, &u);

    if (e) return e;
    if (u.attribute) return attribute(q, &u);
    if (u.link) return sa_link_get(q, &u);
    return sa_object_get(q, &u);
}

static idt_error *sa_post(idt_req *q)
{
    sa_uri u;
    idt_error *e = parse(q, &u);

    if (e) return e;
    if (u.attribute) return attribute(q, &u);
    if (u.link) return sa_link_set(q, &u, 1);
    return sa_object_post(q, &u);
}

static idt_error *sa_put(idt_req *q)
{
    sa_uri u;
    idt_error *e = parse(q, &u);

    if (e) return e;
    if (u.attribute) return attribute(q, &u);
    if (u.link) return sa_link_set(q, &u, 0);
    return sa_object_put(q, &u);
}

static idt_error *sa_delete(idt_req *q)
{
    sa_uri u;
    idt_error *e = parse(q, &u);

    if (e) return e;
    if (u.attribute) return attribute(q, &u);
    if (u.link) return sa_link_delete(q, &u);
    return sa_object_delete(q, &u);
}

/* Objects and links depend on each other across the tree (a deleted group leaves an
 * application's allowedTo): no route scopes the read cache, so a write makes every
 * cached answer stale. */
const idt_route sa_routes[] = {{"GET", SA_PREFIX "/{*}", sa_get, 0, IDT_NO_SCOPE},
                               {"POST", SA_PREFIX "/{*}", sa_post, 1, IDT_NO_SCOPE},
                               {"PUT", SA_PREFIX "/{*}", sa_put, 1, IDT_NO_SCOPE},
                               {"DELETE", SA_PREFIX "/{*}", sa_delete, 1, IDT_NO_SCOPE},
                               {NULL, NULL, NULL, 0, 0}};
