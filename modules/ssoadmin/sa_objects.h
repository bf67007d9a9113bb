/* Objects of the tree: reading them from the repository, their JSON form, form
 * parameters, and the object requests (GET, POST, PUT, DELETE of /{type}/{path}). */
#ifndef SA_OBJECTS_H
#define SA_OBJECTS_H

#include <apr_tables.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "idt_httpd_runner.h"
#include "sa_types.h"
#include "sa_uri.h"

typedef struct sa_obj {
    const char *id; /* sso_object.id */
    sa_type type;
    const char *name, *path;
    const char *parent_id; /* NULL at the top */
    json_t *attrs;         /* stored attributes (owned by the request pool) */
} sa_obj;

/* The columns sa_obj_row reads, of sso_object o, in its order. */
#define SA_OBJ_COLS "o.id, o.type, o.name, o.path, o.parent_id, o.attributes::text"
#define SA_OBJ_NCOLS 6

/* The object in row of r, its columns from col on (SA_OBJ_COLS). */
idt_error *sa_obj_row(idt_req *q, const PGresult *r, int row, int col, sa_obj **out);

/* The object ref names, locked FOR UPDATE when lock; *out NULL when there is none. */
idt_error *sa_obj_find(idt_req *q, const sa_ref *ref, int lock, sa_obj **out);

/* The same, IDT_E_NOT_FOUND ("no site /site/X") when there is none. */
idt_error *sa_obj_need(idt_req *q, const sa_ref *ref, int lock, sa_obj **out);

/* {"type", "id", "attributes"} of o, attributes in the type's order, name first. */
json_t *sa_obj_json(const sa_obj *o);

/* The form parameters of the request body (any known parameter name, in any case;
 * repeated and empty values kept): IDT_E_BAD_REQUEST naming an unknown one. */
idt_error *sa_form(idt_req *q, apr_table_t **form);

/* IDT_E_BAD_REQUEST naming the first parameter of form not in allowed (NULL-ended);
 * context says what takes them ("a link to a method"). */
idt_error *sa_form_only(idt_req *q, apr_table_t *form, const char *const *allowed,
                        const char *context);

/* The one value of parameter name, trimmed (NULL when absent); IDT_E_BAD_REQUEST when it
 * is given twice or holds control characters. */
idt_error *sa_form_one(idt_req *q, apr_table_t *form, const char *name, const char **value);

/* "true"/"false" for a boolean parameter value (any case); IDT_E_BAD_REQUEST otherwise. */
idt_error *sa_bool(idt_req *q, const char *name, const char *value, const char **out);

/* Creates an object of type t named name under parent (NULL at the top), its
 * attributes from form, and writes the audit row. IDT_E_CONFLICT when the path is taken. */
idt_error *sa_obj_create(idt_req *q, sa_type t, const sa_obj *parent, const char *name,
                         apr_table_t *form, sa_obj **out);

/* Replies with the JSON array of the objects of r (SA_OBJ_COLS from column 0, and then,
 * when link_cols, the link's enabled and username). */
idt_error *sa_list_reply(idt_req *q, const PGresult *r, int link_cols);

/* The object requests. */
idt_error *sa_object_get(idt_req *q, const sa_uri *u);
idt_error *sa_object_post(idt_req *q, const sa_uri *u);
idt_error *sa_object_put(idt_req *q, const sa_uri *u);
idt_error *sa_object_delete(idt_req *q, const sa_uri *u);

/* IDT_E_METHOD with an Allow header of allow. */
idt_error *sa_not_allowed(idt_req *q, const char *allow);

#endif
