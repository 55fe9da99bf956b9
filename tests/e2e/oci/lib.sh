# Shared by the oci e2e scripts: a scratch dir, a small image made with umoci, a docker-registry with
# htpasswd basic auth on 127.0.0.1, and run_coco RC CMD... (exit code first, as skopeo's systemtests).
set -euo pipefail

COCO_OCI=${COCO_OCI:-coco}
# The test-only driver, for what the CLI deliberately lacks (forcing streamed PATCH uploads).
COCO_OCI_DRIVER=${COCO_OCI_DRIVER:-coco_oci_driver}
T=$(mktemp -d "${TMPDIR:-/tmp}/coco-e2e-oci.XXXXXX")
REGISTRY_PID=""
SERVER_PIDS=()
cleanup() {
  for pid in $REGISTRY_PID "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# run_coco EXPECTED_RC ARGS...: runs the coco command, output in $out (stdout+stderr), checks the exit code.
run_coco() {
  local want=$1; shift
  set +e
  local cmd=$COCO_OCI
  if [[ "${1:-}" == "--driver" ]]; then cmd=$COCO_OCI_DRIVER; shift; fi
  out=$(timeout 120 "$cmd" "$@" 2>&1)
  local rc=$?
  set -e
  if [[ $rc -ne $want ]]; then
    echo "$out" >&2
    fail "coco $* exited $rc, expected $want"
  fi
}

raw_digest() { skopeo inspect --raw "$@" | sha256sum | cut -d' ' -f1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# make_image LAYOUT TAG CONTENT [ARCH]: a one-layer image made with umoci.
make_image() {
  local layout=$1 tag=$2 content=$3 arch=${4:-amd64}
  [[ -d $layout ]] || umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci config --image "$layout:$tag" --architecture "$arch" --os linux
  local bundle="$T/bundle-$tag"
  umoci unpack --rootless --image "$layout:$tag" "$bundle" >/dev/null
  echo "$content" > "$bundle/rootfs/file.txt"
  head -c 200000 /dev/urandom > "$bundle/rootfs/random.bin"
  umoci repack --image "$layout:$tag" "$bundle"
  rm -rf "$bundle"
}

# start_registry: docker-registry with basic auth (user coco / password secret-pw) on a free loopback port;
# sets REGISTRY (host:port) and AUTHFILE.
start_registry() {
  local port; port=$(free_port)
  mkdir -p "$T/registry"
  htpasswd -Bbn coco secret-pw > "$T/registry/htpasswd"
  cat > "$T/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T/registry/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd:
    realm: coco-test
    path: $T/registry/htpasswd
YAML
  docker-registry serve "$T/registry/config.yml" > "$T/registry/log" 2>&1 &
  REGISTRY_PID=$!
  REGISTRY=127.0.0.1:$port
  for _ in $(seq 50); do
    if curl -s -o /dev/null "http://$REGISTRY/v2/"; then break; fi
    sleep 0.1
  done
  curl -s -o /dev/null "http://$REGISTRY/v2/" || fail "docker-registry did not start: $(cat "$T/registry/log")"
  AUTHFILE=$T/auth.json
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY" "$(printf coco:secret-pw | base64)" > "$AUTHFILE"
}
