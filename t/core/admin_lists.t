# The suite's own read API: GET /idtrust/v1/audit (the audit trail, newest first) and
# GET /idtrust/v1/certificates (the inventory of every module, by expiry), paged with
# limit and marker, answering page_info; bad parameters are 400 in the envelope.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;

plan tests => 44;

my ($user) = admin_auth();
new_store() for 1 .. 4;  # enough rows for two pages of three
my $store = new_store();
my $idp = new_idp($store);
my $tag = "lists-$$-" . int(rand(1e9));

# ---- audit -------------------------------------------------------------------------
my $res = api(GET => '/idtrust/v1/audit?limit=3');
is $res->code, 200, 'audit: 200';
my $j = json_of($res);
is ref $j->{audit}, 'ARRAY', 'audit: a list';
is scalar @{ $j->{audit} }, 3, 'audit: limit=3 gives 3 rows';
is $j->{page_info}{current_count}, 3, 'page_info.current_count';
ok defined $j->{page_info}{next_marker}, 'page_info.next_marker when more rows exist';
my $top = $j->{audit}[0];
is $top->{action}, 'idp_certificate.import', 'newest first: the IdP creation imported its certificate last'
    or diag explain $top;
is $top->{actor}, $user, 'with the actor';
like $top->{request_id}, unique_id_re(), 'the request id';
like $top->{at}, qr/^\d{13}$/, 'the time in milliseconds';
ok exists $top->{client_ip} && exists $top->{object_type} && exists $top->{object_id} && exists $top->{detail},
    'client address, object and detail';
ok $j->{audit}[0]{id} > $j->{audit}[1]{id} && $j->{audit}[1]{id} > $j->{audit}[2]{id}, 'ids descend';

my $next = json_of(api(GET => "/idtrust/v1/audit?limit=3&marker=$j->{page_info}{next_marker}"));
is scalar @{ $next->{audit} }, 3, 'the next page';
ok $next->{audit}[0]{id} < $j->{audit}[2]{id}, 'continues where the first ended';

# walk every page: each row once, the last page without a marker
my (%seen, $marker, $pages);
do {
    my $p = json_of(api(GET => '/idtrust/v1/audit?limit=50' . ($marker ? "&marker=$marker" : '')));
    $seen{ $_->{id} }++ for @{ $p->{audit} };
    $marker = $p->{page_info}{next_marker};
    $pages++;
} while ($marker && $pages < 1000);
is scalar(grep { $_ > 1 } values %seen), 0, 'walking the pages shows no row twice';
is scalar keys %seen, psql('SELECT count(*) FROM idtrust.audit'), 'and every row';

my $f = json_of(api(GET => '/idtrust/v1/audit?action=identity_store.create&limit=1000'));
ok scalar(@{ $f->{audit} }) >= 1 && !grep({ $_->{action} ne 'identity_store.create' } @{ $f->{audit} }),
    'action= filters';
$f = json_of(api(GET => '/idtrust/v1/audit?actor=nobody-at-all'));
is_deeply $f->{audit}, [], 'actor= filters (no such actor: empty)';
is $f->{page_info}{next_marker}, undef, 'an empty page has no next marker';
is $f->{page_info}{current_count}, 0, 'and counts 0';
$f = json_of(api(GET => '/idtrust/v1/audit?since=2999-01-01T00:00:00Z'));
is_deeply $f->{audit}, [], 'since= an RFC 3339 time in the future: nothing';
my $ms = psql("SELECT floor(extract(epoch FROM max(at)) * 1000)::bigint FROM idtrust.audit");
$f = json_of(api(GET => "/idtrust/v1/audit?since=$ms"));
ok scalar(@{ $f->{audit} }) >= 1, 'since= milliseconds: from that time on';

iic_error_ok(api(GET => '/idtrust/v1/audit?limit=0'), 400, 'IIC.400', 'limit=0', qr/limit/);
iic_error_ok(api(GET => '/idtrust/v1/audit?limit=1001'), 400, 'IIC.400', 'limit over 1000', qr/limit/);
iic_error_ok(api(GET => '/idtrust/v1/audit?marker=abc'), 400, 'IIC.400', 'a marker not given out', qr/marker/);
my $past = psql('SELECT max(id) + 1000 FROM idtrust.audit');
iic_error_ok(api(GET => "/idtrust/v1/audit?marker=$past"), 400, 'IIC.400',
    'a marker of the right form that names no row: 400, not a page', qr/^marker is not one this API gave out/);
iic_error_ok(api(GET => '/idtrust/v1/audit?marker=0'), 400, 'IIC.400', 'marker 0: 400', qr/marker/);
iic_error_ok(api(GET => '/idtrust/v1/audit?since=yesterday'), 400, 'IIC.400', 'since not a time', qr/since/);
iic_error_ok(api(GET => '/idtrust/v1/audit?order=asc'), 400, 'IIC.400', 'an unknown parameter', qr/order/);
is_deeply json_of(api(GET => "/idtrust/v1/audit?actor=1'%20OR%20'1'='1"))->{audit}, [],
    'an injection string is just a name that matches nothing';
iic_error_ok(api(GET => '/idtrust/v1/audit', auth => undef), 401, 'IIC.401', 'audit without credentials');
iic_error_ok(api(POST => '/idtrust/v1/audit', body => {}), 405, 'IIC.405', 'audit is read-only');

# ---- certificates ------------------------------------------------------------------
$res = api(GET => '/idtrust/v1/certificates?limit=1000');
is $res->code, 200, 'certificates: 200';
my @all = @{ json_of($res)->{certificates} };
my ($idpc) = grep { ($_->{object_id} // '') eq $idp->{certificate_id} } @all;
ok $idpc, 'the IdP certificate is listed';
is_deeply [ @{$idpc}{qw(module object_type object_path)} ],
    [ 'mod_idstore', 'idp_certificate', "/v1/identity-stores/$store/external-idp/$idp->{idp_id}/certificate/$idp->{certificate_id}" ],
    'with the module and the object that holds it';
is $idpc->{expired}, JSON::PP::false, 'not expired';
my ($spc) = grep { ($_->{object_path} // '') =~ m{^/v1/identity-stores/$store/saml-certificates/cer-} } @all;
ok $spc && $spc->{object_type} eq 'saml_certificate' && $spc->{subject} =~ /idtrust SAML SP/,
    'the store\'s SP certificate, with its subject';
my @na = map { $_->{not_after} } @all;
is_deeply \@na, [ sort { $a <=> $b } @na ], 'ordered by expiry';

# an expired certificate (made so by hand) comes first, marked, and within any window
psql("UPDATE idtrust.certificate c SET not_after = now() - interval '1 day' FROM idtrust.idp_certificate i "
    . "WHERE i.certificate_id = c.id AND i.id = '$idp->{certificate_id}'");
my $soon = json_of(api(GET => '/idtrust/v1/certificates?expiring_within_days=0&limit=1000'))->{certificates};
my ($exp) = grep { ($_->{object_id} // '') eq $idp->{certificate_id} } @$soon;
is $exp && $exp->{expired}, JSON::PP::true, 'expiring_within_days=0 lists the expired one, expired: true';
ok !grep({ !$_->{expired} } @$soon), 'and nothing that is still valid';

# pages of one
my $p1 = json_of(api(GET => '/idtrust/v1/certificates?limit=1'));
my $p2 = json_of(api(GET => "/idtrust/v1/certificates?limit=1&marker=$p1->{page_info}{next_marker}"));
ok $p2->{certificates}[0]{certificate_id} ne $p1->{certificates}[0]{certificate_id}
    && $p2->{certificates}[0]{not_after} >= $p1->{certificates}[0]{not_after}, 'the second page follows the first';
iic_error_ok(api(GET => '/idtrust/v1/certificates?marker=1.' . ('-' x 36)), 400, 'IIC.400',
    'a marker whose id part is not a uuid: 400, not a failed cast', qr/marker/);
my ($us, $cid) = split /\./, $p1->{page_info}{next_marker};
iic_error_ok(api(GET => "/idtrust/v1/certificates?marker=$us.00000000-0000-4000-8000-000000000000"), 400, 'IIC.400',
    'a marker of the right form whose id names no certificate: 400, not a page', qr/^marker is not one this API gave out/);
iic_error_ok(api(GET => '/idtrust/v1/certificates?marker=' . ($us + 1) . ".$cid"), 400, 'IIC.400',
    'a marker whose time is not its certificate\'s: 400', qr/^marker is not one this API gave out/);
iic_error_ok(api(GET => '/idtrust/v1/certificates?expiring_within_days=-1'), 400, 'IIC.400',
    'a negative window', qr/expiring_within_days/);
