/* Notification mapping files (docs/certimport.md#mapping-files): what request a
 * notification makes, as an XML file an administrator can write.
 *
 *   <Notification Name="REST Certificate Added">
 *     <DataSources>
 *       <DataSource Name="Certificate"/> <DataSource Name="ExternalSystem"/>
 *     </DataSources>
 *     <Endpoint Verb="POST" URL="{ExternalSystem.apiLocation}/certificates/{Certificate.id}/added">
 *       <Header Name="x-api-version" Value="1"/>
 *     </Endpoint>
 *     <Body ContentType="application/json">{"id": "{Certificate.id}"}</Body>
 *   </Notification>
 *
 * A placeholder {Source.field.subfield} names a value of a declared data source. In a
 * JSON body, a string that is exactly one placeholder becomes the value itself (string,
 * object, null, ...); any other string has each placeholder replaced by the value's text.
 * In the URL, the placeholder the URL starts with is inserted as it is (a base URL); the
 * others are percent-encoded. Header values are text. Parsing (through idt_xml, the one
 * XML entry point) checks every placeholder against the fields the caller offers, so a
 * file that names a field that does not exist is refused when it is loaded.
 *
 * Outside JSON, each value is escaped for the body's ContentType, the one place the
 * type is declared (a <Header> may not set Content-Type): XML bodies get character
 * references (and refuse characters XML 1.0 cannot hold), form bodies percent-encoding,
 * text/plain the value as it is. Any other type is refused when the file is loaded, so
 * a value is never put raw into a syntax idtrust does not know. */
#ifndef IDT_MAPPING_H
#define IDT_MAPPING_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "idt_error.h"

typedef struct idt_mapping_header {
    const char *name;
    const char *value; /* template */
} idt_mapping_header;

/* What the body is, from the media type of its ContentType; it decides how a value is
 * escaped where a placeholder stands. */
typedef enum idt_mapping_body_type {
    IDT_MAPPING_JSON, /* application/json, any +json: jansson writes the strings */
    IDT_MAPPING_XML,  /* application/xml, text/xml, any +xml: &amp; &lt; &gt; &quot; &apos;,
                         &#9; &#10; &#13;; a character XML 1.0 cannot hold is refused */
    IDT_MAPPING_FORM, /* application/x-www-form-urlencoded: percent-encoded */
    IDT_MAPPING_TEXT  /* text/plain: as it is (the type has no syntax to protect) */
} idt_mapping_body_type;

typedef struct idt_mapping {
    const char *file;            /* as given to idt_mapping_parse, for messages */
    const char *notification;    /* Name of <Notification> */
    const char *verb;            /* POST, PUT or PATCH */
    const char *url;             /* template */
    apr_array_header_t *headers; /* of idt_mapping_header */
    const char *content_type;
    idt_mapping_body_type body_type;
    int json;          /* body_type == IDT_MAPPING_JSON */
    const char *body;  /* template text (white space around an XML or form body dropped);
                          NULL: no body */
    json_t *body_json; /* the body parsed, when json; owned by the pool */
} idt_mapping;

/* One rendered request. */
typedef struct idt_mapping_request {
    const char *verb;
    const char *url;
    apr_array_header_t *headers; /* of const char *, "Name: value" */
    const char *content_type;    /* NULL without a body */
    const char *body;
    apr_size_t body_len;
} idt_mapping_request;

/* Parses xml[0..len) of the mapping file named file (used in messages: "file:line:
 * what"). fields: {"Source": {"field": <any value>, "sub": {"field": ...}}, ...}, the
 * sources and fields placeholders may name. IDT_E_XML for anything wrong, the message
 * naming the file and the line. The result lives in p. */
idt_error *idt_mapping_parse(apr_pool_t *p, const char *file, const char *xml, apr_size_t len,
                             const json_t *fields, idt_mapping **out);

/* Renders m with data (shaped as fields): IDT_E_INTERNAL when a value is missing or
 * of a type that cannot be text where text is needed, a header value would hold a
 * line break, or a value of an XML body holds a character XML 1.0 cannot carry. The
 * message names the placeholder, never the value. */
idt_error *idt_mapping_render(apr_pool_t *p, const idt_mapping *m, const json_t *data,
                              idt_mapping_request *out);

#endif
