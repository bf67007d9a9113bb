#include "idt_trust_xml.h"

#include <string.h>

#include <apr_strings.h>
#include <libxml/xmlwriter.h>

#include "idt_json.h"
#include "idt_strs.h"
#include "idt_text.h"

/* ---- reading ---------------------------------------------------------------------- */

/* What a parse carries: the pool for results and messages. */
typedef struct {
    apr_pool_t *p;
} reader;

static long line_of(xmlNodePtr n)
{
    return xmlGetLineNo(n);
}

static idt_error *bad(reader *rd, xmlNodePtr n, const char *fmt, const char *a, const char *b)
{
    return idt_err(rd->p, IDT_E_XML, "line %ld: %s", line_of(n),
                   apr_psprintf(rd->p, fmt, a ? a : "", b ? b : ""));
}

static int in_ns(xmlNodePtr n)
{
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, IDT_TRUST_NS);
}

static int is(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && in_ns(n) && !strcmp((const char *)n->name, local);
}

/* The name of n for a message: oratrust:Local for ours, the local name otherwise. */
static const char *shown(reader *rd, xmlNodePtr n)
{
    return in_ns(n) ? apr_pstrcat(rd->p, "oratrust:", (const char *)n->name, NULL)
                    : apr_pstrdup(rd->p, (const char *)n->name);
}

static int blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return 0;
    return 1;
}

/* Advances *cur to the next element child of parent (the first when *cur is NULL),
 * NULL at the end; text other than white space, or CDATA, between elements is an
 * error. Comments and processing instructions are skipped. */
static idt_error *next_element(reader *rd, xmlNodePtr parent, xmlNodePtr *cur)
{
    xmlNodePtr n = *cur ? (*cur)->next : parent->children;
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) break;
        if ((n->type == XML_TEXT_NODE && !blank(n->content)) || n->type == XML_CDATA_SECTION_NODE)
            return bad(rd, n, "%s holds text where only elements belong", shown(rd, parent), NULL);
        if (n->type == XML_ENTITY_REF_NODE)
            return bad(rd, n, "%s holds an entity reference", shown(rd, parent), NULL);
    }
    *cur = n;
    return NULL;
}

/* Reads the attributes of n: each must be one of names (oratrust: qualified or
 * unqualified), given once; values[i] receives the value of names[i] or NULL. */
static idt_error *attributes(reader *rd, xmlNodePtr n, const char *const *names,
                             const char **values)
{
    xmlAttrPtr a;
    int k;
    for (k = 0; names[k]; k++)
        values[k] = NULL;
    for (a = n->properties; a; a = a->next) {
        xmlChar *v;
        if (a->ns && (!a->ns->href || strcmp((const char *)a->ns->href, IDT_TRUST_NS)))
            return bad(rd, n, "%s: attribute %s is not allowed", shown(rd, n),
                       apr_pstrcat(rd->p, (const char *)a->ns->prefix, ":", (const char *)a->name,
                                   NULL));
        for (k = 0; names[k] && strcmp(names[k], (const char *)a->name); k++)
            ;
        if (!names[k])
            return bad(rd, n, "%s: attribute %s is not allowed", shown(rd, n),
                       (const char *)a->name);
        if (values[k])
            return bad(rd, n, "%s: attribute %s is given twice", shown(rd, n), names[k]);
        v = xmlNodeGetContent((xmlNodePtr)a);
        values[k] = apr_pstrdup(rd->p, v ? (const char *)v : "");
        xmlFree(v);
        {
            idt_error *e = idt_text_check(rd->p, apr_pstrcat(rd->p, "attribute ", names[k], NULL),
                                          values[k], strlen(values[k]), 0);
            if (e) return bad(rd, n, "%s: %s", shown(rd, n), e->msg);
        }
    }
    return NULL;
}

static idt_error *required(reader *rd, xmlNodePtr n, const char *name, const char *value)
{
    if (!value || !*value)
        return bad(rd, n, "%s: attribute oratrust:%s is required", shown(rd, n), name);
    return NULL;
}

/* An element without attributes. */
static idt_error *no_attributes(reader *rd, xmlNodePtr n)
{
    static const char *const none[] = {NULL};
    const char *v[1];
    return attributes(rd, n, none, v);
}

/* The text of a leaf element (text and CDATA joined, white space at either end
 * dropped); an element child is an error. */
static idt_error *leaf_text(reader *rd, xmlNodePtr n, const char **out)
{
    apr_array_header_t *parts = idt_strs_make(rd->p);
    xmlNodePtr c;
    const char *s;
    apr_size_t len;
    /* text and CDATA may alternate many times in one element: joined once */
    for (c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            return bad(rd, c, "%s must hold text only, not %s", shown(rd, n), shown(rd, c));
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            idt_strs_add(parts, (const char *)c->content, NULL);
    }
    s = idt_strs_join(rd->p, parts, NULL);
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                   s[len - 1] == '\r'))
        len--;
    *out = apr_pstrndup(rd->p, s, len);
    {
        idt_error *e = idt_text_check(rd->p, "the text", *out, len, IDT_TEXT_LINES);
        if (e) return bad(rd, n, "%s: %s", shown(rd, n), e->msg);
    }
    return NULL;
}

/* Filter: Value+ -> {"value": [...]} */
static idt_error *read_filter(reader *rd, xmlNodePtr n, json_t *out)
{
    xmlNodePtr c = NULL;
    json_t *values = json_array();
    idt_error *e;
    json_object_set_new(out, "filter", json_pack("{s:o}", "value", values));
    if ((e = no_attributes(rd, n))) return e;
    for (;;) {
        const char *v = NULL;
        if ((e = next_element(rd, n, &c))) return e;
        if (!c) break;
        if (!is(c, "Value"))
            return bad(rd, c, "oratrust:Filter may hold oratrust:Value only, not %s", shown(rd, c),
                       NULL);
        if ((e = no_attributes(rd, c)) || (e = leaf_text(rd, c, &v))) return e;
        json_array_append_new(values, json_string(v));
    }
    if (json_array_size(values) == 0)
        return bad(rd, n, "oratrust:Filter needs at least one oratrust:Value", NULL, NULL);
    return NULL;
}

/* Mapping @userAttribute? @userMappingAttribute? -> {"user-attribute", ...} */
static idt_error *read_mapping(reader *rd, xmlNodePtr n, json_t *out)
{
    static const char *const names[] = {"userAttribute", "userMappingAttribute", NULL};
    const char *v[2];
    xmlNodePtr c = NULL;
    json_t *m;
    idt_error *e;
    if ((e = attributes(rd, n, names, v)) || (e = next_element(rd, n, &c))) return e;
    if (c) return bad(rd, c, "oratrust:Mapping holds no elements, not %s", shown(rd, c), NULL);
    m = json_object();
    json_object_set_new(out, "mapping", m);
    if (v[0]) json_object_set_new(m, "user-attribute", json_string(v[0]));
    if (v[1]) json_object_set_new(m, "user-mapping-attribute", json_string(v[1]));
    return NULL;
}

/* NameID or Attribute: Filter? Mapping?, in that order -> {"filter", "mapping"} */
static idt_error *read_constraint(reader *rd, xmlNodePtr n, json_t *out)
{
    xmlNodePtr c = NULL;
    idt_error *e;
    int seen_filter = 0, seen_mapping = 0;
    for (;;) {
        if ((e = next_element(rd, n, &c))) return e;
        if (!c) return NULL;
        if (is(c, "Filter") && !seen_filter && !seen_mapping) {
            seen_filter = 1;
            if ((e = read_filter(rd, c, out))) return e;
        } else if (is(c, "Mapping") && !seen_mapping) {
            seen_mapping = 1;
            if ((e = read_mapping(rd, c, out))) return e;
        } else {
            return bad(rd, c, "%s holds oratrust:Filter? then oratrust:Mapping?, not %s here",
                       shown(rd, n), shown(rd, c));
        }
    }
}

static idt_error *read_rule(reader *rd, xmlNodePtr n, json_t *rules, json_t *lines)
{
    static const char *const names[] = {"dn", NULL};
    const char *dn;
    xmlNodePtr c = NULL;
    json_t *rule, *attrs = NULL;
    idt_error *e;

    if ((e = attributes(rd, n, names, &dn)) || (e = required(rd, n, "dn", dn))) return e;
    rule = json_pack("{s:s}", "-dn", dn);
    json_array_append_new(rules, rule);
    json_array_append_new(lines, json_integer(line_of(n)));
    for (;;) {
        if ((e = next_element(rd, n, &c))) return e;
        if (!c) return NULL;
        if (is(c, "NameID") && !attrs && !json_object_get(rule, "name-id")) {
            json_t *o = json_object();
            json_object_set_new(rule, "name-id", o);
            if ((e = no_attributes(rd, c)) || (e = read_constraint(rd, c, o))) return e;
        } else if (is(c, "Attribute")) {
            static const char *const anames[] = {"name", NULL};
            const char *name;
            json_t *o = json_object();
            if ((e = attributes(rd, c, anames, &name)) || (e = required(rd, c, "name", name))) {
                json_decref(o);
                return e;
            }
            if (!attrs) json_object_set_new(rule, "attributes", attrs = json_array());
            json_array_append_new(attrs, json_pack("{s:s, s:o}", "-name", name, "attribute", o));
            if ((e = read_constraint(rd, c, o))) return e;
        } else {
            return bad(rd, c,
                       "oratrust:TokenAttributeRule holds oratrust:NameID? then "
                       "oratrust:Attribute*, not %s here",
                       shown(rd, c), NULL);
        }
    }
}

static idt_error *read_issuer(reader *rd, xmlNodePtr n, json_t *issuers, json_t *lines)
{
    static const char *const names[] = {"name", "tokentype", NULL};
    static const char *const knames[] = {"dn", NULL};
    const char *v[2];
    xmlNodePtr c = NULL, k = NULL, kc;
    json_t *dns;
    idt_error *e;

    if ((e = attributes(rd, n, names, v)) || (e = required(rd, n, "name", v[0])) ||
        (e = required(rd, n, "tokentype", v[1])))
        return e;
    if (strcmp(v[1], "saml.hok") && strcmp(v[1], "saml.sv") && strcmp(v[1], "jwt"))
        return bad(rd, n, "oratrust:tokentype must be saml.hok, saml.sv or jwt, not \"%s\"",
                   apr_pstrndup(rd->p, v[1], 64), NULL);
    dns = json_array();
    json_array_append_new(issuers,
                          json_pack("{s:s, s:s, s:o}", "tokentype", v[1], "-name", v[0], "dn", dns));
    json_array_append_new(lines, json_integer(line_of(n)));
    if ((e = next_element(rd, n, &c))) return e;
    if (!c) return NULL;
    if (!is(c, "TrustedKeys"))
        return bad(rd, c, "oratrust:Issuer holds oratrust:TrustedKeys only, not %s", shown(rd, c),
                   NULL);
    if ((e = no_attributes(rd, c))) return e;
    for (;;) {
        const char *dn;
        if ((e = next_element(rd, c, &k))) return e;
        if (!k) break;
        if (!is(k, "TrustedKey"))
            return bad(rd, k, "oratrust:TrustedKeys holds oratrust:TrustedKey only, not %s",
                       shown(rd, k), NULL);
        if ((e = attributes(rd, k, knames, &dn)) || (e = required(rd, k, "dn", dn))) return e;
        kc = NULL;
        if ((e = next_element(rd, k, &kc))) return e;
        if (kc)
            return bad(rd, kc, "oratrust:TrustedKey holds no elements, not %s", shown(rd, kc), NULL);
        json_array_append_new(dns, json_string(dn));
    }
    if ((e = next_element(rd, n, &c))) return e;
    if (c)
        return bad(rd, c, "oratrust:Issuer holds one oratrust:TrustedKeys, not also %s",
                   shown(rd, c), NULL);
    return NULL;
}

/* A list element (Issuers, TokenAttributeRules) of items named item, each read by fn. */
static idt_error *read_list(reader *rd, xmlNodePtr n, const char *item,
                            idt_error *(*fn)(reader *, xmlNodePtr, json_t *, json_t *),
                            json_t *items, json_t *lines)
{
    xmlNodePtr c = NULL;
    idt_error *e;
    if ((e = no_attributes(rd, n))) return e;
    for (;;) {
        if ((e = next_element(rd, n, &c))) return e;
        if (!c) return NULL;
        if (!is(c, item))
            return bad(rd, c, apr_pstrcat(rd->p, "%s holds oratrust:", item, " only, not %s", NULL),
                       shown(rd, n), shown(rd, c));
        if ((e = fn(rd, c, items, lines))) return e;
    }
}

static idt_error *read_document(reader *rd, xmlNodePtr root, json_t *doc)
{
    static const char *const names[] = {"name", "displayName", NULL};
    const char *v[2];
    xmlNodePtr c = NULL;
    json_t *issuers = json_array(), *rules = json_array(), *il = json_array(), *rl = json_array();
    int seen_issuers = 0, seen_rules = 0;
    idt_error *e;

    json_object_set_new(doc, "issuers", issuers);
    json_object_set_new(doc, "token-attribute-rule", rules);
    json_object_set_new(doc, "issuer-lines", il);
    json_object_set_new(doc, "rule-lines", rl);
    if (!is(root, "TokenIssuerTrust"))
        return bad(rd, root,
                   "the root element must be oratrust:TokenIssuerTrust in namespace "
                   IDT_TRUST_NS ", not %s%s",
                   shown(rd, root),
                   root->ns ? apr_pstrcat(rd->p, " in namespace ", root->ns->href, NULL) : "");
    if ((e = attributes(rd, root, names, v)) || (e = required(rd, root, "name", v[0]))) return e;
    json_object_set_new(doc, "name", json_string(v[0]));
    if (v[1]) json_object_set_new(doc, "displayName", json_string(v[1]));
    for (;;) {
        if ((e = next_element(rd, root, &c))) return e;
        if (!c) return NULL;
        if (is(c, "Issuers") && !seen_issuers && !seen_rules) {
            seen_issuers = 1;
            if ((e = read_list(rd, c, "Issuer", read_issuer, issuers, il))) return e;
        } else if (is(c, "TokenAttributeRules") && !seen_rules) {
            seen_rules = 1;
            if ((e = read_list(rd, c, "TokenAttributeRule", read_rule, rules, rl))) return e;
        } else {
            return bad(rd, c,
                       "oratrust:TokenIssuerTrust holds oratrust:Issuers? then "
                       "oratrust:TokenAttributeRules?, not %s here",
                       shown(rd, c), NULL);
        }
    }
}

idt_error *idt_trust_xml_parse(apr_pool_t *p, const char *xml, apr_size_t len,
                               const idt_xml_limits *limits, json_t **doc)
{
    apr_pool_t *tmp;
    xmlDocPtr tree = NULL;
    reader rd = {p};
    json_t *out;
    idt_error *e;

    *doc = NULL;
    /* the tree lives only while it is read; the JSON and messages are in p */
    if (apr_pool_create(&tmp, p) != APR_SUCCESS)
        return idt_err(p, IDT_E_INTERNAL, "cannot create a memory pool");
    e = idt_xml_parse(tmp, xml, len, limits, &tree);
    if (e) {
        e = idt_err(p, e->kind, "%s", e->msg);
        apr_pool_destroy(tmp);
        return e;
    }
    out = idt_json_own(p, json_object());
    e = read_document(&rd, xmlDocGetRootElement(tree), out);
    apr_pool_destroy(tmp);
    if (!e) *doc = out;
    return e;
}

/* ---- writing ---------------------------------------------------------------------- */

/* A value fit for an XML 1.0 document: valid UTF-8 without C0 controls other than tab,
 * LF and CR. */
static idt_error *writable(apr_pool_t *p, const char *v)
{
    return idt_text_check(p, "a stored value", v, strlen(v), IDT_TEXT_LINES | IDT_TEXT_ANY_FORM);
}

typedef struct {
    apr_pool_t *p;
    xmlTextWriterPtr w;
    idt_error *e;
} writer;

/* Each returns 0 on failure, with w->e set. */
static int start(writer *w, const char *local)
{
    if (xmlTextWriterStartElementNS(w->w, BAD_CAST "oratrust", BAD_CAST local, NULL) < 0) {
        w->e = idt_err(w->p, IDT_E_INTERNAL, "cannot write XML");
        return 0;
    }
    return 1;
}

static int end(writer *w)
{
    if (xmlTextWriterEndElement(w->w) < 0) {
        w->e = idt_err(w->p, IDT_E_INTERNAL, "cannot write XML");
        return 0;
    }
    return 1;
}

static int attr(writer *w, const char *name, const json_t *value)
{
    const char *v = json_string_value(value);
    if (!v) {
        w->e = idt_err(w->p, IDT_E_INTERNAL, "oratrust:%s has no value to write", name);
        return 0;
    }
    if ((w->e = writable(w->p, v))) return 0;
    if (xmlTextWriterWriteAttributeNS(w->w, BAD_CAST "oratrust", BAD_CAST name, NULL, BAD_CAST v) <
        0) {
        w->e = idt_err(w->p, IDT_E_INTERNAL, "cannot write XML");
        return 0;
    }
    return 1;
}

static int write_constraint(writer *w, const json_t *c)
{
    const json_t *f = json_object_get(c, "filter"), *m = json_object_get(c, "mapping"), *v;
    size_t i;
    if (f) {
        if (!start(w, "Filter")) return 0;
        json_array_foreach(json_object_get(f, "value"), i, v)
        {
            const char *s = json_string_value(v);
            if (!s || (w->e = writable(w->p, s))) {
                if (!w->e) w->e = idt_err(w->p, IDT_E_INTERNAL, "a filter value is not a string");
                return 0;
            }
            if (xmlTextWriterWriteElementNS(w->w, BAD_CAST "oratrust", BAD_CAST "Value", NULL,
                                            BAD_CAST s) < 0) {
                w->e = idt_err(w->p, IDT_E_INTERNAL, "cannot write XML");
                return 0;
            }
        }
        if (!end(w)) return 0;
    }
    if (m) {
        const json_t *ua = json_object_get(m, "user-attribute"),
                     *uma = json_object_get(m, "user-mapping-attribute");
        if (!start(w, "Mapping") || (ua && !attr(w, "userAttribute", ua)) ||
            (uma && !attr(w, "userMappingAttribute", uma)) || !end(w))
            return 0;
    }
    return 1;
}

static int write_document(writer *w, const json_t *doc)
{
    const json_t *v, *issuer, *rule, *dn, *a;
    size_t i, j;

    if (xmlTextWriterStartDocument(w->w, "1.0", "UTF-8", "yes") < 0 ||
        xmlTextWriterStartElementNS(w->w, BAD_CAST "oratrust", BAD_CAST "TokenIssuerTrust",
                                    BAD_CAST IDT_TRUST_NS) < 0) {
        w->e = idt_err(w->p, IDT_E_INTERNAL, "cannot write XML");
        return 0;
    }
    if (!attr(w, "name", json_object_get(doc, "name"))) return 0;
    if ((v = json_object_get(doc, "displayName")) && !attr(w, "displayName", v)) return 0;
    if (!start(w, "Issuers")) return 0;
    json_array_foreach(json_object_get(doc, "issuers"), i, issuer)
    {
        if (!start(w, "Issuer") || !attr(w, "name", json_object_get(issuer, "-name")) ||
            !attr(w, "tokentype", json_object_get(issuer, "tokentype")) || !start(w, "TrustedKeys"))
            return 0;
        json_array_foreach(json_object_get(issuer, "dn"), j, dn)
        {
            if (!start(w, "TrustedKey") || !attr(w, "dn", dn) || !end(w)) return 0;
        }
        if (!end(w) || !end(w)) return 0;
    }
    if (!end(w) || !start(w, "TokenAttributeRules")) return 0;
    json_array_foreach(json_object_get(doc, "token-attribute-rule"), i, rule)
    {
        if (!start(w, "TokenAttributeRule") || !attr(w, "dn", json_object_get(rule, "-dn")))
            return 0;
        if ((v = json_object_get(rule, "name-id")) &&
            (!start(w, "NameID") || !write_constraint(w, v) || !end(w)))
            return 0;
        json_array_foreach(json_object_get(rule, "attributes"), j, a)
        {
            if (!start(w, "Attribute") || !attr(w, "name", json_object_get(a, "-name")) ||
                !write_constraint(w, json_object_get(a, "attribute")) || !end(w))
                return 0;
        }
        if (!end(w)) return 0;
    }
    if (!end(w) || !end(w) || xmlTextWriterEndDocument(w->w) < 0) {
        if (!w->e) w->e = idt_err(w->p, IDT_E_INTERNAL, "cannot write XML");
        return 0;
    }
    return 1;
}

idt_error *idt_trust_xml_write(apr_pool_t *p, const json_t *doc, const char **xml,
                               apr_size_t *len)
{
    xmlBufferPtr buf = xmlBufferCreate();
    writer w = {p, NULL, NULL};

    *xml = NULL;
    *len = 0;
    if (!buf || !(w.w = xmlNewTextWriterMemory(buf, 0))) {
        if (buf) xmlBufferFree(buf);
        return idt_err(p, IDT_E_INTERNAL, "cannot write XML");
    }
    xmlTextWriterSetIndent(w.w, 1);
    xmlTextWriterSetIndentString(w.w, BAD_CAST "    ");
    if (write_document(&w, doc)) {
        xmlFreeTextWriter(w.w); /* flushes into buf */
        w.w = NULL;
        *len = (apr_size_t)xmlBufferLength(buf);
        *xml = apr_pstrmemdup(p, (const char *)xmlBufferContent(buf), *len);
    }
    if (w.w) xmlFreeTextWriter(w.w);
    xmlBufferFree(buf);
    return w.e;
}
