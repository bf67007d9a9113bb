# The other lists of /idtrust/v1/ page the same way (idt_page_query): accounts by name,
# identity stores and notifications by time and id. The marker given out leads to the next
# page; one of the right form that names no row is 400 IIC.400, never a page.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

plan tests => 14, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

my $nobody = '00000000-0000-4000-8000-000000000000';
my $uniq = "$$-" . int(rand(1e6));

# rows enough for two pages of each
new_store() for 1 .. 2;
for my $i (1 .. 2) {
    my $res = api(POST => '/idtrust/v1/accounts',
        body => { name => "markers-$uniq-$i", password => 'Marker-pass-' . int(rand(1e9)), role => 'reader' });
    die 'account create failed: ' . $res->as_string unless $res->code == 201;
}
my $policy = ci_policy();
my $sys = ci_system();
api(PUT => "/idtrust/v1/certificate-policies/$policy->{id}", body => { externalSystems => [ $sys->{name} ] })->code == 200
    or die 'policy update failed';
for my $i (1 .. 2) {
    my $res = ci_import(scalar(openssl_cert(cn => "markers $uniq $i")), $policy->{objectId});
    die 'import failed: ' . $res->as_string unless $res->code == 201;
}

for my $l (['accounts', 'accounts', "zzzz-made-up-$uniq"],
           ['identity-stores', 'identity_stores', "1.$nobody"],
           ["notifications", 'notifications', "1.$nobody"]) {
    my ($path, $member, $made_up) = @$l;
    my $first = json_of(api(GET => "/idtrust/v1/$path?limit=1"));
    my $next = $first->{page_info}{next_marker};
    ok defined $next, "$path: a next marker";
    my $res = api(GET => "/idtrust/v1/$path?limit=1&marker=$next");
    is $res->code, 200, "$path: the marker given out: 200";
    isnt json_of($res)->{$member}[0], undef, "$path: ... and a page";
    iic_error_ok(api(GET => "/idtrust/v1/$path?marker=$made_up"), 400, 'IIC.400',
        "$path: a made-up marker: 400, not a page", qr/^marker is not one this API gave out/);
    next if $path eq 'accounts';
    my ($us, $id) = split /\./, $next;
    iic_error_ok(api(GET => "/idtrust/v1/$path?marker=" . ($us + 1) . ".$id"), 400, 'IIC.400',
        "$path: a marker whose time is not its row's: 400", qr/^marker is not one this API gave out/);
}
