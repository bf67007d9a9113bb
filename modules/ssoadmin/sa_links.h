/* $link: listing a site's tree (one, sub), a parent site, and the stored links between
 * objects, read and changed from either end. */
#ifndef SA_LINKS_H
#define SA_LINKS_H

#include "idt_httpd_runner.h"
#include "sa_uri.h"

/* GET: the objects linked (a list), or with a target the one link (404 when absent). */
idt_error *sa_link_get(idt_req *q, const sa_uri *u);

/* PUT (post 0: create or update the link's attributes) and POST (post 1: create; an
 * existing link is a 409). 201 with the object linked to. */
idt_error *sa_link_set(idt_req *q, const sa_uri *u, int post);

/* DELETE: removes the link (404 when absent); 200 with the object that was linked. */
idt_error *sa_link_delete(idt_req *q, const sa_uri *u);

/* Links from_id to to_id by kind (a new row: no link attributes), unless they are
 * linked already; *made says which. */
idt_error *sa_link_add(idt_req *q, const char *from_id, sa_type from_type, const char *kind,
                       const char *to_id, sa_type to_type, int *made);

#endif
