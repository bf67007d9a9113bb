/* mod_idstore's routes. */
#ifndef IS_ROUTES_H
#define IS_ROUTES_H

#include <httpd.h>
#include <jansson.h>

#include "idt_httpd_runner.h"
#include "is_config.h"

extern const idt_route is_routes[];

/* The module's server config of a request. */
static inline const is_config *is_conf(const idt_req *q)
{
    return q->conf;
}

/* 1 when s is a canonical lower-case uuid. */
int is_uuid(const char *s);

#endif
