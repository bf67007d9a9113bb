# Mapping files are read when httpd starts: a broken one stops it, and the log names the
# file and the line; the shipped ones load (the suite's server runs with them).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp ();
use lib 't/lib';
use IdtTest;

plan tests => 9, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

my $top = Apache::Test::vars('serverroot') . '/..';

# Runs httpd in the foreground with mapping directory $dir; (stopped by itself?, error log).
sub start_with {
    my ($dir) = @_;
    my $conf = small_httpd_conf(<<"CONF");
LoadModule certimport_module $top/modules/certimport/.libs/mod_certimport.so
DBDriver pgsql
DBDParams "$ENV{IDTRUST_DB}"
IdtrustSecretKeyFile "$ENV{IDTRUST_SECRET_FILE}"
CertimportMappingDir $dir
CertimportDelivery Off
CONF
    my $pid = fork // die;
    if (!$pid) { exec('/usr/sbin/apache2', '-f', "$conf/httpd.conf", '-DFOREGROUND') or exit 127 }
    my $stopped = 0;
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 5;
        waitpid($pid, 0);
        $stopped = 1;
        alarm 0;
    };
    if (!$stopped) { kill 'TERM', $pid; waitpid($pid, 0); }
    my $log = '';
    if (open(my $l, '<', "$conf/error_log")) { local $/; $log = <$l>; }
    return ($stopped, $log);
}

sub dir_with {
    my (%files) = @_;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    for my $f (keys %files) {
        open(my $fh, '>', "$dir/$f") or die;
        print $fh $files{$f};
        close $fh;
    }
    return $dir;
}

my $good = do { local $/; open(my $f, '<', "$top/conf/mappings/RESTCertificateAdded.xml") or die; <$f> };
(my $bad_field = $good) =~ s/\{Certificate\.certSerialNo\}/{Certificate.serialNumber}/;
my $line = 0;
for (split /\n/, $bad_field) { $line++; last if /serialNumber/ }

my ($stopped, $log) = start_with(dir_with('Broken.xml' => $bad_field, 'Good.xml' => $good));
is $stopped, 1, 'a mapping file naming a field that does not exist: httpd does not start';
like $log, qr{CI00001: mod_certimport: mapping file refused: \S*/Broken\.xml:$line: \{Certificate\.serialNumber\}: data source Certificate has no field serialNumber},
    "the log names the file, the line ($line) and the field";
unlike $log, qr/resuming normal operations/, 'it never served';

(my $bad_xml = $good) =~ s{</Body>}{};
($stopped, $log) = start_with(dir_with('Unclosed.xml' => $bad_xml));
is $stopped, 1, 'XML that does not parse: httpd does not start';
like $log, qr{mapping file refused: \S*/Unclosed\.xml: .*line \d+}, 'the log names the file and a line';

(my $bad_json = $good) =~ s/"id": "\{Certificate\.id\}",/"id": "{Certificate.id}"/;
($stopped, $log) = start_with(dir_with('Json.xml' => $bad_json));
is $stopped, 1, 'a body that is not JSON: httpd does not start';
like $log, qr{Json\.xml:\d+: the JSON body does not parse}, 'and says so';

my $missing = File::Temp::tempdir(CLEANUP => 1) . '/none';
($stopped, $log) = start_with($missing);
like $log, qr/CertimportMappingDir \S+ cannot be read/, 'a mapping directory that does not exist is refused';

# the API refuses a mappingFile that is not loaded
iic_error_ok(api(POST => '/idtrust/v1/external-systems', body => { name => "m-$$", mappingFile => 'Nope.xml',
    apiLocation => 'http://127.0.0.1:9/x' }), 400, 'IIC.400', 'an external system naming a mapping file not loaded',
    qr/RESTCertificateAdded\.xml/);
