/* mod_idtrust's change listener, shared by every API module's read cache. */
#ifndef IT_LISTEN_H
#define IT_LISTEN_H

#include "mod_idtrust.h"

/* The optional function idtrust_listen (mod_idtrust.h). */
void idtrust_listen(server_rec *s, apr_pool_t *pchild, const char *channel,
                    const idt_listen_cb *cb);

#endif
