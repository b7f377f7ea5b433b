#!/bin/bash
# Does raising shared_buffers or work_mem change scimd's PostgreSQL figures? (docs/postgres.md,
# "Sizing".) Starts a private PostgreSQL cluster on port 5444 (never the one you run), restarts
# it with each setting in turn for two rounds, runs `npm run bench` at 100,000 users against it,
# and removes it. Run as root on a machine with Debian's PostgreSQL 15 server installed:
#
#   bash bench/postgres-settings.sh            # reports in /tmp/pgsettings/<round>-<setting>/
set -u
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=/tmp/pgsize
OUT=/tmp/pgsettings
rm -rf "$DIR" "$OUT"; mkdir -p "$DIR" "$OUT"; chown postgres "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -U root --auth=trust >/dev/null
cd "$(dirname "$0")/.."
for round in 1 2; do
  for setting in "base:128MB:4MB" "sb1g:1GB:4MB" "wm64:128MB:64MB"; do
    IFS=: read -r name shared work <<< "$setting"
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
      -o "-p 5444 -k $DIR -c shared_buffers=$shared -c work_mem=$work -c autovacuum=off" start >/dev/null
    createdb -h "$DIR" -p 5444 -U root bench 2>/dev/null
    echo "== round $round $name shared_buffers=$shared work_mem=$work load $(cut -d' ' -f1-3 /proc/loadavg)"
    SCIMD_BENCH_PG_URL="postgres://root@%2Ftmp%2Fpgsize:5444/bench" npm run bench -- --systems=scimd-postgres \
      --sizes=100000 --workloads=match-username,filter-unindexed,post-user --runs=3 --duration=3 \
      --out="$OUT/$round-$name" > "$OUT/$round-$name.log" 2>&1
    grep -E "req/s, p50" "$OUT/$round-$name.log" | sed 's/^\[[^]]*\] *//'
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -w stop >/dev/null
  done
done
rm -rf "$DIR"
