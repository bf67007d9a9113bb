# The certificate inventory (idtrust.certificate) follows what the stores hold: a row
# per certificate added, gone with the certificate, the IdP or the store.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 6;

sub held {
    my $store = shift;
    return psql("SELECT (SELECT count(*) FROM idtrust.sp_certificate s JOIN idtrust.certificate c "
        . "ON c.id = s.certificate_id WHERE s.store_id = '$store') + (SELECT count(*) FROM "
        . "idtrust.idp_certificate i JOIN idtrust.external_idp x ON x.id = i.idp_id JOIN "
        . "idtrust.certificate c ON c.id = i.certificate_id WHERE x.store_id = '$store')");
}

my $before = psql('SELECT count(*) FROM idtrust.certificate');
my $store = new_store();
ok t_cmp(held($store), 1, 'a new store adds its ACTIVE certificate to the inventory');

my $res = api(POST => "/v1/identity-stores/$store/saml-certificates");
my $sp = json_of($res)->{certificate_id};
$res = api(POST => "/v1/identity-stores/$store/external-idp", body => {
    idp_saml_config => { entity_id => "https://idp.example.test/$$", login_url => 'https://idp.example.test/sso' },
    idp_certificate => scalar openssl_cert(cn => 'inventory.example.test') });
ok t_cmp($res->code, 201, 'an IdP with one certificate');
ok t_cmp(held($store), 3, 'both new certificates are in the inventory');

ok t_cmp(api(DELETE => "/v1/identity-stores/$store/saml-certificates/$sp")->code, 204, 'SP certificate deleted');
ok t_cmp(held($store), 2, 'and gone from the inventory');

api(DELETE => "/idtrust/v1/identity-stores/$store");
ok t_cmp(psql('SELECT count(*) FROM idtrust.certificate'), $before,
    'deleting the store takes its certificates out of the inventory');
