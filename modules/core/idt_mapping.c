#include "idt_mapping.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <libxml/chvalid.h>
#include <libxml/xmlstring.h>

#include "idt_json.h"
#include "idt_xml.h"

/* Mapping files are small: an administrator's file, not a document store. */
static const idt_xml_limits mapping_limits = {.max_size = 256 * 1024, .max_depth = 16};

typedef struct {
    apr_pool_t *p;
    const char *file;
    const json_t *fields;
    apr_hash_t *sources; /* declared DataSource names */
} parser;

static idt_error *bad(parser *ps, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static idt_error *bad(parser *ps, long line, const char *fmt, ...)
{
    va_list ap;
    const char *msg;
    va_start(ap, fmt);
    msg = apr_pvsprintf(ps->p, fmt, ap);
    va_end(ap);
    return idt_err(ps->p, IDT_E_XML, "%s:%ld: %s", ps->file, line, msg);
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const char *attr(apr_pool_t *p, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    const char *s = v ? apr_pstrdup(p, (const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* The placeholder starting at s[0] == '{': its length, the path inside in *path; 0
 * when s does not start one ("{" followed by anything else is a literal brace). */
static apr_size_t placeholder(apr_pool_t *p, const char *s, const char **path)
{
    const char *c = s + 1;
    int dots = 0;

    if (*s != '{' || !apr_isalpha(*c)) return 0;
    while (apr_isalnum(*c) || *c == '_' || (*c == '.' && (apr_isalnum(c[1]) || c[1] == '_'))) {
        if (*c == '.') dots++;
        c++;
    }
    if (*c != '}' || !dots) return 0;
    *path = apr_pstrmemdup(p, s + 1, (apr_size_t)(c - s - 1));
    return (apr_size_t)(c - s + 1);
}

/* The value at path ("Source.a.b") in data, or NULL. */
static const json_t *lookup(apr_pool_t *p, const json_t *data, const char *path)
{
    char *copy = apr_pstrdup(p, path), *last, *seg;
    const json_t *v = data;
    for (seg = apr_strtok(copy, ".", &last); seg && v; seg = apr_strtok(NULL, ".", &last))
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
    return v;
}

static idt_error *check_path(parser *ps, long line, const char *path)
{
    const char *dot = strchr(path, '.');
    const char *source = apr_pstrmemdup(ps->p, path, (apr_size_t)(dot - path));

    if (!apr_hash_get(ps->sources, source, APR_HASH_KEY_STRING))
        return bad(ps, line, "{%s} names data source %s, which <DataSources> does not declare",
                   path, source);
    if (!lookup(ps->p, ps->fields, path))
        return bad(ps, line, "{%s}: data source %s has no field %s", path, source, dot + 1);
    return NULL;
}

static idt_error *check_text(parser *ps, long line, const char *s)
{
    const char *path;
    apr_size_t n;
    idt_error *e;
    /* line advances with the text: a body's placeholders are reported on their own line */
    for (; *s; s++)
        if (*s == '\n') {
            line++;
        } else if ((n = placeholder(ps->p, s, &path))) {
            if ((e = check_path(ps, line, path))) return e;
            s += n - 1;
        }
    return NULL;
}

/* The text and CDATA of n, joined once (a body split into many runs costs its length,
 * not its length times the runs). */
static const char *text_of(apr_pool_t *p, xmlNodePtr n)
{
    apr_array_header_t *parts = apr_array_make(p, 4, sizeof(const char *));
    xmlNodePtr c;
    for (c = n->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            APR_ARRAY_PUSH(parts, const char *) = (const char *)c->content;
    return apr_array_pstrcat(p, parts, 0);
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (!apr_isspace(*s)) return 0;
    return 1;
}

/* Text other than white space directly inside n (elements only belong there). */
static idt_error *no_stray_text(parser *ps, xmlNodePtr n)
{
    xmlNodePtr c;
    for (c = n->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content &&
            !blank((const char *)c->content))
            return bad(ps, xmlGetLineNo(c->prev ? c->prev : n), "text inside <%s>, where only "
                       "elements belong", (const char *)n->name);
    return NULL;
}

static idt_error *read_sources(parser *ps, xmlNodePtr n)
{
    xmlNodePtr c;
    idt_error *e;
    if ((e = no_stray_text(ps, n))) return e;
    for (c = n->children; c; c = c->next) {
        const char *name;
        if (c->type != XML_ELEMENT_NODE) continue;
        if (!is_el(c, "DataSource"))
            return bad(ps, xmlGetLineNo(c), "<%s> inside <DataSources>: only <DataSource> belongs there",
                       (const char *)c->name);
        name = attr(ps->p, c, "Name");
        if (!name || !*name) return bad(ps, xmlGetLineNo(c), "<DataSource> without a Name");
        if (!json_object_get(ps->fields, name)) {
            apr_array_header_t *known = apr_array_make(ps->p, 8, sizeof(const char *));
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)ps->fields, k, v) {
                if (known->nelts) APR_ARRAY_PUSH(known, const char *) = ", ";
                APR_ARRAY_PUSH(known, const char *) = k;
            }
            return bad(ps, xmlGetLineNo(c), "unknown data source %s (known: %s)", name,
                       known->nelts ? apr_array_pstrcat(ps->p, known, 0) : "none");
        }
        if (apr_hash_get(ps->sources, name, APR_HASH_KEY_STRING))
            return bad(ps, xmlGetLineNo(c), "data source %s is declared twice", name);
        apr_hash_set(ps->sources, name, APR_HASH_KEY_STRING, name);
    }
    return NULL;
}

static int token(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return 0;
    return 1;
}

static idt_error *read_endpoint(parser *ps, xmlNodePtr n, idt_mapping *m)
{
    long line = xmlGetLineNo(n);
    const char *path;
    xmlNodePtr c;
    idt_error *e;

    m->verb = attr(ps->p, n, "Verb");
    m->url = attr(ps->p, n, "URL");
    if (!m->verb) return bad(ps, line, "<Endpoint> without a Verb");
    if (strcmp(m->verb, "POST") && strcmp(m->verb, "PUT") && strcmp(m->verb, "PATCH"))
        return bad(ps, line, "Verb %s: a notification is sent with POST, PUT or PATCH", m->verb);
    if (!m->url || !*m->url) return bad(ps, line, "<Endpoint> without a URL");
    if (!placeholder(ps->p, m->url, &path) && strncmp(m->url, "http://", 7) &&
        strncmp(m->url, "https://", 8))
        return bad(ps, line, "the URL must start with http://, https:// or a placeholder such as "
                   "{ExternalSystem.apiLocation}");
    if (strpbrk(m->url, " \t\r\n")) return bad(ps, line, "the URL holds white space");
    if ((e = check_text(ps, line, m->url)) || (e = no_stray_text(ps, n))) return e;
    for (c = n->children; c; c = c->next) {
        idt_mapping_header *h;
        if (c->type != XML_ELEMENT_NODE) continue;
        if (!is_el(c, "Header"))
            return bad(ps, xmlGetLineNo(c), "<%s> inside <Endpoint>: only <Header> belongs there",
                       (const char *)c->name);
        h = apr_array_push(m->headers);
        h->name = attr(ps->p, c, "Name");
        h->value = attr(ps->p, c, "Value");
        if (!h->name || !token(h->name))
            return bad(ps, xmlGetLineNo(c), "<Header> needs a Name made of header-name characters");
        if (!strcasecmp(h->name, "Content-Type") || !strcasecmp(h->name, "Content-Length") ||
            !strcasecmp(h->name, "Host") || !strcasecmp(h->name, "Authorization") ||
            !strcasecmp(h->name, "Idtrust-Delivery-Id"))
            return bad(ps, xmlGetLineNo(c), "header %s is set by idtrust, not by a mapping file",
                       h->name);
        if (!h->value) return bad(ps, xmlGetLineNo(c), "<Header> without a Value");
        if (strpbrk(h->value, "\r\n"))
            return bad(ps, xmlGetLineNo(c), "a header Value holds a line break");
        if ((e = check_text(ps, xmlGetLineNo(c), h->value))) return e;
    }
    return NULL;
}

/* s without the white space at both ends; *lines: the line breaks dropped before it. */
static const char *trim(apr_pool_t *p, const char *s, long *lines)
{
    const char *e;
    *lines = 0;
    for (; apr_isspace(*s); s++)
        if (*s == '\n') ++*lines;
    for (e = s + strlen(s); e > s && apr_isspace(e[-1]); e--) {
    }
    return apr_pstrmemdup(p, s, (apr_size_t)(e - s));
}

/* The type of body ContentType ct declares, by its media type (case-insensitive); the
 * parameters may hold any but a charset other than UTF-8, the encoding every value is
 * in. A media type idtrust has no escaping for is refused: its values would go in raw. */
static idt_error *body_type_of(parser *ps, long line, const char *ct, idt_mapping_body_type *out)
{
    const char *semi = strchr(ct, ';'), *slash, *sub;
    long nl;
    const char *base =
        trim(ps->p, apr_pstrmemdup(ps->p, ct, semi ? (apr_size_t)(semi - ct) : strlen(ct)), &nl);
    apr_size_t bl = strlen(base);

    slash = strchr(base, '/');
    sub = slash ? slash + 1 : NULL;
    if (!slash || !token(apr_pstrmemdup(ps->p, base, (apr_size_t)(slash - base))) || !token(sub))
        return bad(ps, line, "ContentType %s is not a media type such as application/xml", ct);
    while (semi) {
        const char *next = strchr(semi + 1, ';');
        const char *param =
            trim(ps->p,
                 apr_pstrmemdup(ps->p, semi + 1,
                                next ? (apr_size_t)(next - semi - 1) : strlen(semi + 1)),
                 &nl);
        const char *eq = strchr(param, '=');
        if (eq &&
            !strcasecmp(trim(ps->p, apr_pstrmemdup(ps->p, param, (apr_size_t)(eq - param)), &nl),
                        "charset")) {
            const char *cs = trim(ps->p, eq + 1, &nl);
            apr_size_t cl = strlen(cs);
            if (cl >= 2 && cs[0] == '"' && cs[cl - 1] == '"')
                cs = apr_pstrmemdup(ps->p, cs + 1, cl - 2);
            if (strcasecmp(cs, "UTF-8"))
                return bad(ps, line,
                           "ContentType %s: the body is sent in UTF-8 (charset=UTF-8 or none)",
                           ct);
        }
        semi = next;
    }
    if (!strcasecmp(base, "application/json") || (bl > 5 && !strcasecmp(base + bl - 5, "+json")))
        *out = IDT_MAPPING_JSON;
    else if (!strcasecmp(base, "application/xml") || !strcasecmp(base, "text/xml") ||
             (bl > 4 && !strcasecmp(base + bl - 4, "+xml")))
        *out = IDT_MAPPING_XML;
    else if (!strcasecmp(base, "application/x-www-form-urlencoded"))
        *out = IDT_MAPPING_FORM;
    else if (!strcasecmp(base, "text/plain"))
        *out = IDT_MAPPING_TEXT;
    else
        return bad(ps, line,
                   "ContentType %s: values are escaped for application/json (and any "
                   "+json), application/xml, text/xml (and any +xml), "
                   "application/x-www-form-urlencoded and text/plain; not for other types",
                   ct);
    return NULL;
}

static int has_placeholder(apr_pool_t *p, const char *s)
{
    const char *path;
    for (; *s; s++)
        if (*s == '{' && placeholder(p, s, &path)) return 1;
    return 0;
}

/* Placeholders of an XML body may stand in text and attribute values only, where
 * character references keep any value text. In CDATA, a comment or a processing
 * instruction no reference is read, so no escaping could keep a value inside (a value
 * holding "]]>" or "-->" would end it). first: the file's line of the body's line 1. */
static idt_error *xml_places(parser *ps, long first, xmlNodePtr n)
{
    idt_error *e;
    for (; n; n = n->next) {
        const char *what = n->type == XML_CDATA_SECTION_NODE ? "a CDATA section"
                           : n->type == XML_COMMENT_NODE     ? "a comment"
                           : n->type == XML_PI_NODE          ? "a processing instruction"
                                                             : NULL;
        if (what && n->content && has_placeholder(ps->p, (const char *)n->content))
            return bad(ps, first + (xmlGetLineNo(n) > 0 ? xmlGetLineNo(n) - 1 : 0),
                       "a placeholder inside %s of the XML body, where its value could not be "
                       "escaped: put it in text or an attribute value",
                       what);
        if (n->type == XML_ELEMENT_NODE && (e = xml_places(ps, first, n->children))) return e;
    }
    return NULL;
}

/* The encoding the XML declaration at the start of body names, or NULL. Read from the
 * text: idt_xml parses every document as UTF-8 and ignores the declaration, but the
 * receiver will not. */
static const char *declared_encoding(apr_pool_t *p, const char *body)
{
    const char *end, *at, *v;
    if (strncmp(body, "<?xml", 5) || !apr_isspace(body[5]) || !(end = strstr(body, "?>")))
        return NULL;
    for (at = strstr(body, "encoding"); at && at < end; at = strstr(at + 1, "encoding")) {
        if (!apr_isspace(at[-1])) continue;
        for (v = at + 8; apr_isspace(*v); v++) {
        }
        if (*v++ != '=') continue;
        while (apr_isspace(*v)) v++;
        if ((*v == '"' || *v == '\'') && strchr(v + 1, *v) && strchr(v + 1, *v) < end)
            return apr_pstrmemdup(p, v + 1, (apr_size_t)(strchr(v + 1, *v) - v - 1));
    }
    return NULL;
}

static idt_error *read_body(parser *ps, xmlNodePtr n, idt_mapping *m)
{
    long line = xmlGetLineNo(n), dropped = 0;
    const char *ct = attr(ps->p, n, "ContentType");
    xmlNodePtr c;
    idt_error *e;

    for (c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return bad(ps, xmlGetLineNo(c), "<%s> inside <Body>: the body is text (use CDATA "
                       "for markup)", (const char *)c->name);
    m->content_type = ct && *ct ? ct : "application/json";
    if (strpbrk(m->content_type, "\r\n")) return bad(ps, line, "ContentType holds a line break");
    if ((e = body_type_of(ps, line, m->content_type, &m->body_type))) return e;
    m->json = m->body_type == IDT_MAPPING_JSON;
    m->body = text_of(ps->p, n);
    if (m->json) {
        json_error_t err;
        json_t *j = json_loads(m->body, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
        if (!j)
            return bad(ps, line + (err.line > 0 ? err.line - 1 : 0),
                       "the JSON body does not parse: %s", err.text);
        m->body_json = idt_json_own(ps->p, j);
    } else if (m->body_type == IDT_MAPPING_XML || m->body_type == IDT_MAPPING_FORM) {
        /* the line breaks around CDATA are layout: before an XML declaration they would
         * make the body malformed, in a form they would join the first name */
        m->body = trim(ps->p, m->body, &dropped);
        line += dropped;
    }
    if (m->body_type == IDT_MAPPING_XML) {
        const char *enc;
        xmlDocPtr doc;
        if ((e = idt_xml_parse(ps->p, m->body, strlen(m->body), NULL, &doc)))
            return bad(ps, line, "the XML body does not parse (lines counted from its first): %s",
                       e->msg);
        if ((e = xml_places(ps, line, doc->children))) return e;
        if ((enc = declared_encoding(ps->p, m->body)) && strcasecmp(enc, "UTF-8"))
            return bad(ps, line, "the XML body declares encoding %s: it is sent in UTF-8", enc);
    }
    return check_text(ps, line, m->body);
}

idt_error *idt_mapping_parse(apr_pool_t *p, const char *file, const char *xml, apr_size_t len,
                             const json_t *fields, idt_mapping **out)
{
    parser ps = {p, file, fields, apr_hash_make(p)};
    idt_mapping *m = apr_pcalloc(p, sizeof(*m));
    xmlNodePtr root, c;
    xmlDocPtr doc;
    int seen_sources = 0, seen_endpoint = 0, seen_body = 0;
    idt_error *e;

    *out = NULL;
    if ((e = idt_xml_parse(p, xml, len, &mapping_limits, &doc)))
        return idt_err(p, IDT_E_XML, "%s: %s", file, e->msg);
    root = xmlDocGetRootElement(doc);
    if (!is_el(root, "Notification"))
        return bad(&ps, xmlGetLineNo(root), "the root element is <%s>, not <Notification>",
                   (const char *)root->name);
    m->file = file;
    m->headers = apr_array_make(p, 4, sizeof(idt_mapping_header));
    m->notification = attr(p, root, "Name");
    if (!m->notification || !*m->notification)
        return bad(&ps, xmlGetLineNo(root), "<Notification> without a Name");
    if ((e = no_stray_text(&ps, root))) return e;
    /* DataSources first: the others' placeholders are checked against it */
    for (c = root->children; c; c = c->next)
        if (is_el(c, "DataSources")) {
            if (seen_sources++) return bad(&ps, xmlGetLineNo(c), "a second <DataSources>");
            if ((e = read_sources(&ps, c))) return e;
        }
    if (!seen_sources) return bad(&ps, xmlGetLineNo(root), "no <DataSources>");
    for (c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || is_el(c, "DataSources")) continue;
        if (is_el(c, "Endpoint")) {
            if (seen_endpoint++) return bad(&ps, xmlGetLineNo(c), "a second <Endpoint>");
            if ((e = read_endpoint(&ps, c, m))) return e;
        } else if (is_el(c, "Body")) {
            if (seen_body++) return bad(&ps, xmlGetLineNo(c), "a second <Body>");
            if ((e = read_body(&ps, c, m))) return e;
        } else {
            return bad(&ps, xmlGetLineNo(c), "unknown element <%s> (expected DataSources, "
                       "Endpoint or Body)", (const char *)c->name);
        }
    }
    if (!seen_endpoint) return bad(&ps, xmlGetLineNo(root), "no <Endpoint>");
    *out = m;
    return NULL;
}

/* ---- rendering ---------------------------------------------------------------------- */

static idt_error *value_text(apr_pool_t *p, const idt_mapping *m, const char *path,
                             const json_t *v, const char **out)
{
    if (!v) return idt_err(p, IDT_E_INTERNAL, "%s: {%s} has no value", m->file, path);
    switch (json_typeof(v)) {
    case JSON_STRING: *out = json_string_value(v); return NULL;
    case JSON_NULL: *out = ""; return NULL;
    case JSON_TRUE: *out = "true"; return NULL;
    case JSON_FALSE: *out = "false"; return NULL;
    case JSON_INTEGER:
        *out = apr_psprintf(p, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return NULL;
    case JSON_REAL: *out = apr_psprintf(p, "%.17g", json_real_value(v)); return NULL;
    default:
        return idt_err(p, IDT_E_INTERNAL,
                       "%s: {%s} is an object or a list, which cannot be put inside text", m->file,
                       path);
    }
}

static const char *pct(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = apr_palloc(p, strlen(s) * 3 + 1), *w = o;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            *w++ = (char)c;
        } else {
            *w++ = '%';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        }
    }
    *w = '\0';
    return o;
}

/* The reference standing for c in XML text or an attribute value, or NULL for c itself.
 * Tab, line feed and carriage return are references too: a parser turns them into
 * spaces in an attribute value and a carriage return into a line feed in text. */
static const char *xml_ref(int c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&apos;";
    case '\t': return "&#9;";
    case '\n': return "&#10;";
    case '\r': return "&#13;";
    default: return NULL;
    }
}

/* s escaped for XML text or an attribute value: measured, then written once. A
 * character XML 1.0 cannot hold (controls other than tab, line feed and carriage
 * return; U+FFFE, U+FFFF) is refused rather than dropped, since dropping it would
 * make two distinct values one. */
static idt_error *xml_escape(apr_pool_t *p, const idt_mapping *m, const char *path, const char *s,
                             const char **out)
{
    apr_size_t n = strlen(s), need = 0, i;
    char *o, *w;

    for (i = 0; i < n;) {
        int len = (int)(n - i < 4 ? n - i : 4);
        int c = xmlGetUTF8Char((const xmlChar *)s + i, &len);
        const char *ref;
        if (c < 0) return idt_err(p, IDT_E_INTERNAL, "%s: {%s} is not valid UTF-8", m->file, path);
        if (!xmlIsCharQ(c))
            return idt_err(p, IDT_E_INTERNAL,
                           "%s: {%s} holds U+%04X, which an XML 1.0 body cannot carry", m->file,
                           path, (unsigned)c);
        need += (ref = xml_ref(c)) ? strlen(ref) : (apr_size_t)len;
        i += (apr_size_t)len;
    }
    w = o = apr_palloc(p, need + 1);
    for (i = 0; i < n; i++) {
        const char *ref = xml_ref((unsigned char)s[i]);
        if (ref) {
            apr_size_t rl = strlen(ref);
            memcpy(w, ref, rl);
            w += rl;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    *out = o;
    return NULL;
}

/* How subst puts a value where its placeholder stands. */
typedef enum {
    PUT_TEXT, /* as it is: header values, text/plain bodies, strings jansson escapes */
    PUT_URL,  /* as it is at the very start (a base URL), percent-encoded elsewhere */
    PUT_XML,  /* character references */
    PUT_FORM  /* percent-encoded (application/x-www-form-urlencoded) */
} putting;

/* tmpl with its placeholders replaced, the pieces joined once at the end. */
static idt_error *subst(apr_pool_t *p, const idt_mapping *m, const char *tmpl, const json_t *data,
                        putting how, const char **out)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    const char *s, *path, *text = "";
    const char *lit = tmpl;
    apr_size_t n;
    idt_error *e;

    for (s = tmpl; *s; s++) {
        if (!(n = placeholder(p, s, &path))) continue;
        if ((e = value_text(p, m, path, lookup(p, data, path), &text))) return e;
        if ((how == PUT_URL && s != tmpl) || how == PUT_FORM)
            text = pct(p, text);
        else if (how == PUT_XML && (e = xml_escape(p, m, path, text, &text)))
            return e;
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrmemdup(p, lit, (apr_size_t)(s - lit));
        APR_ARRAY_PUSH(parts, const char *) = text;
        s += n - 1;
        lit = s + 1;
    }
    APR_ARRAY_PUSH(parts, const char *) = lit;
    *out = apr_array_pstrcat(p, parts, 0);
    return NULL;
}

static idt_error *render_json(apr_pool_t *p, const idt_mapping *m, const json_t *t,
                              const json_t *data, json_t **out)
{
    const char *k, *path, *text;
    json_t *v, *r;
    size_t i;
    idt_error *e;

    *out = NULL;
    if (json_is_string(t)) {
        const char *s = json_string_value(t);
        apr_size_t n = placeholder(p, s, &path);
        if (n && !s[n]) {
            const json_t *val = lookup(p, data, path);
            if (!val) return idt_err(p, IDT_E_INTERNAL, "%s: {%s} has no value", m->file, path);
            *out = json_deep_copy(val);
        } else {
            if ((e = subst(p, m, s, data, PUT_TEXT, &text))) return e;
            *out = json_string(text);
        }
    } else if (json_is_object(t)) {
        *out = json_object();
        json_object_foreach((json_t *)t, k, v) {
            if ((e = subst(p, m, k, data, PUT_TEXT, &text)) ||
                (e = render_json(p, m, v, data, &r))) {
                json_decref(*out);
                *out = NULL;
                return e;
            }
            json_object_set_new(*out, text, r);
        }
    } else if (json_is_array(t)) {
        *out = json_array();
        json_array_foreach(t, i, v) {
            if ((e = render_json(p, m, v, data, &r))) {
                json_decref(*out);
                *out = NULL;
                return e;
            }
            json_array_append_new(*out, r);
        }
    } else {
        *out = json_deep_copy(t);
    }
    if (!*out) return idt_err(p, IDT_E_INTERNAL, "%s: a value is not valid UTF-8", m->file);
    return NULL;
}

idt_error *idt_mapping_render(apr_pool_t *p, const idt_mapping *m, const json_t *data,
                              idt_mapping_request *out)
{
    int i;
    idt_error *e;

    memset(out, 0, sizeof(*out));
    out->verb = m->verb;
    out->headers = apr_array_make(p, m->headers->nelts + 1, sizeof(const char *));
    if ((e = subst(p, m, m->url, data, PUT_URL, &out->url))) return e;
    if (strncmp(out->url, "http://", 7) && strncmp(out->url, "https://", 8))
        return idt_err(p, IDT_E_INTERNAL, "%s: the URL made is not http:// or https://", m->file);
    for (i = 0; i < m->headers->nelts; i++) {
        const idt_mapping_header *h = &APR_ARRAY_IDX(m->headers, i, idt_mapping_header);
        const char *v;
        if ((e = subst(p, m, h->value, data, PUT_TEXT, &v))) return e;
        if (strpbrk(v, "\r\n"))
            return idt_err(p, IDT_E_INTERNAL, "%s: header %s would hold a line break", m->file,
                           h->name);
        APR_ARRAY_PUSH(out->headers, const char *) = apr_pstrcat(p, h->name, ": ", v, NULL);
    }
    if (!m->body) return NULL;
    out->content_type = m->content_type;
    if (m->json) {
        json_t *j;
        if ((e = render_json(p, m, m->body_json, data, &j))) return e;
        idt_json_own(p, j);
        out->body = idt_json_dump(p, j, JSON_COMPACT);
    } else if ((e = subst(p, m, m->body, data,
                          m->body_type == IDT_MAPPING_XML    ? PUT_XML
                          : m->body_type == IDT_MAPPING_FORM ? PUT_FORM
                                                             : PUT_TEXT,
                          &out->body))) {
        return e;
    }
    out->body_len = strlen(out->body);
    return NULL;
}
