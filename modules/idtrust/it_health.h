/* GET /idtrust/live and GET /idtrust/ready (handler "idtrust-health"). */
#ifndef IT_HEALTH_H
#define IT_HEALTH_H

#include <httpd.h>

int it_health_handler(request_rec *r);

/* The highest schema version a loaded module needs, and which module and migration. */
void it_health_require_schema(int version, const char *module, const char *migration);

#endif
