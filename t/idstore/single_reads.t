# One SP certificate (GET .../saml-certificates/{id}) and one IdP certificate
# (GET .../external-idp/{idp}/certificate/{id}): the members of their list entries,
# the 404s, and reads that follow writes at once.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 30;

my $ghost = '4f5c8f39-1d2e-4c71-9a53-0c7d1e2f3a4b';
my $store = new_store();
my $sp = "/v1/identity-stores/$store/saml-certificates";

# ---- SP certificates ----
my $second = json_of(api(POST => $sp))->{certificate_id};
my @list = @{ json_of(api(GET => $sp)) // [] };
is(scalar @list, 2, 'a store with two SAML certificates');
for my $item (@list) {
    my $res = api(GET => "$sp/$item->{certificate_id}");
    is($res->code, 200, "GET $item->{state} certificate: 200");
    is_deeply(json_of($res), $item, "GET $item->{state} certificate: the list entry, member for member");
}
is(api(POST => "$sp/$second/active")->code, 204, 'activate the second');
my @states = map { (json_of(api(GET => "$sp/$second")) // {})->{state} // '' } 1 .. 10;
is("@states", join(' ', ('ACTIVE') x 10), 'ten reads on new connections show it ACTIVE at once');
my ($first) = grep { $_->{certificate_id} ne $second } @list;
is((json_of(api(GET => "$sp/$first->{certificate_id}")) // {})->{state}, 'INACTIVE', 'and the first INACTIVE');
is(api(DELETE => "$sp/$first->{certificate_id}")->code, 204, 'delete the first');
iic_error_ok(api(GET => "$sp/$first->{certificate_id}"), 404, 'IIC.404', 'GET a deleted certificate: 404 at once');
iic_error_ok(api(GET => "$sp/cer-$ghost"), 404, 'IIC.404', 'GET an unknown certificate', qr/SAML certificate/);
iic_error_ok(api(GET => "$sp/not-an-id"), 404, 'IIC.404', 'GET a malformed id');
iic_error_ok(api(GET => "/v1/identity-stores/$ghost/saml-certificates/$second"), 404, 'IIC.404',
    'GET through an unknown store', qr/identity store/);
my $other = new_store();
iic_error_ok(api(GET => "/v1/identity-stores/$other/saml-certificates/$second"), 404, 'IIC.404',
    "GET through another store: not that store's certificate");
is(api(POST => "$sp/$second")->header('Allow'), 'GET, DELETE', 'POST: 405 with Allow: GET, DELETE');

# ---- IdP certificates ----
my $idp = new_idp($store);
my $ib = "/v1/identity-stores/$store/external-idp/$idp->{idp_id}/certificate";
my $imported = json_of(api(POST => $ib, body => {
    x509_certificate_in_pem => scalar openssl_cert(cn => 'second.example.test', key => 'ec'),
    certificate_use => 'SIGNING' }))->{certificate_id};
ok($imported, 'an IdP with two certificates');
my @certs = @{ (json_of(api(GET => $ib)) // {})->{idp_certificates} // [] };
is(scalar @certs, 2, 'both are listed');
for my $item (@certs) {
    my $res = api(GET => "$ib/$item->{certificate_id}");
    is($res->code, 200, "GET $item->{subject_name}: 200");
    is_deeply(json_of($res), $item, "GET $item->{subject_name}: the list entry, member for member");
}
is(api(DELETE => "$ib/$imported")->code, 204, 'delete the imported one');
iic_error_ok(api(GET => "$ib/$imported"), 404, 'IIC.404', 'GET a deleted certificate: 404 at once');
iic_error_ok(api(GET => "$ib/$ghost"), 404, 'IIC.404', 'GET an unknown certificate', qr/certificate/);
iic_error_ok(api(GET => "$ib/" . uc($idp->{certificate_id})), 404, 'IIC.404', 'GET an upper-case id');
my $idp2 = new_idp($store);
iic_error_ok(api(GET => "/v1/identity-stores/$store/external-idp/$idp2->{idp_id}/certificate/$idp->{certificate_id}"),
    404, 'IIC.404', "GET through another IdP: not that IdP's certificate");
iic_error_ok(api(GET => "/v1/identity-stores/$store/external-idp/$ghost/certificate/$idp->{certificate_id}"),
    404, 'IIC.404', 'GET through an unknown IdP', qr/identity provider/);
iic_error_ok(api(GET => "/v1/identity-stores/$ghost/external-idp/$idp->{idp_id}/certificate/$idp->{certificate_id}"),
    404, 'IIC.404', 'GET through an unknown store', qr/identity store/);
iic_error_ok(api(GET => "/v1/identity-stores/$other/external-idp/$idp->{idp_id}/certificate/$idp->{certificate_id}"),
    404, 'IIC.404', 'GET through another store');
is(api(PUT => "$ib/$idp->{certificate_id}", body => {})->header('Allow'), 'GET, DELETE',
    'PUT: 405 with Allow: GET, DELETE');
