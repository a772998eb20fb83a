#!/usr/bin/env bash
# Test a backup: dump a database with pg_dump, restore it into a fresh database with
# pg_restore, and compare the two table by table (exact row count and a checksum of
# every row), with the sequences and the number of indexes and constraints.
#
# Usage:
#   bench/backup_restore_check.sh [--keep-dump DIR] [--keep-source] [SOURCE_DB]
#
# Without SOURCE_DB it first builds a small source, kampungkb_ops_src: migrate,
# load_regions --prefix 33.75 and 33.26, load_demo, refresh_indicators (dropped
# again at the end unless --keep-source). The restore goes into RESTORE_DB
# (default kampungkb_ops_restore), which is dropped first if it exists and dropped
# again at the end. Connection: PGHOST (default 127.0.0.1), PGPORT (5432), PGUSER
# (postgres), PGPASSWORD as libpq reads them. Exit status 1 if anything differs.
#
# What it runs is what docs/OPERATIONS.md tells you to run for a backup:
#   pg_dump -Fc -f FILE SOURCE_DB
#   createdb RESTORE_DB && pg_restore --no-owner -j 2 -d RESTORE_DB FILE
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGOPTIONS="${PGOPTIONS:--c client_min_messages=warning}"
RESTORE_DB="${RESTORE_DB:-kampungkb_ops_restore}"
KEEP_DUMP=""
KEEP_SOURCE=0
SOURCE_DB=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-dump) KEEP_DUMP="$2"; shift 2 ;;
    --keep-source) KEEP_SOURCE=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) SOURCE_DB="$1"; shift ;;
  esac
done

# PostgreSQL's client tools: on PATH, else Debian's versioned directory.
if ! command -v pg_restore >/dev/null; then
  PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1):$PATH"
fi
for tool in pg_dump pg_restore psql createdb dropdb; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 2; }
done

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }
# The app's DATABASE_URL for a database; a socket directory as PGHOST is
# percent-encoded. (PGPASSWORD, if any, reaches the app through libpq.)
db_url() { echo "postgres://$PGUSER@$(printf %s "$PGHOST" | sed 's|/|%2F|g'):$PGPORT/$1"; }

# One check at a time per restore target: a second would drop the first's copy.
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/backup_restore_check.$RESTORE_DB.lock"
  flock -n 9 || { echo "Another check is restoring into $RESTORE_DB; try later." >&2; exit 2; }
fi

WORK="$(mktemp -d)"
BUILT_SOURCE=0
cleanup() {
  dropdb --if-exists "$RESTORE_DB" >/dev/null 2>&1 || true
  if [ "$BUILT_SOURCE" = 1 ] && [ "$KEEP_SOURCE" = 0 ]; then
    dropdb --if-exists "$SOURCE_DB" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$SOURCE_DB" ]; then
  SOURCE_DB=kampungkb_ops_src
  BUILT_SOURCE=1
  echo "Building $SOURCE_DB (migrate, regions of Kota and Kabupaten Pekalongan, demo, refresh)"
  dropdb --if-exists "$SOURCE_DB"
  createdb "$SOURCE_DB"
  (
    DATABASE_URL="$(db_url "$SOURCE_DB")"
    export DATABASE_URL
    export SECRET_KEY="backup-check-not-secret" DEBUG=1
    unset CELERY_BROKER_URL REDIS_URL
    PY=.venv/bin/python
    $PY manage.py migrate --noinput
    $PY manage.py load_regions --prefix 33.75
    $PY manage.py load_regions --prefix 33.26
    $PY manage.py load_demo
    $PY manage.py refresh_indicators
  ) >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 2; }
fi

if [ "$SOURCE_DB" = "$RESTORE_DB" ]; then
  echo "The restore target must not be the source." >&2
  exit 2
fi
case "$RESTORE_DB" in
  kampungkb_ops_*) ;;
  *) if [ -n "$(q postgres "SELECT 1 FROM pg_database WHERE datname = '$RESTORE_DB'")" ]; then
       echo "$RESTORE_DB exists and is not a kampungkb_ops_* scratch database: not dropping it." >&2
       exit 2
     fi ;;
esac

DUMP="${KEEP_DUMP:-$WORK}/$SOURCE_DB.dump"
mkdir -p "$(dirname "$DUMP")"
SOURCE_SIZE="$(q "$SOURCE_DB" "SELECT pg_size_pretty(pg_database_size(current_database()))")"

echo "pg_dump -Fc $SOURCE_DB ($SOURCE_SIZE)"
t0=$(now)
pg_dump -Fc -f "$DUMP" "$SOURCE_DB"
t1=$(now)
DUMP_TIME=$(seconds "$t0" "$t1")
DUMP_SIZE="$(du -h "$DUMP" | cut -f1)"

echo "pg_restore into a fresh $RESTORE_DB"
dropdb --if-exists "$RESTORE_DB"
createdb "$RESTORE_DB"
t0=$(now)
pg_restore --no-owner --exit-on-error -j 2 -d "$RESTORE_DB" "$DUMP"
t1=$(now)
RESTORE_TIME=$(seconds "$t0" "$t1")
RESTORE_SIZE="$(q "$RESTORE_DB" "SELECT pg_size_pretty(pg_database_size(current_database()))")"

# One line per table: name, exact row count, and the sum of a 64-bit hash of each
# whole row as text (independent of row order, which a restore may change). Then
# every sequence's last value, and how many indexes and constraints there are.
SUMMARY_SQL="
SET TimeZone = 'UTC';
SELECT 'table ' || c.relname,
       (xpath('/row/n/text()', x))[1]::text || ' ' || (xpath('/row/h/text()', x))[1]::text
FROM pg_class c
JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'public'
CROSS JOIN LATERAL query_to_xml(format(
  'SELECT count(*) AS n, coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) AS h FROM public.%I t',
  c.relname), false, true, '') AS x
WHERE c.relkind IN ('r', 'p')
UNION ALL
SELECT 'sequence ' || sequencename, coalesce(last_value::text, 'unused')
FROM pg_sequences WHERE schemaname = 'public'
UNION ALL
SELECT 'indexes', count(*)::text FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraints', count(*)::text FROM pg_constraint c
JOIN pg_namespace s ON s.oid = c.connamespace AND s.nspname = 'public'
ORDER BY 1;"

echo "Counting and checksumming every row of both databases"
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 -At -F '|' -d "$SOURCE_DB" -c "$SUMMARY_SQL" >"$WORK/source.txt"
psql -X -q -v ON_ERROR_STOP=1 -At -F '|' -d "$RESTORE_DB" -c "$SUMMARY_SQL" >"$WORK/restored.txt"
t1=$(now)
COMPARE_TIME=$(seconds "$t0" "$t1")

# The comparison, as a table: rows (or value) in the source and the copy, checksum.
# Plain awk, so the script also runs in the postgres image (no Python there).
STATUS=0
awk -F'|' '
  FNR == NR { source[$1] = $2; names[$1] = 1; next }
  { restored[$1] = $2; names[$1] = 1 }
  END {
    print "| object | source | restored | checksum |"
    print "|---|---|---|---|"
    n = 0
    for (name in names) sorted[++n] = name
    for (i = 2; i <= n; i++) {  # insertion sort: awk has no portable sort
      v = sorted[i]
      for (j = i - 1; j > 0 && sorted[j] > v; j--) sorted[j + 1] = sorted[j]
      sorted[j + 1] = v
    }
    differ = tables = rows = sequences = 0
    for (i = 1; i <= n; i++) {
      name = sorted[i]
      a = (name in source) ? source[name] : "missing"
      b = (name in restored) ? restored[name] : "missing"
      same = (a == b)
      if (name ~ /^table /) {
        split(a, pa, " "); split(b, pb, " ")
        tables++; rows += pa[1]
        printf "| %s | %s | %s | %s |\n", substr(name, 7), pa[1], pb[1], (pa[2] == pb[2] ? "same" : "DIFFERENT")
      } else {
        if (name ~ /^sequence /) sequences++
        if (name !~ /^sequence / || !same) printf "| %s | %s | %s | |\n", name, a, b
      }
      if (!same) { differ++; printf "DIFFERENT: %s: %s != %s\n", name, a, b > "/dev/stderr" }
    }
    printf "\n%d tables, %d rows, %d sequences compared: %s\n", tables, rows, sequences, (differ ? differ " DIFFER." : "all the same.")
    exit differ ? 1 : 0
  }' "$WORK/source.txt" "$WORK/restored.txt" || STATUS=$?
cat <<EOF

source $SOURCE_DB: $SOURCE_SIZE; dump $DUMP_SIZE (-Fc) in ${DUMP_TIME} s
restore into $RESTORE_DB: ${RESTORE_TIME} s (pg_restore -j 2), $RESTORE_SIZE
counting and checksumming both: ${COMPARE_TIME} s
EOF
if [ -x .venv/bin/python ]; then
  if DATABASE_URL="$(db_url "$RESTORE_DB")" SECRET_KEY=check \
    .venv/bin/python manage.py migrate --check >/dev/null 2>&1; then
    echo "The app finds the restored database fully migrated (manage.py migrate --check)."
  else
    echo "manage.py migrate --check: migrations missing in the restored database" >&2
    STATUS=1
  fi
fi
if [ -n "$KEEP_DUMP" ]; then echo "Dump kept: $DUMP"; fi
exit $STATUS
