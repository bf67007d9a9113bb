# A receiver that hangs, and a token endpoint that hangs, hold back their own system's
# notifications and no other's. A delivering httpd of the test's own, on a database of
# its own, with the shipped 10 s timeout (CertimportDeliveryTimeout 10, retries after
# 5 s): three external systems with rows due at the same moment, the hanging ones first
# in the outbox's order:
#   hang       40 rows to a local server that accepts every connection, reads the request
#              and never answers
#   tokenhang   5 rows to a receiver that answers, but the system's token endpoint is that
#              same silent server
#   ok          5 rows to a receiver that answers 204 (the suite's /receiver/ok), and 5
#              more 3 s later, while the others still hang
# Every ok row arrives within 2 s of being written (before: after every hanging timeout,
# 10 s per hanging receiver, one more per row of a hanging token endpoint); the hanging
# server never holds more than 32 requests of one system at once (CI_SYSTEM_INFLIGHT), and
# one token request serves all the rows of a system. The hung rows fail on their timeout
# as before (pending, a retry scheduled, last_error saying why) and are delivered once
# their systems answer again, each once.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Digest::SHA ();
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use MIME::Base64 ();
use POSIX ();
use lib 't/lib';
use IdtTest;

plan tests => 21, need { 'IDTRUST_PG_SOCKET set by scripts/test' => defined $ENV{IDTRUST_PG_SOCKET} };

my $top = Apache::Test::vars('serverroot') . '/..';
my $base = 'http://' . Apache::TestRequest::hostport();
my $deliveries = Apache::Test::vars('t_logs') . '/deliveries.log';
my $bound = 32;    # CI_SYSTEM_INFLIGHT, modules/certimport/ci_deliver.h

# the database of the test's own delivering server
my $db = "idtrust_slow_$$";
my ($conninfo, $psql2) = own_database($db);
sub psql2 { $psql2->(@_) }

# The silent server: accepts, reads the request line, never answers; logs "open PATH"
# when a request line came and "close PATH" when the client gave up on it.
my $tmp = File::Temp::tempdir(CLEANUP => 1);
my $silent_log = "$tmp/silent.log";
my $listener = IO::Socket::INET->new(Listen => 128, LocalAddr => '127.0.0.1', LocalPort => 0,
    ReuseAddr => 1) or die "listen: $!";
my $silent = 'http://127.0.0.1:' . $listener->sockport;
my $silent_pid = fork // die "fork: $!";
if (!$silent_pid) {
    open(my $log, '>>', $silent_log) or POSIX::_exit(1);
    $log->autoflush(1);
    my $sel = IO::Select->new($listener);
    my (%path, %buf);
    while (1) {
        for my $h ($sel->can_read(1)) {
            if ($h == $listener) {
                my $c = $listener->accept or next;
                $sel->add($c);
                next;
            }
            my $k = fileno $h;
            my $n = sysread($h, my $chunk, 65536);
            if (!$n) {
                print $log "close $path{$k}\n" if defined $path{$k};
                $sel->remove($h);
                close $h;
                delete $path{$k};
                delete $buf{$k};
                next;
            }
            next if defined $path{$k};
            $buf{$k} .= $chunk;
            if ($buf{$k} =~ m{\A\S+ (\S+) HTTP/}) {
                $path{$k} = $1;
                print $log "open $1\n";
            }
        }
    }
}
close $listener;

# (requests seen, most open at once) per path prefix of the silent server
sub silent_seen {
    my ($prefix) = @_;
    my ($seen, $open, $max) = (0, 0, 0);
    open(my $fh, '<', $silent_log) or return (0, 0);
    while (my $line = <$fh>) {
        my ($what, $path) = split ' ', $line;
        next unless index($path, $prefix) == 0;
        if ($what eq 'open') { $seen++; $open++; $max = $open if $open > $max } else { $open-- }
    }
    return ($seen, $max);
}

my $conf = small_httpd_conf(<<"CONF");
LoadModule certimport_module $top/modules/certimport/.libs/mod_certimport.so
DBDriver pgsql
DBDParams "$conninfo"
IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"
CertimportMappingDir $top/conf/mappings
CertimportDeliveryInterval 100ms
CertimportDeliveryTimeout 10
CertimportDeliveryBatch 100
CertimportRetry 5 10 30
LogLevel info
CONF
system(httpd_bin(), '-f', "$conf/httpd.conf", '-k', 'start') == 0 or die 'the delivering server did not start';
ok ci_wait(10, sub { -s "$conf/error_log" && `cat $conf/error_log` =~ /CI00026/ }), 'the delivering server runs';

# the systems, and one certificate many times over (the inventory's rows; the outbox rows
# are written by hand, as a policy's trigger would)
my %sys;
for (split /\n/, psql2(
    "INSERT INTO idtrust.ci_external_system (name, mapping_file, api_location, oauth_token_endpoint, client_id) VALUES "
    . "('ok', 'RESTCertificateAdded.xml', '$base/receiver/ok', '', ''), "
    . "('hang', 'RESTCertificateAdded.xml', '$silent/receiver', '', ''), "
    . "('tokenhang', 'RESTCertificateAdded.xml', '$base/receiver/ok', '$silent/token', 'slow-client') "
    . "RETURNING name || ' ' || id")) {
    my ($name, $id) = split ' ';
    $sys{$name} = $id;
}
my $pem = openssl_cert(cn => "slow-$$.example.test", key => 'ec');
my ($b64) = $pem =~ /-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----/s;
my $der = MIME::Base64::decode_base64($b64);
my ($hex, $sha) = (unpack('H*', $der), Digest::SHA::sha256_hex($der));
(my $pem_sql = $pem) =~ s/'/''/g;
# Writes n outbox rows for system $name, due $ago seconds ago, in the transaction of the
# statement; returns the SQL.
sub rows_sql {
    my ($name, $n, $ago) = @_;
    return "WITH c AS (INSERT INTO idtrust.certificate (der, pem, sha256, subject, issuer, serial, "
        . "not_before, not_after, signature_algorithm, source) SELECT decode('$hex', 'hex'), '$pem_sql', "
        . "'$sha', 'CN=slow-$$.example.test', 'CN=slow-$$.example.test', '0' || i, now(), "
        . "now() + interval '1 year', 'ecdsa-with-SHA256', 'slow.test' FROM generate_series(1, $n) i "
        . "RETURNING id) INSERT INTO idtrust.ci_outbox (system_id, certificate_id, next_attempt_at) "
        . "SELECT '$sys{$name}', id, now() - interval '$ago seconds' FROM c;";
}
sub rows_of {
    my ($name, $what) = @_;
    return psql2("SELECT $what FROM idtrust.ci_outbox WHERE system_id = '$sys{$name}' ORDER BY id");
}
# seconds from the write of the system's rows to the last delivery among them
sub ok_latency {
    my ($since) = @_;
    return psql2("SELECT round(extract(epoch FROM max(delivered_at - created_at))::numeric, 2) "
        . "FROM idtrust.ci_outbox WHERE system_id = '$sys{ok}' AND created_at >= '$since'");
}
sub ok_pending { psql2("SELECT count(*) FROM idtrust.ci_outbox WHERE system_id = '$sys{ok}' AND state <> 'delivered'") }

# the rows, all due at once, the hanging systems' first
my $t0 = psql2('SELECT now()');
psql2('BEGIN; ' . rows_sql('hang', 40, 1) . rows_sql('tokenhang', 5, 1) . rows_sql('ok', 5, 0) . ' COMMIT;');
is psql2('SELECT count(*) FROM idtrust.ci_outbox'), 50, '50 rows written in one transaction';

ok ci_wait(8, sub { ok_pending() == 0 }), 'the answering system\'s rows are delivered while the others hang';
my $lat = ok_latency($t0) || 99;
diag "the answering system's 5 rows: delivered within $lat s of their write";
cmp_ok $lat, '<', 2, '... within 2 s of being written (the hanging ones have 10 s)';

# a second wave for the answering system, while the first requests of the others still hang
sleep 3;
my $t1 = psql2('SELECT now()');
psql2(rows_sql('ok', 5, 0));
ok ci_wait(8, sub { ok_pending() == 0 }), 'rows written 3 s later are delivered too';
$lat = ok_latency($t1) || 99;
diag "the second wave: delivered within $lat s of their write";
cmp_ok $lat, '<', 2, '... within 2 s, the hanging requests still out';

my ($seen, $max) = silent_seen('/receiver/');
is $max, $bound, "the hanging receiver holds $bound requests of its system at once, no more";
is psql2("SELECT count(*) FROM idtrust.ci_outbox WHERE system_id = '$sys{hang}' AND attempts = 0"), 40 - $bound,
    'the system\'s other rows wait in the outbox, unclaimed';
my ($tok_seen, $tok_max) = silent_seen('/token');
is $tok_seen, 1, 'one token request for the 5 rows of the system whose token endpoint hangs';
my %sent = map { (split ' ')[0] => 1 } do { open(my $f, '<', $deliveries) or die; <$f> };
is scalar(grep { $sent{$_} } split /\n/, rows_of('tokenhang', 'id')), 0,
    'and none of them was sent to its receiver without a token';

# the timeouts: the hung rows failed as before, a retry scheduled
ok ci_wait(15, sub { psql2("SELECT count(*) FROM idtrust.ci_outbox WHERE system_id IN ('$sys{hang}', '$sys{tokenhang}') "
        . "AND attempts = 1 AND claimed_until IS NULL") == $bound + 5 }),
    'after their timeout the hung rows are recorded as failed attempts';
my $hung = psql2("SELECT string_agg(quote_literal(id::text), ',') FROM idtrust.ci_outbox WHERE system_id IN "
    . "('$sys{hang}', '$sys{tokenhang}') AND attempts = 1 AND claimed_until IS NULL");
my ($state, $error) = split /\|/, psql2("SELECT string_agg(DISTINCT state, ','), min(last_error) FROM idtrust.ci_outbox "
    . "WHERE system_id = '$sys{hang}' AND attempts = 1 AND claimed_until IS NULL"), 2;
is $state, 'pending', 'hang: still pending';
like $error, qr/^no answer: .*(timed out|timeout)/i, 'hang: last_error says it timed out';
my $took = psql2("SELECT round(extract(epoch FROM min(updated_at) - min(created_at))::numeric, 1) FROM idtrust.ci_outbox "
    . "WHERE system_id = '$sys{hang}' AND attempts = 1 AND claimed_until IS NULL");
cmp_ok $took, '>=', 9.5, "hang: after the 10 s timeout ($took s)";
($state, $error) = split /\|/, psql2("SELECT string_agg(DISTINCT state, ','), min(last_error) FROM idtrust.ci_outbox "
    . "WHERE system_id = '$sys{tokenhang}'"), 2;
is $state, 'pending', 'tokenhang: still pending';
like $error, qr{^no token: token endpoint \Q$silent\E/token: no answer \(.*(timed out|timeout)}i,
    'tokenhang: last_error names the token endpoint that timed out';
is psql2("SELECT count(*) FROM idtrust.ci_outbox WHERE system_id IN ('$sys{hang}', '$sys{tokenhang}') "
    . "AND state = 'pending' AND claimed_until IS NULL AND attempts = 1 AND next_attempt_at > created_at"), $bound + 5,
    'each with its next attempt scheduled';

# the receivers answer again: every row is delivered, each once
psql2("UPDATE idtrust.ci_external_system SET api_location = '$base/receiver/ok', updated_at = now() WHERE id = '$sys{hang}'");
psql2("UPDATE idtrust.ci_external_system SET oauth_token_endpoint = '', updated_at = now() WHERE id = '$sys{tokenhang}'");
ok ci_wait(40, sub { psql2("SELECT count(*) FROM idtrust.ci_outbox WHERE state = 'delivered'") == 55 }),
    'once the systems answer, all 55 rows are delivered'
    or diag psql2("SELECT state, attempts, last_error FROM idtrust.ci_outbox WHERE state <> 'delivered' LIMIT 3");
is psql2("SELECT count(*) FROM idtrust.ci_outbox WHERE id IN ($hung) AND attempts >= 2"), $bound + 5,
    'the hung ones on a later attempt';
my %ok;
open(my $f, '<', $deliveries) or die;
while (<$f>) { my ($id, undef, undef, $st) = split; $ok{$id}++ if defined $st && $st =~ /^2/ }
my @ids = split /\n/, psql2('SELECT id FROM idtrust.ci_outbox');
is scalar(grep { ($ok{$_} // 0) != 1 } @ids), 0, 'the receiver got each exactly once';
unlike `cat $conf/error_log`, qr/exit signal|AH00052|AddressSanitizer/, 'no process of the delivering server crashed';

system(httpd_bin(), '-f', "$conf/httpd.conf", '-k', 'stop');
ci_wait(10, sub { !-e "$conf/httpd.pid" });
kill 'TERM', $silent_pid;
waitpid($silent_pid, 0);
system('dropdb', '-h', $ENV{IDTRUST_PG_SOCKET}, $db);
