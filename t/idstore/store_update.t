# PUT /idtrust/v1/identity-stores/{id} {"name": ...}: renames a store, with the name rules
# of create, 409 on a taken name, an audit row, and refusals that change nothing.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 48;

my $ghost = '4f5c8f39-1d2e-4c71-9a53-0c7d1e2f3a4b';
my $uniq = $$ . '-' . int(rand(1e9));
my $store = new_store("rename-$uniq");
my $path = "/idtrust/v1/identity-stores/$store";
my $created = json_of(api(GET => $path)) // {};
my $list_name = sub {
    my ($s) = grep { $_->{identity_store_id} eq $store }
        @{ (json_of(api(GET => '/idtrust/v1/identity-stores')) // {})->{identity_stores} // [] };
    return $s ? $s->{name} : undef;
};
is($list_name->(), "rename-$uniq", 'the list names the store');  # (and caches the list)

my $res = api(PUT => $path, body => { name => "renamed-$uniq" });
is($res->code, 200, 'PUT answers 200') or diag($res->as_string);
my $v = json_of($res) // {};
is_deeply($v, { %$created, name => "renamed-$uniq" }, 'the store view with the new name');
is_deeply($v, json_of(api(GET => $path)), 'the answer is what GET gives');
my @names = map { (json_of(api(GET => $path)) // {})->{name} // '' } 1 .. 10;
is("@names", join(' ', ("renamed-$uniq") x 10), 'ten reads on new connections show the new name');
is($list_name->(), "renamed-$uniq", 'so does the list');
is(psql("SELECT detail->>'previous_name' || ' ' || (detail->>'name') FROM idtrust.audit "
    . "WHERE action = 'identity_store.update' AND object_id = '$store'"), "rename-$uniq renamed-$uniq",
    'an identity_store.update audit row with the old and new names');
my $again = api(PUT => $path, body => { name => "renamed-$uniq" });
is($again->code, 200, 'renaming to its own name: 200');
is(api(POST => '/idtrust/v1/identity-stores', body => { name => "rename-$uniq" })->code, 201,
    'the old name is free again');
$res = api(PUT => $path, body => qq({"name":"Z\\u00fcrich-$uniq"}));
is($res->code, 200, 'a non-ASCII name: 200');
is((json_of($res) // {})->{name}, "Z\x{fc}rich-$uniq", 'kept as sent');

# ---- refusals ----
my $taken = "taken-$uniq";
new_store($taken);
sub refused {
    my ($name, $status, $code, %o) = @_;
    my $counts = store_counts();
    my $before = api(GET => $path)->content;
    iic_error_ok(api(PUT => $o{path} // $path, %o{grep { exists $o{$_} } qw(body type)}),
        $status, $code, $name);
    is(store_counts(), $counts, "$name: nothing written");
    is(api(GET => $path)->content, $before, "$name: the store is as it was");
}
refused('a taken name', 409, 'IIC.409', body => { name => $taken });
refused('name missing', 400, 'IIC.400', body => {});
refused('an empty name', 400, 'IIC.400', body => { name => '' });
refused('a name that is not a string', 400, 'IIC.400', body => { name => 42 });
refused('a name of 65 bytes', 400, 'IIC.400', body => { name => 'n' x 65 });
refused('a control character', 400, 'IIC.400', body => { name => "a\tb" });
refused('an unknown member', 400, 'IIC.400', body => { name => "x-$uniq", created_at => 1 });
refused('not an object', 400, 'IIC.400', body => '["x"]');
refused('not JSON', 415, 'IIC.415', body => 'name=x', type => 'text/plain');
refused('an unknown store', 404, 'IIC.404', path => "/idtrust/v1/identity-stores/$ghost", body => { name => "y-$uniq" });
refused('a malformed id', 404, 'IIC.404', path => '/idtrust/v1/identity-stores/nope', body => { name => "y-$uniq" });
refused('a bad body for an unknown store is a 400 (the body is checked first)', 400, 'IIC.400',
    path => "/idtrust/v1/identity-stores/$ghost", body => {});
ok(api(PUT => '/idtrust/v1/identity-stores', body => { name => 'x' })->header('Allow') =~ /\AGET, POST\z/,
    'PUT on the collection: 405 with Allow: GET, POST');
