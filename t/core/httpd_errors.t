# Errors httpd raises itself, before any <Location> applies or before a module runs,
# come out in the envelope of the API whose path was asked for (through the server-wide
# ErrorDocument handler idtrust-error), with the right status; a path longer than
# PATH_MAX is the API's own 404, logged once and short; TRACE is refused with 405.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use IdtTest;
use MIME::Base64 qw(encode_base64);

plan tests => 17;

my $store = new_store();
my $sp = "/v1/identity-stores/$store/saml-certificates";
my $auth = 'Authorization: Basic ' . encode_base64(join(':', admin_auth()), '');
my $host = 'Host: ' . Apache::TestRequest::hostport();
my $before = store_counts();

sub raw { my ($line, @headers) = @_; return raw_http(join("\r\n", $line, $host, @headers, 'Connection: close', '')) }

iic_error_ok(api(GET => "/v1/identity-stores/$store%2Fx/saml-certificates"), 404, 'IIC.404',
    'an encoded slash in the path');
iic_error_ok(api(GET => "/v1/identity-stores/$store%00/saml-certificates"), 404, 'IIC.404',
    'an encoded NUL in the path');
iic_error_ok(raw("POST $sp HTTP/1.1", $auth, 'Content-Length: 12abc'), 400, 'IIC.400',
    'a Content-Length that is not a number', qr/Content-Length/);
iic_error_ok(raw("GET $sp HTTP/1.1", 'Authorization: Basic ' . ('QUFB' x 3000)), 400, 'IIC.400',
    'credentials longer than LimitRequestFieldSize', qr/header/);
iic_error_ok(raw("GET $sp HTTP/1.1", $auth, "X-Note: a\x01b"), 400, 'IIC.400',
    'a control character in a header');
iic_error_ok(raw('GET /v1/identity-stores/' . ('a' x 9000) . ' HTTP/1.1', $auth), 414, 'IIC.414',
    'a request line longer than LimitRequestLine', qr/too long/);

# a path over PATH_MAX but within LimitRequestLine: the API's 404, not httpd's 403
my $long = "/v1/identity-stores/" . ('b' x 5000) . "/saml-certificates";
my $log_before = length error_log_text();
iic_error_ok(api(GET => $long), 404, 'IIC.404', 'a 5,000-byte path is an unknown resource');
my $log = substr(error_log_text(), $log_before);
unlike $log, qr/b{4096}/, 'the error log does not hold the whole path';
unlike $log, qr/AH00127|AH00036|Cannot map/, 'and httpd did not try to map it to a file';

# TRACE would echo the request, credentials included: TraceEnable Off refuses it before
# authentication, in the envelope
my $res = raw("TRACE $sp HTTP/1.1", $auth);
iic_error_ok($res, 405, 'IIC.405', 'TRACE on the API');
unlike $res->content, qr/Authorization|Basic/, 'TRACE does not echo the credentials';
$res = raw("TRACE $sp HTTP/1.1");
is $res->code, 405, 'TRACE without credentials is 405 too (refused before authentication)';

# outside every API of the suite: the same members with the bare status
$res = api(GET => '/no/such/thing', auth => undef);
is $res->code, 404, 'a path no API serves: 404';
like $res->header('Content-Type') // '', qr{^application/json}, 'in JSON';
is_deeply [sort keys %{ json_of($res) // {} }], [qw(error_code error_msg request_id)],
    'with error_code, error_msg and request_id';

is store_counts(), $before, 'no request changed the repository';
is api(GET => $sp)->code, 200, 'and the server still serves';
