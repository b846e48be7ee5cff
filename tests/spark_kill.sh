#!/usr/bin/env bash
# The Spark backend when its server dies mid-query: `make spark-check` runs this
# with a server of its own (scripts/with-spark-server.sh on another port). A long
# query starts, the server's JVM is killed, and `partita sql` must end with a
# connection error naming the address, within the connect timeout, not hang.
#
#   scripts/with-spark-server.sh tests/spark_kill.sh target/debug/partita
set -euo pipefail
PARTITA=${1:?usage: spark_kill.sh PATH/TO/partita}
URL=${PARTITA_SPARK_URL:?run under scripts/with-spark-server.sh}
ADDRESS=${URL#sc://}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# Four times ten to the ten rows: minutes of work for a local server.
"$PARTITA" --semantics spark --spark "$URL" sql \
  "SELECT COUNT(*) AS n FROM flights a CROSS JOIN flights b" > "$OUT" 2>&1 &
query=$!
sleep 15
if ! kill -0 "$query" 2>/dev/null; then
  echo "spark_kill: the long query ended before the server was killed:" >&2
  cat "$OUT" >&2
  exit 1
fi
kill -9 "$(cat "$SPARK_PID_DIR"/*.pid)"
killed=$(date +%s)
status=0
wait "$query" || status=$?
took=$(( $(date +%s) - killed ))
if [ "$status" = 0 ]; then
  echo "spark_kill: the query succeeded after its server was killed:" >&2
  cat "$OUT" >&2
  exit 1
fi
if ! grep -q "cannot reach the Spark Connect server at $ADDRESS" "$OUT"; then
  echo "spark_kill: the error does not name $ADDRESS:" >&2
  cat "$OUT" >&2
  exit 1
fi
if [ "$took" -gt 15 ]; then
  echo "spark_kill: the error came ${took}s after the kill (more than the 10 s connect timeout)" >&2
  exit 1
fi
echo "spark_kill: error after ${took}s: $(grep -m1 'cannot reach' "$OUT")"
