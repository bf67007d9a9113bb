/* The Identity Center error envelope: {error_code, error_msg, request_id}, 403 adding
 * encoded_authorization_message. The Identity Center API and the suite's own API
 * (/idtrust/v1/...) answer their errors in it. */
#ifndef IDT_HTTPD_IIC_H
#define IDT_HTTPD_IIC_H

#include <httpd.h>

#include "idt_error.h"

/* IIC.NNN code for an error kind. */
const char *idt_iic_code(idt_kind kind);

/* Writes e in the envelope (the runner has logged it); returns what the handler returns. */
int idt_iic_render_error(request_rec *r, const idt_error *e);

#endif
