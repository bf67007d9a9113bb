# The connection budget: a burst of 300 clients on an endpoint that uses the database
# leaves PostgreSQL room for everyone else. httpd's connections stay within
# ServerLimit x DBDMax (what scripts/test computed from max_connections), clients after the
# burst get no 503, and a role without superuser still connects with psql. A pool that can
# outgrow max_connections is reported at start (IT00040), once, not by every child.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use File::Temp ();
use IO::Socket::INET ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use IdtTest;
use IdtLoad;

plan tests => 13, need {
    'IDTRUST_PG_DATA and IDTRUST_DBD_MAX set by scripts/test' =>
        defined $ENV{IDTRUST_PG_DATA} && defined $ENV{IDTRUST_DBD_MAX},
    'ulimit -n of at least 700' => fd_limit() >= 700 };

my $cfg = Apache::Test::config();
my $top = "$cfg->{vars}{serverroot}/..";

# ServerLimit as the test server runs it: from the shared hardening file
my ($server_limit) = do {
    open(my $fh, '<', "$top/conf/idtrust-hardening.conf") or die "idtrust-hardening.conf: $!";
    local $/;
    <$fh> =~ /^\s*ServerLimit\s+(\d+)/m;
};
my $budget = $server_limit * $ENV{IDTRUST_DBD_MAX};
my ($max_connections, $reserved) = split /\|/, psql(
    q{SELECT current_setting('max_connections'), current_setting('superuser_reserved_connections')});
ok t_cmp($budget <= $max_connections - $reserved - 10 ? 1 : 0, 1,
    "the budget ($server_limit x DBDMax $ENV{IDTRUST_DBD_MAX} = $budget) leaves 10 connections "
    . "below max_connections $max_connections - $reserved reserved");

sub httpd_connections {
    psql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'idtrust-httpd'});
}

# a role without superuser: it may not use the reserved slots, as an operator's psql
my $role = 'idtrust_budget_dba';
psql(qq{DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN NOSUPERUSER; END IF; END\$\$});
{
    # peer authentication maps OS users to roles; this role has no OS user, so it may log
    # in over the (private, throwaway) Unix socket without one
    my $hba = "$ENV{IDTRUST_PG_DATA}/pg_hba.conf";
    open(my $fh, '<', $hba) or die "$hba: $!";
    my $text = do { local $/; <$fh> };
    close $fh;
    if ($text !~ /^local\s+all\s+$role\s+trust/m) {
        open($fh, '>', $hba) or die "$hba: $!";
        print $fh "local all $role trust\n$text";
        close $fh;
        psql('SELECT pg_reload_conf()');
        sleep 0.5;
    }
}
sub dba_psql {
    my $out = `psql -h $ENV{IDTRUST_PG_SOCKET} -d idtrust -U $role -Atqc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>&1`;
    chomp $out;
    return $out;
}
ok t_cmp(dba_psql(), 'f', 'before the burst, the non-superuser role connects');

my $hostport = Apache::TestRequest::hostport();
my $peak = 0;
my %burst = concurrent_gets($hostport, '/idtrust/ready', 300, 120,
    tick => sub { my $n = httpd_connections(); $peak = $n if $n > $peak });
my %again = concurrent_gets($hostport, '/idtrust/ready', 300, 120,
    tick => sub { my $n = httpd_connections(); $peak = $n if $n > $peak });
print "# burst: ", join(' ', map {"$_=$burst{$_}"} sort keys %burst),
    "; again: ", join(' ', map {"$_=$again{$_}"} sort keys %again), "; peak $peak connections\n";
ok t_cmp(($burst{200} // 0) + ($again{200} // 0), 600,
    'two bursts of 300 clients: every request answered 200 (waiting for a connection, not 503)');
ok t_cmp($peak > $server_limit ? 1 : 0, 1, "the burst used the pools ($peak connections at the peak)");
ok t_cmp($peak <= $budget ? 1 : 0, 1, "httpd never held more than the budget ($peak <= $budget)");

my $after = httpd_connections();
ok t_cmp($after <= $budget ? 1 : 0, 1, "after the burst httpd holds $after connections, within $budget");
ok t_cmp(dba_psql(), 'f', 'after the burst, the non-superuser role still connects');

my %next = concurrent_gets($hostport, '/idtrust/ready', 16, 60);
ok t_cmp($next{200} // 0, 16, '16 concurrent clients after the burst: all 200, no 503')
    or print "# ", join(' ', map {"$_=$next{$_}"} sort keys %next), "\n";

# The test server is within its budget and said so once.
my $log = error_log_text();
ok t_cmp($log !~ /IT00040/ ? 1 : 0, 1, 'the test server does not warn about its pools');
ok t_cmp(scalar(() = $log =~ /IT00042: the database connection pools hold at most \Q$budget\E connections/g) >= 1
    ? 1 : 0, 1, 'it logged its budget at start');

# A server whose pools can outgrow max_connections: the warning, once for three children.
# Runs httpd with a small configuration of its own until the warning is logged.
sub start_httpd {
    my ($extra) = @_;
    my $dir = small_httpd_conf(<<"CONF");
LogLevel info
IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"
DBDriver pgsql
DBDParams "$ENV{IDTRUST_DB} application_name=idtrust-budget-test"
DBDMin 0
StartServers 3
ThreadLimit 25
ThreadsPerChild 25
MaxRequestWorkers 100
MinSpareThreads 25
MaxSpareThreads 100
$extra
CONF
    my $pid = fork // die;
    if (!$pid) { exec(httpd_bin(), '-f', "$dir/httpd.conf", '-DFOREGROUND') or exit 127 }
    # the event MPM forks its StartServers children at once: when the first check is in the
    # log, the others have run their child_init too, or will within moments
    my $text = '';
    for (1 .. 150) {
        sleep 0.1;
        open(my $l, '<', "$dir/error_log") or next;
        $text = do { local $/; <$l> };
        last if $text =~ /IT0004[0-3]/;
    }
    sleep 1;
    if (open(my $l, '<', "$dir/error_log")) { local $/; $text = <$l> }
    kill 'TERM', $pid;
    waitpid($pid, 0);
    return $text;
}

# enough processes of min(DBDMax 60, 25 threads + 1 listener) = 26 connections each to
# outgrow what PostgreSQL accepts from ordinary roles
my $usable = $max_connections - $reserved;
my $processes = int($usable / 26) + 1;
my $pools = $processes * 26;
$log = start_httpd("ServerLimit $processes\nDBDKeep 2\nDBDMax 60");
my @warnings = $log =~ /^.*IT00040.*$/mg;
ok t_cmp(scalar(@warnings), 1,
    "pools of $pools connections for max_connections $max_connections: IT00040 logged once, not by each of three children");
ok t_cmp($warnings[0] // '', qr/can grow to $pools connections .*max_connections is $max_connections\b/,
    'naming both numbers');

# DBDMax 1: the change listener takes the only connection; requests would wait forever
$log = start_httpd("ServerLimit 4\nDBDKeep 1\nDBDMax 1");
ok t_cmp(scalar(() = $log =~ /IT00041: DBDMax 1 leaves no connection for requests/g), 1,
    'DBDMax 1 beside a change listener: IT00041, once');
