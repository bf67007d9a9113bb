/* Trust documents as XML: POST /trustdocument/import and GET
 * /trustdocument/export?documentName= (the format: modules/core/idt_trust_xml.h). */
#ifndef TD_TRANSFER_H
#define TD_TRANSFER_H

#include "idt_httpd_runner.h"

/* The most an import body may hold, whatever LimitRequestBody allows. */
#define TD_IMPORT_MAX (64 * 1024 * 1024)

/* POST: replaces the issuers, trusted DNs and token attribute rules of the document
 * the XML names (oratrust:name; it must exist) with the XML's, and its display name
 * when oratrust:displayName is given; all or nothing. */
idt_error *td_import(idt_req *q);

/* GET: the document as XML; importing it gives back the same document. */
idt_error *td_export(idt_req *q);

#endif
