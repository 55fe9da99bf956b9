# Sourced (bash) by the end-to-end scripts that run a real `coco-kbs serve`: a scratch directory removed at
# exit, background processes ended at exit, a free loopback port, and the server started in the background and
# waited for. Find it from a script with: source "$(dirname "${BASH_SOURCE[0]}")/../lib/kbs_server.sh"
#
#   e2e_free_port                        prints a free TCP port on 127.0.0.1
#   e2e_workdir VAR                      a new temp dir in VAR, removed at exit (after tracked processes end)
#   e2e_cleanup_at_exit DIR              the same for an existing DIR (installs the EXIT trap)
#   e2e_track PID                        end PID (kill + wait) at exit, or at e2e_stop_all
#   e2e_stop_all                         end every tracked process now
#   e2e_wait_for PID CURL_ARG...         polls `curl -s CURL_ARG...` until it succeeds (up to 15 s); returns 1
#                                        when PID exits first or the time runs out
#   kbs_serve_start STATE_DIR LOG [ARG...]
#       coco-kbs serve --state-dir STATE_DIR --listen 127.0.0.1:<free port> ARG..., as kbs_serve_launch
#   kbs_serve_launch LOG URL [ARG...]
#       coco-kbs serve ARG... in the background (stderr to LOG, tracked), then waits until URL/healthz answers;
#       sets KBS_PID KBS_URL KBS_LOG and, from what serve printed, KBS_CERT KBS_FINGERPRINT KBS_ADMIN_KEY ("" when
#       not printed: checking them is the caller's business). Exits 1 with the log if the server stops or does
#       not answer.
#   kbs_serve_stop                       SIGTERM to KBS_PID, waits; returns serve's exit status
#
# Sourcing installs no trap: a script that has its own cleanup calls e2e_stop_all from it (or tracks nothing).

E2E_PIDS=()
E2E_DIRS=()
KBS_PID=""
KBS_URL=""
KBS_LOG=""
KBS_CERT=""
KBS_FINGERPRINT=""
KBS_ADMIN_KEY=""

e2e_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

e2e_track() { E2E_PIDS+=("$1"); }

e2e_stop_all() {
  local pid
  for pid in "${E2E_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  E2E_PIDS=()
  KBS_PID=""
}

e2e__at_exit() {
  e2e_stop_all
  local dir
  for dir in "${E2E_DIRS[@]}"; do
    rm -rf -- "$dir"
  done
}

e2e_cleanup_at_exit() {
  E2E_DIRS+=("$1")
  trap e2e__at_exit EXIT
}

e2e_workdir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/coco-e2e.XXXXXX") || { echo "FAIL: mktemp" >&2; exit 1; }
  printf -v "$1" '%s' "$dir"
  e2e_cleanup_at_exit "$dir"
}

e2e_wait_for() {
  local pid=$1
  shift
  for _ in $(seq 1 150); do
    curl -s "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

kbs_serve_launch() {
  local log=$1 url=$2
  shift 2
  coco-kbs serve "$@" 2>"$log" &
  KBS_PID=$!
  e2e_track "$KBS_PID"
  KBS_URL=$url
  KBS_LOG=$log
  if ! e2e_wait_for "$KBS_PID" -k "$KBS_URL/healthz"; then
    cat "$log" >&2
    if kill -0 "$KBS_PID" 2>/dev/null; then
      echo "FAIL: coco-kbs serve did not answer at $KBS_URL/healthz within 15 s" >&2
    else
      echo "FAIL: coco-kbs serve exited before answering at $KBS_URL" >&2
    fi
    exit 1
  fi
  KBS_CERT=$(sed -n 's/^TLS certificate \(.*\) SHA-256 fingerprint .*/\1/p' "$log")
  KBS_FINGERPRINT=$(sed -n 's/^TLS certificate .* SHA-256 fingerprint \(.*\)$/\1/p' "$log")
  KBS_ADMIN_KEY=$(sed -n 's/^admin key //p' "$log")
}

kbs_serve_start() {
  local state=$1 log=$2 port
  shift 2
  port=$(e2e_free_port)
  kbs_serve_launch "$log" "https://127.0.0.1:$port" --state-dir "$state" --listen "127.0.0.1:$port" "$@"
}

kbs_serve_stop() {
  local pid=$KBS_PID rc=0 kept=() p
  [[ -n $pid ]] || return 0
  if ! kill -TERM "$pid" 2>/dev/null; then
    echo "kbs_serve_stop: coco-kbs serve ($pid) was no longer running" >&2
    rc=1
  fi
  wait "$pid" || rc=$?
  for p in "${E2E_PIDS[@]}"; do
    [[ $p == "$pid" ]] || kept+=("$p")
  done
  E2E_PIDS=("${kept[@]}")
  KBS_PID=""
  return "$rc"
}
