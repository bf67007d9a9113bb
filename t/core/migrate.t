# The migration runner (scripts/migrate, installed as idtrust-migrate): every pending file,
# in order, once; on an error psql's own message and a non-zero exit, never a silent stop.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 13, need { 'IDTRUST_PG_SOCKET set by scripts/test' => defined $ENV{IDTRUST_PG_SOCKET} };

my $cfg = Apache::Test::config();
my $top = "$cfg->{vars}{serverroot}/..";
my $sock = $ENV{IDTRUST_PG_SOCKET};
my $db = "idtrust_migrate_$$";

# (exit status, stdout and stderr) of scripts/migrate with %env
sub migrate {
    my ($conninfo, %env) = @_;
    local @ENV{ keys %env } = values %env;
    my $out = `'$top/scripts/migrate' '$conninfo' 2>&1`;
    return ($? >> 8, $out);
}

# a database that does not exist: psql's message, not only the name of the first file
my ($rc, $out) = migrate("host=$sock dbname=${db}_none");
ok t_cmp($rc != 0, 1, 'an unreachable database: non-zero exit');
ok t_cmp($out, qr/connecting to the database .* failed:\n.*database "${db}_none" does not exist/,
    "and psql's error");
ok t_cmp($out !~ /applying/, 1, 'before claiming to apply anything');

# a failing file: the runner stops there, says which and why; what came before stays
system('createdb', '-h', $sock, $db) == 0 or die "createdb failed\n";
my $dir = File::Temp::tempdir(CLEANUP => 1);
system('cp', "$top/schema/000_schema_version.sql", $dir) == 0 or die;
open(my $fh, '>', "$dir/001_broken.sql") or die;
print $fh "CREATE TABLE idtrust.half_done (id int);\nSELEC 1;\n";
close $fh;
($rc, $out) = migrate("host=$sock dbname=$db", IDTRUST_SCHEMA_DIR => $dir);
ok t_cmp($rc != 0, 1, 'a failing migration: non-zero exit');
ok t_cmp($out, qr/applying 000_schema_version\.sql\napplying 001_broken\.sql\n.*001_broken\.sql failed:\n.*syntax error at or near "SELEC"/s,
    'names the file and prints the error');
my $conninfo = "host=$sock dbname=$db";
my $q = sub { my $o = `psql '$conninfo' -Atqc "$_[0]" 2>&1`; chomp $o; $o };
ok t_cmp($q->('SELECT string_agg(version::text, \',\') FROM idtrust.schema_version'), '0',
    'the file before it stays applied');
ok t_cmp($q->("SELECT to_regclass('idtrust.half_done') IS NULL"), 't', 'the failing one left nothing');
($rc, $out) = migrate("host=$sock dbname=$db", IDTRUST_SCHEMA_DIR => $dir);
ok t_cmp($rc != 0 && $out !~ /applying 000/ && $out =~ /applying 001_broken/, 1,
    'run again, it goes on with the pending file only');

# the real migrations on that database: all pending ones, then nothing
my @files = sort glob("$top/schema/[0-9][0-9][0-9]_*.sql");
my ($latest) = $files[-1] =~ m{/0*(\d+)_[^/]+$};
($rc, $out) = migrate($conninfo);
ok t_cmp($rc, 0, 'the migrations of the tree apply') or diag $out;
ok t_cmp($q->('SELECT max(version) FROM idtrust.schema_version'), $latest, 'up to the latest');
my @applied = $out =~ /^applying (\S+)$/mg;
ok t_cmp(scalar(@applied), scalar(@files) - 1, 'each pending file once (000 was already applied)');
($rc, $out) = migrate($conninfo);
ok t_cmp($rc, 0, 'run again: success');
ok t_cmp($out, '', 'with nothing to apply and nothing said');

system('dropdb', '-h', $sock, $db);
