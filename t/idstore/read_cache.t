# The read cache (IdstoreReadCache, on by default) never serves what the repository no
# longer holds: API writes, and changes made by hand or by another node, reach every
# httpd process through the tables' NOTIFY triggers.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 11;

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
# one listener per child for every module's channel (mod_idtrust's): its last statement
# is the LISTEN of whichever channel it subscribed last
ok t_cmp(psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN idtrust\\_%'") > 0, 1,
    'httpd listens for changes');

# scoped invalidation: a write to one store leaves the other stores' cached reads alone.
# A change made with triggers off (session_replication_role = replica) tells no cache,
# so a read that still shows the old state was served from the cache.
my $other = new_store();
my $other_path = "/v1/identity-stores/$other/saml-certificates";
my ($before) = map { $_->{certificate_id} } @{ json_of(api(GET => $other_path)) // [] };
api(GET => $other_path) for 1 .. 20;  # cached in the processes that answered
psql("SET session_replication_role = replica; "
    . "UPDATE idtrust.sp_certificate SET state = 'INACTIVE' WHERE store_id = '$other'");
ok t_cmp(api(POST => $path)->code, 200, 'a write to another store');
# (a process that had not cached it reads the repository; one that had must not)
my @states = map { (json_of(api(GET => $other_path)) // [{}])->[0]{state} // '' } 1 .. 10;
ok t_cmp(scalar(grep { $_ eq 'ACTIVE' } @states) > 0, 1,
    "leaves this store's cached reads in place (the untold change is not seen): @states");
# a write to this store itself makes its reads fresh
ok t_cmp(api(POST => $other_path)->code, 200, 'a write to this store');
my @fresh = map {
    my ($c) = grep { $_->{certificate_id} eq $before } @{ json_of(api(GET => $other_path)) // [] };
    $c ? $c->{state} : '' } 1 .. 10;
ok t_cmp(join(',', @fresh), join(',', ('INACTIVE') x 10),
    'makes its reads fresh in every process: the untold change shows now');
