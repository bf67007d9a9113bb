/* GET /idtrust/live and GET /idtrust/ready (handler "idtrust-health"). */
#ifndef IT_HEALTH_H
#define IT_HEALTH_H

#include <httpd.h>

int it_health_handler(request_rec *r);

#endif
