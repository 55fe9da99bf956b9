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

# all_layers LAYOUT TAG: "PLATFORM DIGEST" for every layer of every manifest the tag names (an index is
# followed), read straight from the layout.
all_layers() {
  python3 - "$1" "$2" <<'PY'
import json, os, sys
layout, tag = sys.argv[1], sys.argv[2]
def blob(d): return json.load(open(os.path.join(layout, "blobs", "sha256", d.split(":")[1])))
top = next(m for m in json.load(open(os.path.join(layout, "index.json")))["manifests"]
           if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
def walk(desc, plat):
    m = blob(desc["digest"])
    if "manifests" in m:
        for e in m["manifests"]:
            p = e.get("platform", {})
            walk(e, p.get("os", "") + "/" + p.get("architecture", ""))
    else:
        for l in m["layers"]:
            print(plat, l["digest"], l["mediaType"])
walk(top, "-")
PY
}
all_layer_digests() { all_layers "$1" "$2" | cut -d' ' -f1,2 | sort; }

# A temporary GNUPGHOME with the vectors' test key (test@coco.invalid, no passphrase) and its secret key in
# binary form for skopeo's --decryption-key (skopeo 1.9.3 does not read the armored file).
setup_gnupg() {
  export GNUPGHOME=$T/gnupg
  cp -r "$VECTORS/keys/gnupg" "$GNUPGHOME"
  chmod 700 "$GNUPGHOME"
  gpg --batch --export-secret-keys > "$T/pgp-secret.gpg" 2>/dev/null
  [[ -s $T/pgp-secret.gpg ]] || fail "cannot export the test pgp key"
}

# A keyprovider config naming the test command provider "testkp" (tests/unit/ocicrypt/test_keyprovider.cpp).
setup_keyprovider() {
  [[ -x ${COCO_TEST_KEYPROVIDER:-} ]] || fail "COCO_TEST_KEYPROVIDER is not set to the test keyprovider"
  printf '{"key-providers":{"testkp":{"cmd":{"path":"%s","args":["testkp"]}}}}\n' "$COCO_TEST_KEYPROVIDER" > "$T/kp.json"
  export OCICRYPT_KEYPROVIDER_CONFIG=$T/kp.json
}
