/* The one request runner every idtrust API module hands its requests to.
 *
 * A module describes its API once (idt_api: routes, envelope, cache channel, schema
 * version) and calls the idt_api_* functions from its hooks. The runner matches the
 * route, reads away a body the route does not read (so a refused body changes
 * nothing), serves GETs from the read cache, runs every other method as one
 * transaction, invalidates what the write touched, and renders the result, or the
 * error through the module's envelope. A module adds routes, domain code and its
 * envelope; none of this is copied into it. */
#ifndef IDT_HTTPD_RUNNER_H
#define IDT_HTTPD_RUNNER_H

#include <httpd.h>
#include <http_config.h>
#include <http_request.h>
#include <jansson.h>

#include "idt_audit.h"
#include "idt_db.h"
#include "idt_error.h"
#include "idt_httpd_cache.h"
#include "idt_httpd_route.h"

typedef struct idt_api idt_api;

/* One request as a route sees it. */
struct idt_req {
    request_rec *r;
    apr_pool_t *p;
    const idt_api *api;
    const char *args[IDT_ROUTE_MAX_ARGS]; /* the route's {} segments */
    idt_db *db;                           /* in a transaction for every method but GET */
    idt_actor who;                        /* for audit rows */
    const void *conf;                     /* the module's own server config */
    const char *secret;                   /* passphrase for private keys at rest, or NULL */
    int status;                           /* on success: 200, 201 or 204 */
    json_t *out;                          /* on success: the body (owned by p), NULL for 204 */
    const char *body;                     /* on success, instead of out: a body already rendered */
    const char *content_type;             /* of body (or of out when the API renders it itself) */
    /* Set by a write route: runs once its transaction has committed, before the answer
     * is sent (what must not happen earlier, such as forgetting a changed login) */
    void (*committed)(idt_req *q);
};

/* What a module tells the runner about its API. */
struct idt_api {
    const char *name;        /* "mod_idstore": for log lines */
    const char *tag;         /* message tag of the module's request errors, "IS00100" */
    module *module;          /* whose server config becomes idt_req.conf */
    const idt_route *routes; /* ended by a {NULL} entry */
    /* URI prefixes the routes live under ("/v1/identity-stores"); such requests never
     * walk the filesystem (a 5,000-byte path is a 404 of the API, not httpd's 403) */
    const char *const *prefixes;
    /* Renders e in the API's envelope (after the runner logged it); returns what the
     * handler returns. Called for route errors and for httpd's own (ErrorDocument). */
    int (*render_error)(request_rec *r, const idt_error *e);
    /* Renders a success whose q->out is set, setting q->body and q->content_type; NULL:
     * compact JSON, application/json;charset=UTF-8. */
    idt_error *(*render)(idt_req *q);
    /* The part of a GET's cache key beyond its URI that changes the answer (a
     * negotiated format); NULL when the URI alone decides. */
    const char *(*variant)(request_rec *r);
    const char *channel; /* NOTIFY channel of the API's tables; NULL: no read cache */
    int cache_entries;   /* rendered GET responses kept per child process */
    int schema_version;  /* the schema this build needs, and its migration file */
    const char *migration;

    /* the runner's own state */
    idt_cache *cache;
};

/* post_config: mod_dbd and mod_idtrust present (else a sentence naming the module to
 * load), the schema requirement given to /idtrust/ready, the read cache made unless
 * cache_on is 0, and the API registered for httpd's own errors. NULL or the sentence. */
const char *idt_api_post_config(idt_api *api, apr_pool_t *pconf, server_rec *s, int cache_on);

/* child_init: checks the schema (exits the child when it is too old: httpd stops) and
 * starts the change listener of the read cache. */
void idt_api_child_init(idt_api *api, apr_pool_t *pchild, server_rec *s);

/* translate_name and map_to_storage: a request under one of api->prefixes names no
 * file, so neither the path's mapping to the filesystem nor the directory walk runs
 * (httpd would answer a path longer than PATH_MAX with 403 and log it whole). DECLINED
 * for other requests, and for TRACE (TraceEnable Off refuses it before auth). */
int idt_api_translate(const idt_api *api, request_rec *r);
int idt_api_map_to_storage(const idt_api *api, request_rec *r);

/* The handler: runs the request when r->handler is `handler`; the ErrorDocument
 * handler: renders httpd's error when it is `error_handler`. DECLINED otherwise. */
int idt_api_handle(const idt_api *api, request_rec *r, const char *handler,
                   const char *error_handler);

/* Defines the hooks every API module has, each handing its request to the runner with
 * api (child_init after mod_dbd's; translate_name, map_to_storage, handler), and
 * idt_api_register_hooks() that registers them; call it from the module's
 * register_hooks, which adds its own post_config (it knows its directives). */
#define IDT_API_HOOKS(api, handler_name, error_handler_name)                                       \
    IDT_API_HOOKS_AS(idt_api, api, handler_name, error_handler_name)

/* The same for a module that serves more than one API (each with its own prefixes,
 * envelope and handler names): the hooks of api are named after name, and
 * name##_register_hooks() registers them. */
#define IDT_API_HOOKS_AS(name, api, handler_name, error_handler_name)                              \
    static void name##_hook_child_init(apr_pool_t *p, server_rec *s)                               \
    {                                                                                              \
        idt_api_child_init(&(api), p, s);                                                          \
    }                                                                                              \
    static int name##_hook_translate(request_rec *r)                                               \
    {                                                                                              \
        return idt_api_translate(&(api), r);                                                       \
    }                                                                                              \
    static int name##_hook_map_to_storage(request_rec *r)                                          \
    {                                                                                              \
        return idt_api_map_to_storage(&(api), r);                                                  \
    }                                                                                              \
    static int name##_hook_handler(request_rec *r)                                                 \
    {                                                                                              \
        return idt_api_handle(&(api), r, handler_name, error_handler_name);                        \
    }                                                                                              \
    static void name##_register_hooks(void)                                                        \
    {                                                                                              \
        static const char *const after_dbd[] = {"mod_dbd.c", NULL};                                \
        ap_hook_child_init(name##_hook_child_init, after_dbd, NULL, APR_HOOK_MIDDLE);              \
        ap_hook_translate_name(name##_hook_translate, NULL, NULL, APR_HOOK_FIRST);                 \
        ap_hook_map_to_storage(name##_hook_map_to_storage, NULL, NULL, APR_HOOK_FIRST);            \
        ap_hook_handler(name##_hook_handler, NULL, NULL, APR_HOOK_MIDDLE);                         \
    }

/* Logs e once and renders it through api's envelope. */
int idt_api_error(const idt_api *api, request_rec *r, const idt_error *e);

/* Sets the success status and body; the body becomes owned by the request pool. */
void idt_reply(idt_req *q, int status, json_t *body);

/* Appends item (a fresh reference, possibly NULL when json_pack failed) to list:
 * IDT_E_INTERNAL rather than a silently shorter list. */
idt_error *idt_append(idt_req *q, json_t *list, json_t *item);

#endif
