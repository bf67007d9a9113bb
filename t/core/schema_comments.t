# Every table, view and column of schema idtrust carries a COMMENT (docs/dba.md tells DBAs
# to read them with \d+): a migration that adds one without a comment fails here, naming it.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use IdtTest;

plan tests => 6, need { 'IDTRUST_DB set by scripts/test' => defined $ENV{IDTRUST_DB} };

# relations of schema idtrust (tables, partitioned tables, views, materialized views,
# foreign tables) without a comment, then their columns without one
my $relations = q{
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'idtrust' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')};
my $missing_tables = qq{
  SELECT string_agg(c.relname || CASE WHEN c.relkind IN ('v', 'm') THEN ' (view)' ELSE '' END,
                    ', ' ORDER BY c.relname)
  $relations AND obj_description(c.oid, 'pg_class') IS NULL};
my $missing_columns = qq{
  SELECT string_agg(c.relname || '.' || a.attname, ', ' ORDER BY c.relname, a.attnum)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE n.nspname = 'idtrust' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND col_description(c.oid, a.attnum) IS NULL};

# the check looks at something: the tables every migration since 001 has
my $count = psql(qq{SELECT count(*) $relations});
ok t_cmp($count >= 7, 1, "schema idtrust has its tables and views ($count)");
ok t_cmp(psql(q{SELECT count(*) FROM information_schema.columns WHERE table_schema = 'idtrust'}) > 40,
    1, 'and their columns');

ok t_cmp(psql($missing_tables), '', 'every table and view of schema idtrust has a comment');
ok t_cmp(psql($missing_columns), '', 'every column of schema idtrust has a comment');
ok t_cmp(psql(q{SELECT obj_description('idtrust'::regnamespace, 'pg_namespace') IS NOT NULL}), 't',
    'and the schema itself');

# the queries do find what lacks a comment: a table added without one, in a transaction
# that is rolled back (nothing is seen by the server under test)
my $probe = psql(qq{BEGIN;
    CREATE TABLE idtrust.uncommented_probe (id int, note text);
    COMMENT ON COLUMN idtrust.uncommented_probe.id IS 'has one';
    SELECT coalesce(($missing_tables), '-') || ' / ' || coalesce(($missing_columns), '-');
    ROLLBACK;});
ok t_cmp($probe, qr{^uncommented_probe / uncommented_probe\.note$},
    'a table without comments would be named, with its uncommented column');
