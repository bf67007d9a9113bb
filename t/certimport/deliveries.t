# REST Certificate Added notifications, delivered by mod_certimport's watchdog to
# receivers on this server (t/conf/extra.conf.in: /receiver/ok answers 204,
# /receiver/fail 500), to a closed port and to a socket that never answers: every
# notification is retried until its receiver answers 2xx, then delivered once; rows a dead
# node had claimed are delivered when the claim ends; certificates of other modules reach
# the systems subscribed to their source; a second httpd on the same database shares the
# work without delivering anything twice. Counted in the receiver's log
# (t/logs/deliveries.log: delivery id, method, path, status).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use IO::Socket::INET ();
use lib 't/lib';
use IdtTest;

plan tests => 39, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

my $base = 'http://' . Apache::TestRequest::hostport();
my $log = Apache::Test::vars('t_logs') . '/deliveries.log';
my $uniq = "$$-" . int(rand(1e6));

# delivery id => [ [method, path, status], ... ] from the receivers' log
sub attempts {
    my %by;
    open(my $fh, '<', $log) or return {};
    while (my $line = <$fh>) {
        my ($id, $m, $path, $st) = split ' ', $line;
        push @{ $by{$id} }, [ $m, $path, $st ] if defined $st;
    }
    return \%by;
}
sub ok_count { my ($id) = @_; scalar grep { $_->[2] =~ /^2/ } @{ attempts()->{$id} // [] } }
sub row { my ($cert, $sys) = @_;
    my $r = psql("SELECT id || ' ' || state || ' ' || attempts || ' ' || coalesce(last_status::text, '-') || ' ' "
        . "|| coalesce(last_error, '-') FROM idtrust.ci_outbox WHERE certificate_id = '$cert' AND system_id = '$sys'");
    return $r eq '' ? undef : [ split / /, $r, 5 ];
}
sub state_of { my $r = row(@_); $r ? $r->[1] : 'none' }
sub new_cert { scalar openssl_cert(cn => "user-$uniq-" . int(rand(1e9)) . '.example.test') }
sub import_under { my ($policy, $pem) = @_;
    my $res = ci_import($pem // new_cert(), $policy->{objectId});
    die 'import failed: ' . $res->as_string unless $res->code == 201;
    return json_of($res)->{id};
}
sub set_location { my ($sys, $url) = @_;
    api(PUT => "/idtrust/v1/external-systems/$sys->{id}", body => { apiLocation => $url })->code }

my $ok_sys = ci_system(name => "ok-$uniq", apiLocation => "$base/receiver/ok");
is $ok_sys->{clientSecretSet}, JSON::PP::false(), 'a system without a client secret';
my $policy = ci_policy(externalSystems => [ $ok_sys->{name} ]);
is_deeply $policy->{externalSystems}, [ $ok_sys->{name} ], 'a policy that notifies it';

# the outbox row is written with the certificate, in its transaction
my @certs = map { import_under($policy) } 1 .. 3;
is psql("SELECT count(*) FROM idtrust.ci_outbox WHERE system_id = '$ok_sys->{id}'"), 3,
    'three imports: three outbox rows';
ok ci_wait(15, sub { !grep { state_of($_, $ok_sys->{id}) ne 'delivered' } @certs }), 'all three delivered';
my @ids = map { row($_, $ok_sys->{id})->[0] } @certs;
is_deeply [ map { ok_count($_) } @ids ], [1, 1, 1], 'each received once';
is_deeply [ map { attempts()->{ $ids[$_] }[0][1] } 0 .. 2 ],
    [ map { "/receiver/ok/certificates/$_/added" } @certs ],
    'at the mapping file\'s URL ({apiLocation}/certificates/{id}/added)';
is_deeply [ map { attempts()->{$_}[0][0] } @ids ], [qw(POST POST POST)], 'with its verb';

# the notifications API shows them
my $list = json_of(api(GET => "/idtrust/v1/notifications?externalSystemId=$ok_sys->{id}&state=delivered"));
is scalar @{ $list->{notifications} }, 3, 'GET /idtrust/v1/notifications lists them';
is $list->{notifications}[0]{attempts}, 1, 'one attempt each';
is $list->{notifications}[0]{lastStatus}, 204, 'the receiver\'s status';

# a receiver that answers 500, one that is down, one that hangs: retried, then delivered
my $hang = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => 0) or die;
my $closed = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0) or die;
my $closed_port = $closed->sockport;
close $closed;
my %bad = (fail => "$base/receiver/fail", down => "http://127.0.0.1:$closed_port/x",
    hang => 'http://127.0.0.1:' . $hang->sockport . '/x');
my %sys = map { $_ => ci_system(name => "$_-$uniq", apiLocation => $bad{$_}) } keys %bad;
my %cert;
for my $k (sort keys %bad) {
    my $p = ci_policy(externalSystems => [ $sys{$k}{name} ]);
    $cert{$k} = import_under($p);
}
ok ci_wait(20, sub { !grep { (row($cert{$_}, $sys{$_}{id}) // [0, 0, 0])->[2] < 2 } keys %bad }),
    'every failing receiver is tried again';
my %r = map { $_ => row($cert{$_}, $sys{$_}{id}) } keys %bad;
is $r{fail}[1], 'pending', '500: still pending';
is $r{fail}[3], 500, '500: last status 500';
like $r{fail}[4], qr/answered 500/, '500: last error says so';
is $r{down}[3], '-', 'down: no status';
like $r{down}[4], qr/no answer: .*(refused|connect)/i, 'down: the connection was refused';
is $r{hang}[3], '-', 'hang: no status';
like $r{hang}[4], qr/no answer: .*(timed out|timeout)/i, 'hang: timed out';
my $fail_id = $r{fail}[0];
ok scalar(@{ attempts()->{$fail_id} }) >= 2, 'the 500 receiver saw each attempt, with the same delivery id';
is ok_count($fail_id), 0, 'none of them a success';
# the receivers come back (the systems now point at one that answers)
is set_location($sys{$_}, "$base/receiver/ok"), 200, "$_: the system is pointed at a receiver that answers"
    for sort keys %bad;
ok ci_wait(20, sub { !grep { state_of($cert{$_}, $sys{$_}{id}) ne 'delivered' } keys %bad }),
    'then all three are delivered';
is_deeply [ map { ok_count(row($cert{$_}, $sys{$_}{id})->[0]) } sort keys %bad ], [1, 1, 1],
    'each once';
close $hang;

# a row a dead node had claimed: delivered once its claim ends; one a live node holds:
# left alone until then
my $down_sys = ci_system(name => "held-$uniq", apiLocation => "$base/receiver/ok", enabled => JSON::PP::false());
my $held_policy = ci_policy(externalSystems => [ $down_sys->{name} ]);
my $held_cert = import_under($held_policy);
is state_of($held_cert, $down_sys->{id}), 'none', 'a disabled system gets no notification';
is api(PUT => "/idtrust/v1/external-systems/$down_sys->{id}", body => { enabled => JSON::PP::true() })->code, 200,
    'enabled again';
# the rows as two nodes left them, written at once (a row the task could see before its
# claim is set would be delivered at once): certificates of a policy that notifies nobody,
# queued by hand
my $quiet = ci_policy();
my ($dead, $live) = map { import_under($quiet) } 1 .. 2;
psql("INSERT INTO idtrust.ci_outbox (system_id, certificate_id, attempts, claimed_until, claimed_by) VALUES "
    . "('$down_sys->{id}', '$dead', 1, now() - interval '1 second', 'dead-node:1:1'), "
    . "('$down_sys->{id}', '$live', 1, now() + interval '4 seconds', 'live-node:1:1')");
ok ci_wait(10, sub { state_of($dead, $down_sys->{id}) eq 'delivered' }), 'a dead node\'s claim: delivered';
is state_of($live, $down_sys->{id}), 'pending', 'a live node\'s claim: not touched while it holds';
ok ci_wait(10, sub { state_of($live, $down_sys->{id}) eq 'delivered' }), 'and delivered once it ends';

# the last attempt fails: failed; resend makes it pending again
my $f_sys = ci_system(name => "last-$uniq", apiLocation => "$base/receiver/fail");
my $f_cert = import_under(ci_policy(externalSystems => [ $f_sys->{name} ]));
my $f_id = row($f_cert, $f_sys->{id})->[0];
ci_wait(5, sub { row($f_cert, $f_sys->{id})->[2] >= 1 });
psql("UPDATE idtrust.ci_outbox SET attempts = 29, next_attempt_at = now() WHERE id = '$f_id'");
ok ci_wait(10, sub { state_of($f_cert, $f_sys->{id}) eq 'failed' }), 'after the last attempt: failed';
set_location($f_sys, "$base/receiver/ok");
my $res = api(POST => "/idtrust/v1/notifications/$f_id/resend");
is json_of($res)->{state}, 'pending', 'resend: pending again' or diag $res->as_string;
ok ci_wait(10, sub { state_of($f_cert, $f_sys->{id}) eq 'delivered' }), 'and delivered';
iic_error_ok(api(POST => "/idtrust/v1/notifications/$f_id/cancel"), 409, 'IIC.409',
    'a delivered notification cannot be cancelled', qr/only a pending/);

# certificates other modules add: the systems subscribed to their source
my $src_sys = ci_system(name => "idp-$uniq", apiLocation => "$base/receiver/ok", sources => ['idstore.idp']);
is_deeply $src_sys->{sources}, ['idstore.idp'], 'a system subscribed to idstore.idp';
my $idp = new_idp(new_store());
my $inv = psql("SELECT certificate_id FROM idtrust.idp_certificate WHERE id = '$idp->{certificate_id}'");
ok ci_wait(10, sub { state_of($inv, $src_sys->{id}) eq 'delivered' }),
    'an IdP certificate imported through the Identity Center API is delivered to it';

# two nodes on one database: a second httpd delivers too; nothing is delivered twice
my $top = Apache::Test::vars('serverroot') . '/..';
my $node2 = small_httpd_conf(<<"CONF");
LoadModule certimport_module $top/modules/certimport/.libs/mod_certimport.so
DBDriver pgsql
DBDParams "$ENV{IDTRUST_DB} application_name=idtrust-node2"
IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"
CertimportMappingDir $top/conf/mappings
CertimportDeliveryInterval 100ms
CertimportDeliveryBatch 10
LogLevel info
CONF
system(httpd_bin(), '-f', "$node2/httpd.conf", '-k', 'start') == 0 or die 'node 2 did not start';
ok ci_wait(10, sub { -s "$node2/error_log" && `cat $node2/error_log` =~ /CI00026/ }), 'a second node delivers';
my $many = ci_policy(externalSystems => [ $ok_sys->{name} ]);
my @more = map { import_under($many) } 1 .. 60;
ok ci_wait(30, sub { psql("SELECT count(*) FROM idtrust.ci_outbox o JOIN idtrust.ci_certificate m "
    . "ON m.certificate_id = o.certificate_id WHERE m.policy_id = '$many->{id}' AND o.state = 'delivered'") == 60 }),
    '60 notifications delivered';
my $nodes = psql("SELECT count(DISTINCT split_part(claimed_by, ':', 2)) FROM idtrust.ci_outbox o JOIN idtrust.ci_certificate m "
    . "ON m.certificate_id = o.certificate_id WHERE m.policy_id = '$many->{id}'");
diag "claimed by $nodes processes";
my $att = attempts();
my @dupes = grep { my $id = $_; (grep { $_->[2] =~ /^2/ } @{ $att->{$id} }) != 1 }
    map { row($_, $ok_sys->{id})->[0] } @more;
is scalar @dupes, 0, 'each received exactly once, whichever node sent it';
system(httpd_bin(), '-f', "$node2/httpd.conf", '-k', 'stop');
ci_wait(10, sub { !-e "$node2/httpd.pid" });

# the systems made here notify nobody once this test is over (later tests add IdP
# certificates of their own)
api(DELETE => "/idtrust/v1/external-systems/$_->{id}") for $ok_sys, values(%sys), $down_sys, $f_sys, $src_sys;
