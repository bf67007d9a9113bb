/* The SSO Management API's object types, their attributes and their links, as tables:
 * what a type accepts, what a link reads and what verbs it allows are data here, and the
 * code that serves them is the same for every type. */
#ifndef SA_TYPES_H
#define SA_TYPES_H

#include <apr_pools.h>

typedef enum {
    SA_SITE,
    SA_APPLICATION,
    SA_GROUP,
    SA_POLICY,
    SA_POLICYITEM,
    SA_USER,
    SA_METHOD,
    SA_SERVER,
    SA_CREDENTIAL,
    SA_OMP, /* outboundMappingPolicy */
    SA_RTP, /* refreshTokenPolicy */
    SA_NTYPES
} sa_type;

#define SA_BIT(t) (1u << (t))

/* How an attribute's values are read from a form and stored. */
typedef enum {
    SA_TEXT,  /* one string */
    SA_MULTI, /* a list of strings: the parameter may be repeated */
    SA_BOOL,  /* "true" or "false" (any case), stored as "true"/"false" */
    SA_ENUM,  /* one of values (exactly) */
    SA_TIME,  /* an ISO 8601 date and time, stored as given */
    SA_MAIL   /* an e-mail address */
} sa_kind;

/* Flags of an attribute. */
#define SA_REQUIRED 0x1  /* must be given when the object is created */
#define SA_IMMUTABLE 0x2 /* cannot change once the object exists */

typedef struct sa_attr {
    const char *name; /* form parameter and attribute name */
    sa_kind kind;
    apr_size_t max; /* bytes of one value */
    int flags;
    const char *const *values; /* SA_ENUM: the values allowed, NULL-ended */
    const char *def;           /* stored when the object is created without it, or NULL */
} sa_attr;

typedef struct sa_type_info {
    const char *name;     /* as the API spells it: "site", "policyItem" */
    const sa_attr *attrs; /* beyond name, in the order answers show them; ended by {NULL} */
    int writable;         /* 0: the object cannot be created, changed or deleted (server) */
} sa_type_info;

extern const sa_type_info sa_types[SA_NTYPES];

/* The type named s (any case; policyitem and policyItem alike), or -1. With aliases, also
 * the names the seed gives in its list of $link/sub types: mapping, refreshtoken. */
int sa_type_of(const char *s, int aliases);

/* The attribute of type t named name (any case), or NULL. */
const sa_attr *sa_attr_of(sa_type t, const char *name);

/* Whether objects of type t live in the site tree (have a parent site). */
int sa_in_tree(sa_type t);

/* Verbs a link allows (a mask). */
#define SA_V_GET 0x1
#define SA_V_SET 0x2 /* PUT and POST */
#define SA_V_DELETE 0x4
#define SA_V_ALL (SA_V_GET | SA_V_SET | SA_V_DELETE)

/* Special links, served without a row of sso_link. */
typedef enum { SA_L_STORED, SA_L_PARENT, SA_L_ONE, SA_L_SUB } sa_link_special;

/* Link attributes (columns of sso_link). */
#define SA_LA_ENABLED 0x1
#define SA_LA_USERNAME 0x2

/* A link seen from one object: "application X $link/allowedTo" is the group -> application
 * row of kind accessTo read from its application end. */
typedef struct sa_link_def {
    sa_type from;     /* the type of the object in the URI */
    const char *name; /* the link's name after $link/ */
    sa_link_special special;
    const char *kind;     /* stored kind in sso_link */
    int inverse;          /* 1: the URI's object is to_id of the row */
    unsigned targets;     /* types at the other end (SA_BIT mask) */
    sa_type default_type; /* the type of a target path given without one */
    int verbs;            /* SA_V_* */
    int attrs;            /* SA_LA_*: link attributes a PUT or POST may set */
    int single;           /* 1: at most one such link per object */
} sa_link_def;

extern const sa_link_def sa_links[];

/* The link of type t named name (any case), or NULL. */
const sa_link_def *sa_link_of(sa_type t, const char *name);

/* The names of type t's links, ", "-joined (for messages). */
const char *sa_link_names(apr_pool_t *p, sa_type t);

#endif
