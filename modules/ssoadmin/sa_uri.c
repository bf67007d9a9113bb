#include "sa_uri.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <httpd.h>
#include <strings.h>

#include "idt_text.h"

/* Segments of a path, and of a whole URI: more cannot name anything stored. */
#define SA_MAX_SEGMENTS 64
#define SA_MAX_NAME 255

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char *sa_trim(apr_pool_t *p, const char *s)
{
    const char *e = s + strlen(s);
    while (is_space(*s))
        s++;
    while (e > s && is_space(e[-1]))
        e--;
    return apr_pstrmemdup(p, s, (apr_size_t)(e - s));
}

idt_error *sa_text_check(apr_pool_t *p, const char *s, int lines, const char *what)
{
    const unsigned char *c;

    for (c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && !(lines && (*c == '\n' || *c == '\r' || *c == '\t'))) || *c == 0x7f)
            return idt_err(p, IDT_E_BAD_REQUEST, "%s holds a control character", what);
    if (!idt_text_is_utf8(s)) return idt_err(p, IDT_E_BAD_REQUEST, "%s is not UTF-8", what);
    return NULL;
}

idt_error *sa_name_check(apr_pool_t *p, const char *name, const char *what)
{
    idt_error *e;

    if (!*name) return idt_err(p, IDT_E_BAD_REQUEST, "%s is empty", what);
    if (strlen(name) > SA_MAX_NAME)
        return idt_err(p, IDT_E_BAD_REQUEST, "%s is longer than %d bytes", what, SA_MAX_NAME);
    if ((e = sa_text_check(p, name, 0, what))) return e;
    if (strchr(name, '/')) return idt_err(p, IDT_E_BAD_REQUEST, "%s holds a '/'", what);
    if (name[0] == '$')
        return idt_err(p, IDT_E_BAD_REQUEST, "%s starts with '$', which marks $link and $attribute",
                       what);
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return idt_err(p, IDT_E_BAD_REQUEST, "%s is \"%s\"", what, name);
    return NULL;
}

const char *sa_id(apr_pool_t *p, sa_type t, const char *path)
{
    return apr_pstrcat(p, "/", sa_types[t].name, path, NULL);
}

const char *sa_key(apr_pool_t *p, const char *path)
{
    char *k = apr_pstrdup(p, path), *c;
    for (c = k; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    return k;
}

/* rest split at '/', one trailing slash tolerated; NULL entries for none. */
static idt_error *split(apr_pool_t *p, const char *rest, const char **seg, int *n)
{
    char *copy = apr_pstrdup(p, rest), *s = copy, *slash;
    apr_size_t len = strlen(copy);

    *n = 0;
    if (len && copy[len - 1] == '/') copy[len - 1] = '\0';
    while (*s || *n == 0) {
        if (*n == SA_MAX_SEGMENTS)
            return idt_err(p, IDT_E_BAD_REQUEST, "the path has more than %d segments",
                           SA_MAX_SEGMENTS);
        slash = strchr(s, '/');
        if (slash) *slash = '\0';
        seg[(*n)++] = s;
        if (!slash) break;
        s = slash + 1;
        if (!*s) return idt_err(p, IDT_E_BAD_REQUEST, "the path has an empty segment");
    }
    return NULL;
}

/* The path of segments [from, to) of seg, each trimmed and checked, or "" for none. */
static idt_error *join(apr_pool_t *p, const char **seg, int from, int to, const char **path)
{
    apr_array_header_t *parts = apr_array_make(p, 2 * (to > from ? to - from : 0) + 1, sizeof(char *));
    int i;

    for (i = from; i < to; i++) {
        const char *name = sa_trim(p, seg[i]);
        idt_error *e = sa_name_check(p, name, "a segment of the path");
        if (e) return e;
        APR_ARRAY_PUSH(parts, const char *) = "/";
        APR_ARRAY_PUSH(parts, const char *) = name;
    }
    /* joined once: a path of many segments costs its length */
    *path = apr_array_pstrcat(p, parts, '\0');
    return NULL;
}

/* Whether a path of n segments can name an object of type t. */
static idt_error *path_fits(apr_pool_t *p, sa_type t, int n)
{
    if (t == SA_SERVER && n)
        return idt_err(p, IDT_E_NOT_FOUND, "there is one server, /server: it has no path");
    if (t == SA_METHOD && n > 1)
        return idt_err(p, IDT_E_NOT_FOUND, "a method is named by one segment: /method/{name}");
    return NULL;
}

/* A target [/{type}]/{path} of segments [from, to): typed when the first segment names a
 * type of allowed and more segments follow (or it is the server, which has no path). */
static idt_error *target(apr_pool_t *p, const char **seg, int from, int to, unsigned allowed,
                         sa_type def, sa_ref *ref)
{
    int t = sa_type_of(seg[from], 0);
    idt_error *e;

    ref->type = def;
    if (t >= 0 && (allowed & SA_BIT(t)) && (to - from > 1 || t == SA_SERVER)) {
        ref->type = (sa_type)t;
        from++;
    }
    if ((e = path_fits(p, ref->type, to - from))) return e;
    if (ref->type != SA_SERVER && from == to)
        return idt_err(p, IDT_E_NOT_FOUND, "the link names no %s", sa_types[ref->type].name);
    return join(p, seg, from, to, &ref->path);
}

idt_error *sa_uri_parse(apr_pool_t *p, const char *rest, sa_uri *u)
{
    const char *seg[SA_MAX_SEGMENTS];
    int n, i, t, end;
    idt_error *e;

    memset(u, 0, sizeof(*u));
    u->filter = -1;
    if ((e = split(p, rest, seg, &n))) return e;
    if ((t = sa_type_of(seg[0], 0)) < 0)
        return idt_err(p, IDT_E_NOT_FOUND,
                       "no object type \"%s\": the types are site, application, group, policy, "
                       "policyItem, user, method, server, credential, outboundMappingPolicy and "
                       "refreshTokenPolicy",
                       ap_escape_logitem(p, seg[0]));
    u->obj.type = (sa_type)t;
    for (end = 1; end < n && seg[end][0] != '$'; end++)
        ;
    if ((e = path_fits(p, u->obj.type, end - 1))) return e;
    if ((e = join(p, seg, 1, end, &u->obj.path))) return e;
    u->bare = end == 1 && t != SA_SERVER;
    if (end == n) return NULL;

    if (u->bare) return idt_err(p, IDT_E_NOT_FOUND, "%s names no %s", seg[end], sa_types[t].name);
    if (!strcasecmp(seg[end], "$attribute")) {
        if (n - end != 2)
            return idt_err(p, IDT_E_NOT_FOUND, "$attribute is followed by one attribute name");
        u->attribute = seg[end + 1];
        return NULL;
    }
    if (strcasecmp(seg[end], "$link"))
        return idt_err(p, IDT_E_NOT_FOUND, "unknown terminator \"%s\": use $link or $attribute",
                       ap_escape_logitem(p, seg[end]));
    if (n - end < 2)
        return idt_err(p, IDT_E_NOT_FOUND, "$link is followed by a link name; a %s has: %s",
                       sa_types[t].name, sa_link_names(p, u->obj.type));
    if (!(u->link = sa_link_of(u->obj.type, seg[end + 1])))
        return idt_err(p, IDT_E_NOT_FOUND, "a %s has no link \"%s\"; its links: %s",
                       sa_types[t].name, ap_escape_logitem(p, seg[end + 1]),
                       sa_link_names(p, u->obj.type));
    i = end + 2;
    switch (u->link->special) {
    case SA_L_ONE:
    case SA_L_SUB:
        if (i == n) return NULL;
        if (n - i > 1 || (u->filter = sa_type_of(seg[i], 1)) < 0)
            return idt_err(p, IDT_E_NOT_FOUND, "$link/%s is followed by nothing or by a type",
                           u->link->name);
        return NULL;
    case SA_L_PARENT:
    case SA_L_STORED:
        break;
    }
    if (i == n) return NULL;
    u->has_target = 1;
    return target(p, seg, i, n, u->link->targets, u->link->default_type, &u->target);
}

idt_error *sa_ref_parse(apr_pool_t *p, const char *text, unsigned allowed, sa_type default_type,
                        sa_ref *ref)
{
    const char *seg[SA_MAX_SEGMENTS];
    int n;
    idt_error *e;

    if (*text == '/') text++;
    if (!*text) return idt_err(p, IDT_E_BAD_REQUEST, "the path is empty");
    if ((e = split(p, text, seg, &n))) return e;
    return target(p, seg, 0, n, allowed, default_type, ref);
}
