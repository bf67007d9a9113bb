/* The API's URIs: /{type}[/{path}][/$link/{link}[/{target}] | /$attribute/{name}]. */
#ifndef SA_URI_H
#define SA_URI_H

#include <apr_pools.h>

#include "idt_error.h"
#include "sa_types.h"

/* An object named by its type and path. */
typedef struct sa_ref {
    sa_type type;
    const char *path; /* "/AcmeCorporation/SampleSite" (segments trimmed), "" for the server */
} sa_ref;

typedef struct sa_uri {
    sa_ref obj;
    int bare;                /* 1: the type alone (/site, /method) */
    const sa_link_def *link; /* after $link/, or NULL */
    int filter;              /* $link/one/{type}, $link/sub/{type}: the type, or -1 */
    int has_target;          /* $link/{link}/{target} */
    sa_ref target;
    const char *attribute; /* after $attribute/, or NULL */
} sa_uri;

/* Parses rest, the URI after "/sso-api/" (%-decoded by httpd). IDT_E_NOT_FOUND for what
 * names nothing (an unknown type, link or attribute, a method path of two segments),
 * IDT_E_BAD_REQUEST for a path that cannot name anything (an empty segment, control
 * characters, a segment over 255 bytes). */
idt_error *sa_uri_parse(apr_pool_t *p, const char *rest, sa_uri *u);

/* Parses a reference to an object given as a parameter value: [/{type}]/{path}, type
 * default_type when the first segment names none of the types in allowed (an SA_BIT mask). */
idt_error *sa_ref_parse(apr_pool_t *p, const char *text, unsigned allowed, sa_type default_type,
                        sa_ref *ref);

/* The object's id as the API shows it: /{type}{path} ("/site/System", "/server"). */
const char *sa_id(apr_pool_t *p, sa_type t, const char *path);

/* path with ASCII letters in lower case: the repository's path_key. */
const char *sa_key(apr_pool_t *p, const char *path);

/* s without leading and trailing white space (ASCII: space, tab, CR, LF, FF, VT). */
char *sa_trim(apr_pool_t *p, const char *s);

/* NULL when s (a name, a value) is valid UTF-8 without control characters (newlines are
 * allowed when lines is 1); otherwise a 400 naming what. */
idt_error *sa_text_check(apr_pool_t *p, const char *s, int lines, const char *what);

/* NULL when name can name an object: 1 to 255 bytes, no '/', not starting with '$', not
 * "." or "..", sa_text_check; otherwise a 400 naming what. */
idt_error *sa_name_check(apr_pool_t *p, const char *name, const char *what);

#endif
