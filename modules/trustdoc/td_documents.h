/* Trust documents: POST, GET and DELETE /trustdocument?documentName=&displayName=. */
#ifndef TD_DOCUMENTS_H
#define TD_DOCUMENTS_H

#include "idt_httpd_runner.h"

idt_error *td_document_create(idt_req *q);
idt_error *td_document_get(idt_req *q);
idt_error *td_document_delete(idt_req *q);

/* IDT_E_BAD_REQUEST unless name is a valid document name (schema/008's check). */
idt_error *td_document_name_check(apr_pool_t *p, const char *name);

/* IDT_E_BAD_REQUEST unless s is a valid displayName (1 to 255 bytes, no control
 * characters, not only white space). */
idt_error *td_display_name_check(apr_pool_t *p, const char *s);

/* IDT_E_NOT_FOUND unless document name exists; with lock, the row is locked until the
 * transaction ends (so it is not deleted under a change to its issuers). */
idt_error *td_document_check(idt_req *q, const char *name, int lock);

#endif
