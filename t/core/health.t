# Health endpoints and the shared error edge.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 12;

my $res = api(GET => '/idtrust/live', auth => undef);
ok t_cmp($res->code, 200, 'live answers 200 without credentials');
ok t_cmp(json_of($res)->{status}, 'live', 'live says live');

$res = api(GET => '/idtrust/ready', auth => undef);
ok t_cmp($res->code, 200, 'ready answers 200 while the database is up');
ok t_cmp(json_of($res)->{schema_version}, psql('SELECT max(version) FROM idtrust.schema_version'),
    'ready reports the schema version (the latest migration applied)');
# the latest migration is the one the newest loaded module needs
my ($latest, $latest_name) = split /\|/,
    psql('SELECT version, name FROM idtrust.schema_version ORDER BY version DESC LIMIT 1');
ok t_cmp(json_of($res)->{schema_required}, $latest, 'and the version the loaded modules need');

# a repository whose schema is older than a module needs is not ready: the row of the
# latest migration is hidden, then put back
my $later = psql(qq{SELECT string_agg(format('(%s, %L)', version, name), ', ')
                      FROM idtrust.schema_version WHERE version >= $latest});
psql("DELETE FROM idtrust.schema_version WHERE version >= $latest");
$res = api(GET => '/idtrust/ready', auth => undef);
psql("INSERT INTO idtrust.schema_version (version, name) VALUES $later");
ok t_cmp($res->code, 503, 'ready says 503 while the schema is older than a loaded module needs');
ok t_cmp(json_of($res)->{migration}, $latest_name, 'and names the migration');
ok t_cmp(api(GET => '/idtrust/ready', auth => undef)->code, 200, 'and 200 once it is applied');

$res = api(POST => '/idtrust/ready', auth => undef, body => {});
ok t_cmp($res->code, 405, 'ready takes GET only');
ok t_cmp($res->header('Allow'), qr/GET/, 'with an Allow header');

$res = api(GET => '/idtrust/errors/iic', auth => undef);
ok t_cmp($res->code, 404, 'the error renderer is not a resource of its own');
ok t_cmp(json_of($res)->{error_code}, 'IIC.404', 'and says so in the envelope');
