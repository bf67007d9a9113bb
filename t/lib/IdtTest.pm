package IdtTest;
# Helpers for the idtrust Apache::Test suite: credentials, JSON requests, fixtures.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use Apache::TestRequest ();
use HTTP::Request ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use File::Temp ();

our @EXPORT = qw(api json_of admin_auth new_store psql openssl_cert);

my $JSON = JSON::PP->new->canonical;

sub admin_auth { ('admin', $ENV{IDTRUST_ADMIN_PASSWORD} // die "IDTRUST_ADMIN_PASSWORD not set\n") }

# api(METHOD, PATH, body => $perl_or_string, auth => [u, p] | undef, type => ct, headers => {...})
sub api {
    my ($method, $path, %o) = @_;
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 0);
    my $url = Apache::TestRequest::resolve_url($path);
    my $req = HTTP::Request->new($method => $url);
    my @auth = exists $o{auth} ? (defined $o{auth} ? @{ $o{auth} } : ()) : admin_auth();
    if (@auth) {
        $req->header(Authorization => 'Basic ' . encode_base64(join(':', @auth), ''));
    }
    if (exists $o{body}) {
        my $b = ref $o{body} ? $JSON->encode($o{body}) : $o{body};
        $req->content($b);
        $req->header('Content-Type' => $o{type} // 'application/json');
        $req->header('Content-Length' => length $b);
    }
    while (my ($k, $v) = each %{ $o{headers} // {} }) { $req->header($k => $v) }
    return $ua->request($req);
}

# The decoded JSON body of a response (undef when it is not JSON).
sub json_of {
    my $res = shift;
    my $v = eval { JSON::PP->new->decode($res->decoded_content // '') };
    return $v;
}

# A fresh identity store; returns its id.
sub new_store {
    my $name = shift // ('store-' . $$ . '-' . int(rand(1e9)));
    my $res = api(POST => '/idtrust/v1/identity-stores', body => { name => $name });
    die "store create failed: " . $res->status_line . ' ' . $res->decoded_content . "\n"
        unless $res->code == 201;
    return json_of($res)->{identity_store_id};
}

# Runs SQL against the test database; returns trimmed output.
sub psql {
    my $sql = shift;
    open(my $fh, '-|', 'psql', $ENV{IDTRUST_DB}, '-Atq', '-c', $sql) or die "psql: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    $out //= '';
    $out =~ s/\s+\z//;
    return $out;
}

# A self-signed certificate made with the openssl command: returns PEM ("\n" line ends).
# openssl_cert(cn => ..., days => N, key => 'rsa:2048' | 'ec', expired => 1)
sub openssl_cert {
    my %o = (cn => 'idp.example.test', days => 365, @_);
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    my @key = ($o{key} // '') eq 'ec'
        ? ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256')
        : ('-newkey', 'rsa:2048');
    if ($o{expired}) {
        system('openssl', 'req', '-new', @key, '-nodes', '-keyout', "$dir/k.pem",
            '-subj', "/CN=$o{cn}", '-out', "$dir/r.pem") == 0 or die "openssl req";
        return _expired($dir, $o{cn});
    }
    system('openssl', 'req', '-x509', @key, '-nodes', '-days', $o{days}, '-subj', "/CN=$o{cn}",
        '-keyout', "$dir/k.pem", '-out', "$dir/c.pem") == 0 or die "openssl req -x509";
    local $/;
    open(my $fh, '<', "$dir/c.pem") or die;
    my $pem = <$fh>;
    return wantarray ? ($pem, "$dir/k.pem") : $pem;
}

# An expired certificate: self-signed by openssl ca with dates in the past.
sub _expired {
    my ($dir, $cn) = @_;
    open(my $cfg, '>', "$dir/ca.cnf") or die;
    print $cfg <<"CNF";
[ca]
default_ca = d
[d]
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
    close $cfg;
    open(my $i, '>', "$dir/index.txt") or die; close $i;
    open(my $s, '>', "$dir/serial") or die; print $s "01\n"; close $s;
    system("openssl ca -batch -config $dir/ca.cnf -selfsign -keyfile $dir/k.pem -in $dir/r.pem "
        . "-startdate 20200101000000Z -enddate 20210101000000Z -out $dir/e.pem >/dev/null 2>&1") == 0
        or die "openssl ca";
    system("openssl x509 -in $dir/e.pem -out $dir/e2.pem") == 0 or die;
    local $/;
    open(my $fh, '<', "$dir/e2.pem") or die;
    return scalar <$fh>;
}

1;
