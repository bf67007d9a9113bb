# The SAML SP metadata of an identity store, served without credentials at its entity
# id /saml/{id} and at /saml/{id}/metadata: what it holds (checked with PostgreSQL's
# XPath, openssl and, where the schemas are installed, the OASIS metadata XSD), that it
# follows an activation at once, and the envelope for unknown stores and the ACS URL.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 56;

my $PUBLIC = 'https://idc.example.test';  # IdstorePublicURL of t/conf/extra.conf.in
my $TYPE = 'application/samlmetadata+xml';
my $POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

# The values XPath path selects in xml, joined with '|' (PostgreSQL's libxml2).
sub xp {
    my ($xml, $path) = @_;
    die "xml holds the quote\n" if $xml =~ /\$md\$/;
    return psql("SELECT array_to_string(xpath('$path', \$md\$$xml\$md\$::xml, ARRAY["
        . "ARRAY['md', 'urn:oasis:names:tc:SAML:2.0:metadata'], "
        . "ARRAY['ds', 'http://www.w3.org/2000/09/xmldsig#']])::text[], '|')");
}

# base64 DER as a PEM block openssl reads
sub b64_pem {
    my $b64 = shift;
    return "-----BEGIN CERTIFICATE-----\n" . join("\n", $b64 =~ /(.{1,64})/g)
        . "\n-----END CERTIFICATE-----\n";
}

sub fingerprint {
    my ($out, $rc) = openssl_in(shift, 'x509', '-noout', '-fingerprint', '-sha256');
    return $rc == 0 ? $out : "openssl failed ($rc)";
}

sub active_cert {
    my $store = shift;
    my ($c) = grep { $_->{state} eq 'ACTIVE' }
        @{ json_of(api(GET => "/v1/identity-stores/$store/saml-certificates")) // [] };
    return $c // {};
}

my $store = new_store();
my $entity = "$PUBLIC/saml/$store";

# ---- anonymous GET at both URLs ----
my $res = api(GET => "/saml/$store/metadata", auth => undef);
is($res->code, 200, 'metadata: anonymous GET answers 200') or diag($res->as_string);
is($res->header('Content-Type'), $TYPE, "metadata: Content-Type $TYPE");
ok(!defined $res->header('WWW-Authenticate'), 'metadata: no credentials are asked for');
my $md = $res->content;
like($md, qr/\A<\?xml version="1\.0" encoding="UTF-8"\?>/, 'metadata: an XML document, UTF-8');

$res = api(GET => "/saml/$store", auth => undef);
is($res->code, 200, 'entity id: anonymous GET answers 200');
is($res->header('Content-Type'), $TYPE, "entity id: Content-Type $TYPE");
is($res->content, $md, 'entity id: the same metadata');
is(api(GET => "/saml/$store/", auth => undef)->content, $md, 'a trailing slash is tolerated');
$res = api(HEAD => "/saml/$store/metadata", auth => undef);
is($res->code, 200, 'HEAD answers 200');
is($res->content, '', 'HEAD: no body');
is(api(GET => "/saml/$store/metadata")->content, $md, 'with credentials: the same metadata');

# ---- what it says ----
is(xp($md, 'name(/*)'), 'md:EntityDescriptor', 'the root is md:EntityDescriptor');
is(xp($md, 'namespace-uri(/*)'), 'urn:oasis:names:tc:SAML:2.0:metadata', 'in the metadata namespace');
is(xp($md, '/md:EntityDescriptor/@entityID'), $entity, 'entityID is the issuer URL');
is(xp($md, '/md:EntityDescriptor/md:SPSSODescriptor/@AuthnRequestsSigned'), 'true',
    'AuthnRequestsSigned="true"');
is(xp($md, '/md:EntityDescriptor/md:SPSSODescriptor/@WantAssertionsSigned'), 'true',
    'WantAssertionsSigned="true"');
is(xp($md, '//md:AssertionConsumerService/@Location'), "$entity/acs",
    'one AssertionConsumerService, at issuer/acs');
is(xp($md, '//md:AssertionConsumerService/@Binding'), $POST, 'its binding is HTTP-POST');
is(xp($md, 'count(//md:KeyDescriptor)'), 1, 'one KeyDescriptor');
is(xp($md, 'count(//md:AssertionConsumerService)'), 1, 'one AssertionConsumerService');
is(xp($md, '//md:KeyDescriptor/@use'), 'signing', 'use="signing"');
my $b64 = xp($md, '//md:KeyDescriptor[@use="signing"]/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()');
my $active = active_cert($store);
ok($active->{certificate_id}, 'the store has an ACTIVE SAML certificate');
is($b64, pem_b64($active->{x509certificate} // ''),
    'X509Certificate is the ACTIVE certificate of GET saml-certificates');
is(fingerprint(b64_pem($b64)), fingerprint($active->{x509certificate} // ''),
    'openssl reads it, with the same SHA-256 fingerprint');
my ($subject) = openssl_in(b64_pem($b64), 'x509', '-noout', '-subject', '-nameopt', 'RFC2253');
like($subject, qr/CN=idtrust SAML SP \Q$store\E/, 'its subject names the store');

# the IdP answers carry the same document
my $idp = new_idp($store);
my $view = json_of(api(GET => "/v1/identity-stores/$store/external-idp/$idp->{idp_id}")) // {};
is($view->{hws_sp_saml_config}{metadata}, $md, 'hws_sp_saml_config.metadata is the served metadata');
is($view->{hws_sp_saml_config}{issuer}, $entity, 'and its issuer is the URL that serves it');

# ---- the OASIS SAML 2.0 metadata schema ----
my $xsd = '/usr/share/xml/opensaml/saml-schema-metadata-2.0.xsd';
my $w3c = '/usr/share/xml/xmltooling';
my $xmllint = (grep { -x "$_/xmllint" } split /:/, $ENV{PATH} // '')[0];

# (exit code, output) of xmllint --schema on xml, offline: the schemas' imports of the
# W3C schemas resolve through a catalog to Debian's copies
sub validate {
    my $xml = shift;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    open(my $c, '>', "$dir/catalog.xml") or die;
    print $c <<"XML";
<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd" uri="file://$w3c/xmldsig-core-schema.xsd"/>
  <system systemId="http://www.w3.org/TR/2002/REC-xmlenc-core-20021210/xenc-schema.xsd" uri="file://$w3c/xenc-schema.xsd"/>
  <system systemId="http://www.w3.org/2001/xml.xsd" uri="file://$w3c/xml.xsd"/>
</catalog>
XML
    close $c;
    open(my $f, '>', "$dir/md.xml") or die;
    print $f $xml;
    close $f;
    local $ENV{XML_CATALOG_FILES} = "$dir/catalog.xml";
    my $out = `$xmllint/xmllint --noout --nonet --schema $xsd $dir/md.xml 2>&1`;
    return ($? >> 8, $out);
}

SKIP: {
    skip 'the OASIS schemas are not installed (Debian: libxml2-utils opensaml-schemas '
        . 'xmltooling-schemas)', 3
        unless $xmllint && -f $xsd && -f "$w3c/xmldsig-core-schema.xsd";
    my ($rc, $out) = validate($md);
    is($rc, 0, 'the metadata validates against saml-schema-metadata-2.0.xsd') or diag($out);
    like($out, qr/ validates$/m, 'xmllint says it validates');
    # the check can fail: the same document without its SPSSODescriptor's protocol list
    (my $bad = $md) =~ s/ protocolSupportEnumeration="[^"]*"//;
    ($rc, $out) = validate($bad);
    isnt($rc, 0, 'a document the schema refuses fails (protocolSupportEnumeration removed)');
}

# ---- an activation shows at once, at both URLs, from every process ----
my $cache_path = "/saml/$store/metadata";
api(GET => $cache_path, auth => undef) for 1 .. 10;   # cached in the processes that answered
api(GET => "/saml/$store", auth => undef) for 1 .. 10;
my $new = json_of(api(POST => "/v1/identity-stores/$store/saml-certificates"))->{certificate_id};
ok($new, 'a second SAML certificate');
is(pem_b64(xp(api(GET => $cache_path, auth => undef)->content,
    '//ds:X509Certificate/text()')), pem_b64($active->{x509certificate}),
    'an INACTIVE certificate is not in the metadata');
is(api(POST => "/v1/identity-stores/$store/saml-certificates/$new/active")->code, 204,
    'activate it');
my $new_active = active_cert($store);
is($new_active->{certificate_id}, $new, 'it is the ACTIVE one now');
for my $path ($cache_path, "/saml/$store") {
    my @seen = map { xp(api(GET => $path, auth => undef)->content, '//ds:X509Certificate/text()') } 1 .. 10;
    is(scalar(grep { $_ eq pem_b64($new_active->{x509certificate}) } @seen), 10,
        "$path: ten requests on new connections all show the new certificate");
}
$view = json_of(api(GET => "/v1/identity-stores/$store/external-idp/$idp->{idp_id}")) // {};
is($view->{hws_sp_saml_config}{metadata}, api(GET => $cache_path)->content,
    'the IdP view shows the new metadata too');
is(fingerprint(b64_pem(xp(api(GET => $cache_path, auth => undef)->content,
    '//ds:X509Certificate/text()'))), fingerprint($new_active->{x509certificate}),
    'openssl: the served certificate is the new ACTIVE one');

# ---- unknown stores, other paths, other methods ----
my $ghost = '4f5c8f39-1d2e-4c71-9a53-0c7d1e2f3a4b';
iic_error_ok(api(GET => "/saml/$ghost/metadata", auth => undef), 404, 'IIC.404',
    'unknown store: metadata 404 in the envelope', qr/identity store/);
iic_error_ok(api(GET => "/saml/$ghost", auth => undef), 404, 'IIC.404',
    'unknown store: entity id 404 in the envelope', qr/identity store/);
iic_error_ok(api(GET => '/saml/' . uc($store) . '/metadata', auth => undef), 404, 'IIC.404',
    'an upper-case id is an unknown store');
iic_error_ok(api(GET => '/saml/not-a-uuid', auth => undef), 404, 'IIC.404', 'not a uuid: 404');
iic_error_ok(api(GET => '/saml', auth => undef), 404, 'IIC.404', '/saml: 404 in the envelope');
iic_error_ok(api(GET => "/saml/$store/sso", auth => undef), 404, 'IIC.404',
    'another path under the store: 404 in the envelope');
iic_error_ok(api(POST => "/saml/$store/metadata", auth => undef, body => {}), 405,
    'IIC.405', 'POST metadata: 405 in the envelope');
is(api(PUT => "/saml/$store", auth => undef, body => {})->header('Allow'), 'GET',
    'PUT entity id: Allow: GET');

# the ACS URL is named in the metadata, but consumes nothing: any method, in the envelope
my $counts = store_counts();
my $idps = idp_counts();
for my $m (qw(GET POST PUT PATCH DELETE OPTIONS)) {
    my %body = $m =~ /\A(GET|DELETE|OPTIONS)\z/ ? ()
        : (body => 'SAMLResponse=PHNhbWxwOlJlc3BvbnNlLz4%3D&RelayState=x',
           type => 'application/x-www-form-urlencoded');
    iic_error_ok(api($m => "/saml/$store/acs", auth => undef, %body), 404, 'IIC.404',
        "ACS $m: 404 in the envelope, saying why", qr/no SAML login/);
}
iic_error_ok(api(POST => "/saml/$ghost/acs", auth => undef, body => 'SAMLResponse=x',
    type => 'application/x-www-form-urlencoded'), 404, 'IIC.404', 'ACS of an unknown store: 404');
is(store_counts() . ' ' . idp_counts(), "$counts $idps", 'the ACS changed nothing');

# a deleted store's metadata is gone at once (its cached copies too)
is(api(DELETE => "/idtrust/v1/identity-stores/$store")->code, 204, 'delete the store');
my @gone = map { api(GET => $cache_path, auth => undef)->code } 1 .. 5;
is("@gone", '404 404 404 404 404', 'its metadata answers 404 from every process');
