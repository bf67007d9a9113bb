#include "sa_format.h"

#include <apr_strings.h>
#include <httpd.h>

#include "idt_httpd_error.h"
#include "idt_httpd_negotiate.h"
#include "idt_json.h"

#define TEXT_TYPE "text/plain;charset=UTF-8"
#define JSON_TYPE "application/json;charset=UTF-8"
#define XML_TYPE "application/xml;charset=UTF-8"

static const char *const offers[] = {"text/plain", "application/json", "application/xml",
                                     "text/xml", NULL};

sa_format sa_format_of(request_rec *r)
{
    switch (idt_negotiate(r, offers)) {
    case 1:
        return SA_FMT_JSON;
    case 2:
    case 3:
        return SA_FMT_XML;
    default:
        /* text/plain also when Accept takes none of the three: an answer the client can
         * read beats a 406 (RFC 9110 lets a server disregard Accept) */
        return SA_FMT_TEXT;
    }
}

void sa_vary(request_rec *r)
{
    const char *v = apr_table_get(r->err_headers_out, "Vary");
    if (!v || !ap_find_token(r->pool, v, "Accept"))
        apr_table_mergen(r->err_headers_out, "Vary", "Accept");
}

const char *sa_format_variant(request_rec *r)
{
    static const char *const names[] = {"text", "json", "xml"};
    return names[sa_format_of(r)];
}

const char *sa_xml_escape(apr_pool_t *p, const char *s)
{
    apr_size_t extra = 0;
    const unsigned char *c;
    char *out, *o;

    for (c = (const unsigned char *)s; *c; c++)
        if (*c == '&' || *c == '<' || *c == '>' || *c == '"' || *c < 0x20) extra += 5;
    if (!extra) return s;
    o = out = apr_palloc(p, strlen(s) + extra + 1);
    for (c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '&':
            memcpy(o, "&amp;", 5), o += 5;
            break;
        case '<':
            memcpy(o, "&lt;", 4), o += 4;
            break;
        case '>':
            memcpy(o, "&gt;", 4), o += 4;
            break;
        case '"':
            memcpy(o, "&quot;", 6), o += 6;
            break;
        /* kept in attribute values too (a raw newline there reads back as a space) */
        case '\n':
            memcpy(o, "&#10;", 5), o += 5;
            break;
        case '\r':
            memcpy(o, "&#13;", 5), o += 5;
            break;
        case '\t':
            memcpy(o, "&#9;", 4), o += 4;
            break;
        default:
            if (*c < 0x20) {
                memcpy(o, "\xef\xbf\xbd", 3), o += 3; /* U+FFFD: XML 1.0 has no such character */
            } else {
                *o++ = (char)*c;
            }
        }
    }
    *o = '\0';
    return out;
}

/* One object as text: its type and id. */
static void text_object(apr_array_header_t *out, json_t *o)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *id = json_string_value(json_object_get(o, "id"));
    APR_ARRAY_PUSH(out, const char *) = type ? type : "";
    APR_ARRAY_PUSH(out, const char *) = " ";
    APR_ARRAY_PUSH(out, const char *) = id ? id : "";
    APR_ARRAY_PUSH(out, const char *) = "\n";
}

/* <attribute name= value=/> for a string, <attribute name=><value>..</value></attribute>
 * for a list (a multi-valued attribute, even with one value). */
static void xml_attribute(apr_pool_t *p, apr_array_header_t *out, const char *element,
                          const char *name, json_t *v)
{
    APR_ARRAY_PUSH(out, const char *) =
        apr_pstrcat(p, "<", element, " name=\"", sa_xml_escape(p, name), "\"", NULL);
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        APR_ARRAY_PUSH(out, const char *) = ">";
        json_array_foreach(v, i, item)
        {
            const char *s = json_string_value(item);
            APR_ARRAY_PUSH(out, const char *) =
                apr_pstrcat(p, "<value>", sa_xml_escape(p, s ? s : ""), "</value>", NULL);
        }
        APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, "</", element, ">", NULL);
    } else {
        const char *s = json_string_value(v);
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrcat(p, " value=\"", sa_xml_escape(p, s ? s : ""), "\"/>", NULL);
    }
}

static void xml_object(apr_pool_t *p, apr_array_header_t *out, json_t *o)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *name;
    json_t *v;

    APR_ARRAY_PUSH(out, const char *) =
        apr_pstrcat(p, "<object type=\"", sa_xml_escape(p, type ? type : ""), "\" id=\"",
                    sa_xml_escape(p, id ? id : ""), "\">", NULL);
    json_object_foreach(json_object_get(o, "attributes"), name, v)
        xml_attribute(p, out, "attribute", name, v);
    json_object_foreach(json_object_get(o, "link"), name, v) xml_attribute(p, out, "link", name, v);
    APR_ARRAY_PUSH(out, const char *) = "</object>";
}

idt_error *sa_render(idt_req *q)
{
    apr_array_header_t *out = apr_array_make(q->p, 64, sizeof(const char *));
    sa_format f = sa_format_of(q->r);
    size_t i;
    json_t *o;

    switch (f) {
    case SA_FMT_JSON:
        q->body = idt_json_dump(q->p, q->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        q->content_type = JSON_TYPE;
        break;
    case SA_FMT_XML:
        if (json_is_array(q->out)) {
            APR_ARRAY_PUSH(out, const char *) = "<objects>";
            json_array_foreach(q->out, i, o) xml_object(q->p, out, o);
            APR_ARRAY_PUSH(out, const char *) = "</objects>";
        } else {
            xml_object(q->p, out, q->out);
        }
        q->body = apr_array_pstrcat(q->p, out, 0);
        q->content_type = XML_TYPE;
        break;
    case SA_FMT_TEXT:
        if (json_is_array(q->out)) {
            json_array_foreach(q->out, i, o) text_object(out, o);
        } else {
            text_object(out, q->out);
        }
        q->body = apr_array_pstrcat(q->p, out, 0);
        q->content_type = TEXT_TYPE;
        break;
    }
    return q->body ? NULL : idt_err(q->p, IDT_E_INTERNAL, "the result cannot be rendered");
}

int sa_render_error(request_rec *r, const idt_error *e)
{
    const char *id = idt_httpd_request_id(r);
    json_t *body, *msg;

    sa_vary(r);
    switch (sa_format_of(r)) {
    case SA_FMT_JSON:
        body = idt_json_own(r->pool, json_object());
        /* messages are ours, but may quote a name: never fail on bad UTF-8 */
        if (!(msg = json_string(e->msg))) msg = json_string("the request failed");
        json_object_set_new(
            body, "error",
            json_pack("{s:i, s:o, s:s}", "status", e->status, "message", msg, "request_id", id));
        return idt_httpd_send(r, e->status, JSON_TYPE, idt_json_dump(r->pool, body, JSON_COMPACT));
    case SA_FMT_XML:
        return idt_httpd_send(r, e->status, XML_TYPE,
                              apr_psprintf(r->pool,
                                           "<error status=\"%d\" request_id=\"%s\"><message>%s"
                                           "</message></error>",
                                           e->status, sa_xml_escape(r->pool, id),
                                           sa_xml_escape(r->pool, e->msg)));
    case SA_FMT_TEXT:
    default:
        return idt_httpd_send(
            r, e->status, TEXT_TYPE,
            apr_psprintf(r->pool, "error %d %s\nrequest_id %s\n", e->status, e->msg, id));
    }
}
