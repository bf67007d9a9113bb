/* Static route tables: method + path pattern -> handler. */
#ifndef IDT_HTTPD_ROUTE_H
#define IDT_HTTPD_ROUTE_H

#include <httpd.h>

#include "idt_error.h"

#define IDT_ROUTE_MAX_ARGS 4

typedef struct idt_req idt_req;
typedef idt_error *(*idt_route_fn)(idt_req *req);

typedef struct idt_route {
    const char *method;  /* "GET", "POST", "DELETE", ... */
    const char *pattern; /* "/v1/identity-stores/{}/saml-certificates": {} takes one segment;
                            a final "{*}" takes the rest of the path, as it is */
    idt_route_fn fn;
    int reads_body; /* 1: fn reads the request body itself; 0: the body is read and
                       dropped before fn runs, so a refused body changes nothing */
    int scope;      /* index of the {} whose value scopes the read cache (a GET is
                       cached in it, a write makes it stale), or IDT_NO_SCOPE */
} idt_route;

#define IDT_NO_SCOPE (-1)

/* Finds the route for r->method and path in a table ended by a {NULL} entry, putting
 * the {} segments in args. IDT_E_NOT_FOUND when no pattern matches the path,
 * IDT_E_METHOD (with an Allow header set on r) when only the method is wrong. */
idt_error *idt_route_match(request_rec *r, const idt_route *table, const char *path,
                           const idt_route **found, const char **args);

#endif
