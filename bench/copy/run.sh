#!/usr/bin/env bash
# Copy benchmark: coco against skopeo on the same image in the same run. Prints ratios, never asserts
# timings. COCO_OCI is the coco command (`coco` once the CLI has `copy`); COCO_BENCH_SIZE_MB the layer size.
set -euo pipefail
COCO_OCI=${COCO_OCI:-coco}
SIZE_MB=${COCO_BENCH_SIZE_MB:-1024}
T=$(mktemp -d "${TMPDIR:-/tmp}/coco-bench-copy.XXXXXX")
REGISTRY_PID=""
cleanup() {
  if [[ -n "$REGISTRY_PID" ]]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT

# The image: one uncompressed tar layer of random bytes, assembled by hand (no compression cost in the setup).
echo "building a ${SIZE_MB} MiB image in $T" >&2
mkdir -p "$T/rootfs" "$T/src/blobs/sha256"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$T/rootfs/random.bin"
tar -C "$T/rootfs" -cf "$T/layer.tar" random.bin
rm -rf "$T/rootfs"
python3 - "$T" <<'PY'
import hashlib, json, os, shutil, sys
t = sys.argv[1]
blobs = os.path.join(t, "src", "blobs", "sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return "sha256:" + d
h = hashlib.sha256()
with open(os.path.join(t, "layer.tar"), "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
layer = "sha256:" + h.hexdigest()
size = os.path.getsize(os.path.join(t, "layer.tar"))
shutil.move(os.path.join(t, "layer.tar"), os.path.join(blobs, layer[7:]))
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size}]}).encode()
md = put(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
    "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, open(os.path.join(t, "src", "index.json"), "w"))
open(os.path.join(t, "src", "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
PY

# measure NAME CMD...: wall seconds and peak RSS (KiB) into $secs and $rss.
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$T/time.$name" "$@" >/dev/null 2>"$T/err.$name" || { cat "$T/err.$name" >&2; exit 1; }
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$T/time.$name")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time.$name")
}

report() { # LABEL SKOPEO_SECS SKOPEO_RSS COCO_SECS COCO_RSS
  awk -v l="$1" -v ss="$2" -v sr="$3" -v cs="$4" -v cr="$5" 'BEGIN {
    printf "%-22s skopeo %7.2fs %7.1f MiB RSS | coco %7.2fs %7.1f MiB RSS | time ratio coco/skopeo %.2f\n",
           l, ss, sr/1024, cs, cr/1024, (ss > 0 ? cs/ss : 0) }'
}

measure skopeo-oci skopeo copy -q "oci:$T/src:v1" "oci:$T/dst-skopeo:v1"; s_secs=$secs; s_rss=$rss
rm -rf "$T/dst-skopeo"
measure coco-oci "$COCO_OCI" copy "oci:$T/src:v1" "oci:$T/dst-coco:v1"; c_secs=$secs; c_rss=$rss
rm -rf "$T/dst-coco"
report "oci: -> oci:" "$s_secs" "$s_rss" "$c_secs" "$c_rss"

# A local registry (no auth; storage in the scratch dir), each tool pushing to its own repository.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat > "$T/registry.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
measure skopeo-reg skopeo copy -q --dest-tls-verify=false "oci:$T/src:v1" "docker://127.0.0.1:$port/bench/skopeo:v1"; s_secs=$secs; s_rss=$rss
rm -rf "$T/registry"/*
measure coco-reg "$COCO_OCI" copy --dest-tls-verify=false "oci:$T/src:v1" "docker://127.0.0.1:$port/bench/coco:v1"; c_secs=$secs; c_rss=$rss
report "oci: -> registry" "$s_secs" "$s_rss" "$c_secs" "$c_rss"
echo "layer: ${SIZE_MB} MiB random, uncompressed tar" >&2
