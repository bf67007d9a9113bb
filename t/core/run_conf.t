# What scripts/run sets up, through the functions of scripts/lib/common.sh it calls: the
# generated httpd.conf includes $IDTRUST_VAR/conf.d/*.conf after its own settings, and its
# private PostgreSQL cluster runs with fsync on (those of the tests may run without).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 9, need {
    'IDTRUST_DBD_MAX and IDTRUST_PG_BIN set by scripts/test' =>
        defined $ENV{IDTRUST_DBD_MAX} && defined $ENV{IDTRUST_PG_BIN},
};

my $cfg = Apache::Test::config();
my $top = "$cfg->{vars}{serverroot}/..";
my $var = File::Temp::tempdir(CLEANUP => 1);

# runs bash code with common.sh loaded; returns (exit status, output)
sub common {
    my ($code) = @_;
    my $out = `bash -c '. "$top/scripts/lib/common.sh"; idt_user; set -e; $code' 2>&1`;
    return ($? >> 8, $out);
}

# as scripts/run does: the TLS files and the secret key file the configuration names
my ($rc, $out) = common(qq{idt_tls "$var"; idt_secret "$var"; idt_httpd_conf "$var" 1 2 "$ENV{IDTRUST_DB}"});
ok t_cmp($rc, 0, 'idt_httpd_conf writes httpd.conf') or diag $out;
ok t_cmp(-d "$var/conf.d" ? 1 : 0, 1, 'and makes conf.d');
open(my $fh, '<', "$var/httpd.conf") or die;
my @lines = grep { !/^\s*(#|$)/ } <$fh>;
close $fh;
ok t_cmp($lines[-1], qr{^IncludeOptional "\Q$var\E/conf\.d/\*\.conf"$}, 'which is included last');

# a file of the operator's that httpd refuses fails the configuration test; one it takes
# is read after the generated settings (apache2 -t -D DUMP_INCLUDES lists them in order)
open($fh, '>', "$var/conf.d/public-url.conf") or die;
print $fh "IdstorePublicURL https://override.example.test\n";
close $fh;
$out = `@{[httpd_bin()]} -t -D DUMP_INCLUDES -f $var/httpd.conf 2>&1`;
my @incs = $out =~ /^\s*\(\d+\)\s+(\S+)/mg;
ok t_cmp($incs[-1], "$var/conf.d/public-url.conf", 'conf.d is read after the generated settings')
    or diag $out;
($rc, $out) = common(qq{idt_httpd_conf "$var" 1 2 "$ENV{IDTRUST_DB}"});
ok t_cmp(-s "$var/conf.d/public-url.conf" ? 1 : 0, 1, 'conf.d is kept when httpd.conf is rewritten');
open($fh, '>', "$var/conf.d/typo.conf") or die;
print $fh "IdstorePublicURI https://typo.example.test\n";
close $fh;
$out = `@{[httpd_bin()]} -t -f $var/httpd.conf 2>&1`;
ok t_cmp($? != 0 && $out =~ m{typo\.conf.*\n.*IdstorePublicURI}, 1, 'a directive httpd does not know in conf.d fails apache2 -t, naming the file');

# fsync: on for the cluster of scripts/run, off when asked (scripts/test, scripts/bench)
my $pgvar = File::Temp::tempdir(CLEANUP => 1);
chmod 0755, $pgvar;
($rc, $out) = common(qq{idt_pg_start "$pgvar" on && psql -h "$pgvar/run" -d idtrust -Atc "SHOW fsync"; idt_pg_stop "$pgvar"});
ok t_cmp($out, qr/^on$/m, 'idt_pg_start VAR on: the cluster runs with fsync on') or diag $out;
($rc, $out) = common(qq{idt_pg_start "$pgvar" off && psql -h "$pgvar/run" -d idtrust -Atc "SHOW fsync"; idt_pg_stop "$pgvar"});
ok t_cmp($out, qr/^off$/m, 'idt_pg_start VAR off: without') or diag $out;
ok t_cmp(`grep -c 'idt_pg_start "\$var" on' $top/scripts/run` + 0, 1, 'scripts/run asks for fsync on');
