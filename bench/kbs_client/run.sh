#!/usr/bin/env bash
# coco-kbs secrets put vs curl: N runs each of the same authenticated resource upload (a 32-byte key) to a
# local coco-kbs serve over HTTPS. coco-kbs mints a fresh admin token per run (that is part of its cost, as in
# real use); curl reuses one token minted beforehand. Prints the mean and median wall time per request and the
# ratio coco-kbs / curl. Never asserts a timing.
set -euo pipefail
kbs="${COCO_KBS:-coco-kbs}"
runs="${COCO_BENCH_RUNS:-50}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$kbs" serve --state-dir "$work/state" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server_pid=$!
url="https://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sk "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
key="$(sed -n 's/^admin key //p' "$work/serve.log")"
cert="$(sed -n 's/^TLS certificate \(.*\) SHA-256 fingerprint .*/\1/p' "$work/serve.log")"
head -c 32 /dev/urandom > "$work/value"
export XDG_CONFIG_HOME="$work/config"
token="$("$kbs" auth token --key "$key" --ttl 1h)"

time_runs() {  # command... -> prints per-run microseconds, one per line
  local i t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done
}
# One warm-up each.
"$kbs" secrets put bench/key/warm --from-file "$work/value" --url "$url" --admin-key "$key" --cacert "$cert" >/dev/null
curl -sSf --cacert "$cert" -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/value" "$url/kbs/v0/resource/bench/key/warm" >/dev/null

time_runs "$kbs" secrets put bench/key/k --from-file "$work/value" --url "$url" --admin-key "$key" --cacert "$cert" \
  > "$work/coco.times"
time_runs curl -sSf --cacert "$cert" -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/value" "$url/kbs/v0/resource/bench/key/k" > "$work/curl.times"

python3 - "$work/coco.times" "$work/curl.times" "$runs" <<'PY'
import statistics, sys
coco = [int(x) / 1e6 for x in open(sys.argv[1])]
curl = [int(x) / 1e6 for x in open(sys.argv[2])]
print(f"runs: {sys.argv[3]} each, 32-byte resource, HTTPS on 127.0.0.1")
for name, xs in (("coco-kbs secrets put", coco), ("curl (same POST)", curl)):
    print(f"{name:22s} mean {statistics.mean(xs)*1000:8.2f} ms   median {statistics.median(xs)*1000:8.2f} ms")
print(f"ratio coco-kbs/curl    mean {statistics.mean(coco)/statistics.mean(curl):6.2f}   "
      f"median {statistics.median(coco)/statistics.median(curl):6.2f}")
PY
