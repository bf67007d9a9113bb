# httpd refuses to start when the repository's schema is older than mod_idstore needs,
# and its log says which migration to apply; likewise without IdtrustSecretKeyFile.
# Without DBDriver, or with a secret key file that does not exist, even `apache2 -t`
# fails, with a sentence that says what to add.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Apache::TestConfig ();
use IO::Socket::INET ();
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 15, need { 'IDTRUST_PG_SOCKET set by scripts/test' => defined $ENV{IDTRUST_PG_SOCKET} };

my $cfg = Apache::Test::config();
my $top = "$cfg->{vars}{serverroot}/..";
my $db = "idtrust_old_$$";
my $conninfo = "host=$ENV{IDTRUST_PG_SOCKET} dbname=$db";
system('createdb', '-h', $ENV{IDTRUST_PG_SOCKET}, $db) == 0 or die "createdb failed\n";
for my $m (qw(000_schema_version.sql 001_core.sql)) {
    system('psql', $conninfo, '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-f', "$top/schema/$m") == 0
        or die "migration $m failed\n";
}

# Writes a minimal configuration plus $extra (with DBDriver and DBDParams unless
# $no_dbd) into a fresh directory; returns the directory.
sub write_conf {
    my ($extra, $no_dbd) = @_;
    my $dbd = $no_dbd ? '' : qq{DBDriver pgsql\nDBDParams "$conninfo"};
    return small_httpd_conf("$dbd\n$extra");
}

# apache2 -t on a minimal configuration plus $extra: (exit status, what it printed).
sub configtest {
    my $dir = write_conf(@_);
    my $out = `@{[httpd_bin()]} -t -f $dir/httpd.conf 2>&1`;
    return ($? >> 8, $out);
}

# Runs httpd in the foreground with a minimal configuration plus $extra; returns
# (stopped by itself?, error log text).
sub start_httpd {
    my $dir = write_conf(@_);
    # httpd exits by itself; the alarm only keeps a regression from hanging the suite
    my $pid = fork // die;
    if (!$pid) { exec(httpd_bin(), '-f', "$dir/httpd.conf", '-DFOREGROUND') or exit 127 }
    my $stopped = 0;
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 30;
        waitpid($pid, 0);
        $stopped = 1;
        alarm 0;
    };
    if (!$stopped) { kill 'TERM', $pid; waitpid($pid, 0); }
    my $log = '';
    if (open(my $l, '<', "$dir/error_log")) { local $/; $log = <$l>; }
    return ($stopped, $log);
}

my ($stopped, $log) = start_httpd(qq{IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"});
ok t_cmp($stopped, 1, 'on an old schema, httpd stopped by itself');
ok t_cmp($log, qr/Fatal error\.\.\. Apache is exiting/, 'because a child reported the schema as fatal');
# the first module whose check runs says it: mod_idtrust (schema 6) or mod_idstore (4)
ok t_cmp($log, qr/schema is at version 1 but mod_(idtrust needs 6|idstore needs 4)/,
    'the log says what is wrong');
ok t_cmp($log, qr{needs [46] \(schema/00[46]_[a-z_]+\.sql\): apply the pending migrations with scripts/migrate},
    'and which migrations to apply');

($stopped, $log) = start_httpd('');
ok t_cmp($stopped, 1, 'without IdtrustSecretKeyFile, httpd does not start');
ok t_cmp($log, qr/IS00003: mod_idstore needs IdtrustSecretKeyFile/, 'and the log says why');
ok t_cmp($log !~ /resuming normal operations/, 1, 'it never served');

# the configuration test: modules loaded without DBDriver and DBDParams
my $secret = qq{IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"};
my ($rc, $out) = configtest($secret, 'no DBDriver');
ok t_cmp($rc != 0, 1, 'without DBDriver, apache2 -t fails');
ok t_cmp($out, qr/IT00004: mod_idtrust needs DBDriver pgsql and DBDParams: add them to the server config/,
    'and says what to add');
($rc, $out) = configtest("DBDriver pgsql\n$secret", 'no DBDriver');
ok t_cmp($rc != 0 && $out =~ /IT00004: mod_idtrust needs DBDriver pgsql and DBDParams/, 1,
    'DBDriver without DBDParams is refused as well');

# a secret key file that does not exist: the sentence's command makes one that works
my $keydir = File::Temp::tempdir(CLEANUP => 1);
my $key = "$keydir/secret.key";
($rc, $out) = configtest(qq{IdtrustSecretKeyFile "$key"});
ok t_cmp($rc != 0, 1, 'with a missing secret key file, apache2 -t fails');
my ($make) = $out =~ /IT00002: IdtrustSecretKeyFile \Q$key\E: no such file; make one with: (.+)$/m;
ok t_cmp($make, "(umask 077; openssl rand -base64 48 > $key)", 'and says how to make one');
system('sh', '-c', $make) == 0 or die "could not run: $make\n";
($rc, $out) = configtest(qq{IdtrustSecretKeyFile "$key"});
ok t_cmp($rc, 0, 'with the file made as told, apache2 -t passes');
ok t_cmp($out, qr/Syntax OK/, 'and says so');
($rc, $out) = configtest($secret);
ok t_cmp("$rc $out", qr/^0 .*Syntax OK/s, 'the configuration of the tests above passes apache2 -t');

system('dropdb', '-h', $ENV{IDTRUST_PG_SOCKET}, $db);
