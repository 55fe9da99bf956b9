#!/usr/bin/env bash
# Bad input is answered, not crashed on, and leaves nothing half-written: each case exits non-zero with a
# one-line error naming the problem, and the destination does not appear (or an existing one is unchanged).
source "$(dirname "$0")/lib.sh"

make_image "$T/src" v1 "hello"
expect_error() { # RC PATTERN DST-PATH ARGS...
  local rc=$1 pattern=$2 dst=$3; shift 3
  run_coco "$rc" "$@"
  [[ "$out" == *"error: "*"$pattern"* ]] || fail "coco $*: error does not say '$pattern': $out"
  [[ -z "$dst" || ! -e "$dst" ]] || fail "coco $*: left $dst behind"
  [[ -z $(find "$T" -maxdepth 1 -name '.*.tmp-*') ]] || fail "coco $*: left a temporary behind"
}

# Malformed references (usage errors, exit 2).
expect_error 2 "missing transport" "" copy "$T/src" "oci:$T/x"
expect_error 2 "unknown transport 'foo'" "" copy "foo:bar" "oci:$T/x"
expect_error 2 "repository name must be lowercase" "" copy "oci:$T/src:v1" "docker://Busybox"
expect_error 2 "both a tag and a digest" "" copy "oci:$T/src:v1" "docker://busybox:1@sha256:$(printf '%064d' 0)"
expect_error 2 "invalid image name" "" copy "oci:$T/src:-bad" "oci:$T/x"
expect_error 2 "must start with docker://" "" copy "docker:busybox" "oci:$T/x"
expect_error 1 "unsupported digest algorithm" "" copy "docker://busybox@sha512:$(printf '%0128d' 0)" "oci:$T/x"
# Missing paths.
expect_error 1 "no such directory" "$T/x" copy "oci:$T/nothere:v1" "oci:$T/x:v1"
expect_error 1 "no such file" "$T/x" copy "oci-archive:$T/nothere.tar" "oci:$T/x:v1"
expect_error 1 "no such file" "$T/x" copy "docker-archive:$T/nothere.tar" "oci:$T/x:v1"
expect_error 1 "no image named 'v9'" "$T/x" copy "oci:$T/src:v9" "oci:$T/x:v1"
expect_error 1 "no such directory" "" copy "oci:$T/src:v1" "oci:$T/no/such/parent:v1"

# A corrupted blob: the layer's bytes changed on disk. The copy fails naming the blob, into a new path and
# into an existing layout, which keeps exactly what it had.
cp -a "$T/src" "$T/bad"
layer=$(skopeo inspect --raw "oci:$T/bad:v1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
f="$T/bad/blobs/sha256/${layer#sha256:}"; chmod u+w "$f"; printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
for dst in "oci:$T/x:v1" "oci-archive:$T/x.tar" "dir:$T/xd" "docker-archive:$T/xda.tar"; do
  p=${dst#*:}; p=${p%%:*}
  expect_error 1 "blob $layer" "$p" copy "oci:$T/bad:v1" "$dst"
done
[[ "$out" == *"digest mismatch"* || "$out" == *"corrupt gzip"* ]] || fail "corrupted blob message: $out"
make_image "$T/other" v1 "another image"
run_coco 0 copy "oci:$T/other:v1" "oci:$T/existing:v1"
before=$(cd "$T/existing" && find . -type f | sort | xargs sha256sum)
expect_error 1 "digest mismatch" "" copy "oci:$T/bad:v1" "oci:$T/existing:v2"
after=$(cd "$T/existing" && find . -type f | sort | xargs sha256sum)
[[ "$before" == "$after" ]] || fail "a failed copy changed the existing layout"
# A truncated blob (size mismatch).
cp -a "$T/src" "$T/short"; f="$T/short/blobs/sha256/${layer#sha256:}"; chmod u+w "$f"; truncate -s 10 "$f"
expect_error 1 "size 10 does not match" "$T/x" copy "oci:$T/short:v1" "oci:$T/x:v1"

# Unreachable registry (nothing listens on the port).
port=$(free_port)
expect_error 1 "127.0.0.1:$port" "$T/x" copy --src-tls-verify=false "docker://127.0.0.1:$port/a/b:v1" "oci:$T/x:v1"
[[ "$out" == *"hint: check that the registry"* ]] || fail "unreachable registry gives no hint: $out"

# 401 without credentials, 401 with wrong ones, 404 for a missing tag and repository, on a real registry.
start_registry
R=$REGISTRY
run_coco 0 copy --dest-authfile "$AUTHFILE" --dest-tls-verify=false "oci:$T/src:v1" "docker://$R/e2e/app:v1"
HOME=$T expect_error 1 "authentication required" "$T/x" copy --src-tls-verify=false "docker://$R/e2e/app:v1" "oci:$T/x:v1"
[[ "$out" == *"hint: log in"* ]] || fail "401 gives no hint: $out"
expect_error 1 "authentication required" "$T/x" copy --src-creds coco:wrong --src-tls-verify=false "docker://$R/e2e/app:v1" "oci:$T/x:v1"
expect_error 1 "not found" "$T/x" copy --src-authfile "$AUTHFILE" --src-tls-verify=false "docker://$R/e2e/app:nope" "oci:$T/x:v1"
expect_error 1 "not found" "$T/x" copy --src-authfile "$AUTHFILE" --src-tls-verify=false "docker://$R/e2e/none:v1" "oci:$T/x:v1"
HOME=$T expect_error 1 "authentication required" "" copy --dest-tls-verify=false "oci:$T/src:v1" "docker://$R/e2e/denied:v1"
[[ $(curl -s -u coco:secret-pw "http://$R/v2/e2e/denied/tags/list") == *"NAME_UNKNOWN"* ]] || fail "a refused push created the repository"

# A server that cuts the connection in the middle of the layer.
port=$(free_port)
timeout 60 python3 "$(dirname "$0")/cutserver.py" "$T/src" "$port" 50 >"$T/cutserver.log" 2>&1 &
SERVER_PIDS+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
for dst in "oci:$T/x:v1" "dir:$T/xd" "oci-archive:$T/x.tar"; do
  p=${dst#*:}; p=${p%%:*}
  expect_error 1 "blob $layer: connection lost" "$p" copy --src-tls-verify=false "docker://127.0.0.1:$port/cut/app:v1" "$dst"
done
expect_error 1 "connection lost" "" copy --src-tls-verify=false "docker://127.0.0.1:$port/cut/app:v1" "oci:$T/existing:v3"
[[ "$before" == "$(cd "$T/existing" && find . -type f | sort | xargs sha256sum)" ]] || fail "a cut connection changed the existing layout"
echo "ok"
