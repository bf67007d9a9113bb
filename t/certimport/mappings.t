# Mapping files are read when httpd starts: a broken one stops it, and the log names the
# file and the line; the shipped ones load (the suite's server runs with them). A mapping
# whose body is XML (conf/mappings/RESTCertificateAddedXML.xml) delivers a certificate
# whose subject CN holds markup, quotes and & to a receiver of this test's own (a socket
# that answers HTTP): the body is well-formed, the CN its text, no element added.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use lib 't/lib';
use IdtTest;

plan tests => 24, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

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
    if (!$pid) { exec(httpd_bin(), '-f', "$conf/httpd.conf", '-DFOREGROUND') or exit 127 }
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

# a content type whose values idtrust cannot escape stops httpd too
(my $csv = $good) =~ s{ContentType="application/json"}{ContentType="text/csv"};
($stopped, $log) = start_with(dir_with('Csv.xml' => $csv));
is $stopped, 1, 'a body of a type idtrust has no escaping for: httpd does not start';
like $log, qr{Csv\.xml:\d+: ContentType text/csv: values are escaped for application/json}, 'and says so';

# ---- an XML body, a hostile subject, a real receiver ----

# The first request to $srv within $seconds: { method, path, headers (lower-case names), body }.
# Answers 204.
sub receive {
    my ($srv, $seconds) = @_;
    return undef unless IO::Select->new($srv)->can_read($seconds);
    my $c = $srv->accept or return undef;
    my ($head, $body) = ('', '');
    local $SIG{ALRM} = sub { die "receiver: timeout\n" };
    alarm 10;
    while ($head !~ /\r\n\r\n/) { sysread($c, $head, 4096, length $head) or last }
    ($head, $body) = split /\r\n\r\n/, $head, 2;
    my ($line, @h) = split /\r\n/, $head;
    my %h = map { my ($k, $v) = split /:\s*/, $_, 2; (lc $k => $v) } @h;
    print $c "HTTP/1.1 100 Continue\r\n\r\n" if lc($h{expect} // '') eq '100-continue';
    while (length $body < ($h{'content-length'} // 0)) { sysread($c, $body, 65536, length $body) or last }
    alarm 0;
    print $c "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    close $c;
    my ($method, $path) = split ' ', $line;
    return { method => $method, path => $path, headers => \%h, body => $body };
}

# xmllint's answer to an XPath expression on the document in $file (its trailing newline cut).
sub xpath {
    my ($file, $expr) = @_;
    open(my $fh, '-|', 'xmllint', '--nonet', '--xpath', $expr, $file) or die "xmllint: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    $out =~ s/\n\z//;
    return $out;
}

my $uniq = "$$-" . int(rand(1e6));
# bytes, as the receiver sees them: markup, a form field, quotes, & and non-ASCII
my $cn = qq{</Name><Admin>true</Admin><Name>x&r=a "q" 'a' J\xc3\xbcrgen $$};
my $pem = do {
    (my $subj = "/CN=$cn") =~ s{(?<=.)/}{\\/}g;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    openssl_cmd('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', "$dir/k.pem", '-utf8', '-subj', $subj, '-days', '30');
};
like $pem, qr/BEGIN CERTIFICATE/, 'a certificate whose subject CN holds markup, quotes and &';

my $srv = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
    or die "listen: $!";
my $sys = ci_system(name => "xml-$uniq", mappingFile => 'RESTCertificateAddedXML.xml',
    apiLocation => 'http://127.0.0.1:' . $srv->sockport . '/receiver');
my $policy = ci_policy(externalSystems => [ $sys->{name} ]);
my $res = ci_import($pem, $policy->{objectId}, extra => { createUser => JSON::PP::true() });
is $res->code, 201, 'imported under a policy that notifies a system with the XML mapping';
my $cert = json_of($res);
is $cert->{target}{name}, do { my $u = $cn; utf8::decode($u); $u }, 'the person made is named by the CN';

my $got = receive($srv, 20);
ok $got, 'the receiver got the notification';
$got //= { headers => {}, body => '' };
is $got->{path}, "/receiver/certificates/$cert->{id}/added", 'at the mapping\'s URL';
is $got->{headers}{'content-type'}, 'application/xml', 'as application/xml';
my $file = File::Temp->new(SUFFIX => '.xml');
print $file $got->{body};
close $file;
system('xmllint', '--noout', '--nonet', "$file");
is $?, 0, 'xmllint reads the body: well-formed';
is xpath("$file", 'string(/CertificateAdded/Person)'), $cn, 'the CN is the text of <Person>, byte for byte';
is xpath("$file", 'string(/CertificateAdded/Subject/@name)'), $cn, 'and the value of an attribute';
is xpath("$file", 'count(//Admin)'), 0, 'no <Admin> element was added';
is xpath("$file", 'count(/CertificateAdded/*)'), 6, 'the six elements of the mapping, no more';
is xpath("$file", 'string(/CertificateAdded/@id)'), $cert->{id}, 'the certificate id as written';
ok ci_wait(10, sub { psql("SELECT state FROM idtrust.ci_outbox WHERE certificate_id = '$cert->{id}' "
        . "AND system_id = '$sys->{id}'") eq 'delivered' }), 'the notification is recorded as delivered';
