/* Unit tests of the canonical DN form trust lists compare DNs by. */
#include <apr_general.h>
#include <apr_strings.h>
#include <string.h>

#include "idt_dn.h"
#include "tap.h"

static const char *key(apr_pool_t *p, const char *dn)
{
    const char *k = NULL;
    idt_error *e = idt_dn_key(p, dn, &k);
    return e ? apr_pstrcat(p, "ERROR: ", e->msg, NULL) : k;
}

int main(void)
{
    apr_pool_t *p;
    const char *k;

    apr_initialize();
    apr_pool_create(&p, NULL);

    is_str(key(p, "CN=orakey, OU=Orakey,O=Oracle, C=US"), "CN=orakey,OU=orakey,O=oracle,C=us",
           "the seed's DN: types upper-case, values lower-case, spaces after commas gone");
    is_str(key(p, "cn=orakey,ou=orakey,o=oracle,c=US"), key(p, "CN=orakey, OU=Orakey,O=Oracle, C=US"),
           "forms differing in spacing and case have one key");
    is_str(key(p, " CN = orakey ,  OU=Orakey  "), "CN=orakey,OU=orakey", "spaces around = and , do not count");
    is_str(key(p, "CN=Ora   Key"), "CN=ora key", "inner white space runs are one space");
    ok(strcmp(key(p, "CN=orakey,O=Oracle"), key(p, "O=Oracle,CN=orakey")) != 0, "RDN order counts");
    is_str(key(p, "CN=a+OU=b"), key(p, "OU=B + CN=A"), "the AVAs of a multi-valued RDN are sorted");
    is_str(key(p, "CN=Smith\\, John,O=Acme"), "CN=smith\\, john,O=acme", "an escaped comma stays in its value");
    is_str(key(p, "CN=Smith\\2C John"), "CN=smith\\, john", "hex escapes decode");
    is_str(key(p, "2.5.4.3=x,OID.2.5.4.10=Y,E=a@b"), "CN=x,O=y,EMAILADDRESS=a@b", "OIDs and aliases are named");
    is_str(key(p, "CN=a;O=b"), "CN=a,O=b", "';' separates RDNs as ',' does");
    is_str(key(p, "wls1"), "wls1", "a bare name (the seed's wls1) is kept");
    is_str(key(p, "  WLS  1 "), "wls 1", "a bare name is folded like a value");
    k = key(p, "CN=a,foo");
    ok(strstr(k, "ERROR: not an RFC 2253 DN: an RDN has no '='") == k, "an RDN without = is refused (%s)", k);
    k = key(p, "CN=a,");
    ok(strstr(k, "ERROR") == k, "a trailing comma is refused (%s)", k);
    k = key(p, "=a");
    ok(strstr(k, "type is empty") != NULL, "an empty type is refused (%s)", k);
    k = key(p, "CN=a\\");
    ok(strstr(k, "lone") != NULL, "a lone backslash is refused (%s)", k);
    k = key(p, "CN=a\\q");
    ok(strstr(k, "escape") != NULL, "an unknown escape is refused (%s)", k);
    k = key(p, "CN=a\x01");
    ok(strstr(k, "control") != NULL, "control characters are refused (%s)", k);
    k = key(p, "   ");
    ok(strstr(k, "empty") != NULL, "a blank DN is refused (%s)", k);
    k = key(p, "C N=x");
    ok(strstr(k, "not a name or an OID") != NULL, "a type with a space is refused (%s)", k);

    /* an escaped NUL must not cut a value short: "CN=Victim Person\00evil" would compare
     * equal to "CN=Victim Person" */
    k = key(p, "CN=Victim Person\\00evil,O=Example");
    ok(strstr(k, "ERROR") == k && strstr(k, "NUL") != NULL, "an escaped NUL is refused (%s)", k);
    k = key(p, "CN=trusted\\00");
    ok(strstr(k, "ERROR") == k, "an escaped NUL at the end is refused (%s)", k);
    k = key(p, "CN=a\\01b");
    ok(strstr(k, "ERROR") == k, "an escaped control character is refused (%s)", k);
    k = key(p, "CN=a\\7Fb");
    ok(strstr(k, "ERROR") == k, "an escaped DEL is refused (%s)", k);
    k = key(p, "CN=a\\C2\\80b");
    ok(strstr(k, "ERROR") == k, "an escaped C1 control character is refused (%s)", k);
    k = key(p, "CN=a\\FFb");
    ok(strstr(k, "ERROR") == k, "an escape that makes text that is not UTF-8 is refused (%s)", k);
    k = key(p, "CN=a\\EF\\BF\\BEb");
    ok(strstr(k, "ERROR") == k, "an escaped U+FFFE is refused (%s)", k);
    k = key(p, "CN=caf\\C3\\A9");
    is_str(k, "CN=caf\xc3\xa9", "an escaped UTF-8 letter is decoded");
    k = key(p, "CN=a\\09b");
    is_str(k, "CN=a b", "an escaped tab is white space, folded");
    k = key(p, "CN=\xff");
    ok(strstr(k, "ERROR") == k && strstr(k, "UTF-8") != NULL, "raw bytes that are not UTF-8 (%s)", k);
    k = key(p, "CN=a\xef\xbf\xbf");
    ok(strstr(k, "ERROR") == k, "a raw U+FFFF is refused (%s)", k);

    /* NFC: look-alikes that Unicode makes one name the same subject */
    is_str(key(p, "CN=cafe\xcc\x81"), key(p, "CN=caf\xc3\xa9"), "decomposed e acute is the composed one");
    is_str(key(p, "CN=\xe2\x84\xaa" "elvin"), "CN=kelvin", "the Kelvin sign is K");
    is_str(key(p, "cafe\xcc\x81"), "caf\xc3\xa9", "a bare name is NFC too");

    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
