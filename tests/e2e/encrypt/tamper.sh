#!/usr/bin/env bash
# A flipped byte in an encrypted layer blob: decrypt fails (exit 1) naming the layer, DST is not created.
source "$(dirname "$0")/lib.sh"

make_two_layer_image "$T/src" v1
run_enc 0 keygen --type ec --out "$T/ec.pem"
run_enc 0 encrypt "oci:$T/src:v1" "dir:$T/enc" -r "jwe:$T/ec.pem.pub"
second=$(layer_digests "dir:$T/enc" | sed -n 2p)
blob="$T/enc/${second#sha256:}"
[[ -f $blob ]] || fail "no blob $blob"
# Flip one byte in the middle, and fix the blob's name so only the HMAC can notice.
python3 - "$blob" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(b)
PY
new=$(sha256sum "$blob" | cut -d' ' -f1)
mv "$blob" "$T/enc/$new"
sed -i "s/${second#sha256:}/$new/" "$T/enc/manifest.json"
run_enc 1 decrypt "dir:$T/enc" "oci:$T/dec:v1" --key "jwe:$T/ec.pem"
[[ "$out" == *"layer 2"* ]] || fail "error does not name the layer: $out"
[[ "$out" == *HMAC* || "$out" == *hmac* ]] || fail "error is not an HMAC failure: $out"
[[ ! -e "$T/dec" ]] || fail "destination created despite the tampered layer"
echo PASS
