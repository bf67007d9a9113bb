#include "idt_httpd_listen.h"

#include <http_log.h>

#include "mod_idtrust.h"

void idt_httpd_listen_start(server_rec *s, apr_pool_t *pchild, const char *channel,
                            const idt_listen_cb *cb)
{
    APR_OPTIONAL_FN_TYPE(idtrust_listen) *listen = APR_RETRIEVE_OPTIONAL_FN(idtrust_listen);

    if (!listen) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "IT00086: no change listener (mod_idtrust is not loaded); reads bypass "
                     "the cache");
        return;
    }
    listen(s, pchild, channel, cb);
}
