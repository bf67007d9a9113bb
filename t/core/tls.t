# TLS and headers (conf/idtrust-hardening.conf): the HTTPS port offers TLS 1.2 with
# forward-secret AEAD suites and TLS 1.3 only; HSTS on HTTPS responses and not on HTTP
# ones; the Server header names no versions. Checked with the openssl and curl commands
# against the test server's HTTPS virtual host (idtrust_tls in t/conf/extra.conf.in).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();

plan tests => 17, need {
    'IDTRUST_TLS_CERT set by scripts/test' => defined $ENV{IDTRUST_TLS_CERT},
    'the HTTPS virtual host' => defined Apache::Test::config()->{vhosts}{idtrust_tls} };

my $config = Apache::Test::config();
my $tls_port = $config->{vhosts}{idtrust_tls}{port};
my $http = Apache::TestRequest::hostport();

# One handshake with openssl s_client (@args: protocol and suite options); returns
# (negotiated protocol or undef, suite, the whole output).
sub handshake {
    my @args = @_;
    my $cmd = join ' ', 'openssl s_client -connect', "127.0.0.1:$tls_port",
        '-servername localhost -no_ign_eof', @args, '</dev/null 2>&1';
    my $out = `$cmd`;
    # "New, TLSv1.2, Cipher is ...": printed once the handshake is over, or with (NONE)
    my ($proto, $suite) = $out =~ /^New, (\S+), Cipher is (\S+)/m;
    undef $proto if !$suite || $suite eq '(NONE)';
    return ($proto, $suite, $out);
}

# Refused by the server: the handshake fails with an alert from it, so the client did
# offer what it was asked to (a client that refused by itself would say so, not alert).
sub refused {
    my ($what, @args) = @_;
    my ($proto, undef, $out) = handshake(@args);
    ok t_cmp(!defined $proto && $out =~ /alert (handshake failure|protocol version)/ ? 1 : 0, 1,
        "$what is refused") or print map { "# $_\n" } grep { /alert|error|Cipher|Protocol/ } split /\n/, $out;
}

sub accepted {
    my ($what, $want_proto, $want_suite, @args) = @_;
    my ($proto, $suite, $out) = handshake(@args);
    ok t_cmp(($proto // '') . ' ' . ($suite // ''), "$want_proto $want_suite", "$what is accepted");
    return $out;
}

# TLS 1.2 suites without forward secrecy, with CBC and SHA-1, and both
refused('AES128-SHA (RSA key exchange, CBC, SHA-1)', '-tls1_2', '-cipher AES128-SHA');
refused('AES128-GCM-SHA256 (RSA key exchange: no forward secrecy)', '-tls1_2', '-cipher AES128-GCM-SHA256');
refused('AES256-SHA256 (RSA key exchange, CBC)', '-tls1_2', '-cipher AES256-SHA256');
refused('ECDHE-RSA-AES128-SHA (CBC, SHA-1)', '-tls1_2', '-cipher ECDHE-RSA-AES128-SHA');
refused('ECDHE-RSA-AES256-SHA384 (CBC)', '-tls1_2', '-cipher ECDHE-RSA-AES256-SHA384');
refused('DHE-RSA-AES128-GCM-SHA256 (finite-field DHE)', '-tls1_2', '-cipher DHE-RSA-AES128-GCM-SHA256');
# the client must be allowed to offer TLS 1.1 at all (OpenSSL 3 refuses it by default)
refused('TLS 1.1', '-tls1_1', "-cipher 'DEFAULT:\@SECLEVEL=0'");
refused('TLS 1.0', '-tls1', "-cipher 'DEFAULT:\@SECLEVEL=0'");

my $out = accepted('ECDHE-RSA-AES128-GCM-SHA256 on TLS 1.2', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256',
    '-tls1_2', '-cipher ECDHE-RSA-AES128-GCM-SHA256');
accepted('ECDHE-RSA-AES256-GCM-SHA384 on TLS 1.2', 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384',
    '-tls1_2', '-cipher ECDHE-RSA-AES256-GCM-SHA384');
accepted('ECDHE-RSA-CHACHA20-POLY1305 on TLS 1.2', 'TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305',
    '-tls1_2', '-cipher ECDHE-RSA-CHACHA20-POLY1305');
accepted('TLS 1.3', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', '-tls1_3');
# s_client prints a TLS 1.2 session's details at once, a ticket among them if it got one
ok t_cmp($out =~ /SSL-Session:/ && $out !~ /TLS session ticket/ ? 1 : 0, 1,
    'no session ticket is issued on TLS 1.2');

# Headers, over HTTPS and over plain HTTP
sub headers_of {
    my $url = shift;
    my $h = `curl -sk --max-time 10 -o /dev/null -D - '$url'`;
    $h =~ s/\r//g;
    return $h;
}
my $https = headers_of("https://127.0.0.1:$tls_port/idtrust/live");
my $plain = headers_of("http://$http/idtrust/live");
ok t_cmp($https, qr{^HTTP/\S+ 200}m, 'the HTTPS port serves /idtrust/live');
ok t_cmp(($https =~ /^strict-transport-security: (.*)$/mi)[0] // '', 'max-age=31536000',
    'HTTPS responses carry Strict-Transport-Security');
ok t_cmp($plain =~ /^strict-transport-security:/mi ? 1 : 0, 0, 'plain HTTP responses do not');
ok t_cmp(join(',', map { /^server: (.*)$/mi ? $1 : '-' } $https, $plain), 'Apache,Apache',
    'the Server header is just "Apache", on both');
