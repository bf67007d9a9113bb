/* The suite's own API under /idtrust/v1/ that mod_idtrust serves (handler
 * "idtrust-admin"), through the shared runner, in the Identity Center envelope. */
#ifndef IT_API_H
#define IT_API_H

#include <httpd.h>

/* The hooks' work; the hooks themselves are mod_idtrust's. */
const char *it_api_post_config(apr_pool_t *pconf, server_rec *s);
void it_api_child_init(apr_pool_t *pchild, server_rec *s);
int it_api_translate(request_rec *r);
int it_api_map_to_storage(request_rec *r);
int it_api_handler(request_rec *r);

#endif
