#include "sa_types.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <strings.h>

static const char *const name_id_formats[] = {
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", NULL};
static const char *const key_types[] = {"RSA", NULL};
static const char *const key_uses[] = {"sig", "enc", NULL};

#define DESCRIPTION                                                                                \
    {                                                                                              \
        "description", SA_MULTI, 1024, 0, NULL, NULL                                               \
    }
#define ENABLED                                                                                    \
    {                                                                                              \
        "enabled", SA_BOOL, 5, 0, NULL, "false"                                                    \
    }

static const sa_attr site_attrs[] = {DESCRIPTION, {"mail", SA_MAIL, 254, 0, NULL, NULL}, {NULL}};
static const sa_attr application_attrs[] = {ENABLED, DESCRIPTION, {NULL}};
static const sa_attr group_attrs[] = {DESCRIPTION,
                                      {"condition", SA_TEXT, 4096, 0, NULL, NULL},
                                      {"memberurl", SA_MULTI, 4096, 0, NULL, NULL},
                                      {NULL}};
static const sa_attr policy_attrs[] = {DESCRIPTION,
                                       {"required", SA_BOOL, 5, 0, NULL, NULL},
                                       {"singlevalue", SA_BOOL, 5, 0, NULL, NULL},
                                       {"configuration", SA_TEXT, 4096, 0, NULL, NULL},
                                       {"platform", SA_TEXT, 255, 0, NULL, NULL},
                                       {NULL}};
static const sa_attr policyitem_attrs[] = {{"attributeName", SA_TEXT, 255, 0, NULL, NULL},
                                           {"attributeValue", SA_TEXT, 4096, 0, NULL, NULL},
                                           {"nameValue", SA_TEXT, 1024, 0, NULL, NULL},
                                           {NULL}};
static const sa_attr user_attrs[] = {{"mail", SA_MAIL, 254, 0, NULL, NULL},
                                     {"uid", SA_TEXT, 255, 0, NULL, NULL},
                                     ENABLED,
                                     DESCRIPTION,
                                     {NULL}};
static const sa_attr method_attrs[] = {DESCRIPTION, {NULL}};
static const sa_attr server_attrs[] = {{NULL}};
static const sa_attr credential_attrs[] = {{"kty", SA_ENUM, 16, SA_REQUIRED, key_types, NULL},
                                           {"kid", SA_TEXT, 255, 0, NULL, NULL},
                                           ENABLED,
                                           {"use", SA_ENUM, 3, 0, key_uses, NULL},
                                           {"notBefore", SA_TIME, 64, 0, NULL, NULL},
                                           {"notOnOrAfter", SA_TIME, 64, 0, NULL, NULL},
                                           {"description", SA_TEXT, 1024, 0, NULL, NULL},
                                           {NULL}};
static const sa_attr omp_attrs[] = {
    {"nameIDFormat", SA_ENUM, 128, SA_REQUIRED | SA_IMMUTABLE, name_id_formats, NULL},
    DESCRIPTION,
    {NULL}};
static const sa_attr rtp_attrs[] = {DESCRIPTION, {NULL}};

const sa_type_info sa_types[SA_NTYPES] = {
    [SA_SITE] = {"site", site_attrs, 1},
    [SA_APPLICATION] = {"application", application_attrs, 1},
    [SA_GROUP] = {"group", group_attrs, 1},
    [SA_POLICY] = {"policy", policy_attrs, 1},
    [SA_POLICYITEM] = {"policyItem", policyitem_attrs, 1},
    [SA_USER] = {"user", user_attrs, 1},
    [SA_METHOD] = {"method", method_attrs, 1},
    [SA_SERVER] = {"server", server_attrs, 0},
    [SA_CREDENTIAL] = {"credential", credential_attrs, 1},
    [SA_OMP] = {"outboundMappingPolicy", omp_attrs, 1},
    [SA_RTP] = {"refreshTokenPolicy", rtp_attrs, 1},
};

int sa_type_of(const char *s, int aliases)
{
    int t;
    for (t = 0; t < SA_NTYPES; t++)
        if (!strcasecmp(s, sa_types[t].name)) return t;
    if (aliases && !strcasecmp(s, "mapping")) return SA_OMP;
    if (aliases && !strcasecmp(s, "refreshtoken")) return SA_RTP;
    return -1;
}

const sa_attr *sa_attr_of(sa_type t, const char *name)
{
    const sa_attr *a;
    for (a = sa_types[t].attrs; a->name; a++)
        if (!strcasecmp(a->name, name)) return a;
    return NULL;
}

int sa_in_tree(sa_type t)
{
    return t != SA_METHOD && t != SA_SERVER;
}

#define B SA_BIT
#define EN SA_LA_ENABLED
#define UN SA_LA_USERNAME

/* The seed's links, from each end. Every link that can be set can be removed (DELETE);
 * those the seed says "cannot be set using this URI", or lists with GET only, answer 405
 * to every other verb. */
const sa_link_def sa_links[] = {
    {SA_SITE, "one", SA_L_ONE, NULL, 0, 0, SA_SITE, SA_V_GET, 0, 0},
    {SA_SITE, "sub", SA_L_SUB, NULL, 0, 0, SA_SITE, SA_V_GET, 0, 0},
    {SA_SITE, "site", SA_L_PARENT, NULL, 0, B(SA_SITE), SA_SITE, SA_V_GET, 0, 0},
    {SA_SITE, "managedBy", SA_L_STORED, "manages", 1, B(SA_GROUP), SA_GROUP, SA_V_ALL, 0, 0},
    {SA_SITE, "method", SA_L_STORED, "method", 0, B(SA_METHOD), SA_METHOD, SA_V_ALL, 0, 0},

    {SA_APPLICATION, "site", SA_L_PARENT, NULL, 0, B(SA_SITE), SA_SITE, SA_V_GET, 0, 0},
    {SA_APPLICATION, "allowedTo", SA_L_STORED, "accessTo", 1, B(SA_GROUP), SA_GROUP, SA_V_ALL, 0,
     0},
    {SA_APPLICATION, "method", SA_L_STORED, "method", 0, B(SA_METHOD), SA_METHOD, SA_V_ALL, EN, 0},
    {SA_APPLICATION, "policy", SA_L_STORED, "policy", 0, B(SA_POLICY), SA_POLICY, SA_V_ALL, 0, 0},
    {SA_APPLICATION, "outboundMappingPolicy", SA_L_STORED, "outboundMappingPolicy", 0, B(SA_OMP),
     SA_OMP, SA_V_ALL, 0, 1},
    {SA_APPLICATION, "refreshTokenPolicy", SA_L_STORED, "refreshTokenPolicy", 0, B(SA_RTP), SA_RTP,
     SA_V_ALL, 0, 1},

    {SA_GROUP, "site", SA_L_PARENT, NULL, 0, B(SA_SITE), SA_SITE, SA_V_GET, 0, 0},
    {SA_GROUP, "accessTo", SA_L_STORED, "accessTo", 0, B(SA_APPLICATION), SA_APPLICATION, SA_V_ALL,
     0, 0},
    {SA_GROUP, "manages", SA_L_STORED, "manages", 0, B(SA_SITE), SA_SITE, SA_V_ALL, 0, 0},
    {SA_GROUP, "member", SA_L_STORED, "member", 0, B(SA_GROUP) | B(SA_USER), SA_GROUP, SA_V_ALL, 0,
     0},
    {SA_GROUP, "memberOf", SA_L_STORED, "member", 1, B(SA_GROUP), SA_GROUP, SA_V_ALL, 0, 0},
    {SA_GROUP, "method", SA_L_STORED, "method", 0, B(SA_METHOD), SA_METHOD, SA_V_ALL, 0, 0},
    {SA_GROUP, "policy", SA_L_STORED, "policy", 0, B(SA_POLICY), SA_POLICY, SA_V_ALL, 0, 0},
    {SA_GROUP, "policyItem", SA_L_STORED, "group", 1, B(SA_POLICYITEM), SA_POLICYITEM, SA_V_ALL, 0,
     0},

    {SA_METHOD, "site", SA_L_STORED, "method", 1, B(SA_SITE), SA_SITE, SA_V_ALL, 0, 0},
    {SA_METHOD, "application", SA_L_STORED, "method", 1, B(SA_APPLICATION), SA_APPLICATION,
     SA_V_ALL, EN, 0},
    {SA_METHOD, "group", SA_L_STORED, "method", 1, B(SA_GROUP), SA_GROUP, SA_V_ALL, 0, 0},
    {SA_METHOD, "server", SA_L_STORED, "method", 1, B(SA_SERVER), SA_SERVER, SA_V_GET, 0, 0},
    {SA_METHOD, "nextFactor", SA_L_STORED, "nextFactor", 0, B(SA_METHOD), SA_METHOD, SA_V_ALL, 0,
     0},
    {SA_METHOD, "previousFactor", SA_L_STORED, "nextFactor", 1, B(SA_METHOD), SA_METHOD, SA_V_ALL,
     0, 0},

    {SA_SERVER, "method", SA_L_STORED, "method", 0, B(SA_METHOD), SA_METHOD, SA_V_ALL, 0, 0},
    {SA_SERVER, "credential", SA_L_STORED, "credential", 0, B(SA_CREDENTIAL), SA_CREDENTIAL,
     SA_V_ALL, 0, 0},

    {SA_POLICY, "site", SA_L_PARENT, NULL, 0, B(SA_SITE), SA_SITE, SA_V_GET, 0, 0},
    {SA_POLICY, "application", SA_L_STORED, "policy", 1, B(SA_APPLICATION), SA_APPLICATION,
     SA_V_ALL, 0, 0},
    {SA_POLICY, "group", SA_L_STORED, "policy", 1, B(SA_GROUP), SA_GROUP, SA_V_ALL, 0, 0},
    {SA_POLICY, "policyItem", SA_L_STORED, "policy", 1, B(SA_POLICYITEM), SA_POLICYITEM, SA_V_GET,
     0, 0},

    {SA_POLICYITEM, "group", SA_L_STORED, "group", 0, B(SA_GROUP), SA_GROUP, SA_V_ALL, 0, 0},
    {SA_POLICYITEM, "policy", SA_L_STORED, "policy", 0, B(SA_POLICY), SA_POLICY, SA_V_ALL, 0, 0},

    {SA_CREDENTIAL, "server", SA_L_STORED, "credential", 1, B(SA_SERVER), SA_SERVER, SA_V_ALL, 0,
     0},

    {SA_USER, "method", SA_L_STORED, "method", 0, B(SA_METHOD), SA_METHOD, SA_V_ALL, EN, 0},

    {SA_OMP, "user", SA_L_STORED, "user", 0, B(SA_USER), SA_USER, SA_V_ALL, UN, 0},
    {SA_NTYPES, NULL}};

const sa_link_def *sa_link_of(sa_type t, const char *name)
{
    const sa_link_def *l;
    for (l = sa_links; l->name; l++)
        if (l->from == t && !strcasecmp(l->name, name)) return l;
    return NULL;
}

const char *sa_link_names(apr_pool_t *p, sa_type t)
{
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(char *));
    const sa_link_def *l;
    for (l = sa_links; l->name; l++)
        if (l->from == t) {
            if (names->nelts) APR_ARRAY_PUSH(names, const char *) = ", ";
            APR_ARRAY_PUSH(names, const char *) = l->name;
        }
    return names->nelts ? apr_array_pstrcat(p, names, '\0') : "none";
}
