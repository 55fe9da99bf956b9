#!/bin/bash
# The progress reporter as ninja's output_test checks its status line: through a pipe (nothing), under `script`
# (a pseudo-terminal: bars with rate and ETA redrawn in place), with TERM=dumb and -q (nothing), with -o json
# (JSON lines); and interruption: SIGINT/SIGTERM make a running command stop and exit 130.
source "$(dirname "$0")/lib.sh"

demo=("$BIN/coco" __progress-demo --duration-ms 400 --size 8388608)

# A pipe: the result on stdout, nothing on stderr.
"${demo[@]}" 2>"$WORK/err" | cat >"$WORK/out"
[[ $(cat "$WORK/out") == "transferred 2 blobs" ]] || fail "through a pipe, stdout was: $(cat "$WORK/out")"
[[ ! -s $WORK/err ]] || fail "through a pipe, progress was written: $(cat -v "$WORK/err")"

# A terminal: bars, redrawn in place, with rate and ETA, and a summary line per finished blob.
in_pty() { TERM=${TERM_FOR_PTY:-xterm} script -qec "$*" /dev/null; }
pty=$(in_pty "${demo[*]}")
[[ $pty == *$'\033[K'* ]] || fail "under a terminal, no line was redrawn: $(cat -v <<<"$pty")"
[[ $pty == *$'\033[2A'* ]] || fail "under a terminal, the two bars were not redrawn in place: $(cat -v <<<"$pty")"
[[ $pty == *"MiB/s"* && $pty == *"ETA "* && $pty == *"%"* ]] || fail "under a terminal, no rate/ETA: $(cat -v <<<"$pty")"
[[ $pty == *"blob 0: done, 8.0 MiB in "* && $pty == *"blob 1: done"* ]] || fail "no summary lines: $(cat -v <<<"$pty")"
[[ $pty == *"transferred 2 blobs"* ]] || fail "under a terminal, the result is missing"

# A terminal, but -q or TERM=dumb: no bars.
pty=$(in_pty "${demo[*]} -q")
[[ $pty != *$'\033'* && $pty != *ETA* ]] || fail "with -q, progress was shown: $(cat -v <<<"$pty")"
pty=$(TERM_FOR_PTY=dumb in_pty "${demo[*]}")
[[ $pty != *$'\033'* && $pty != *ETA* ]] || fail "with TERM=dumb, progress was shown: $(cat -v <<<"$pty")"

# -o json: JSON lines on stderr, one document on stdout.
"${demo[@]}" -o json >"$WORK/out" 2>"$WORK/err"
jq -e '.tasks == 2' "$WORK/out" >/dev/null || fail "-o json stdout: $(cat "$WORK/out")"
jq -e -s 'map(select(.event == "begin")) | length == 2' "$WORK/err" >/dev/null || fail "-o json begin events: $(cat "$WORK/err")"
jq -e -s 'map(select(.event == "end" and .status == "done" and .done == 8388608)) | length == 2' "$WORK/err" >/dev/null ||
    fail "-o json end events: $(cat "$WORK/err")"
[[ $(wc -l <"$WORK/err") -ge 4 ]] || fail "-o json: too few lines"
# -q silences the JSON lines too.
"${demo[@]}" -o json -q >/dev/null 2>"$WORK/err"
[[ ! -s $WORK/err ]] || fail "-o json -q wrote progress: $(cat "$WORK/err")"

# Interruption: the command notices, stops, exits 130 with one error line.
for signal in INT TERM; do
    "$BIN/coco" __progress-demo --duration-ms 20000 >/dev/null 2>"$WORK/err" &
    pid=$!
    sleep 0.5
    kill -s "$signal" "$pid"
    wait "$pid"
    rc=$?
    [[ $rc == 130 ]] || fail "after SIG$signal, exit status $rc, expected 130"
    grep -qx "coco: error: interrupted" "$WORK/err" || fail "after SIG$signal, stderr: $(cat "$WORK/err")"
done

finish
