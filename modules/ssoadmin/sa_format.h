/* The answers' three formats, chosen by Accept (text/plain when it says nothing or
 * accepts none of them), for results and errors alike:
 *   text/plain        site /site/System            (one line per object)
 *   application/json  {"type":"site","id":"/site/System","attributes":{"name":"System",
 *                      "description":["Ubilogin System"]}}        (a list: [..., ...])
 *   application/xml   <object type="site" id="/site/System"><attribute name="name"
 *                      value="System"/><attribute name="description"><value>Ubilogin
 *                      System</value></attribute></object>       (a list: <objects>...)
 * A route replies with such an object (sa_object_json) or a JSON array of them in q->out;
 * a link's own attributes ride in a "link" member, shown as <link name= value=/>. */
#ifndef SA_FORMAT_H
#define SA_FORMAT_H

#include <httpd.h>
#include <jansson.h>

#include "idt_httpd_runner.h"

typedef enum { SA_FMT_TEXT, SA_FMT_JSON, SA_FMT_XML } sa_format;

/* The format r's Accept header asks for. */
sa_format sa_format_of(request_rec *r);

/* Adds Accept to the response's Vary header (once). */
void sa_vary(request_rec *r);

/* The runner's cache variant: the format's name. */
const char *sa_format_variant(request_rec *r);

/* The runner's renderer of q->out in the negotiated format. */
idt_error *sa_render(idt_req *q);

/* The envelope of errors, in the negotiated format:
 *   text/plain        error 404 no site /site/Nope\nrequest_id ...\n
 *   application/json  {"error":{"status":404,"message":"...","request_id":"..."}}
 *   application/xml   <error status="404" request_id="..."><message>...</message></error> */
int sa_render_error(request_rec *r, const idt_error *e);

/* XML text with &, <, >, " escaped, and characters XML 1.0 forbids as U+FFFD. */
const char *sa_xml_escape(apr_pool_t *p, const char *s);

#endif
