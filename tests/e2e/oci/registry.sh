#!/usr/bin/env bash
# coco against a real docker-registry (htpasswd basic auth, credentials from an auth.json) with skopeo as the
# peer: push, pull, registry-to-registry (cross-repository mount, streamed PATCH upload), a multi-arch index
# kept whole with --all, and one platform chosen with --platform.
source "$(dirname "$0")/lib.sh"
start_registry
R=$REGISTRY
S=(--src-authfile "$AUTHFILE" --dest-authfile "$AUTHFILE" --src-tls-verify=false --dest-tls-verify=false)
SK=(--authfile "$AUTHFILE" --tls-verify=false)

make_image "$T/src" amd v1-amd64 amd64
make_image "$T/src" arm v1-arm64 arm64
src_digest=$(raw_digest "oci:$T/src:amd")

# Push, and skopeo sees the same manifest.
run_coco 0 copy "${S[@]}" "oci:$T/src:amd" "docker://$R/coco/app:v1"
[[ $(raw_digest "${SK[@]}" "docker://$R/coco/app:v1") == "$src_digest" ]] || fail "pushed manifest differs"
# Pull it back, by tag and by digest.
run_coco 0 copy "${S[@]}" "docker://$R/coco/app:v1" "oci:$T/pulled:v1"
[[ $(raw_digest "oci:$T/pulled:v1") == "$src_digest" ]] || fail "pulled manifest differs"
run_coco 0 copy "${S[@]}" "docker://$R/coco/app@sha256:$src_digest" "dir:$T/pulled-dir"
[[ $(sha256sum < "$T/pulled-dir/manifest.json" | cut -d' ' -f1) == "$src_digest" ]] || fail "pull by digest"
# skopeo pushes, coco pulls; credentials from REGISTRY_AUTH_FILE.
skopeo copy -q --dest-tls-verify=false --authfile "$AUTHFILE" "oci:$T/src:arm" "docker://$R/skopeo/app:v1" >/dev/null
REGISTRY_AUTH_FILE=$AUTHFILE run_coco 0 copy --src-tls-verify=false "docker://$R/skopeo/app:v1" "oci:$T/pulled:arm"
[[ $(raw_digest "oci:$T/pulled:arm") == $(raw_digest "oci:$T/src:arm") ]] || fail "pull of skopeo's push differs"
# --creds instead of an auth file.
run_coco 0 copy --src-creds coco:secret-pw --src-tls-verify=false "docker://$R/skopeo/app:v1" "oci:$T/pulled:creds"
# Registry to registry: mount from another repository, streamed (PATCH) uploads.
run_coco 0 --driver copy "${S[@]}" --chunked "docker://$R/coco/app:v1" "docker://$R/coco/copy:v1"
[[ $(raw_digest "${SK[@]}" "docker://$R/coco/copy:v1") == "$src_digest" ]] || fail "registry-to-registry copy differs"
run_coco 0 --driver copy "${S[@]}" --chunked "oci:$T/src:arm" "docker://$R/coco/chunked:v1"
[[ $(raw_digest "${SK[@]}" "docker://$R/coco/chunked:v1") == $(raw_digest "oci:$T/src:arm") ]] || fail "chunked push differs"
# A Docker schema2 image (made by skopeo) keeps its manifest through the registry.
skopeo copy -q --format v2s2 "oci:$T/src:amd" "dir:$T/v2s2" >/dev/null
v2s2_digest=$(raw_digest "dir:$T/v2s2")
run_coco 0 copy "${S[@]}" "dir:$T/v2s2" "docker://$R/coco/v2s2:v1"
[[ $(raw_digest "${SK[@]}" "docker://$R/coco/v2s2:v1") == "$v2s2_digest" ]] || fail "docker schema2 manifest changed"
run_coco 0 copy "${S[@]}" "docker://$R/coco/v2s2:v1" "docker-archive:$T/v2s2.tar:coco/v2s2:v1"
skopeo inspect --raw "docker-archive:$T/v2s2.tar" >/dev/null || fail "skopeo cannot read the docker-archive"

# Multi-arch: an index of the two images, pushed with --all keeps every platform and the index digest.
index_digest=$(python3 "$(dirname "$0")/multiarch.py" "$T/src" multi amd arm)
run_coco 0 copy "${S[@]}" --all "oci:$T/src:multi" "docker://$R/coco/multi:v1"
[[ "sha256:$(raw_digest "${SK[@]}" "docker://$R/coco/multi:v1")" == "$index_digest" ]] || fail "index digest changed"
skopeo copy -q --all --src-tls-verify=false --authfile "$AUTHFILE" "docker://$R/coco/multi:v1" "oci:$T/sk-multi:m" >/dev/null ||
  fail "skopeo cannot pull every platform"
run_coco 0 copy "${S[@]}" --all "docker://$R/coco/multi:v1" "oci:$T/multi-back:m"
[[ "sha256:$(raw_digest "oci:$T/multi-back:m")" == "$index_digest" ]] || fail "index pulled back differs"
run_coco 0 inspect -o json "oci:$T/multi-back:m"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert sorted(m["platform"] for m in d["manifests"]) == ["linux/amd64", "linux/arm64"], d
' || fail "inspect does not list both platforms: $out"
for t in oci-archive:$T/multi.tar:m dir:$T/multi-dir; do
  run_coco 0 copy --all "oci:$T/multi-back:m" "$t"
  [[ "sha256:$(raw_digest "$t")" == "$index_digest" ]] || fail "$t: index digest changed"
  skopeo copy -q --all "$t" "oci:$T/sk-check-$(basename "${t%%:m}"):x" >/dev/null || fail "skopeo cannot read every platform of $t"
done
# Without --all one platform is chosen; with --platform the one asked for.
run_coco 0 copy "${S[@]}" --platform linux/arm64 "docker://$R/coco/multi:v1" "oci:$T/one:arm"
[[ $(raw_digest "oci:$T/one:arm") == $(raw_digest "oci:$T/src:arm") ]] || fail "--platform linux/arm64 chose the wrong image"
run_coco 0 copy "${S[@]}" --platform linux/arm64/v8 "docker://$R/coco/multi:v1" "oci:$T/one:arm8"
[[ $(raw_digest "oci:$T/one:arm8") == $(raw_digest "oci:$T/src:arm") ]] || fail "arm64/v8 does not match an arm64 entry"
run_coco 1 copy "${S[@]}" --platform linux/s390x "docker://$R/coco/multi:v1" "oci:$T/one:s390x"
[[ "$out" == *"no image for platform linux/s390x"* ]] || fail "missing platform: $out"
# docker-archive cannot hold an index.
run_coco 1 copy --all "oci:$T/src:multi" "docker-archive:$T/multi-da.tar"
[[ ! -e "$T/multi-da.tar" ]] || fail "a failed docker-archive copy left a file"
echo "ok"
