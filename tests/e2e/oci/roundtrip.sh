#!/usr/bin/env bash
# Images made by umoci and skopeo round-trip through `coco copy` across oci:, oci-archive:, dir: and
# docker-archive:, with skopeo reading what coco writes and coco reading what skopeo writes. Manifest digests
# must equal `skopeo inspect --raw | sha256sum` wherever the transport preserves the manifest; config and
# layer digests always.
source "$(dirname "$0")/lib.sh"

make_image "$T/src" v1 "hello from coco"
src_digest=$(raw_digest "oci:$T/src:v1")
config_digest=$(skopeo inspect --raw "oci:$T/src:v1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')

# Preserving transports: coco writes, skopeo reads the same bytes; coco reads back the same bytes.
for dst in "oci:$T/out-oci:v1" "oci-archive:$T/out.tar:v1" "dir:$T/out-dir"; do
  run_coco 0 copy "oci:$T/src:v1" "$dst"
  [[ "$out" == *"sha256:$src_digest"* ]] || fail "coco copy to $dst reported $out, want sha256:$src_digest"
  [[ $(raw_digest "$dst") == "$src_digest" ]] || fail "$dst: manifest digest differs from the source"
  skopeo copy -q "$dst" "oci:$T/skopeo-check:x" >/dev/null || fail "skopeo cannot read $dst"
  run_coco 0 copy "$dst" "oci:$T/back:$(basename "${dst%%:v1}" | tr -c 'a-z0-9\n' -)"
  [[ "$out" == *"sha256:$src_digest"* ]] || fail "coco copy back from $dst gave $out"
done

# What skopeo writes, coco reads (manifest bytes preserved).
skopeo copy -q "oci:$T/src:v1" "dir:$T/skopeo-dir" >/dev/null
skopeo copy -q "oci:$T/src:v1" "oci-archive:$T/skopeo.tar:v1" >/dev/null
for s in "dir:$T/skopeo-dir" "oci-archive:$T/skopeo.tar:v1"; do
  run_coco 0 copy "$s" "oci:$T/from-skopeo:t"
  [[ $(raw_digest "oci:$T/from-skopeo:t") == "$src_digest" ]] || fail "copy from $s changed the manifest"
done

# docker-archive holds Docker schema2 with plain layers: coco's and skopeo's archives must present the same
# manifest to skopeo (config and layer diff IDs equal).
run_coco 0 copy "oci:$T/src:v1" "docker-archive:$T/coco-da.tar:example.com/app:v1"
skopeo copy -q "oci:$T/src:v1" "docker-archive:$T/skopeo-da.tar:example.com/app:v1" >/dev/null
[[ $(raw_digest "docker-archive:$T/coco-da.tar") == $(raw_digest "docker-archive:$T/skopeo-da.tar") ]] ||
  fail "docker-archive written by coco differs from skopeo's"
tar -xOf "$T/coco-da.tar" manifest.json | grep -q '"RepoTags":\["example.com/app:v1"\]' || fail "RepoTags missing"
skopeo inspect --raw "docker-archive:$T/coco-da.tar" | grep -q "$config_digest" || fail "config digest changed in docker-archive"
# coco reads skopeo's docker-archive, by tag and by index, and its manifest matches skopeo's view.
run_coco 0 copy "docker-archive:$T/skopeo-da.tar:example.com/app:v1" "dir:$T/da-dir"
[[ $(sha256sum < "$T/da-dir/manifest.json" | cut -d' ' -f1) == $(raw_digest "docker-archive:$T/skopeo-da.tar") ]] ||
  fail "docker-archive manifest read by coco differs from skopeo's"
run_coco 0 copy "docker-archive:$T/skopeo-da.tar:@0" "oci:$T/da-oci:v1"
skopeo inspect --raw "oci:$T/da-oci:v1" | grep -q '"application/vnd.oci.image.manifest.v1+json"' || fail "docker schema2 not converted for oci:"
skopeo copy -q "oci:$T/da-oci:v1" "oci:$T/da-oci-check:v1" >/dev/null || fail "skopeo cannot read the converted image"
# Layer digests survive docker-archive -> dir -> docker-archive.
run_coco 0 copy "dir:$T/da-dir" "docker-archive:$T/again.tar"
[[ $(raw_digest "docker-archive:$T/again.tar") == $(raw_digest "docker-archive:$T/skopeo-da.tar") ]] || fail "docker-archive round trip changed layers"

# Writing into an existing layout adds a tag and keeps the others; replacing a tag keeps one entry.
make_image "$T/other" v2 "second image"
run_coco 0 copy "oci:$T/other:v2" "oci:$T/out-oci:v2"
[[ $(raw_digest "oci:$T/out-oci:v1") == "$src_digest" ]] || fail "adding a tag lost v1"
run_coco 0 copy "oci:$T/other:v2" "oci:$T/out-oci:v1"
[[ $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["manifests"]))' "$T/out-oci/index.json") == 2 ]] ||
  fail "replacing a tag duplicated the entry"

# inspect: layers with media types and sizes; --raw is the exact manifest; --config the config blob.
run_coco 0 inspect -o json "oci:$T/src:v1"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["mediaType"] == "application/vnd.oci.image.manifest.v1+json", d
assert len(d["layers"]) == 1 and d["layers"][0]["mediaType"].endswith("tar+gzip") and d["layers"][0]["size"] > 0, d
assert d["layers"][0]["encrypted"] is False, d
' || fail "inspect output: $out"
[[ $("$COCO_OCI" inspect --raw "oci:$T/src:v1" | sha256sum | cut -d' ' -f1) == "$src_digest" ]] || fail "inspect --raw differs"
[[ $("$COCO_OCI" inspect --config "oci:$T/src:v1" | sha256sum | cut -d' ' -f1) == "${config_digest#sha256:}" ]] || fail "inspect --config differs"
echo "ok"
