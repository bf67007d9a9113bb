# Names made only of white space (or invisible characters) are refused wherever a name
# is given: an identity-store name, an IdP's entity_id in idp_saml_config, an entityID
# in metadata; each refusal writes nothing. A name with visible characters among
# spaces is still a name.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use JSON::PP ();

plan tests => 25;

my $MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
my $DS = 'http://www.w3.org/2000/09/xmldsig#';
my $POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
my $uniq = "$$-" . int(rand(1e9));

# ---- identity-store names (raw JSON, so that \u escapes reach the server as sent) ----
for ([ 'a space', '" "' ], [ 'spaces', '"     "' ], [ 'no-break and ideographic spaces', '"\u00a0\u3000"' ],
    [ 'a zero-width space', '"\u200b"' ], [ 'a byte order mark and an em space', '"\ufeff\u2003"' ]) {
    my ($what, $json) = @$_;
    my $before = store_counts();
    my $res = api(POST => '/idtrust/v1/identity-stores', body => qq({"name":$json}));
    iic_error_ok($res, 400, 'IIC.400', "store name of $what: 400", qr/white space/);
    is(store_counts(), $before, "store name of $what: nothing is written");
}
my $res = api(POST => '/idtrust/v1/identity-stores', body => { name => " padded $uniq " });
is($res->code, 201, 'a store name with visible characters among spaces is created')
    or diag($res->decoded_content);

# ---- IdP entity ids ----
my $store = new_store();
my $base = "/v1/identity-stores/$store/external-idp";
my $pem = openssl_cert(cn => 'names.example.test');
my $b64 = pem_b64($pem);

sub metadata {
    my $entity = shift;
    return qq(<md:EntityDescriptor xmlns:md="$MD" xmlns:ds="$DS" entityID="$entity">)
        . qq(<md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>)
        . qq(<ds:X509Certificate>$b64</ds:X509Certificate></ds:X509Data></ds:KeyInfo>)
        . qq(</md:KeyDescriptor><md:SingleSignOnService Binding="$POST" Location="https://names.example.test/sso"/>)
        . qq(</md:IDPSSODescriptor></md:EntityDescriptor>);
}

for ([ 'spaces', '   ' ], [ 'a tab and a line break (as references)', '&#9;&#10; ' ],
    [ 'no-break and ideographic spaces (as references)', '&#xA0;&#x3000;' ]) {
    my ($what, $entity) = @$_;
    my $before = idp_counts();
    $res = api(POST => $base, body => { idp_saml_metadata => metadata($entity) });
    iic_error_ok($res, 400, 'IIC.1716', "metadata entityID of $what: 400", qr/white space/);
    is(idp_counts(), $before, "metadata entityID of $what: nothing is written");
}

for ([ 'a space', '" "' ], [ 'a no-break space', '"\u00a0"' ], [ 'a tab', '"\t"' ]) {
    my ($what, $json) = @$_;
    my $before = idp_counts();
    my $cert = JSON::PP->new->encode($pem);
    $res = api(POST => $base, body => qq({"idp_saml_config":{"entity_id":$json,)
        . qq("login_url":"https://names.example.test/sso"},"idp_certificate":$cert}));
    iic_error_ok($res, 400, 'IIC.400', "idp_saml_config entity_id of $what: 400", qr/white space/);
    is(idp_counts(), $before, "idp_saml_config entity_id of $what: nothing is written");
}

$res = api(POST => $base, body => { idp_saml_metadata => metadata("urn:names:$uniq") });
is($res->code, 201, 'metadata with a real entityID is still accepted') or diag($res->decoded_content);
$res = api(POST => $base, body => { idp_saml_config => { entity_id => " urn:names:b:$uniq",
    login_url => 'https://names.example.test/sso' }, idp_certificate => $pem });
is($res->code, 201, 'an entity_id with a leading space and visible characters is accepted')
    or diag($res->decoded_content);
