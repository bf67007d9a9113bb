# Hostile IdP metadata through POST /v1/identity-stores/{id}/external-idp: every limit of
# the XML entry point (modules/core/idt_xml.c) just within (accepted) and just beyond
# (400 IIC.1716 naming the limit), the 80,000-attribute document of the hardening issue,
# private keys inside the metadata (400 IIC.1715, never echoed or logged); each refusal
# leaves the repository as it was and the server serving.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use Time::HiRes ();

plan tests => 64;

my $MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
my $DS = 'http://www.w3.org/2000/09/xmldsig#';
my $POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

my $store = new_store();
my $base = "/v1/identity-stores/$store/external-idp";
my $cert = pem_b64(scalar openssl_cert(cn => 'hostile.example.test'));
my $n = 0;

# Valid IdP metadata with hooks: root_attrs (text inside the root start tag), ext
# (content of md:Extensions), key_name (content of ds:KeyName), host.
sub md {
    my %o = @_;
    my $host = $o{host} // ('hostile-' . ++$n . '.example.test');
    my $attrs = $o{root_attrs} // '';
    my $ext = $o{ext} // '<x:e xmlns:x="urn:example:ext">fine</x:e>';
    my $kn = defined $o{key_name} ? "<ds:KeyName>$o{key_name}</ds:KeyName>" : '';
    return qq(<?xml version="1.0" encoding="UTF-8"?>\n)
        . qq(<md:EntityDescriptor xmlns:md="$MD" xmlns:ds="$DS" entityID="https://$host/idp"$attrs>)
        . qq(<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)
        . qq(<md:Extensions>$ext</md:Extensions>)
        . qq(<md:KeyDescriptor use="signing"><ds:KeyInfo>$kn<ds:X509Data><ds:X509Certificate>)
        . qq($cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>)
        . qq(<md:SingleSignOnService Binding="$POST" Location="https://$host/sso"/>)
        . qq(</md:IDPSSODescriptor></md:EntityDescriptor>\n);
}

sub attrs { join '', map { " a$_=''" } 1 .. shift }
sub nest { my $d = shift; ('<x:n xmlns:x="urn:x">' . ('<x:n>' x ($d - 1)) . ('</x:n>' x $d)) }
sub nsdecls { join '', map { qq( xmlns:n$_="urn:n$_") } 1 .. shift }

sub serving {
    my $what = shift;
    my $res = api(GET => $base);
    is($res->code, 200, "$what: the server still serves");
}

# A metadata upload refused with status and code, the message matching msg_re, nothing
# written, the server still serving. Returns the response.
sub refused {
    my ($what, $xml, $status, $code, $msg_re) = @_;
    my $before = idp_counts();
    my $t0 = [Time::HiRes::gettimeofday()];
    my $res = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 60;
        my $r = api(POST => $base, body => { idp_saml_metadata => $xml });
        alarm 0;
        $r;
    };
    alarm 0;
    my $ms = 1000 * Time::HiRes::tv_interval($t0);
    if (!$res) {
        fail("$what: answered ($@)");
        fail("$what: nothing written");
        fail("$what: still serving");
        return undef;
    }
    iic_error_ok($res, $status, $code, "$what: $status $code", $msg_re);
    is(idp_counts(), $before, "$what: nothing is written");
    serving($what);
    return wantarray ? ($res, $ms) : $res;
}

sub accepted {
    my ($what, $xml) = @_;
    my $res = api(POST => $base, body => { idp_saml_metadata => $xml });
    is($res->code, 201, "$what: accepted") or diag($res->decoded_content);
}

accepted('plain metadata', md());

# ---- attributes per element ----
accepted('256 attributes on an element', md(root_attrs => attrs(253)));  # + xmlns:md, xmlns:ds, entityID
refused('257 attributes on an element', md(root_attrs => attrs(254)), 400, 'IIC.1716',
    qr/more than 256 attributes/);
accepted('256 attributes on an extension element', md(ext => '<x:e xmlns:x="urn:x"' . attrs(255) . '/>'));
refused('257 attributes on an extension element', md(ext => '<x:e xmlns:x="urn:x"' . attrs(256) . '/>'),
    400, 'IIC.1716', qr/more than 256 attributes/);

{
    # the document of the hardening issue: 80,000 attributes on one element, about 1 MiB
    # (less the JSON around it, to fit the 1 MiB body limit); libxml2 alone spends
    # seconds of CPU on it checking the attribute names for duplicates
    my $xml = md(root_attrs => join('', map { sprintf(" a%05d='x'", $_) } 1 .. 80000));
    $xml .= ' ' x (1024 * 1024 - 100 - length $xml);
    cmp_ok(length $xml, '>', 1000 * 1000, '80,000 attributes: the document is about 1 MiB');
    my ($res, $ms) = refused('80,000 attributes on one element', $xml, 400, 'IIC.1716',
        qr/more than 256 attributes/);
    diag(sprintf('80,000 attributes refused over HTTP in %.0f ms (upload included)', $ms));
}

# ---- elements ----
accepted('100,000 elements', md(ext => '<x:e xmlns:x="urn:x">' . ('<x:f/>' x (100000 - 9)) . '</x:e>'));
refused('100,001 elements', md(ext => '<x:e xmlns:x="urn:x">' . ('<x:f/>' x (100000 - 8)) . '</x:e>'),
    400, 'IIC.1716', qr/more than 100000 elements/);

# ---- depth: EntityDescriptor, IDPSSODescriptor, Extensions are 3 levels ----
accepted('depth 64', md(ext => nest(61)));
refused('depth 65', md(ext => nest(62)), 400, 'IIC.1716', qr/deeper than 64/);
refused('depth 10,000', md(ext => nest(10000)), 400, 'IIC.1716', qr/deeper than 64/);

# ---- names ----
accepted('an element name of 1024 bytes', md(ext => '<' . ('e' x 1024) . ' xmlns="urn:x"/>'));
refused('an element name of 1025 bytes', md(ext => '<' . ('e' x 1025) . ' xmlns="urn:x"/>'),
    400, 'IIC.1716', qr/name longer than 1024 bytes/);
refused('an attribute name of 1025 bytes', md(root_attrs => ' ' . ('a' x 1025) . '="1"'),
    400, 'IIC.1716', qr/name longer than 1024 bytes/);

# ---- text ----
accepted('text of 256 KiB', md(ext => '<x:e xmlns:x="urn:x">' . ('t' x 262144) . '</x:e>'));
refused('text of 256 KiB + 1', md(ext => '<x:e xmlns:x="urn:x">' . ('t' x 262145) . '</x:e>'),
    400, 'IIC.1716', qr/text longer than 262144 bytes/);
refused('an attribute value of 256 KiB + 1', md(root_attrs => " a='" . ('v' x 262145) . "'"),
    400, 'IIC.1716', qr/attribute value longer than 262144 bytes/);

# ---- namespaces in scope (the root declares md and ds) ----
accepted('64 namespaces in scope', md(root_attrs => nsdecls(62), ext => ''));
refused('65 namespaces in scope', md(root_attrs => nsdecls(63), ext => ''), 400, 'IIC.1716',
    qr/more than 64 namespace declarations/);

# ---- characters libxml2 would stop at, and read what follows as markup ----
# The metadata arrives as a JSON string: the core's text check of every decoded JSON
# string refuses the control character before the XML entry point sees it (IIC.400, not
# the XML's IIC.1716); either way nothing after it is read as markup.
refused('a control character in a comment', md(ext => "<!-- \x01 <x:e xmlns:x='urn:x'" . attrs(300) . "/> -->"),
    400, 'IIC.400', qr/control character/);

# ---- total size: the body limit (1 MiB) answers first over HTTP ----
{
    my $before = idp_counts();
    my $res = api(POST => $base, body => { idp_saml_metadata => md(ext => ' ' x (1024 * 1024)) });
    iic_error_ok($res, 413, 'IIC.413', 'metadata over 1 MiB: 413 from the body limit');
    is(idp_counts(), $before, 'metadata over 1 MiB: nothing is written');
}

# ---- private keys inside the metadata ----
my (undef, $key_file) = openssl_cert(cn => 'leaked.example.test');
my $key = do { local $/; open(my $fh, '<', $key_file) or die "$key_file: $!"; <$fh> };
like($key, qr/-----BEGIN PRIVATE KEY-----/, 'a PKCS#8 key is at hand');
my $slice = substr(pem_b64($key), 300, 40);
(my $key_xml = $key) =~ s/-----$/&#45;----/mg;   # armour that only a decoder sees
my @bodies;
for ([ 'a private key in ds:KeyName', md(key_name => $key) ],
    [ 'a private key in md:Extensions', md(ext => "<x:k xmlns:x='urn:x'>$key</x:k>") ],
    [ 'a private key in an attribute', md(root_attrs => qq( x="$key")) ],
    [ 'a private key behind character references', md(key_name => $key_xml) ]) {
    my ($what, $xml) = @$_;
    my $res = refused($what, $xml, 400, 'IIC.1715', qr/private key/);
    push @bodies, $res ? $res->decoded_content : '';
}
ok(index(join("\n", @bodies), $slice) < 0, 'no part of the key is in a response');
my $log = error_log_text();
ok(index($log, $slice) < 0, 'no part of the key is in the error log');
like($log, qr/holds a private key/, 'the error log does record the refusals');
is(psql("SELECT count(*) FROM idtrust.external_idp WHERE metadata LIKE '%PRIVATE KEY%'"), 0,
    'no stored metadata holds a key');
