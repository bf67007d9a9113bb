/* The connection budget: every httpd process keeps its own mod_dbd pool of up to DBDMax
 * connections (the change listeners' LISTEN connections come from that pool too), and up
 * to ServerLimit processes can exist at once. When ServerLimit x DBDMax is more than
 * PostgreSQL accepts from ordinary roles, a burst of requests fills the server, PostgreSQL
 * refuses everyone else (psql included), and requests answer 503.
 *
 * At child start this compares the two and logs IT00040 (warning) when the pools can
 * exceed max_connections minus the reserved slots, IT00041 (warning) when DBDMax leaves no
 * connection for requests beside the listeners, else IT00042 (info) with the figures.
 * Once per server start or restart, by the first child that reaches the database, not by
 * every child. */
#ifndef IT_BUDGET_H
#define IT_BUDGET_H

#include <httpd.h>

void it_budget_child_init(apr_pool_t *p, server_rec *s);

/* mod_dbd's settings for server vs (main: the main server), read through the same mirror
 * of mod_dbd's server config as the budget: 1 with *driver (DBDriver) and *params
 * (DBDParams), each NULL when unset; 0 when mod_dbd is not loaded or its configuration is
 * not laid out as in httpd 2.4 (nothing can be said then). Valid once the virtual hosts'
 * configurations are merged (check_config and later). */
int it_budget_dbd_settings(server_rec *vs, server_rec *main, const char **driver,
                           const char **params);

#endif
