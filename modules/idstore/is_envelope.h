/* The Identity Center error envelope: {error_code, error_msg, request_id}, 403 adding
 * encoded_authorization_message. */
#ifndef IS_ENVELOPE_H
#define IS_ENVELOPE_H

#include <httpd.h>

#include "idt_error.h"

/* IIC.NNN code for an error kind. */
const char *is_error_code(idt_kind kind);

/* Writes e in the envelope (the runner has logged it); returns what the handler returns. */
int is_render_error(request_rec *r, const idt_error *e);

#endif
