# TraceEnable Off (conf/idtrust-hardening.conf): TRACE is refused with 405, and the request,
# its Authorization header included, is not echoed back.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Apache::TestRequest ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use IdtTest;

plan tests => 4;

my $secret = 'trace-me-' . int(rand(1e9));
my $auth = encode_base64("admin:$secret", '');
for my $path ('/idtrust/live', '/idtrust/v1/identity-stores') {
    my $res = raw_http(join("\r\n", "TRACE $path HTTP/1.1", 'Host: 127.0.0.1',
        "Authorization: Basic $auth", 'Connection: close', ''));
    ok t_cmp($res ? $res->code : 'no answer', 405, "TRACE $path is refused");
    ok t_cmp($res && $res->as_string =~ /\Q$auth\E|\Q$secret\E/ ? 1 : 0, 0,
        'and the credentials are not echoed');
}
