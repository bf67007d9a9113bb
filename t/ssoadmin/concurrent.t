# Parallel PUTs of one new object (issue 15, item 5): a PUT creates the object or updates
# it, so when 20 clients PUT the same new site, or the same new credential, at once, every
# one of them succeeds (201 for a site, 200 for a credential, as one PUT alone answers),
# one of them creates it and the others update it; none answers 409 "already exists"
# (before: 5 of 20 for a site, 13 of 20 for a credential). One object and one key result.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use POSIX ();
use lib 't/lib';
use IdtTest;

my $CLIENTS = 20;

sso_reset();
sso_token(); # fetched once, before the clients fork

# $CLIENTS processes PUT $path with form($i) once all of them are ready; the answers'
# "status message" lines, in the clients' order.
sub race {
    my ($path, $form) = @_;
    pipe(my $go_r, my $go_w) or die "pipe: $!";
    my @kids;
    for my $i (1 .. $CLIENTS) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $go_w;
            close $r;
            sysread($go_r, my $x, 1); # returns at end of file: when the parent closes its end
            my $res = sso(PUT => $path, form => $form->($i), accept => 'text');
            my $msg = ($res->decoded_content // '') =~ s/\n/ /gr;
            print $w $res->code . " $msg\n";
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @kids, [$pid, $r];
    }
    close $go_r;
    close $go_w; # every client starts now
    my @answers;
    for my $k (@kids) {
        my $fh = $k->[1];
        my $l = <$fh> // "none\n";
        chomp $l;
        push @answers, $l;
        waitpid($k->[0], 0);
    }
    return @answers;
}

sub objects { psql("SELECT count(*) FROM idtrust.sso_object WHERE type = '$_[0]' AND path = '$_[1]'") }
# audit rows of action on object id written after audit row $mark
sub audits { psql("SELECT count(*) FROM idtrust.audit WHERE action = '$_[0]' AND object_id = '$_[1]' AND id > $_[2]") }
sub mark { psql('SELECT coalesce(max(id), 0) FROM idtrust.audit') }

for my $round (1 .. 3) {
    my $site = "/RaceSite$round";
    my $mark = mark();
    my @a = race("/site$site", sub { ["description=client+$_[0]"] });
    my @bad = grep { !/^201 / } @a;
    is(scalar @bad, 0, "round $round: $CLIENTS PUTs of one new site all succeed (201)") or diag(join "\n", @bad);
    is(objects('site', $site), 1, 'one site made');
    is(audits('sso.create', "/site$site", $mark), 1, 'created once (one sso.create in the audit trail)');
    like(psql("SELECT attributes->>'description' FROM idtrust.sso_object WHERE type = 'site' AND path = '$site'"),
        qr/^\["client \d+"\]$/, 'holding the description of one of the clients');

    my $cred = "/System/ServerKeyContainer/racekey$round";
    $mark = mark();
    @a = race("/credential$cred", sub { ['kty=RSA', 'use=sig', "description=client+$_[0]"] });
    @bad = grep { !/^200 / } @a;
    is(scalar @bad, 0, "round $round: $CLIENTS PUTs of one new credential all succeed (200)") or diag(join "\n", @bad);
    is(objects('credential', $cred), 1, 'one credential made');
    is(psql("SELECT count(*) FROM idtrust.sso_key k JOIN idtrust.sso_object o ON o.id = k.credential_id WHERE o.path = '$cred'"),
        1, 'with one key');
    is(audits('sso.key.create', "/credential$cred", $mark), 1, 'made once');
}

# a PUT whose path another kind of container holds is still refused, by the same way
is(sso(PUT => '/policy/RaceSite1/Held')->code, 201, 'a policy');
sso_error_ok(sso(PUT => '/site/RaceSite1/Held', accept => 'json'), 409, 'json', 'a site at its path: 409, as before',
    qr/a site and a policy cannot share a path/);

done_testing();
