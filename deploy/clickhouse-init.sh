#!/bin/bash
# Applies runlaw's sql/ files (mounted at /runlaw/sql) to the database $RUNLAW_DB on the container's first start.
# The official image runs *.sql init files without a database; this wrapper keeps table names unqualified so the
# same files serve the demo, the tests and this deployment.
set -euo pipefail
db="${RUNLAW_DB:-runlaw}"
clickhouse client --user "${CLICKHOUSE_USER:-default}" --password "${CLICKHOUSE_PASSWORD:-}" \
  -q "CREATE DATABASE IF NOT EXISTS ${db}"
for f in /runlaw/sql/[0-9][0-9][0-9]_*.sql; do
  echo "runlaw: applying $(basename "$f") to ${db}"
  clickhouse client --user "${CLICKHOUSE_USER:-default}" --password "${CLICKHOUSE_PASSWORD:-}" \
    --database "${db}" --multiquery < "$f"
done
