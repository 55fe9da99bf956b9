#!/usr/bin/env bash
# Image encryption benchmark (not part of ctest): one random single-layer image, oci: -> oci:, encrypted and
# decrypted by coco-encrypt and by `skopeo copy --encryption-key / --decryption-key` in the same run (jwe,
# EC P-256). Prints wall times, ratios skopeo/coco (higher is better for coco), peak RSS of both, and the
# bound: the passes over the data that cannot be avoided (digest of the input, AES-256-CTR, HMAC-SHA256,
# digest of the output) at the rates `openssl speed` measures now, spread over the cores, and the disk's direct
# write rate for context. Never asserts.
#   COCO_BENCH_SIZE_MB   layer size for the timing runs (default 1024)
#   COCO_BENCH_RSS_MB    layer size for the peak-RSS runs (default 0: skipped; e.g. 4096)
# Build coco-encrypt with CMAKE_BUILD_TYPE=Release for meaningful figures; on a loaded machine compare the CPU
# times (user+sys) printed last rather than the wall times.
set -euo pipefail
COCO_ENCRYPT=${COCO_ENCRYPT:-coco-encrypt}
SIZE_MB=${COCO_BENCH_SIZE_MB:-1024}
RSS_MB=${COCO_BENCH_RSS_MB:-0}
CORES=$(nproc)
T=$(mktemp -d "${TMPDIR:-/tmp}/coco-bench-encrypt.XXXXXX")
trap 'rm -rf "$T"' EXIT

# make_image DIR MIB: an OCI layout with one uncompressed layer of random bytes, tagged v1.
make_image() {
  local dir=$1 mib=$2
  mkdir -p "$dir/blobs/sha256"
  head -c "$((mib * 1024 * 1024))" /dev/urandom > "$dir/layer"
  python3 - "$dir" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
blobs = os.path.join(d, "blobs", "sha256")
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, h), "wb").write(data)
    return "sha256:" + h
h = hashlib.sha256()
with open(os.path.join(d, "layer"), "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
layer = "sha256:" + h.hexdigest()
size = os.path.getsize(os.path.join(d, "layer"))
os.rename(os.path.join(d, "layer"), os.path.join(blobs, layer[7:]))
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size}]}).encode()
md = put(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
    "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, open(os.path.join(d, "index.json"), "w"))
open(os.path.join(d, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
}

# measure NAME CMD...: wall seconds and peak RSS (KiB) into $secs and $rss.
# Dirty pages of the previous step are written back first, so no run pays for another's writeback.
measure() {
  local name=$1; shift
  sync
  /usr/bin/time -v -o "$T/time.$name" "$@" >/dev/null 2>"$T/err.$name" || { cat "$T/err.$name" >&2; exit 1; }
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$T/time.$name")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time.$name")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$T/time.$name")
}

# openssl_rate ARGS...: MB/s (10^6 bytes) for the largest block size openssl speed reports.
openssl_rate() {
  openssl speed -seconds 2 -bytes 16384 "$@" 2>/dev/null | awk '/[0-9.]+k$/ {v=$NF; sub("k","",v); r=v/1000} END {printf "%.0f", r}'
}

"$COCO_ENCRYPT" keygen --type ec --out "$T/ec.pem" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); cores: $CORES" >&2
echo "building a ${SIZE_MB} MiB image in $T" >&2
make_image "$T/src" "$SIZE_MB"

measure sk-enc skopeo copy -q --encryption-key "jwe:$T/ec.pem.pub" "oci:$T/src:v1" "oci:$T/sk-enc:v1"; s_enc=$secs; s_enc_rss=$rss; s_enc_cpu=$cpu
measure co-enc "$COCO_ENCRYPT" encrypt "oci:$T/src:v1" "oci:$T/co-enc:v1" -r "jwe:$T/ec.pem.pub"; c_enc=$secs; c_enc_rss=$rss; c_enc_cpu=$cpu
measure sk-dec skopeo copy -q --decryption-key "$T/ec.pem" "oci:$T/co-enc:v1" "oci:$T/sk-dec:v1"; s_dec=$secs; s_dec_rss=$rss; s_dec_cpu=$cpu
rm -rf "$T/sk-dec"
measure co-dec "$COCO_ENCRYPT" decrypt "oci:$T/co-enc:v1" "oci:$T/co-dec:v1" --key "jwe:$T/ec.pem"; c_dec=$secs; c_dec_rss=$rss; c_dec_cpu=$cpu
rm -rf "$T/co-dec" "$T/sk-enc"

aes=$(openssl_rate -evp aes-256-ctr)
sha=$(openssl_rate -evp sha256)
hmac=$(openssl_rate -hmac sha256 2>/dev/null || true)
[[ -n $hmac && $hmac != 0 ]] || hmac=$sha
# The disk's sequential write rate as coco-encrypt writes layers (O_DIRECT, 1 MiB writes), for context: a wall
# time above the CPU bound may be the disk's.
disk=$(dd if=/dev/zero of="$T/disk-probe" bs=1M count=256 oflag=direct 2>&1 | awk '/copied/ {print $(NF-1), $NF}')
rm -f "$T/disk-probe"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

awk -v mb="$SIZE_MB" -v se="$s_enc" -v ce="$c_enc" -v sd="$s_dec" -v cd="$c_dec" \
    -v ser="$s_enc_rss" -v cer="$c_enc_rss" -v sdr="$s_dec_rss" -v cdr="$c_dec_rss" \
    -v sec="$s_enc_cpu" -v cec="$c_enc_cpu" -v sdc="$s_dec_cpu" -v cdc="$c_dec_cpu" \
    -v aes="$aes" -v sha="$sha" -v hmac="$hmac" -v cores="$CORES" -v disk="${disk:-unknown}" 'BEGIN {
  bytes = mb * 1048576 / 1e6   # MB
  # CPU seconds per MB for the unavoidable passes, then wall time on `cores` cores.
  per = 1/sha + 1/aes + 1/hmac + 1/sha
  bound = bytes * per / cores
  printf "openssl speed (16 KiB blocks): aes-256-ctr %d MB/s, sha256 %d MB/s, hmac-sha256 %d MB/s\n", aes, sha, hmac
  printf "disk (dd oflag=direct, 1 MiB writes): %s\n", disk
  printf "bound for %d MiB on %d cores (sha256 in + aes-ctr + hmac + sha256 out): %.2fs\n", mb, cores, bound
  printf "encrypt: skopeo %6.2fs %6.1f MiB RSS | coco %6.2fs %6.1f MiB RSS | coco %.1fx faster | %.0f%% of bound\n",
         se, ser/1024, ce, cer/1024, (ce > 0 ? se/ce : 0), (ce > 0 ? 100*bound/ce : 0)
  printf "decrypt: skopeo %6.2fs %6.1f MiB RSS | coco %6.2fs %6.1f MiB RSS | coco %.1fx faster | %.0f%% of bound\n",
         sd, sdr/1024, cd, cdr/1024, (cd > 0 ? sd/cd : 0), (cd > 0 ? 100*bound/cd : 0)
  printf "cpu (user+sys): encrypt skopeo %.2fs coco %.2fs (%.1fx) | decrypt skopeo %.2fs coco %.2fs (%.1fx) | bound %.2fs\n",
         sec, cec, (cec > 0 ? sec/cec : 0), sdc, cdc, (cdc > 0 ? sdc/cdc : 0), bytes * per
}'

if [[ $RSS_MB -gt 0 ]]; then
  rm -rf "$T/src" "$T/co-enc"
  echo "building a ${RSS_MB} MiB image for peak RSS" >&2
  make_image "$T/big" "$RSS_MB"
  measure sk-enc-big skopeo copy -q --encryption-key "jwe:$T/ec.pem.pub" "oci:$T/big:v1" "oci:$T/sk-big:v1"; s_rss=$rss
  rm -rf "$T/sk-big"
  measure co-enc-big "$COCO_ENCRYPT" encrypt "oci:$T/big:v1" "oci:$T/co-big:v1" -r "jwe:$T/ec.pem.pub"; c_rss=$rss
  measure co-dec-big "$COCO_ENCRYPT" decrypt "oci:$T/co-big:v1" "oci:$T/co-big-dec:v1" --key "jwe:$T/ec.pem"; cd_rss=$rss
  awk -v mb="$RSS_MB" -v s="$s_rss" -v c="$c_rss" -v cd="$cd_rss" 'BEGIN {
    printf "peak RSS, %d MiB layer: skopeo encrypt %.1f MiB | coco encrypt %.1f MiB, decrypt %.1f MiB\n", mb, s/1024, c/1024, cd/1024 }'
fi
