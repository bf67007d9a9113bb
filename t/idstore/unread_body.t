# Operations that take no body still refuse an oversize one before they change anything
# (httpd would otherwise refuse it only when discarding it, after the commit).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 10;

my $big = 'x' x (1024 * 1024 + 100);
my $store = new_store();
my $idp = new_idp($store);
my $certs = "/v1/identity-stores/$store/saml-certificates";

my $res = api(POST => "/v1/identity-stores/$store/external-idp/$idp->{idp_id}/disable",
    body => $big, type => 'text/plain');
ok t_cmp($res->code, 413, 'disable with an oversize body answers 413');
ok t_cmp((json_of($res) // {})->{error_code}, 'IIC.413', 'in the envelope');
my ($a) = grep { $_->{idp_id} eq $idp->{idp_id} }
    @{ (json_of(api(GET => "/v1/identity-stores/$store/external-idp")) // {})->{associations} // [] };
ok t_cmp($a && $a->{status}, 'ENABLED', 'and the IdP was not disabled');

my $before = scalar @{ json_of(api(GET => $certs)) // [] };
$res = api(POST => $certs, body => $big, type => 'text/plain');
ok t_cmp($res->code, 413, 'creating an SP certificate with an oversize body answers 413');
ok t_cmp((json_of($res) // {})->{error_code}, 'IIC.413', 'in the envelope');
ok t_cmp(scalar @{ json_of(api(GET => $certs)) // [] }, $before, 'and no certificate was made');

$res = api(DELETE => "/idtrust/v1/identity-stores/$store", body => $big, type => 'text/plain');
ok t_cmp($res->code, 413, 'deleting a store with an oversize body answers 413');
ok t_cmp(api(GET => $certs)->code, 200, 'and the store is still there');

# a small body on an operation that takes none is read and ignored
$res = api(POST => "/v1/identity-stores/$store/external-idp/$idp->{idp_id}/disable", body => { x => 1 });
ok t_cmp($res->code, 204, 'a small body is ignored');
ok t_cmp(api(DELETE => "/idtrust/v1/identity-stores/$store")->code, 204, 'cleanup');
