#!/usr/bin/env bash
# The shared skopeo-made vectors decrypt with coco-encrypt to expected-layer-digests.txt.
source "$(dirname "$0")/lib.sh"

K=$VECTORS/keys
cp -r "$VECTORS/image" "$T/image"
want=$(cat "$VECTORS/expected-layer-digests.txt")
check() {
  local tag=$1; shift
  run_enc 0 decrypt "oci:$T/image:$tag" "oci:$T/out-$tag-$#:x" "$@"
  [[ $(layer_digests "oci:$T/out-$tag-$#:x") == "$want" ]] || fail "$tag: layer digests differ"
}
check jwe-rsa --key "jwe:$K/rsa.pem"
check jwe-ec --key "jwe:$K/ec.pem"
check jwe-ec --key "jwe:$K/ec-sec1.pem" --key "jwe:$K/rsa.pem"
check jwe-two --key "jwe:$K/ec.pem"
check jwe-rsa-last-layer --key "jwe:$K/rsa.pem"
check pkcs7 --key "pkcs7:$K/pkcs7.key,$K/pkcs7.crt"
# pgp: the secret key in a temporary GNUPGHOME (the vectors' keyring, copied).
setup_gnupg
check pgp --key pgp
run_enc 0 inspect "oci:$T/image:pgp"
[[ "$out" == *"pgp key"* ]] || fail "inspect pgp: $out"
run_enc 0 inspect "oci:$T/image:jwe-two"
[[ $(grep -c "jwe:" <<<"$out") -eq 2 ]] || fail "inspect jwe-two: $out"
echo PASS
