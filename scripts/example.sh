#!/usr/bin/env bash
# The main job: start the example payments service on loopback, run the example
# experiment with `chaos run`, traced by chaostracing to its embedded default
# (a trace file beside the journal), and print the trace id and the file.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/examples/payments/out"
mkdir -p "$OUT"
rm -f "$OUT/port"

"$PY" "$ROOT/examples/payments/service.py" --port 0 --port-file "$OUT/port" &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$OUT/port" ]] && break; sleep 0.1; done
PORT="$(cat "$OUT/port")"

cd "$OUT"
status=0
"$ROOT/.venv/bin/chaos" --no-version-check --log-file "$OUT/chaostoolkit.log" run \
  --journal-path "$OUT/journal.json" \
  --var "service_url=http://127.0.0.1:$PORT" \
  "$ROOT/examples/payments/experiment.json" || status=$?

"$PY" - "$OUT/journal.trace.jsonl" <<'PYEOF'
import json, sys
path = sys.argv[1]
spans = [s for line in open(path) for rs in json.loads(line)["resourceSpans"]
         for ss in rs["scopeSpans"] for s in ss["spans"]]
print(f"\ntrace id:   {spans[0]['traceId']}  ({len(spans)} spans)")
print(f"trace file: {path}")
print(f"report:     {path.removesuffix('.trace.jsonl')}.report.html")
PYEOF
exit $status
