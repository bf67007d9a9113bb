/* The mapping files of CertimportMappingDir, read once at start-up: a broken one stops
 * httpd with its file name and line (mapping files are the administrator's, and a
 * notification that cannot be made would otherwise fail at every attempt). */
#ifndef CI_MAPPINGS_H
#define CI_MAPPINGS_H

#include <apr_pools.h>

#include "idt_mapping.h"

/* Reads every *.xml of dir (NULL: none); NULL or the sentence to log. */
const char *ci_mappings_load(apr_pool_t *pconf, apr_pool_t *ptemp, const char *dir);

/* The mapping file named name ("RESTCertificateAdded.xml"), or NULL. */
const idt_mapping *ci_mapping_get(const char *name);

/* The names loaded, comma-separated (for messages). */
const char *ci_mapping_names(apr_pool_t *p);

#endif
