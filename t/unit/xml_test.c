/* Unit tests of the hardened XML entry point (modules/core/idt_xml.c): each limit just
 * within and just beyond, the lexical rules of the scan, the private-key walk, pool
 * ownership of the tree, and the 80,000-attribute document refused (timing is printed,
 * not asserted: the machines are shared). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "idt_xml.h"
#include "tap.h"

static apr_pool_t *P;

/* A growing string in P. */
typedef struct sb {
    char *s;
    apr_size_t len, cap;
} sb;

static void sb_add(sb *b, const char *s, apr_size_t n)
{
    if (b->len + n + 1 > b->cap) {
        apr_size_t cap = b->cap ? b->cap * 2 : 4096;
        char *ns;
        while (cap < b->len + n + 1)
            cap *= 2;
        ns = apr_palloc(P, cap);
        if (b->len) memcpy(ns, b->s, b->len);
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_cat(sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_rep(sb *b, const char *s, int times)
{
    while (times-- > 0)
        sb_cat(b, s);
}

static idt_error *parse(const char *xml, xmlDocPtr *doc)
{
    return idt_xml_parse(P, xml, strlen(xml), NULL, doc);
}

static int xml_err(idt_error *e, const char *needle)
{
    return e && e->kind == IDT_E_XML && e->status == 400 && e->msg &&
           (needle == NULL || strstr(e->msg, needle) != NULL);
}

static const char *msg(idt_error *e)
{
    return e ? e->msg : "(no error)";
}

/* An element with n attributes a0="" .. a<n-1>="". */
static const char *attrs_doc(int n)
{
    sb b = {0};
    int i;
    char a[32];

    sb_cat(&b, "<r");
    for (i = 0; i < n; i++) {
        snprintf(a, sizeof(a), " a%d=\"\"", i);
        sb_cat(&b, a);
    }
    sb_cat(&b, "/>");
    return b.s;
}

static const char *nested_doc(int depth)
{
    sb b = {0};
    sb_rep(&b, "<a>", depth);
    sb_rep(&b, "</a>", depth);
    return b.s;
}

static const char *elements_doc(int n) /* the root and n - 1 children */
{
    sb b = {0};
    sb_cat(&b, "<r>");
    sb_rep(&b, "<e/>", n - 1);
    sb_cat(&b, "</r>");
    return b.s;
}

static const char *name_of(apr_size_t n)
{
    char *s = apr_palloc(P, n + 1);
    memset(s, 'n', n);
    s[n] = '\0';
    return s;
}

static const char *text_of(apr_size_t n, char c)
{
    char *s = apr_palloc(P, n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* n namespace declarations on the root, one more on a child */
static const char *ns_doc(int root_ns, int child_ns)
{
    sb b = {0};
    char a[48];
    int i;

    sb_cat(&b, "<r");
    for (i = 0; i < root_ns; i++) {
        snprintf(a, sizeof(a), " xmlns:r%d=\"urn:r%d\"", i, i);
        sb_cat(&b, a);
    }
    sb_cat(&b, "><c");
    for (i = 0; i < child_ns; i++) {
        snprintf(a, sizeof(a), " xmlns:c%d=\"urn:c%d\"", i, i);
        sb_cat(&b, a);
    }
    sb_cat(&b, "/></r>");
    return b.s;
}

/* About 1 MiB: one element with 80,000 attributes, the document of the hardening
 * issue (libxml2 alone spends a minute of CPU on it checking for duplicates). */
static const char *attrs80k_doc(apr_size_t *len)
{
    sb b = {0};
    char a[32];
    int i;

    sb_cat(&b, "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\""
               " entityID=\"e\"");
    for (i = 0; i < 80000; i++) {
        snprintf(a, sizeof(a), " a%05d=\"x\"", i);
        sb_cat(&b, a);
    }
    sb_cat(&b, "/>");
    while (b.len < 1024 * 1024 - 1)
        sb_cat(&b, " ");
    *len = b.len;
    return b.s;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int global_errors;
static void count_errors(void *data, xmlErrorPtr err)
{
    (void)data;
    (void)err;
    ++global_errors;
}

static int freed;
static apr_status_t note_freed(void *data)
{
    (void)data;
    ++freed;
    return APR_SUCCESS;
}

#define PEM_KEY                                                                                    \
    "-----BEGIN PRIVATE KEY-----\n"                                                                \
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"                           \
    "-----END PRIVATE KEY-----\n"

int main(void)
{
    xmlDocPtr doc;
    idt_error *e;
    apr_pool_t *sub;
    const char *s;

    apr_initialize();
    apr_pool_create(&P, NULL);
    xmlSetStructuredErrorFunc(NULL, count_errors);

    /* ---- a plain document, owned by its pool ---- */
    e = parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c --><?pi x?>"
              "<r xmlns=\"urn:x\" a='1' b = \"2&amp;&#60;\"><![CDATA[<not a tag>]]>t&lt;"
              "<c/>\n</r >\n<!-- after -->\n",
              &doc);
    ok(e == NULL && doc != NULL, "a plain document parses (%s)", msg(e));
    if (doc) {
        xmlChar *v = xmlGetNoNsProp(xmlDocGetRootElement(doc), BAD_CAST "b");
        is_str((const char *)v, "2&<", "attribute value decoded");
        xmlFree(v);
    }
    e = parse("\xef\xbb\xbf<r>caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80</r>", &doc);
    ok(e == NULL, "UTF-8 byte order mark and multi-byte characters (%s)", msg(e));
    e = parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xc3\xa9</r>", &doc);
    ok(e == NULL && doc, "the encoding declaration is ignored: the bytes are UTF-8 (%s)", msg(e));
    if (doc) {
        xmlChar *v = xmlNodeGetContent(xmlDocGetRootElement(doc));
        is_str((const char *)v, "caf\xc3\xa9", "and read as UTF-8");
        xmlFree(v);
    }

    apr_pool_create(&sub, P);
    e = idt_xml_parse(sub, "<r/>", 4, NULL, &doc);
    ok(e == NULL && doc, "parse into a sub-pool");
    freed = 0;
    apr_pool_cleanup_register(sub, NULL, note_freed, apr_pool_cleanup_null);
    apr_pool_destroy(sub);
    ok(freed == 1, "the pool's cleanups ran (the tree goes with it; ASan/valgrind see no leak)");

    /* ---- refusals of the basic rules ---- */
    doc = (xmlDocPtr)1;
    e = idt_xml_parse(P, "", 0, NULL, &doc);
    ok(xml_err(e, "empty") && doc == NULL, "empty input; *doc is NULL on error");
    e = idt_xml_parse(P, NULL, 0, NULL, &doc);
    ok(xml_err(e, "empty"), "NULL input");
    ok(xml_err(parse("  \n ", &doc), "no root element"), "white space only");
    ok(xml_err(parse("<!-- only -->", &doc), "no root element"), "a comment only");
    ok(xml_err(parse("<!DOCTYPE r><r/>", &doc), "DOCTYPE"), "DOCTYPE");
    ok(xml_err(parse("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>", &doc),
               "DOCTYPE"),
       "DOCTYPE with an entity");
    ok(xml_err(parse("<r>&e;</r>", &doc), "malformed"), "undeclared entity");
    ok(xml_err(parse("<r><a></r>", &doc), "malformed XML at line 1"),
       "mismatched tags (libxml2's own check)");
    ok(xml_err(parse("<r>\n<!-- a -- b -->\n</r>", &doc), "line 2"),
       "-- inside a comment, line given");
    ok(xml_err(parse("<r><!-- \x01 <a b='c'> --></r>", &doc), "control character"),
       "a control character (libxml2 would read the rest of the comment as content)");
    ok(xml_err(parse("<r>\xc3</r>", &doc), "UTF-8"), "a truncated UTF-8 sequence");
    ok(xml_err(parse("<r>\xc0\xbc</r>", &doc), "UTF-8"), "an overlong UTF-8 '<'");
    ok(xml_err(parse("<r>\xed\xa0\x80</r>", &doc), "does not allow"), "a UTF-8 surrogate");
    ok(xml_err(parse("<r>\xef\xbf\xbe</r>", &doc), "does not allow"), "U+FFFE");
    ok(xml_err(parse("<r a=\"<b>\"/>", &doc), "'<' inside an attribute value"), "'<' in a value");
    ok(xml_err(parse("<r a=b/>", &doc), "quotes"), "unquoted value");
    ok(xml_err(parse("<r a=\"1\"b=\"2\"/>", &doc), "space"), "attributes not separated");
    ok(xml_err(parse("<r/><r/>", &doc), "second root"), "two roots");
    ok(xml_err(parse("x<r/>", &doc), "outside the root"), "text before the root");
    ok(xml_err(parse("<r/>x", &doc), "outside the root"), "text after the root");
    ok(xml_err(parse("<![CDATA[x]]><r/>", &doc), "CDATA outside"), "CDATA outside the root");
    ok(xml_err(parse("<r><?123 <a b='c'>?></r>", &doc), "target"),
       "a PI without a Name target (libxml2 would read its content as markup)");
    ok(xml_err(parse("<r><?xml version='1.0'?></r>", &doc), "declaration"),
       "a late XML declaration");
    ok(xml_err(parse("<?xml version=\"1.0\" <a b='c'>?><r/>", &doc), "declaration"),
       "markup inside the XML declaration");
    ok(xml_err(parse("<r><!ELEMENT x ANY></r>", &doc), "'<!'"), "'<!' that is no comment or CDATA");
    ok(xml_err(parse("<r><1a/></r>", &doc), "name"), "a name starting with a digit");
    ok(xml_err(parse("<r><a", &doc), "malformed"), "truncated inside a tag");
    ok(xml_err(parse("<r><a>", &doc), "malformed XML at line 1"), "truncated inside an element");
    ok(xml_err(parse("</r>", &doc), "end tag without"), "an end tag first");
    e = parse("<r>\n<a\n x='1'\n <b/></r>", &doc);
    ok(xml_err(e, "line 4") && strchr(e->msg, '<') == NULL,
       "messages give a line, never the input (%s)", msg(e));

    /* ---- attributes per element ---- */
    ok(parse(attrs_doc(IDT_XML_MAX_ATTRIBUTES), &doc) == NULL, "%d attributes pass",
       IDT_XML_MAX_ATTRIBUTES);
    e = parse(attrs_doc(IDT_XML_MAX_ATTRIBUTES + 1), &doc);
    ok(xml_err(e, "more than 256 attributes"), "%d attributes are refused, naming the limit (%s)",
       IDT_XML_MAX_ATTRIBUTES + 1, msg(e));
    ok(xml_err(parse("<r a='1' a='2'/>", &doc), NULL), "a duplicate attribute (libxml2's check)");
    {
        idt_xml_limits l = {.max_attributes = 2};
        s = attrs_doc(3);
        ok(xml_err(idt_xml_parse(P, s, strlen(s), &l, &doc), "more than 2 attributes"),
           "a caller's tighter limit");
        s = attrs_doc(300);
        l.max_attributes = 400;
        ok(idt_xml_parse(P, s, strlen(s), &l, &doc) == NULL, "a caller's looser limit");
    }
    {
        apr_size_t len;
        const char *big = attrs80k_doc(&len);
        double t0, ms;
        ok(len == 1024 * 1024 - 1, "the 80,000-attribute document is 1 MiB (%" APR_SIZE_T_FMT ")",
           len);
        t0 = now_ms();
        e = idt_xml_parse(P, big, len, NULL, &doc);
        ms = now_ms() - t0;
        ok(xml_err(e, "attributes"), "80,000 attributes on one element: refused (%s)", msg(e));
        printf("# benchmark: 80,000-attribute 1 MiB document refused in %.3f ms\n", ms);
    }

    /* ---- elements ---- */
    ok(parse(elements_doc(IDT_XML_MAX_ELEMENTS), &doc) == NULL, "%d elements pass",
       IDT_XML_MAX_ELEMENTS);
    e = parse(elements_doc(IDT_XML_MAX_ELEMENTS + 1), &doc);
    ok(xml_err(e, "more than 100000 elements"), "%d elements are refused (%s)",
       IDT_XML_MAX_ELEMENTS + 1, msg(e));

    /* ---- depth ---- */
    ok(parse(nested_doc(IDT_XML_MAX_DEPTH), &doc) == NULL, "depth %d passes", IDT_XML_MAX_DEPTH);
    e = parse(nested_doc(IDT_XML_MAX_DEPTH + 1), &doc);
    ok(xml_err(e, "deeper than 64"), "depth %d is refused (%s)", IDT_XML_MAX_DEPTH + 1, msg(e));
    e = parse(nested_doc(5000), &doc);
    ok(xml_err(e, "deeper than 64"), "depth 5000 is refused by the scan");
    s = apr_pstrcat(P, "<r>", nested_doc(IDT_XML_MAX_DEPTH), "</r>", NULL);
    ok(xml_err(parse(s, &doc), "deeper"), "depth counts the root");
    {
        sb b = {0};
        sb_cat(&b, "<r>");
        sb_rep(&b, "<a/>", IDT_XML_MAX_DEPTH * 4);
        sb_cat(&b, "</r>");
        ok(parse(b.s, &doc) == NULL, "empty siblings do not add depth");
    }
    {
        sb b = {0};
        sb_rep(&b, "<a/>", 10);
        sb_rep(&b, "<a>", IDT_XML_MAX_DEPTH - 1);
        sb_rep(&b, "<a/>", 1);
        sb_rep(&b, "</a>", IDT_XML_MAX_DEPTH - 1);
        s = apr_pstrcat(P, "<r>", b.s, "</r>", NULL);
        ok(xml_err(parse(s, &doc), "deeper"), "an empty element at depth 65");
    }

    /* ---- namespaces in scope ---- */
    ok(parse(ns_doc(IDT_XML_MAX_NAMESPACES - 1, 1), &doc) == NULL, "%d namespaces in scope pass",
       IDT_XML_MAX_NAMESPACES);
    e = parse(ns_doc(IDT_XML_MAX_NAMESPACES, 1), &doc);
    ok(xml_err(e, "namespace declarations"), "%d namespaces in scope are refused (%s)",
       IDT_XML_MAX_NAMESPACES + 1, msg(e));
    {
        sb b = {0};
        int i;
        /* siblings each declaring 40: never more than 40 in scope at once */
        sb_cat(&b, "<r>");
        for (i = 0; i < 20; i++) {
            int k;
            sb_cat(&b, "<s");
            for (k = 0; k < 40; k++)
                sb_cat(&b, apr_psprintf(P, " xmlns:s%d=\"urn:s%d\"", k, k));
            sb_cat(&b, "><c/></s>");
        }
        sb_cat(&b, "</r>");
        ok(parse(b.s, &doc) == NULL, "declarations go out of scope with their element (%s)",
           msg(parse(b.s, &doc)));
    }

    /* ---- names ---- */
    s = apr_psprintf(P, "<%s/>", name_of(IDT_XML_MAX_NAME));
    ok(parse(s, &doc) == NULL, "an element name of %d bytes passes", IDT_XML_MAX_NAME);
    s = apr_psprintf(P, "<%s/>", name_of(IDT_XML_MAX_NAME + 1));
    e = parse(s, &doc);
    ok(xml_err(e, "name longer than 1024 bytes"), "an element name of %d bytes is refused (%s)",
       IDT_XML_MAX_NAME + 1, msg(e));
    s = apr_psprintf(P, "<r %s='1'/>", name_of(IDT_XML_MAX_NAME + 1));
    ok(xml_err(parse(s, &doc), "name longer"), "an attribute name too long");
    s = apr_psprintf(P, "<r></%s>", name_of(IDT_XML_MAX_NAME + 1));
    ok(xml_err(parse(s, &doc), "name longer"), "an end-tag name too long");
    s = apr_psprintf(P, "<r><?%s x?></r>", name_of(IDT_XML_MAX_NAME + 1));
    ok(xml_err(parse(s, &doc), "name longer"), "a PI target too long");

    /* ---- text ---- */
    s = apr_psprintf(P, "<r>%s</r>", text_of(IDT_XML_MAX_TEXT, 'x'));
    ok(parse(s, &doc) == NULL, "text of %d bytes passes", IDT_XML_MAX_TEXT);
    s = apr_psprintf(P, "<r>%s</r>", text_of(IDT_XML_MAX_TEXT + 1, 'x'));
    e = parse(s, &doc);
    ok(xml_err(e, "text longer than 262144 bytes"), "text of %d bytes is refused (%s)",
       IDT_XML_MAX_TEXT + 1, msg(e));
    s = apr_psprintf(P, "<r>%s<b/>%s</r>", text_of(IDT_XML_MAX_TEXT, 'x'),
                     text_of(IDT_XML_MAX_TEXT, 'y'));
    ok(parse(s, &doc) == NULL, "the limit is per text run");
    s = apr_psprintf(P, "<r a='%s'/>", text_of(IDT_XML_MAX_TEXT + 1, 'x'));
    ok(xml_err(parse(s, &doc), "attribute value longer"), "an attribute value too long");
    s = apr_psprintf(P, "<r><![CDATA[%s]]></r>", text_of(IDT_XML_MAX_TEXT + 1, 'x'));
    ok(xml_err(parse(s, &doc), "CDATA section longer"), "a CDATA section too long");
    s = apr_psprintf(P, "<r><!--%s--></r>", text_of(IDT_XML_MAX_TEXT + 1, 'x'));
    ok(xml_err(parse(s, &doc), "comment longer"), "a comment too long");
    s = apr_psprintf(P, "<r><?p %s?></r>", text_of(IDT_XML_MAX_TEXT + 1, 'x'));
    ok(xml_err(parse(s, &doc), "processing instruction longer"), "a PI too long");

    /* ---- total size ---- */
    {
        apr_size_t n = IDT_XML_MAX_SIZE;
        char *big = apr_palloc(P, n + 2);
        memcpy(big, "<r>", 3);
        memset(big + 3, '\n', n - 7);
        memcpy(big + n - 4, "</r>", 4);
        /* text runs are limited too: break the white space with elements */
        {
            apr_size_t i;
            for (i = 100000; i + 4 < n - 4; i += 100000)
                memcpy(big + i, "<a/>", 4);
        }
        ok(idt_xml_parse(P, big, n, NULL, &doc) == NULL, "a document of exactly 1 MiB passes");
        big[n - 4] = '\n';
        memcpy(big + n - 3, "</r>", 4);
        e = idt_xml_parse(P, big, n + 1, NULL, &doc);
        ok(xml_err(e, "larger than 1048576 bytes"), "1 MiB + 1 byte is refused, as IDT_E_XML (%s)",
           msg(e));
    }

    /* ---- private keys ---- */
    e = parse("<r><k>" PEM_KEY "</k></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY && e->status == 400,
       "a key in text: IDT_E_PRIVATE_KEY (%s)", msg(e));
    ok(e && strstr(e->msg, "MIIE") == NULL && strstr(e->msg, "BEGIN") == NULL,
       "the message does not quote the key");
    e = parse("<r k=\"" PEM_KEY "\"/>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key in an attribute value");
    e = parse("<r><!-- " PEM_KEY " --></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key in a comment (checked before the scan)");
    e = parse("<xPRIVATE KEY-----='1'/>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "armour across an element and an attribute name");
    {
        const char *big = attrs_doc(1000);
        s = apr_pstrcat(P, big, "<!-- -----BEGIN PRIVATE KEY----- -->", NULL);
        e = parse(s, &doc);
        ok(e && e->kind == IDT_E_PRIVATE_KEY,
           "a key wins over a limit: the user learns it is exposed");
    }
    e = parse("<r><?k " PEM_KEY "?></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key in a processing instruction");
    e = parse("<?k " PEM_KEY "?><r/>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key in a processing instruction before the root");
    e = parse("<r/><?k " PEM_KEY "?>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key in a processing instruction after the root");
    ok(parse("<r/><?xPRIVAT?>", &doc) == NULL, "a PI without content");
    e = parse("<r/><?xPRIVATE KEY-----?>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "armour split between a PI's target and content");
    e = parse("<r><![CDATA[" PEM_KEY "]]></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key in CDATA");
    e = parse("<r><k>-----BEGIN RSA PRIVATE KEY&#45;&#x2d;---\nMIIE\n</k></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "armour hidden by character references");
    e = parse("<r k='-----BEGIN EC PRIVATE KEY&#45;----'/>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "armour hidden by a reference in an attribute");
    e = parse("<r><k>-----BEGIN PRIVATE KEY<!-- -->-----\nMIIE</k></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "armour split by a comment");
    e = parse("<r><k>-----BEGIN PRIVATE KEY<![CDATA[--]]>---\nMIIE</k></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "armour split into CDATA");
    e = parse("<r><k>-----BEGIN PGP PRIVATE KEY BLOCK-----</k></r>", &doc);
    ok(e && e->kind == IDT_E_PRIVATE_KEY, "a PGP private key block");
    e = parse("<r><k>-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----</k>"
              "<c>-----BEGIN CERTIFICATE-----</c><t>my private key</t></r>",
              &doc);
    ok(e == NULL, "public keys, certificates and the words 'private key' pass (%s)", msg(e));
    {
        sb b = {0};
        sb_rep(&b, "<a>", 63);
        sb_cat(&b, "<k>-----BEGIN PRIVATE KEY-----</k>");
        sb_rep(&b, "</a>", 63);
        e = parse(b.s, &doc);
        ok(e && e->kind == IDT_E_PRIVATE_KEY, "a key at the deepest level");
    }

    /* ---- prescan alone ---- */
    ok(idt_xml_prescan(P, "<r/>", 4, NULL) == NULL, "prescan of a plain document");
    s = attrs_doc(1000);
    ok(xml_err(idt_xml_prescan(P, s, strlen(s), NULL), "attributes"),
       "prescan enforces the limits");

    is_int(global_errors, 0, "no parse error reached the thread's structured handler");
    xmlSetStructuredErrorFunc(NULL, NULL);

    apr_pool_destroy(P);
    apr_terminate();
    return done_testing();
}
