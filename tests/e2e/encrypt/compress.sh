#!/usr/bin/env bash
# zstd layers: encrypting one for a kbs:/// recipient is refused with a hint naming --compress gzip; with it
# the layer is recompressed to gzip (same diff ID), encrypted as tar+gzip+encrypted, and decrypts back to a
# gzip layer whose uncompressed content is the original's. Without kbs, zstd layers are encrypted as they are.
source "$(dirname "$0")/lib.sh"

make_image "$T/src" v1 "zstd content"
skopeo copy -q --dest-compress-format zstd "oci:$T/src:v1" "oci:$T/zstd:v1" >/dev/null
[[ $(layers "oci:$T/zstd:v1") == *tar+zstd ]] || fail "skopeo did not make a zstd layer: $(layers "oci:$T/zstd:v1")"
diffid=$(skopeo inspect --config "oci:$T/zstd:v1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rootfs"]["diff_ids"][0])')

run_enc 1 encrypt "oci:$T/zstd:v1" "oci:$T/enc:kbs" -r kbs:///default/key/app --kek-out "$T/app.kek"
[[ "$out" == *"--compress gzip"* ]] || fail "no hint: $out"
[[ ! -e $T/enc ]] || fail "refused encryption created DST"
run_enc 0 encrypt "oci:$T/zstd:v1" "oci:$T/enc:kbs" -r kbs:///default/key/app --kek-out "$T/app.kek" --compress gzip
[[ $(layers "oci:$T/enc:kbs") == *"application/vnd.oci.image.layer.v1.tar+gzip+encrypted" ]] ||
  fail "not recompressed: $(layers "oci:$T/enc:kbs")"
run_enc 0 verify "oci:$T/enc:kbs" --key "kbs-key:$T/app.kek"
run_enc 0 decrypt "oci:$T/enc:kbs" "oci:$T/dec:kbs" --key "kbs-key:$T/app.kek"
[[ $(layers "oci:$T/dec:kbs") == *"application/vnd.oci.image.layer.v1.tar+gzip" ]] || fail "decrypted type"
blob=$(layer_digests "oci:$T/dec:kbs")
[[ "sha256:$(gunzip -c "$T/dec/blobs/sha256/${blob#sha256:}" | sha256sum | cut -d' ' -f1)" == "$diffid" ]] ||
  fail "recompressed layer does not match the diff ID"

# jwe only: zstd is kept (and verify reports it as unusable by a CoCo guest).
run_enc 0 keygen --type ec --out "$T/ec.pem"
run_enc 0 encrypt "oci:$T/zstd:v1" "oci:$T/enc:jwe" -r "jwe:$T/ec.pem.pub"
[[ $(layers "oci:$T/enc:jwe") == *tar+zstd+encrypted ]] || fail "zstd not kept"
run_enc 3 verify "oci:$T/enc:jwe"
[[ "$out" == *guest-zstd* ]] || fail "verify did not report zstd: $out"
skopeo copy -q --decryption-key "$T/ec.pem" "oci:$T/enc:jwe" "oci:$T/skdec:jwe" >/dev/null
[[ $(layer_digests "oci:$T/skdec:jwe") == $(layer_digests "oci:$T/zstd:v1") ]] || fail "zstd: skopeo decrypted other digests"
echo PASS
