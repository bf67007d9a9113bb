# The accounts API, /idtrust/v1/accounts: create, list (paged), read, update (password,
# role, enabled) and delete admin accounts; every refusal in the envelope with nothing
# changed; bcrypt hashes stored, never shown or logged; an audit row per change; the
# last enabled admin kept.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

plan tests => 94;

my $BASE = '/idtrust/v1/accounts';
my $uniq = $$ . '-' . int(rand(1e9));
my $name = "reader-$uniq\@example.test";
my $pw = "first-password-$uniq";
my @secrets = ($pw);  # every password sent: none may show up anywhere

sub dj { JSON::PP->new->decode(shift) }
sub counts { psql('SELECT (SELECT count(*) FROM idtrust.admin_account) || \' \' || (SELECT count(*) FROM idtrust.audit)') }
sub no_secret_in {
    my ($text, $what) = @_;
    my @found = grep { index($text, $_) >= 0 } @secrets;
    ok !@found && $text !~ /\$2[abxy]\$\d\d\$/, "$what: no password and no bcrypt hash"
        or diag "found: @found";
}
sub last_audit {
    my $object = shift;
    my $row = psql("SELECT action || '|' || coalesce(actor, '') || '|' || coalesce(detail::text, '') "
        . "FROM idtrust.audit WHERE object_type = 'account' AND object_id = '$object' ORDER BY id DESC LIMIT 1");
    return split /\|/, $row, 3;
}

# ---- create ------------------------------------------------------------------------
my $before = counts();
my $res = api(POST => $BASE, body => { name => $name, password => $pw, role => 'reader' });
is $res->code, 201, 'create: 201' or diag $res->as_string;
is $res->header('Location'), "$BASE/$name", 'with a Location header';
my $j = json_of($res);
is_deeply [ sort keys %$j ], [qw(created_at enabled name role)], 'the view: name, role, enabled, created_at';
is_deeply [ @{$j}{qw(name role)} ], [ $name, 'reader' ], 'with the name and the role';
is $j->{enabled}, JSON::PP::true, 'enabled';
like $j->{created_at}, qr/^\d{13}$/, 'created_at in milliseconds';
no_secret_in($res->as_string, 'the create answer');
like psql("SELECT password_hash FROM idtrust.admin_account WHERE name = '$name'"), qr/^\$2a\$10\$/,
    'stored as a bcrypt hash of cost 10';
is psql("SELECT role FROM idtrust.admin_account WHERE name = '$name'"), 'reader', 'with the role';
my ($action, $actor, $detail) = last_audit($name);
is "$action $actor", 'account.create admin', 'audited: account.create by admin';
is_deeply dj($detail), { role => 'reader' }, 'the detail: the role, nothing secret';

is api(GET => '/idtrust/v1/audit?limit=1', auth => [$name, $pw])->code, 200, 'the new account logs in';

# ---- read and list -----------------------------------------------------------------
$res = api(GET => "$BASE/$name");
is $res->code, 200, 'read: 200';
is_deeply json_of($res), $j, 'the same view';
$res = api(GET => "$BASE?limit=1000");
is $res->code, 200, 'list: 200';
my $list = json_of($res);
ok scalar(grep { $_->{name} eq $name && $_->{role} eq 'reader' } @{ $list->{accounts} }), 'lists the account';
ok scalar(grep { $_->{name} eq 'admin' && $_->{role} eq 'admin' } @{ $list->{accounts} }), 'and admin';
is scalar @{ $list->{accounts} }, psql('SELECT count(*) FROM idtrust.admin_account'), 'every account';
my @names = map { $_->{name} } @{ $list->{accounts} };
is_deeply \@names, [ split /\n/, psql('SELECT name FROM idtrust.admin_account ORDER BY name') ], 'by name';
no_secret_in($res->as_string, 'the list');
ok !grep({ exists $_->{password_hash} || exists $_->{password} } @{ $list->{accounts} }), 'no hash member';

my (%seen, $marker, $pages);
do {
    my $p = json_of(api(GET => "$BASE?limit=1" . ($marker ? "&marker=$marker" : '')));
    die 'no page' unless $p && $p->{page_info};
    $seen{ $_->{name} }++ for @{ $p->{accounts} };
    $marker = $p->{page_info}{next_marker};
    $pages++;
} while ($marker && $pages < 1000);
is_deeply [ sort keys %seen ], [ sort @names ], 'pages of one: every account once';
is $pages, scalar @names, 'one page each, the last without next_marker';

iic_error_ok(api(GET => "$BASE?limit=0"), 400, 'IIC.400', 'list: limit=0', qr/limit/);
iic_error_ok(api(GET => "$BASE?marker=%20x"), 400, 'IIC.400', 'list: a marker not given out', qr/marker/);
iic_error_ok(api(GET => "$BASE?role=admin"), 400, 'IIC.400', 'list: an unknown parameter', qr/role/);
iic_error_ok(api(GET => "$BASE/nobody-$uniq"), 404, 'IIC.404', 'read: no such account', qr/no such account/);
iic_error_ok(api(GET => "$BASE/bad%20name"), 404, 'IIC.404', 'read: a name no account can have');

# ---- refused creates: 400, 409, 415, nothing changed --------------------------------
$before = counts();
my $long_pw = 'p' x 73;
push @secrets, $long_pw, 'short-pw-11';
for my $case (
    [ 'a body that is not JSON', '{"name":', 400, 'IIC.400', qr/JSON|line/ ],
    [ 'a JSON array', '[]', 400, 'IIC.400', qr/object/ ],
    [ 'no name', { password => $pw, role => 'reader' }, 400, 'IIC.400', qr/name is required/ ],
    [ 'a name with a space', { name => 'bad name', password => $pw, role => 'reader' }, 400, 'IIC.400', qr/name may hold only/ ],
    [ 'a name with a slash', { name => 'a/b', password => $pw, role => 'reader' }, 400, 'IIC.400', qr/name may hold only/ ],
    [ 'a name of 65 bytes', { name => 'a' x 65, password => $pw, role => 'reader' }, 400, 'IIC.400', qr/name is longer than 64/ ],
    [ 'a name that is a number', { name => 42, password => $pw, role => 'reader' }, 400, 'IIC.400', qr/name must be a string/ ],
    [ 'no password', { name => "x-$uniq", role => 'reader' }, 400, 'IIC.400', qr/password is required/ ],
    [ 'a password of 11 bytes', { name => "x-$uniq", password => 'short-pw-11', role => 'reader' }, 400, 'IIC.400', qr/at least 12 bytes/ ],
    [ 'a password of 73 bytes', { name => "x-$uniq", password => $long_pw, role => 'reader' }, 400, 'IIC.400', qr/at most 72 bytes/ ],
    [ 'no role', { name => "x-$uniq", password => $pw }, 400, 'IIC.400', qr/role is required/ ],
    [ 'an unknown role', { name => "x-$uniq", password => $pw, role => 'root' }, 400, 'IIC.400', qr/role must be "admin" or "reader"/ ],
    [ 'an unknown member', { name => "x-$uniq", password => $pw, role => 'reader', enabled => JSON::PP::true }, 400, 'IIC.400', qr/unknown member "enabled"/ ],
    [ 'a duplicate name', { name => $name, password => $pw, role => 'admin' }, 409, 'IIC.409', qr/already exists/ ],
) {
    my ($what, $body, $status, $code, $re) = @$case;
    iic_error_ok(api(POST => $BASE, body => $body), $status, $code, "create: $what", $re);
}
iic_error_ok(api(POST => $BASE, body => { name => "x-$uniq", password => $pw, role => 'reader' }, type => 'text/plain'),
    415, 'IIC.415', 'create: not application/json');
is counts(), $before, 'no refused create changed an account or wrote an audit row';
is psql("SELECT role FROM idtrust.admin_account WHERE name = '$name'"), 'reader', 'the duplicate did not change the role';

# a 72-byte password is the longest allowed, and works
my $pw72 = 'q' x 60 . "-$uniq";
$pw72 = substr($pw72 . ('z' x 72), 0, 72);
push @secrets, $pw72;
$res = api(POST => $BASE, body => { name => "max-$uniq", password => $pw72, role => 'reader' });
is $res->code, 201, 'a password of 72 bytes is taken';
is api(GET => '/idtrust/v1/audit?limit=1', auth => ["max-$uniq", $pw72])->code, 200, 'and logs in';

# ---- update ------------------------------------------------------------------------
$before = counts();
for my $case (
    [ 'an empty object', {}, 400, 'IIC.400', qr/password, role or enabled/ ],
    [ 'enabled not a boolean', { enabled => 'yes' }, 400, 'IIC.400', qr/enabled must be true or false/ ],
    [ 'an unknown role', { role => 'owner' }, 400, 'IIC.400', qr/role must be/ ],
    [ 'a short password', { password => 'short-pw-11' }, 400, 'IIC.400', qr/at least 12 bytes/ ],
    [ 'a rename', { name => 'other' }, 400, 'IIC.400', qr/unknown member "name"/ ],
) {
    my ($what, $body, $status, $code, $re) = @$case;
    iic_error_ok(api(PUT => "$BASE/$name", body => $body), $status, $code, "update: $what", $re);
}
iic_error_ok(api(PUT => "$BASE/$name", body => { role => 'admin' }, type => 'text/plain'), 415, 'IIC.415',
    'update: not application/json');
iic_error_ok(api(PUT => "$BASE/nobody-$uniq", body => { role => 'admin' }), 404, 'IIC.404', 'update: no such account');
is counts(), $before, 'no refused update changed anything';

my $pw2 = "second-password-$uniq";
push @secrets, $pw2;
$res = api(PUT => "$BASE/$name", body => { password => $pw2 });
is $res->code, 200, 'update the password: 200';
is_deeply json_of($res), { %$j }, 'the view is unchanged';
no_secret_in($res->as_string, 'the update answer');
($action, $actor, $detail) = last_audit($name);
is $action, 'account.update', 'audited: account.update';
is_deeply dj($detail),
    { password_changed => JSON::PP::true, role => 'reader', previous_role => 'reader',
      enabled => JSON::PP::true, previous_enabled => JSON::PP::true }, 'the detail says the password changed, no more';
is api(GET => '/idtrust/v1/audit?limit=1', auth => [$name, $pw2])->code, 200, 'the new password works';

$res = api(PUT => "$BASE/$name", body => { role => 'admin' });
is $res->code, 200, 'update the role: 200';
is json_of($res)->{role}, 'admin', 'the view has the new role';
is psql("SELECT role FROM idtrust.admin_account WHERE name = '$name'"), 'admin', 'stored';
($action, $actor, $detail) = last_audit($name);
my $d = dj($detail);
is_deeply [ @{$d}{qw(role previous_role)} ], [qw(admin reader)], 'audited with the role before and after';

$res = api(PUT => "$BASE/$name", body => { enabled => JSON::PP::false, role => 'reader' });
is $res->code, 200, 'disable (and demote) in one update: 200';
is_deeply [ @{ json_of($res) }{qw(role enabled)} ], [ 'reader', JSON::PP::false ], 'the view says so';
iic_error_ok(api(GET => '/idtrust/v1/audit?limit=1', auth => [$name, $pw2]), 401, 'IIC.401',
    'a disabled account cannot log in');
is api(PUT => "$BASE/$name", body => { enabled => JSON::PP::true })->code, 200, 'enable again';
is api(GET => '/idtrust/v1/audit?limit=1', auth => [$name, $pw2])->code, 200, 'and it logs in';

# ---- the last enabled admin ---------------------------------------------------------
# every other admin out of the way for a moment: admin is the only enabled admin
my @others = grep { length } split /\n/, psql("UPDATE idtrust.admin_account SET enabled = false "
    . "WHERE role = 'admin' AND enabled AND name <> 'admin' RETURNING name");
$before = counts();
iic_error_ok(api(DELETE => "$BASE/admin"), 409, 'IIC.409', 'the last admin cannot be deleted', qr/last enabled admin/);
iic_error_ok(api(PUT => "$BASE/admin", body => { role => 'reader' }), 409, 'IIC.409', 'nor demoted', qr/last enabled admin/);
iic_error_ok(api(PUT => "$BASE/admin", body => { enabled => JSON::PP::false }), 409, 'IIC.409', 'nor disabled',
    qr/last enabled admin/);
is counts(), $before, 'and nothing changed';
is api(PUT => "$BASE/admin", body => { role => 'admin', enabled => JSON::PP::true })->code, 200,
    'an update that keeps it an enabled admin is fine';
# with a second admin, either may go
my $pw3 = "admin-two-password-$uniq";
push @secrets, $pw3;
is api(POST => $BASE, body => { name => "admin2-$uniq", password => $pw3, role => 'admin' })->code, 201,
    'a second admin';
is api(PUT => "$BASE/admin2-$uniq", body => { role => 'reader' })->code, 200, 'demoting one of two admins is fine';
is api(PUT => "$BASE/admin2-$uniq", body => { role => 'admin' })->code, 200, 'and back';
# a disabled admin does not count
is api(PUT => "$BASE/admin2-$uniq", body => { enabled => JSON::PP::false })->code, 200, 'disable the second admin';
iic_error_ok(api(DELETE => "$BASE/admin"), 409, 'IIC.409', 'a disabled admin does not count', qr/last enabled admin/);
is api(DELETE => "$BASE/admin2-$uniq")->code, 204, 'a disabled admin may be deleted';
psql("UPDATE idtrust.admin_account SET enabled = true WHERE name IN ("
    . join(',', map { "'$_'" } @others) . ")") if @others;

# ---- delete ------------------------------------------------------------------------
$res = api(DELETE => "$BASE/$name");
is $res->code, 204, 'delete: 204';
is $res->content, '', 'with no body';
iic_error_ok(api(GET => "$BASE/$name"), 404, 'IIC.404', 'gone');
iic_error_ok(api(DELETE => "$BASE/$name"), 404, 'IIC.404', 'delete again: 404');
($action, $actor, $detail) = last_audit($name);
is "$action $actor", 'account.delete admin', 'audited: account.delete';
is_deeply dj($detail), { role => 'reader', enabled => JSON::PP::true }, 'with its role';
iic_error_ok(api(GET => '/idtrust/v1/audit?limit=1', auth => [$name, $pw2]), 401, 'IIC.401',
    'a deleted account cannot log in');
is api(DELETE => "$BASE/max-$uniq")->code, 204, 'delete the other';

# ---- methods, and nothing secret anywhere --------------------------------------------
iic_error_ok(api(PATCH => "$BASE/admin", body => {}), 405, 'IIC.405', 'PATCH is no method of an account');
iic_error_ok(api(DELETE => $BASE), 405, 'IIC.405', 'DELETE is no method of the list');
iic_error_ok(api(GET => "$BASE/admin/x"), 404, 'IIC.404', 'nothing under an account');

my $audit = psql("SELECT coalesce(string_agg(detail::text, ' '), '') FROM idtrust.audit WHERE object_type = 'account'");
no_secret_in($audit, 'the audit trail of accounts');
no_secret_in(error_log_text(), 'the error log');
