/* The hardened XML entry point: a linear scan of the bytes enforces the limits and a
 * strict lexical structure, then libxml2 builds the tree with DOCTYPEs refused, no
 * network and quiet errors, then a walk of the tree refuses private keys.
 *
 * Why the scan is strict: libxml2 goes on parsing after most well-formedness errors
 * (with its callbacks switched off), reading what follows the error as content. Were
 * the scan lenient where libxml2 is not, the two could disagree on where a tag starts,
 * and a start tag the scan never counted could reach libxml2's quadratic attribute
 * check. So the scan refuses every document whose markup it does not fully
 * understand: bytes that are not UTF-8 or characters XML does not allow (where libxml2
 * would stop reading a comment and read the rest as content), ASCII names outside
 * XML's Name production, "--" in comments, '<' in attribute values, DOCTYPEs, text or
 * CDATA outside the root, a second root. What it accepts, libxml2 tokenises the same
 * way: every '<' outside a comment, CDATA section or processing instruction starts a
 * tag for both, and no tag holds a '<'. */
#include "idt_xml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "idt_text.h"

/* Without NOENT, DTDLOAD, DTDATTR, HUGE and XINCLUDE on purpose; IGNORE_ENC with the
 * "UTF-8" passed to the parser makes the bytes the scan checked the bytes parsed,
 * whatever the document's declaration says. */
#define IDT_XML_PARSE_OPTS                                                                         \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC | \
     XML_PARSE_BIG_LINES)

/* ---- limits ----------------------------------------------------------------------- */

static void limits_fill(idt_xml_limits *l, const idt_xml_limits *given)
{
    static const idt_xml_limits none = {0};

    if (given == NULL) given = &none;
    l->max_size = given->max_size ? given->max_size : IDT_XML_MAX_SIZE;
    l->max_depth = given->max_depth > 0 ? given->max_depth : IDT_XML_MAX_DEPTH;
    l->max_elements = given->max_elements > 0 ? given->max_elements : IDT_XML_MAX_ELEMENTS;
    l->max_attributes = given->max_attributes > 0 ? given->max_attributes : IDT_XML_MAX_ATTRIBUTES;
    l->max_namespaces = given->max_namespaces > 0 ? given->max_namespaces : IDT_XML_MAX_NAMESPACES;
    l->max_name = given->max_name ? given->max_name : IDT_XML_MAX_NAME;
    l->max_text = given->max_text ? given->max_text : IDT_XML_MAX_TEXT;
}

/* ---- the scan --------------------------------------------------------------------- */

typedef struct scan {
    apr_pool_t *p;
    idt_xml_limits l;
    const unsigned char *start, *end;
} scan;

/* 1-based line of position at, for messages: counted only when an error is made. */
static int line_at(const scan *sc, const unsigned char *at)
{
    const unsigned char *q = sc->start;
    int line = 1;

    while (q < at && (q = memchr(q, '\n', (apr_size_t)(at - q))) != NULL) {
        ++line;
        ++q;
    }
    return line;
}

static idt_error *malformed(const scan *sc, const unsigned char *at, const char *why)
{
    return idt_err(sc->p, IDT_E_XML, "malformed XML at line %d: %s", line_at(sc, at), why);
}

static idt_error *doctype_error(apr_pool_t *p)
{
    return idt_err(p, IDT_E_XML, "XML with a DOCTYPE is not accepted");
}

static idt_error *name_error(const scan *sc, const unsigned char *at)
{
    return idt_err(sc->p, IDT_E_XML,
                   "XML name longer than %" APR_SIZE_T_FMT " bytes at line %d (the limit)",
                   sc->l.max_name, line_at(sc, at));
}

static idt_error *text_error(const scan *sc, const unsigned char *at, const char *what)
{
    return idt_err(sc->p, IDT_E_XML,
                   "XML %s longer than %" APR_SIZE_T_FMT " bytes at line %d (the limit)", what,
                   sc->l.max_text, line_at(sc, at));
}

/* Every byte sequence is UTF-8 of a character XML 1.0 allows: #x9 | #xA | #xD |
 * [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; no overlong forms. */
static idt_error *check_chars(const scan *sc, const unsigned char *q)
{
    const unsigned char *end = sc->end;

    while (q < end) {
        unsigned char c = *q;
        unsigned int cp;
        int n, i;

        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return malformed(sc, q, "a control character XML does not allow");
            ++q;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return malformed(sc, q, "bytes that are not UTF-8");
        }
        if (end - q <= n) return malformed(sc, q, "bytes that are not UTF-8");
        for (i = 1; i <= n; ++i) {
            if ((q[i] & 0xc0) != 0x80) return malformed(sc, q, "bytes that are not UTF-8");
            cp = (cp << 6) | (q[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return malformed(sc, q, "bytes that are not UTF-8");
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
            return malformed(sc, q, "a character XML does not allow");
        q += n + 1;
    }
    return NULL;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* XML's NameStartChar and NameChar for ASCII; any non-ASCII byte passes here and is
 * left to libxml2 (a bad one is an error there, and the tag holds no '<' to misread). */
static int name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static apr_size_t name_len(const unsigned char *q, const unsigned char *end)
{
    const unsigned char *s = q;

    if (q >= end || !name_start(*q)) return 0;
    while (q < end && name_char(*q))
        ++q;
    return (apr_size_t)(q - s);
}

static const unsigned char *skip_ws(const unsigned char *q, const unsigned char *end)
{
    while (q < end && is_ws(*q))
        ++q;
    return q;
}

/* First occurrence of needle (n bytes) in [q, end), or NULL. */
static const unsigned char *find(const unsigned char *q, const unsigned char *end,
                                 const char *needle, apr_size_t n)
{
    while (q < end && (apr_size_t)(end - q) >= n) {
        q = memchr(q, needle[0], (apr_size_t)(end - q) - n + 1);
        if (q == NULL) return NULL;
        if (memcmp(q, needle, n) == 0) return q;
        ++q;
    }
    return NULL;
}

static int starts(const unsigned char *q, const unsigned char *end, const char *s)
{
    apr_size_t n = strlen(s);
    return (apr_size_t)(end - q) >= n && memcmp(q, s, n) == 0;
}

/* The XML declaration: "<?xml" S ... "?>" holding only what version, encoding and
 * standalone pseudo-attributes are made of. libxml2 reads it by its own grammar and
 * skips to the next '>' on an error, so anything unexpected here is refused. */
static idt_error *scan_decl(const scan *sc, const unsigned char **pq)
{
    const unsigned char *q = *pq, *close = find(q, sc->end, "?>", 2), *c;

    if (close == NULL) return malformed(sc, q, "an unterminated XML declaration");
    for (c = q + 5; c < close; ++c)
        if (!(is_ws(*c) || name_char(*c) || *c == '=' || *c == '"' || *c == '\'') || *c >= 0x80)
            return malformed(sc, c, "an XML declaration with unexpected characters");
    *pq = close + 2;
    return NULL;
}

/* A processing instruction at q ("<?"): an ASCII Name target, then S or "?>". */
static idt_error *scan_pi(const scan *sc, const unsigned char **pq)
{
    const unsigned char *q = *pq, *t = q + 2, *close;
    apr_size_t n = name_len(t, sc->end), i;

    if (n == 0) return malformed(sc, q, "a processing instruction without a target");
    for (i = 0; i < n; ++i)
        if (t[i] >= 0x80) return malformed(sc, q, "a processing instruction target not in ASCII");
    if (n > sc->l.max_name) return name_error(sc, q);
    if (n == 3 && (t[0] | 0x20) == 'x' && (t[1] | 0x20) == 'm' && (t[2] | 0x20) == 'l')
        return malformed(sc, q, "an XML declaration that is not at the start");
    if (!starts(t + n, sc->end, "?>") && !(t + n < sc->end && is_ws(t[n])))
        return malformed(sc, q, "a processing instruction target not followed by a space");
    close = find(t + n, sc->end, "?>", 2);
    if (close == NULL) return malformed(sc, q, "an unterminated processing instruction");
    if ((apr_size_t)(close - (t + n)) > sc->l.max_text)
        return text_error(sc, q, "processing instruction");
    *pq = close + 2;
    return NULL;
}

/* A comment at q ("<!--"): ends at the first "--", which must be followed by '>'. */
static idt_error *scan_comment(const scan *sc, const unsigned char **pq)
{
    const unsigned char *q = *pq, *dd = find(q + 4, sc->end, "--", 2);

    if (dd == NULL || dd + 2 >= sc->end) return malformed(sc, q, "an unterminated comment");
    if (dd[2] != '>') return malformed(sc, dd, "\"--\" inside a comment");
    if ((apr_size_t)(dd - (q + 4)) > sc->l.max_text) return text_error(sc, q, "comment");
    *pq = dd + 3;
    return NULL;
}

static idt_error *scan_cdata(const scan *sc, const unsigned char **pq)
{
    const unsigned char *q = *pq, *close = find(q + 9, sc->end, "]]>", 3);

    if (close == NULL) return malformed(sc, q, "an unterminated CDATA section");
    if ((apr_size_t)(close - (q + 9)) > sc->l.max_text) return text_error(sc, q, "CDATA section");
    *pq = close + 3;
    return NULL;
}

/* What scan_start_tag found. */
typedef struct tag {
    int empty;      /* "/>" */
    int namespaces; /* xmlns and xmlns:* attributes */
} tag;

/* A start tag at q ("<" Name): attributes counted and bounded as they come, so a tag
 * with a huge number of them is refused after reading only the first few. */
static idt_error *scan_start_tag(const scan *sc, const unsigned char **pq, tag *t)
{
    const unsigned char *q = *pq, *end = sc->end, *tag_start = q;
    apr_size_t n = name_len(q + 1, end);
    int attrs = 0;

    t->empty = 0;
    t->namespaces = 0;
    if (n == 0) return malformed(sc, q, "'<' not followed by a name");
    if (n > sc->l.max_name) return name_error(sc, q);
    q += 1 + n;
    for (;;) {
        const unsigned char *ws = q, *v, *close;
        unsigned char quote;

        q = skip_ws(q, end);
        if (q >= end) return malformed(sc, tag_start, "an unterminated start tag");
        if (*q == '>') {
            *pq = q + 1;
            return NULL;
        }
        if (*q == '/') {
            if (q + 1 < end && q[1] == '>') {
                t->empty = 1;
                *pq = q + 2;
                return NULL;
            }
            return malformed(sc, q, "'/' inside a start tag");
        }
        if (q == ws) return malformed(sc, q, "an attribute not preceded by a space");
        if ((n = name_len(q, end)) == 0) return malformed(sc, q, "an attribute without a name");
        if (n > sc->l.max_name) return name_error(sc, q);
        if (++attrs > sc->l.max_attributes)
            return idt_err(sc->p, IDT_E_XML,
                           "XML element with more than %d attributes at line %d (the limit)",
                           sc->l.max_attributes, line_at(sc, tag_start));
        if ((n == 5 && memcmp(q, "xmlns", 5) == 0) || (n > 6 && memcmp(q, "xmlns:", 6) == 0))
            ++t->namespaces;
        q = skip_ws(q + n, end);
        if (q >= end || *q != '=') return malformed(sc, q, "an attribute without '='");
        q = skip_ws(q + 1, end);
        if (q >= end || (*q != '"' && *q != '\''))
            return malformed(sc, q, "an attribute value not in quotes");
        quote = *q;
        v = q + 1;
        close = memchr(v, quote, (apr_size_t)(end - v));
        if (close == NULL) return malformed(sc, q, "an unterminated attribute value");
        if (memchr(v, '<', (apr_size_t)(close - v)))
            return malformed(sc, q, "'<' inside an attribute value");
        if ((apr_size_t)(close - v) > sc->l.max_text) return text_error(sc, q, "attribute value");
        q = close + 1;
    }
}

static idt_error *scan_document(scan *sc)
{
    const unsigned char *q = sc->start, *end = sc->end;
    int depth = 0, elements = 0, in_scope = 0, root_seen = 0, root_done = 0;
    int *ns_at = apr_palloc(sc->p, sizeof(int) * ((apr_size_t)sc->l.max_depth + 1));
    idt_error *e;

    /* libxml2 skips a UTF-8 byte order mark; anything else that is not UTF-8 fails below */
    if (starts(q, end, "\xef\xbb\xbf")) q += 3;
    if ((e = check_chars(sc, q)) != NULL) return e;
    if (starts(q, end, "<?xml") && q + 5 < end && is_ws(q[5]) && (e = scan_decl(sc, &q)) != NULL)
        return e;

    while (q < end) {
        if (*q != '<') {
            const unsigned char *t = q, *lt = memchr(q, '<', (apr_size_t)(end - q));
            q = lt ? lt : end;
            if (depth == 0) {
                if (skip_ws(t, q) != q)
                    return malformed(sc, skip_ws(t, q), "text outside the root element");
            } else if ((apr_size_t)(q - t) > sc->l.max_text) {
                return text_error(sc, t, "text");
            }
            continue;
        }
        if (q + 1 >= end) return malformed(sc, q, "the document ends inside a tag");
        if (q[1] == '?') {
            e = scan_pi(sc, &q);
        } else if (q[1] == '!') {
            if (starts(q, end, "<!--"))
                e = scan_comment(sc, &q);
            else if (starts(q, end, "<![CDATA["))
                e = depth ? scan_cdata(sc, &q) : malformed(sc, q, "CDATA outside the root element");
            else if (starts(q, end, "<!DOCTYPE"))
                e = doctype_error(sc->p);
            else
                e = malformed(sc, q, "'<!' that starts neither a comment nor CDATA");
        } else if (q[1] == '/') {
            const unsigned char *t = q;
            apr_size_t n = name_len(q + 2, end);
            if (n == 0) return malformed(sc, t, "an end tag without a name");
            if (n > sc->l.max_name) return name_error(sc, t);
            q = skip_ws(q + 2 + n, end);
            if (q >= end || *q != '>') return malformed(sc, t, "an unterminated end tag");
            if (depth == 0) return malformed(sc, t, "an end tag without a start tag");
            ++q;
            in_scope -= ns_at[depth--];
            if (depth == 0) root_done = 1;
        } else {
            const unsigned char *t = q;
            tag tg;
            if (root_done) return malformed(sc, q, "a second root element");
            if (++elements > sc->l.max_elements)
                return idt_err(sc->p, IDT_E_XML,
                               "XML document with more than %d elements at line %d (the limit)",
                               sc->l.max_elements, line_at(sc, q));
            if ((e = scan_start_tag(sc, &q, &tg)) != NULL) return e;
            if (in_scope + tg.namespaces > sc->l.max_namespaces)
                return idt_err(sc->p, IDT_E_XML,
                               "XML element with more than %d namespace declarations in scope"
                               " at line %d (the limit)",
                               sc->l.max_namespaces, line_at(sc, t));
            root_seen = 1;
            if (tg.empty) {
                if (depth == 0) root_done = 1;
            } else {
                if (depth + 1 > sc->l.max_depth)
                    return idt_err(sc->p, IDT_E_XML,
                                   "XML nested deeper than %d elements at line %d (the limit)",
                                   sc->l.max_depth, line_at(sc, t));
                ns_at[++depth] = tg.namespaces;
                in_scope += tg.namespaces;
            }
        }
        if (e) return e;
    }
    if (!root_seen) return idt_err(sc->p, IDT_E_XML, "XML document has no root element");
    /* an element left open is libxml2's to report: it knows which one, and where */
    return NULL;
}

idt_error *idt_xml_prescan(apr_pool_t *p, const char *xml, apr_size_t len,
                           const idt_xml_limits *limits)
{
    scan sc;

    sc.p = p;
    limits_fill(&sc.l, limits);
    if (xml == NULL || len == 0) return idt_err(p, IDT_E_XML, "empty XML document");
    if (len > sc.l.max_size || len > INT_MAX)
        return idt_err(p, IDT_E_XML,
                       "XML document larger than %" APR_SIZE_T_FMT " bytes (the limit)",
                       sc.l.max_size);
    sc.start = (const unsigned char *)xml;
    sc.end = sc.start + len;
    return scan_document(&sc);
}

/* ---- libxml2 ------------------------------------------------------------------------ */

/* Per-parse state, hung off ctxt->_private (ctxt->userData must stay the ctxt for the
 * SAX2 tree builder). */
typedef struct parse_state {
    int saw_doctype;
} parse_state;

/* Swallows every error and warning of this parse: a structured handler on the context
 * wins over any thread-global one, so nothing reaches stderr or another module's
 * handler. */
static void quiet_serror(void *data, xmlErrorPtr err)
{
    (void)data;
    (void)err;
}

/* The scan refuses DOCTYPEs already; this stops the parser at one all the same, before
 * any of the internal subset (entity declarations) or external subset is looked at. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_state *st = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    if (st) st->saw_doctype = 1;
    xmlStopParser(ctxt);
}

static apr_status_t doc_cleanup(void *data)
{
    xmlFreeDoc(data);
    return APR_SUCCESS;
}

static idt_error *key_error(apr_pool_t *p)
{
    return idt_text_private_key_error(p, "the XML document");
}

/* ---- the walk of the tree ------------------------------------------------------------- */

/* Text of one element's text and CDATA children, joined: a key split by a comment or
 * into CDATA pieces is whole again in what an application reads from the element. */
typedef struct joined {
    char *buf;
    apr_size_t len, cap;
} joined;

static int joined_add(joined *j, const xmlChar *s)
{
    apr_size_t n = s ? strlen((const char *)s) : 0;

    if (n == 0) return 1; /* (a PI without content has none) */
    if (j->len + n + 1 > j->cap) {
        apr_size_t cap = j->cap ? j->cap : 4096;
        char *b;
        while (cap < j->len + n + 1)
            cap *= 2;
        if ((b = realloc(j->buf, cap)) == NULL) return 0;
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    return 1;
}

/* Depth (defence in depth: the scan bounded it already) and private keys. Iterative,
 * so a deep tree cannot exhaust the stack. */
static idt_error *walk(apr_pool_t *p, xmlNodePtr root, int max_depth)
{
    xmlNodePtr n = root;
    joined j = {0};
    idt_error *err = NULL;
    int depth = 1;

    while (n && err == NULL) {
        if (n->type == XML_ELEMENT_NODE) {
            xmlAttrPtr a;
            xmlNodePtr c;
            int pieces = 0;

            if (depth > max_depth) {
                err = idt_err(p, IDT_E_XML, "XML nested deeper than %d elements (the limit)",
                              max_depth);
                break;
            }
            for (a = n->properties; a && err == NULL; a = a->next) {
                xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                if (v && idt_text_has_private_key((const char *)v, strlen((const char *)v)))
                    err = key_error(p);
                xmlFree(v);
            }
            j.len = 0;
            for (c = n->children; c && err == NULL; c = c->next)
                if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
                    if (!joined_add(&j, c->content))
                        err = idt_err(p, IDT_E_INTERNAL, "out of memory reading XML");
                    ++pieces;
                }
            if (err == NULL && pieces && idt_text_has_private_key(j.buf, j.len)) err = key_error(p);
        } else if (n->type == XML_PI_NODE) {
            /* comments need no look: they decode no references, and the armour's
             * dashes are a "--", which the scan refuses in a comment anyway */
            /* the target with the content: "<?xPRIVATE KEY-----?>" splits the armour
             * between them */
            j.len = 0;
            if (!joined_add(&j, n->name) || !joined_add(&j, BAD_CAST " ") ||
                !joined_add(&j, n->content))
                err = idt_err(p, IDT_E_INTERNAL, "out of memory reading XML");
            else if (idt_text_has_private_key(j.buf, j.len))
                err = key_error(p);
        }
        if (err) break;

        /* next node: first child, else next sibling, climbing up as needed */
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            ++depth;
            continue;
        }
        while (n && n != root && n->next == NULL) {
            n = n->parent;
            --depth;
        }
        n = (n == NULL || n == root) ? NULL : n->next;
    }
    free(j.buf);
    return err;
}

idt_error *idt_xml_parse(apr_pool_t *p, const char *xml, apr_size_t len,
                         const idt_xml_limits *limits, xmlDocPtr *out)
{
    idt_xml_limits l;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    parse_state st = {0};
    idt_error *err;

    *out = NULL;
    limits_fill(&l, limits);
    /* A key is refused wherever its armour sits in the bytes (a comment, names, across
     * nodes), before anything else, so that the user learns the key is exposed; the walk
     * of the tree below finds the armour that character references hid. */
    if (xml && idt_text_has_private_key(xml, len)) return key_error(p);
    if ((err = idt_xml_prescan(p, xml, len, &l)) != NULL) return err;

    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL || ctxt->sax == NULL) {
        if (ctxt) xmlFreeParserCtxt(ctxt);
        return idt_err(p, IDT_E_INTERNAL, "cannot create an XML parser");
    }
    ctxt->_private = &st;
    ctxt->sax->serror = quiet_serror;
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->externalSubset = refuse_doctype;

    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, "UTF-8", IDT_XML_PARSE_OPTS);
    if (doc) apr_pool_cleanup_register(p, doc, doc_cleanup, apr_pool_cleanup_null);

    if (st.saw_doctype) {
        err = doctype_error(p);
    } else if (doc == NULL) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        int line = e ? e->line : 0;
        if (line > 0)
            err = idt_err(p, IDT_E_XML, "malformed XML at line %d", line);
        else
            err = idt_err(p, IDT_E_XML, "malformed XML");
    } else if (doc->intSubset != NULL || doc->extSubset != NULL) {
        err = doctype_error(p);
    } else if (xmlDocGetRootElement(doc) == NULL) {
        err = idt_err(p, IDT_E_XML, "XML document has no root element");
    } else {
        /* the root and its siblings: processing instructions may sit before or after it */
        xmlNodePtr top;
        for (top = doc->children; top && err == NULL; top = top->next)
            err = walk(p, top, l.max_depth);
    }

    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    xmlResetLastError(); /* drop this thread's copy of any parse error */

    if (err) {
        /* a refused tree is of no use to anyone: free it now, not with p */
        if (doc) apr_pool_cleanup_run(p, doc, doc_cleanup);
        return err;
    }
    *out = doc;
    return NULL;
}
