# The identity-store admin API: /idtrust/v1/identity-stores (create, read, list, delete),
# its validation, and the audit rows a create writes.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use JSON::PP ();

plan tests => 77;

my $BASE = '/idtrust/v1/identity-stores';
my $UUID = qr/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
my $UTF8 = JSON::PP->new->utf8->canonical;
my $uniq = "$$-" . int(rand(1e9));

sub audit_rows {
    my ($action, $object_id) = @_;
    my $out = psql("SELECT coalesce(json_agg(a ORDER BY a.id), '[]') FROM idtrust.audit a "
        . "WHERE action = '$action' AND object_id = '$object_id'");
    return JSON::PP->new->decode($out);
}

# ---- create ----
my $name = "stores-t-$uniq";
my $before = store_counts();
my $res = api(POST => $BASE, body => { name => $name }, headers => { 'X-Idt-Test' => "create-$uniq" });
is $res->code, 201, 'create answers 201' or diag $res->as_string;
like $res->header('Content-Type') // '', qr{\Aapplication/json\b}, 'with a JSON body';
my $j = json_of($res) // {};
is_deeply [sort keys %$j], ['identity_store_id'], 'the body is {identity_store_id}';
my $id = $j->{identity_store_id} // '';
like $id, qr/\A$UUID\z/, 'the id is a lower-case uuid';
my $loc = $res->header('Location') // '';
like $loc, qr{\A(?:https?://[^/]+)?\Q$BASE/$id\E\z}, 'Location names the new store';
my @after = split / /, store_counts();
my @was = split / /, $before;
is_deeply \@after, [$was[0] + 1, $was[1] + 1, $was[2] + 1, $was[3] + 2],
    'one store, one SAML certificate (and its inventory row), two audit rows';

# Location is a resource a client can read
(my $loc_path = $loc) =~ s{\Ahttps?://[^/]+}{};
$res = api(GET => $loc_path);
is $res->code, 200, 'GET Location answers 200' or diag $res->as_string;
$j = json_of($res) // {};
is_deeply [sort keys %$j], [qw(created_at identity_store_id name)], 'with the store';
is $j->{identity_store_id}, $id, 'its id';
is $j->{name}, $name, 'its name';
like $j->{created_at} // '', qr/\A\d{13}\z/, 'created_at is milliseconds since the epoch';

# the new store has exactly one certificate, ACTIVE
$res = api(GET => "/v1/identity-stores/$id/saml-certificates");
is $res->code, 200, 'the new store lists its SAML certificates';
my $certs = json_of($res) // [];
is scalar(@$certs), 1, 'one certificate';
is $certs->[0]{state}, 'ACTIVE', 'and it is ACTIVE';
is psql("SELECT count(*) || '/' || count(*) FILTER (WHERE state = 'ACTIVE') "
    . "FROM idtrust.sp_certificate WHERE store_id = '$id'"), '1/1', 'so says the repository';

# the audit trail
my $rows = audit_rows('identity_store.create', $id);
is scalar(@$rows), 1, 'one identity_store.create audit row';
my $audit = $rows->[0] // {};
is $audit->{actor}, 'admin', 'whose actor is the authenticated user';
is $audit->{object_type}, 'identity_store', 'about an identity_store';
is_deeply $audit->{detail}, { name => $name, saml_certificate_id => $certs->[0]{certificate_id} },
    'whose detail names the store and its first certificate';
like $audit->{request_id} // '', unique_id_re(), 'whose request_id is a mod_unique_id id';
my ($logged_id) = logged_request_id("create-$uniq");
is $audit->{request_id}, $logged_id, 'the id httpd gave the request (UNIQUE_ID in the access log)';
my $cert_rows = audit_rows('saml_certificate.create', $certs->[0]{certificate_id} // '');
is_deeply [map { $_->{request_id} } @$cert_rows], [$audit->{request_id}],
    'the first certificate is audited under the same request';

# a second create is a second request: another id
my $id2 = new_store("stores-t2-$uniq");
my $a2 = audit_rows('identity_store.create', $id2)->[0] // {};
like $a2->{request_id} // '', unique_id_re(), 'a second create has a request id too';
isnt $a2->{request_id}, $audit->{request_id}, 'another one';

# ---- list ----
$res = api(GET => $BASE);
is $res->code, 200, 'the list answers 200';
$j = json_of($res) // {};
is_deeply [sort keys %$j], ['identity_stores', 'page_info'], 'as {identity_stores: [...], page_info}';
# the new store is on some page: walk them (pages of 2, so there are several)
my (@all, $marker, $pages);
do {
    my $p = json_of(api(GET => "$BASE?limit=2" . ($marker ? "&marker=$marker" : ''))) // {};
    push @all, @{ $p->{identity_stores} // [] };
    $marker = $p->{page_info}{next_marker};
} while ($marker && ++$pages < 10000);
is scalar(@all), psql('SELECT count(*) FROM idtrust.identity_store'), 'pages of 2 show every store';
my %dup; $dup{ $_->{identity_store_id} }++ for @all;
is scalar(grep { $_ > 1 } values %dup), 0, 'each once';
my ($listed) = grep { ($_->{identity_store_id} // '') eq $id } @all;
is_deeply [sort keys %{ $listed // {} }], [qw(created_at identity_store_id name)], 'listing the new store';
is $listed && $listed->{name}, $name, 'with its name';
iic_error_ok(api(GET => "$BASE?marker=nonsense"), 400, 'IIC.400', 'a marker the list did not give out',
    qr/marker/);
iic_error_ok(api(GET => "$BASE?limit=5000"), 400, 'IIC.400', 'limit over 1000', qr/limit/);

# ---- failed creates change nothing ----
sub refused {
    my ($body, $status, $code, $name, $msg_re, %o) = @_;
    my $before = store_counts();
    my $res = api(POST => $BASE, body => $body, %o);
    iic_error_ok($res, $status, $code, $name, $msg_re);
    is store_counts(), $before, "$name: no store, certificate or audit row written";
}

refused({ name => $name }, 409, 'IIC.409', 'a duplicate name is a conflict', qr/already exists/);
refused({}, 400, 'IIC.400', 'name missing', qr/name/);
refused({ name => undef }, 400, 'IIC.400', 'name null', qr/name/);
refused({ name => 42 }, 400, 'IIC.400', 'name a number', qr/name must be a string/);
refused({ name => [$name] }, 400, 'IIC.400', 'name an array', qr/name must be a string/);
refused({ name => '' }, 400, 'IIC.400', 'name empty', qr/name must not be empty/);
refused({ name => "tab\there-$uniq" }, 400, 'IIC.400', 'name with a TAB', qr/control characters/);
refused({ name => "line\nbreak-$uniq" }, 400, 'IIC.400', 'name with a line feed', qr/control characters/);
refused({ name => "esc\x{1b}[31m-$uniq" }, 400, 'IIC.400', 'name with ESC', qr/control characters/);
refused({ name => "del\x{7f}-$uniq" }, 400, 'IIC.400', 'name with DEL', qr/control characters/);
refused($UTF8->encode({ name => "nel\x{85}-$uniq" }), 400, 'IIC.400', 'name with a C1 control (NEL)',
    qr/control characters/);
refused({ name => "x-$uniq", region => 'eu' }, 400, 'IIC.400', 'an unknown member', qr/unknown member "region"/);
refused({ name => substr("$uniq-" . ('n' x 65), 0, 65) }, 400, 'IIC.400', 'name of 65 bytes', qr/64 bytes/);
refused($UTF8->encode({ name => "\x{e9}" x 30 . substr($uniq, 0, 6) }), 400, 'IIC.400', 'name of 36 characters but 66 bytes',
    qr/64 bytes/);

# the limits themselves are allowed
my $long = substr("long-$uniq-" . ('n' x 64), 0, 64);
$res = api(POST => $BASE, body => { name => $long });
is $res->code, 201, 'a name of exactly 64 bytes is taken';
my $accented = "\x{e9}" x 30 . substr($uniq, 0, 4);
$res = api(POST => $BASE, body => $UTF8->encode({ name => $accented }));
is $res->code, 201, 'a UTF-8 name of 64 bytes is taken' or diag $res->as_string;
my $accented_id = (json_of($res) // {})->{identity_store_id} // 'none';
$res = api(GET => "$BASE/$accented_id");
# (the body is UTF-8 bytes: application/json has no charset for decoded_content to apply)
is(eval { $UTF8->decode($res->content)->{name} }, $accented, 'and reads back as the same characters');

# ---- delete ----
my $doomed = new_store("stores-doomed-$uniq");
my $doomed_cert = (json_of(api(GET => "/v1/identity-stores/$doomed/saml-certificates")) // [{}])->[0]{certificate_id};
@was = split / /, store_counts();
$res = api(DELETE => "$BASE/$doomed");
is $res->code, 204, 'delete answers 204' or diag $res->as_string;
is $res->content, '', 'with no body';
@after = split / /, store_counts();
is_deeply [@after[0, 1, 3]], [$was[0] - 1, $was[1] - 1, $was[3] + 1],
    'the store and its SAML certificate are gone, and the delete is audited';
my $del = audit_rows('identity_store.delete', $doomed)->[0] // {};
is $del->{actor}, 'admin', 'the delete audit row names the actor';
is psql("SELECT count(*) FROM idtrust.sp_certificate WHERE id = '$doomed_cert'"), '0',
    'no private key of the store is left behind';

$res = api(GET => "/v1/identity-stores/$doomed/saml-certificates");
iic_error_ok($res, 404, 'IIC.404', 'its SAML certificates are then not found');
$res = api(GET => "$BASE/$doomed");
iic_error_ok($res, 404, 'IIC.404', 'nor is the store');

sub delete_refused {
    my ($path, $name) = @_;
    my $before = store_counts();
    my $res = api(DELETE => $path);
    iic_error_ok($res, 404, 'IIC.404', $name);
    is store_counts(), $before, "$name: nothing changed";
}
delete_refused("$BASE/$doomed", 'deleting it again is not found');
delete_refused("$BASE/00000000-0000-4000-8000-000000000000", 'deleting an unknown uuid is not found');
delete_refused("$BASE/not-a-uuid", 'deleting a non-uuid is not found');

# the other stores are untouched
$res = api(GET => "$BASE/$id");
is $res->code, 200, 'a delete touches no other store';
