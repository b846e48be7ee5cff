#!/usr/bin/env bash
# Runs a command with a local Spark Connect server on 127.0.0.1 beside it:
#
#   scripts/with-spark-server.sh COMMAND [ARGS...]
#
# The server comes from the pyspark package of the project's virtualenv ($VENV,
# default .venv), listens on 127.0.0.1:$SPARK_CONNECT_PORT (default 15002), keeps
# its logs, warehouse and metastore in a fresh temporary directory, and is
# stopped when the command ends, whatever happened. The command sees the address
# as PARTITA_SPARK_URL (sc://127.0.0.1:PORT).
set -euo pipefail

VENV=${VENV:-.venv}
PORT=${SPARK_CONNECT_PORT:-15002}
WAIT_SECONDS=${SPARK_WAIT_SECONDS:-180}

SPARK_HOME=$("$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
STATE=$(mktemp -d "${TMPDIR:-/tmp}/partita-spark.XXXXXX")
export SPARK_HOME SPARK_LOCAL_IP=127.0.0.1 SPARK_LOG_DIR="$STATE/logs" \
  SPARK_PID_DIR="$STATE/pids" SPARK_IDENT_STRING=partita

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if port_open; then
  echo "with-spark-server: 127.0.0.1:$PORT is already taken; set SPARK_CONNECT_PORT to a free port" >&2
  exit 2
fi

stop() {
  "$SPARK_HOME/sbin/stop-connect-server.sh" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap stop EXIT

"$SPARK_HOME/sbin/start-connect-server.sh" --master 'local[2]' --driver-memory 1g \
  --conf spark.connect.grpc.binding.address=127.0.0.1 \
  --conf spark.connect.grpc.binding.port="$PORT" \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
  --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=4 \
  --conf spark.sql.warehouse.dir="$STATE/warehouse" \
  --driver-java-options "-Dderby.system.home=$STATE/derby" >/dev/null

started=$(date +%s)
until port_open; do
  if [ $(( $(date +%s) - started )) -ge "$WAIT_SECONDS" ]; then
    echo "with-spark-server: the server did not listen on 127.0.0.1:$PORT within ${WAIT_SECONDS}s; its log:" >&2
    cat "$STATE"/logs/* >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
echo "with-spark-server: Spark Connect ready on 127.0.0.1:$PORT after $(( $(date +%s) - started ))s" >&2

export PARTITA_SPARK_URL="sc://127.0.0.1:$PORT"
status=0
"$@" || status=$?
exit "$status"
