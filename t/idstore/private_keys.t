# Private keys in any text the suite would store are refused by the core's entry points
# (every JSON string of a body, every text of an XML document): 400 IIC.1715, nothing
# stored, the key neither echoed nor logged.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use IdtTest;
use JSON::PP ();

plan tests => 19;

my $JSON = JSON::PP->new->canonical;
my (undef, $key_file) = openssl_cert(cn => 'leaked-json.example.test');
my $key = do { local $/; open(my $fh, '<', $key_file) or die "$key_file: $!"; <$fh> };
like($key, qr/-----BEGIN PRIVATE KEY-----/, 'a PKCS#8 key is at hand');
my $slice = substr(pem_b64($key), 300, 40);
# the armour's dashes as \u002d: invisible to a scan of the raw body
(my $escaped = $JSON->encode($key)) =~ s/-/\\u002d/g;
my $store = new_store();
my @bodies;

sub refused {
    my ($what, $path, $body, $counts) = @_;
    my $before = $counts->();
    my $res = api(POST => $path, body => $body);
    iic_error_ok($res, 400, 'IIC.1715', "$what: 400 IIC.1715", qr/private key/);
    is($counts->(), $before, "$what: nothing is written");
    push @bodies, $res->decoded_content;
}

refused('a key as a store name', '/idtrust/v1/identity-stores', { name => $key }, \&store_counts);
refused('a key as a store name, armour in \u escapes', '/idtrust/v1/identity-stores',
    qq({"name":$escaped}), \&store_counts);
refused('a key after a short store name', '/idtrust/v1/identity-stores',
    { name => "x $key" }, \&store_counts);
refused('a key as an unknown member', '/idtrust/v1/identity-stores',
    { name => 'fine', comment => $key }, \&store_counts);
refused('a key in idp_saml_config.entity_id', "/v1/identity-stores/$store/external-idp",
    { idp_saml_config => { entity_id => $key, login_url => 'https://k.example.test/sso' },
      idp_certificate => scalar openssl_cert(cn => 'k.example.test') }, \&idp_counts);
refused('a key as the certificate of an IdP', "/v1/identity-stores/$store/external-idp",
    { idp_saml_config => { entity_id => 'urn:k', login_url => 'https://k.example.test/sso' },
      idp_certificate => $key }, \&idp_counts);
is(psql("SELECT count(*) FROM idtrust.identity_store WHERE name LIKE '%PRIVATE KEY%'"), 0,
    'no store name holds a key');
is(psql("SELECT count(*) FROM idtrust.audit WHERE detail::text LIKE '%PRIVATE KEY%'"), 0,
    'no audit row holds a key');

my $bodies = join "\n", @bodies;
ok(index($bodies, $slice) < 0, 'no part of the key is in a response');
unlike($bodies, qr/BEGIN PRIVATE/, 'nor its armour');
my $log = error_log_text();
ok(index($log, $slice) < 0, 'no part of the key is in the error log');
like($log, qr/member "name" holds a private key/, 'the error log records the refusal, naming the member');
