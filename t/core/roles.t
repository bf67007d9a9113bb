# Roles, as the shipped configuration says them (Require idtrust-role): for every route
# of every API, no account gets 401, a reader may GET and HEAD and gets a 403 envelope
# for anything else and for every accounts route, an admin may do everything; the SAML
# metadata stays anonymous. Changes to an account through the API hold on this node
# at once: an old password, a deleted or disabled account, a demoted admin.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Time::HiRes ();
use lib 't/lib';
use IdtTest;

my $uniq = $$ . '-' . int(rand(1e9));
my $ACC = '/idtrust/v1/accounts';

sub account {
    my ($role, $pw) = @_;
    my $name = "$role-$uniq-" . int(rand(1e6));
    my $res = api(POST => $ACC, body => { name => $name, password => $pw, role => $role });
    die 'account create failed: ' . $res->as_string unless $res->code == 201;
    return [ $name, $pw ];
}

my $reader = account('reader', "reader-password-$uniq");
my $admin2 = account('admin', "admin-password-$uniq");
my $store = new_store();
my $idp = new_idp($store);
my $sp = json_of(api(GET => "/v1/identity-stores/$store/saml-certificates"));
my $cert = ref $sp eq 'ARRAY' && $sp->[0] ? $sp->[0]{certificate_id} : undef;
die 'no SAML certificate id in ' . JSON::PP->new->encode($sp) unless $cert;
my $nobody = '00000000-0000-4000-8000-000000000000';
my $S = "/v1/identity-stores/$store";
my $I = "$S/external-idp/$idp->{idp_id}";
my $C = "$I/certificate/$idp->{certificate_id}";

# [method, path, body]: every route; writes aim at objects that do not exist where the
# change would disturb the others, so an admin's is a 404 (the route ran) and a
# reader's a 403 (it did not)
my @reads = (
    [GET => "$S/saml-certificates"],
    [GET => "$S/saml-certificates/$cert"],
    [GET => "$S/external-idp"],
    [GET => $I],
    [GET => "$I/certificate"],
    [GET => $C],
    [GET => '/idtrust/v1/identity-stores'],
    [GET => "/idtrust/v1/identity-stores/$store"],
    [GET => '/idtrust/v1/audit?limit=1'],
    [GET => '/idtrust/v1/certificates?limit=1'],
    [HEAD => "$S/saml-certificates"],
    [HEAD => '/idtrust/v1/identity-stores'],
    [HEAD => '/idtrust/v1/audit?limit=1'],
);
my @writes = (
    [POST => "/v1/identity-stores/$nobody/saml-certificates"],
    [POST => "$S/saml-certificates/cer-$nobody/active"],
    [DELETE => "$S/saml-certificates/cer-$nobody"],
    [POST => "/v1/identity-stores/$nobody/external-idp", { idp_saml_config => {} }],
    [PUT => "$S/external-idp/$nobody", { idp_saml_config => {} }],
    [DELETE => "$S/external-idp/$nobody"],
    [POST => "$S/external-idp/$nobody/enable"],
    [POST => "$S/external-idp/$nobody/disable"],
    [POST => "$S/external-idp/$nobody/certificate", { idp_certificate => 'x' }],
    [DELETE => "$I/certificate/$nobody"],
    [POST => '/idtrust/v1/identity-stores', { name => "roles-$uniq" }],
    [PUT => "/idtrust/v1/identity-stores/$nobody", { name => "roles2-$uniq" }],
    [DELETE => "/idtrust/v1/identity-stores/$nobody"],
    [POST => '/idtrust/v1/audit', {}],
    [DELETE => '/idtrust/v1/certificates'],
);
my @accounts = (
    [GET => $ACC],
    [HEAD => $ACC],
    [GET => "$ACC/admin"],
    [POST => $ACC, { name => "made-$uniq", password => "made-password-$uniq", role => 'reader' }],
    [PUT => "$ACC/nobody-$uniq", { role => 'reader' }],
    [DELETE => "$ACC/nobody-$uniq"],
);
my @anonymous = (
    [GET => "/saml/$store"],
    [GET => "/saml/$store/metadata"],
    [HEAD => "/saml/$store/metadata"],
    [GET => "/saml/$store/acs"],
    [POST => "/saml/$store/acs"],
);

plan tests => 3 * (@reads + @writes + @accounts) + 2 * @anonymous + 26;

sub call {
    my ($who, $case) = @_;
    my ($method, $path, $body) = @$case;
    return api($method => $path, auth => $who, (defined $body ? (body => $body) : ()));
}
sub refused_ok {
    my ($res, $status, $name) = @_;
    return is($res->code, $status, $name) if $res->request->method eq 'HEAD';
    return iic_error_ok($res, $status, "IIC.$status", $name);
}
sub allowed_ok {
    my ($res, $name) = @_;
    ok $res->code != 401 && $res->code != 403 && $res->code < 500, "$name: allowed ("
        . $res->code . ')' or diag $res->as_string;
}

my $counts = store_counts();
for my $case (@reads, @writes, @accounts) {
    my $what = "$case->[0] $case->[1]";
    refused_ok(call(undef, $case), 401, "no account: $what");
}
for my $case (@reads) {
    allowed_ok(call($reader, $case), "reader: $case->[0] $case->[1]");
}
for my $case (@writes, @accounts) {
    refused_ok(call($reader, $case), 403, "reader: $case->[0] $case->[1]");
}
is store_counts(), $counts, 'nothing the reader or nobody sent changed anything';
for my $case (@reads, @writes, @accounts) {
    allowed_ok(call($admin2, $case), "admin: $case->[0] $case->[1]");
}
for my $case (@anonymous) {
    my $want = call(undef, $case)->code;
    is call($reader, $case)->code, $want, "anonymous, as a reader: $case->[0] $case->[1] ($want)";
    is call($admin2, $case)->code, $want, "anonymous, as an admin: $case->[0] $case->[1]";
}
is call(undef, $anonymous[1])->code, 200, 'SP metadata needs no account';

# the encoded message names the reader and what it asked
my $j = json_of(api(DELETE => "/idtrust/v1/identity-stores/$store", auth => $reader));
my $m = JSON::PP->new->decode(MIME::Base64::decode_base64($j->{encoded_authorization_message} // ''));
is_deeply [ @{$m}{qw(user method resource)} ], [ $reader->[0], 'DELETE', "/idtrust/v1/identity-stores/$store" ],
    'the 403 names the reader, the method and the resource';
like error_log_text(), qr/IT00081: .*account '\Q$reader->[0]\E' has role reader/, 'and the log says why';

# ---- changes hold at once (the success cache of the test server keeps a login 2 s) ----
my $ttl = 2;
my $p = account('reader', "old-password-$uniq");
my $t0 = Time::HiRes::time();
is api(GET => '/idtrust/v1/audit?limit=1', auth => $p)->code, 200, 'a login, now remembered';
is api(PUT => "$ACC/$p->[0]", body => { password => "new-password-$uniq" })->code, 200, 'its password changed';
iic_error_ok(api(GET => '/idtrust/v1/audit?limit=1', auth => $p), 401, 'IIC.401', 'the old password: 401 at once');
ok Time::HiRes::time() - $t0 < $ttl, 'within the cache lifetime, so the remembered login was forgotten';
is api(GET => '/idtrust/v1/audit?limit=1', auth => [ $p->[0], "new-password-$uniq" ])->code, 200,
    'the new password works';

my $d = account('reader', "doomed-password-$uniq");
$t0 = Time::HiRes::time();
is api(GET => '/idtrust/v1/audit?limit=1', auth => $d)->code, 200, 'another login, remembered';
is api(DELETE => "$ACC/$d->[0]")->code, 204, 'its account deleted';
is api(GET => '/idtrust/v1/audit?limit=1', auth => $d)->code, 401, 'a deleted account: 401 at once';
ok Time::HiRes::time() - $t0 < $ttl, 'within the cache lifetime';

my $x = account('reader', "disabled-password-$uniq");
$t0 = Time::HiRes::time();
is api(GET => '/idtrust/v1/audit?limit=1', auth => $x)->code, 200, 'a third login, remembered';
is api(PUT => "$ACC/$x->[0]", body => { enabled => JSON::PP::false })->code, 200, 'its account disabled';
is api(GET => '/idtrust/v1/audit?limit=1', auth => $x)->code, 401, 'a disabled account: 401 at once';
ok Time::HiRes::time() - $t0 < $ttl, 'within the cache lifetime';

my $a = account('admin', "demoted-password-$uniq");
$t0 = Time::HiRes::time();
is api(POST => '/idtrust/v1/identity-stores', auth => $a, body => { name => "demoted-$uniq" })->code, 201,
    'an admin writes (its login remembered with its role)';
is api(PUT => "$ACC/$a->[0]", body => { role => 'reader' })->code, 200, 'the admin demoted';
iic_error_ok(api(POST => '/idtrust/v1/identity-stores', auth => $a, body => { name => "demoted2-$uniq" }),
    403, 'IIC.403', 'a demoted admin: 403 on a write at once');
ok Time::HiRes::time() - $t0 < $ttl, 'within the cache lifetime';
is api(GET => '/idtrust/v1/identity-stores', auth => $a)->code, 200, 'and may still read';
is api(PUT => "$ACC/$a->[0]", body => { role => 'admin' })->code, 200, 'promoted again';
is api(POST => '/idtrust/v1/identity-stores', auth => $a, body => { name => "promoted-$uniq" })->code, 201,
    'writes again at once';

# a role changed by hand reaches a remembered login within the cache lifetime
my $h = account('admin', "by-hand-password-$uniq");
is api(GET => $ACC, auth => $h)->code, 200, 'an admin lists the accounts';
psql("UPDATE idtrust.admin_account SET role = 'reader' WHERE name = '$h->[0]'");
sleep $ttl + 1;
is api(GET => $ACC, auth => $h)->code, 403, 'demoted by hand: refused once the cache lifetime passed';
