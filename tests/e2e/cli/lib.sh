# Helpers for the CLI end-to-end tests (skopeo's systemtest/helpers.bash style): run_coco EXPECTED_RC CMD...
# runs a command, keeps its stdout in $out and stderr in $err, and fails the test unless it exited EXPECTED_RC.
set -u
: "${COCO_BUILD_DIR:?COCO_BUILD_DIR is not set (run through ctest)}"
: "${COCO_SOURCE_DIR:?COCO_SOURCE_DIR is not set (run through ctest)}"
BIN="$COCO_BUILD_DIR/bin"
SHARE="$COCO_BUILD_DIR/share"
failures=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

run_coco() {
    local expected=$1
    shift
    "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    out=$(cat "$WORK/out")
    err=$(cat "$WORK/err")
    if [[ $rc != "$expected" ]]; then
        fail "'$*' exited $rc, expected $expected; stderr: $err"
        return 1
    fi
    return 0
}

# Every tool in build/bin.
tools() {
    local f
    for f in "$BIN"/coco "$BIN"/coco-*; do
        [[ -x $f && -f $f ]] && basename "$f"
    done
}

finish() {
    if ((failures > 0)); then
        echo "$failures failure(s)" >&2
        exit 1
    fi
    echo "ok"
    exit 0
}
