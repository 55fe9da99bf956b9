# Shared by the encrypt e2e scripts: the oci scripts' scratch dir and umoci image maker, plus a two-layer
# image, layer digest listing and run_enc RC ARGS... (coco-encrypt, exit code checked, output in $out).
source "$(dirname "${BASH_SOURCE[0]}")/../oci/lib.sh"

COCO_ENCRYPT=${COCO_ENCRYPT:-coco-encrypt}
VECTORS=${COCO_SHARED_DIR:-/work/shared}/vectors/ocicrypt

run_enc() {
  local want=$1; shift
  set +e
  out=$(timeout 120 "$COCO_ENCRYPT" "$@" 2>&1)
  local rc=$?
  set -e
  if [[ $rc -ne $want ]]; then
    echo "$out" >&2
    fail "coco-encrypt $* exited $rc, expected $want"
  fi
}

# layers IMAGE: "DIGEST MEDIATYPE" per layer.
layers() {
  skopeo inspect --raw "$1" | python3 -c 'import json,sys
for l in json.load(sys.stdin)["layers"]: print(l["digest"], l["mediaType"])'
}
layer_digests() { layers "$1" | cut -d' ' -f1; }

# make_two_layer_image LAYOUT TAG: make_image's layer plus a second one.
make_two_layer_image() {
  local layout=$1 tag=$2
  make_image "$layout" "$tag" "first layer"
  local bundle="$T/bundle2-$tag"
  umoci unpack --rootless --image "$layout:$tag" "$bundle" >/dev/null
  head -c 300000 /dev/urandom > "$bundle/rootfs/second.bin"
  umoci repack --image "$layout:$tag" "$bundle"
  rm -rf "$bundle"
  [[ $(layer_digests "oci:$layout:$tag" | wc -l) -eq 2 ]] || fail "expected a two-layer image"
}
