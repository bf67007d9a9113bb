# Paging markers of mod_certimport's lists name a row: the admin API's external systems and
# certificate policies (by name) and the Core API's certificates (by number). A marker
# that names no row (made up, or its row deleted since) is a 400 in the API's envelope,
# never a page. And a negative serial number (openssl x509 -set_serial -5) is shown as
# openssl prints it, -05, and found by that.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 37, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

my $uniq = "$$-" . int(rand(1e6));
sub esc { my $s = shift; $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge; $s }

# ---- the admin API's lists, by name -------------------------------------------------
for my $coll (['certificate-policies', 'certificate_policies', sub { ci_policy(name => $_[0]) }],
              ['external-systems', 'external_systems', sub { ci_system(name => $_[0]) }]) {
    my ($path, $member, $make) = @$coll;
    # names with characters a marker must carry escaped
    my @mine = map { $make->("pages $uniq & $_/x?") } 1 .. 3;
    my $first = json_of(api(GET => "/idtrust/v1/$path?limit=1"));
    my $marker = $first->{page_info}{next_marker};
    my $res = api(GET => "/idtrust/v1/$path?limit=1&marker=" . esc($marker));
    is $res->code, 200, "$path: the marker given out: 200";
    ok json_of($res)->{$member}[0]{name} gt $marker, "$path: ... the page after it";

    my $mine = json_of(api(GET => "/idtrust/v1/$path?limit=1&marker=" . esc($mine[0]{name})));
    is $mine->{$member}[0]{name}, $mine[1]{name}, "$path: an escaped name as marker: the next by name";

    iic_error_ok(api(GET => "/idtrust/v1/$path?marker=zzzz-made-up-$uniq"), 400, 'IIC.400',
        "$path: a made-up marker that sorts last: 400, not an empty page", qr/^marker is not one this API gave out/);
    iic_error_ok(api(GET => "/idtrust/v1/$path?marker=0000-made-up"), 400, 'IIC.400',
        "$path: a made-up marker that sorts first: 400, not a page", qr/^marker is not one this API gave out/);
    iic_error_ok(api(GET => "/idtrust/v1/$path?marker=" . esc(uc $mine[0]{name})), 400, 'IIC.400',
        "$path: a marker differing in case only: 400", qr/marker/);
    # the row a marker named is deleted: that marker names nothing now
    is api(DELETE => "/idtrust/v1/$path/$mine[2]{id}")->code, 204, "$path: a row deleted";
    iic_error_ok(api(GET => "/idtrust/v1/$path?marker=" . esc($mine[2]{name})), 400, 'IIC.400',
        "$path: a marker whose row was deleted: 400 (start again from the first page)", qr/marker/);
    is api(GET => "/idtrust/v1/$path?limit=1000")->code, 200, "$path: without a marker: 200";
}

# ---- the Core API's certificates, by number ------------------------------------------
my $dir = File::Temp::tempdir(CLEANUP => 1);
my $policy = ci_policy();
sub cert_pem {
    my ($cn, $serial) = @_;
    openssl_cmd('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', "$dir/k.pem", '-subj', "/O=Pages $uniq/CN=$cn", '-days', '2',
        '-set_serial', $serial, '-out', "$dir/$cn.pem");
    open(my $fh, '<', "$dir/$cn.pem") or die;
    local $/;
    return scalar <$fh>;
}
my @ids = map { json_of(ci_import(cert_pem("c$_", 1000 + $_ + int(rand(1e9))), $policy->{objectId}))->{id} } 1 .. 3;
is scalar(grep { defined } @ids), 3, 'three certificates imported';
my $p1 = json_of(ci_api(GET => "/Certificates?policy=$policy->{objectId}&limit=1"));
my $next = $p1->{page_info}{next_marker};
like $next // '', qr/^\d+$/, 'Core API: a next marker';
my $p2 = ci_api(GET => "/Certificates?policy=$policy->{objectId}&limit=1&marker=$next");
is $p2->code, 200, 'Core API: the marker given out: 200';
is json_of($p2)->{results}[0]{id}, $ids[1], 'Core API: ... the next certificate';
my $top = psql('SELECT coalesce(max(number), 0) FROM idtrust.ci_certificate');
ci_problem_ok(ci_api(GET => '/Certificates?marker=' . ($top + 1000)), 400,
    'Core API: a made-up marker past the last: 400, not an empty page', qr/^marker is not one this API gave out/);
ci_problem_ok(ci_api(GET => '/Certificates?marker=0'), 400, 'Core API: marker 0 (no certificate has it): 400',
    qr/^marker/);
ci_problem_ok(ci_api(GET => '/Certificates?marker=-1'), 400, 'Core API: a marker that is no number: 400', qr/^marker/);

# ---- a negative serial -------------------------------------------------------------
my $neg = cert_pem('negative', '-5');
my ($shown) = openssl_cmd('x509', '-in', "$dir/negative.pem", '-noout', '-serial') =~ /serial=(\S+)/;
is $shown, '-05', 'openssl made a certificate of serial -5 and prints it -05';
my $res = ci_import($neg, $policy->{objectId});
is $res->code, 201, 'a certificate with a negative serial is imported' or diag $res->as_string;
my $v = json_of($res);
is $v->{certSerialNo}, '-05', 'certSerialNo is what openssl prints: -05';
is json_of(ci_api(GET => "/Certificates/$v->{id}"))->{certSerialNo}, '-05', 'GET shows the same';
for my $q ('-05', '-5', '-0:5', '-0005') {
    my $l = ci_api(GET => '/Certificates?serial=' . esc($q));
    is_deeply [ map { $_->{id} } @{ json_of($l)->{results} // [] } ], [ $v->{id} ], "serial=$q finds it"
        or diag $l->as_string;
}
is_deeply [ grep { $_ eq $v->{id} } map { $_->{id} } @{ json_of(ci_api(GET => '/Certificates?serial=05'))->{results} } ],
    [], 'serial=05 (the positive 5) does not';
ci_problem_ok(ci_api(GET => '/Certificates?serial=-'), 400, 'serial=- alone: 400', qr/serial/);
ci_problem_ok(ci_api(GET => '/Certificates?serial=0-5'), 400, 'a sign inside: 400', qr/serial/);
is psql("SELECT serial FROM idtrust.certificate WHERE id = '$v->{id}'"), '-5',
    'the inventory holds it as decimal -5';
