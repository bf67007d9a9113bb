# The read cache (IdstoreReadCache, on by default) never serves what the repository no
# longer holds: API writes, and changes made by hand or by another node, reach every
# httpd process through the tables' NOTIFY triggers.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 7;

my $store = new_store();
my $path = "/v1/identity-stores/$store/saml-certificates";
my $first = api(GET => $path)->content;
ok t_cmp(api(GET => $path)->content, $first, 'a repeated read answers the same');

# read-your-writes through the API: every read after the write sees it, whichever
# process answers (each request is a new connection)
my $new = json_of(api(POST => $path))->{certificate_id};
my @seen = map { scalar grep { $_->{certificate_id} eq $new } @{ json_of(api(GET => $path)) // [] } } 1 .. 10;
ok t_cmp(scalar(grep { $_ == 1 } @seen), 10, 'every read after an API write shows the new certificate');

# a change made in the database by hand (as another node or a DBA would) reaches the cache
psql("BEGIN; UPDATE idtrust.sp_certificate SET state = 'INACTIVE' WHERE store_id = '$store'; "
    . "UPDATE idtrust.sp_certificate SET state = 'ACTIVE' WHERE id = '$new'; COMMIT;");
my $active;
for (1 .. 50) {  # the notification is asynchronous: allow it to arrive
    my ($a) = grep { $_->{state} eq 'ACTIVE' } @{ json_of(api(GET => $path)) // [] };
    $active = $a && $a->{certificate_id};
    last if ($active // '') eq $new;
    select(undef, undef, undef, 0.1);
}
ok t_cmp($active, $new, 'a change made by hand in the database is seen');
my @after = map { (grep { $_->{state} eq 'ACTIVE' } @{ json_of(api(GET => $path)) // [] })[0]->{certificate_id} } 1 .. 10;
ok t_cmp(scalar(grep { $_ eq $new } @after), 10, 'by every process');

psql("DELETE FROM idtrust.sp_certificate WHERE store_id = '$store' AND state = 'INACTIVE'");
my $count;
for (1 .. 50) {
    $count = scalar @{ json_of(api(GET => $path)) // [] };
    last if $count == 1;
    select(undef, undef, undef, 0.1);
}
ok t_cmp($count, 1, 'a delete made by hand is seen');

ok t_cmp(psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'notify_idstore'"), 5,
    'the five identity-store tables carry the notify trigger');
ok t_cmp(psql("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN idtrust_idstore'") > 0, 1,
    'httpd listens for changes');
