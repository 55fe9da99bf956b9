#!/usr/bin/env bash
# Tampering: a flipped byte in an encrypted layer blob, in its wrapped key, or in its pubopts annotation (the
# HMAC): decrypt fails (exit 1) naming the layer, and DST is not created.
source "$(dirname "$0")/lib.sh"

make_two_layer_image "$T/src" v1
run_enc 0 keygen --type ec --out "$T/ec.pem"
run_enc 0 encrypt "oci:$T/src:v1" "dir:$T/enc" -r "jwe:$T/ec.pem.pub"
cp -r "$T/enc" "$T/enc-key"
cp -r "$T/enc" "$T/enc-ann"
cp -r "$T/enc" "$T/enc-clean"
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

# edit_annotation DIR KEY PYTHON-EXPR: rewrites annotation KEY of the second layer (v is its decoded value,
# bytes); the layer blob is untouched.
edit_annotation() {
  python3 - "$1/manifest.json" "$2" "$3" <<'PY'
import base64, json, sys
path, key, expr = sys.argv[1], sys.argv[2], sys.argv[3]
m = json.load(open(path))
ann = m["layers"][1]["annotations"]
v = base64.b64decode(ann[key])
v = eval(expr)
ann[key] = base64.b64encode(v).decode()
json.dump(m, open(path, "w"))
PY
}

# The wrapped key: one byte of the JWE's encrypted_key (ECDH-ES+A256KW: the key unwrap fails).
edit_annotation "$T/enc-key" org.opencontainers.image.enc.keys.jwe '
(lambda j: json.dumps({**j, "encrypted_key": (lambda k: base64.urlsafe_b64encode(bytes([k[0] ^ 1]) + k[1:]).decode().rstrip("="))(base64.urlsafe_b64decode(j["encrypted_key"] + "=" * (-len(j["encrypted_key"]) % 4)))}).encode())(json.loads(v))'
run_enc 1 decrypt "dir:$T/enc-key" "oci:$T/dec-key:v1" --key "jwe:$T/ec.pem"
[[ "$out" == *"layer 2"* ]] || fail "wrapped key: error does not name the layer: $out"
[[ ! -e "$T/dec-key" ]] || fail "wrapped key: destination created"

# The annotation: one byte of the HMAC in pubopts.
edit_annotation "$T/enc-ann" org.opencontainers.image.enc.pubopts '
(lambda j: json.dumps({**j, "hmac": base64.b64encode(bytes([base64.b64decode(j["hmac"])[0] ^ 1]) + base64.b64decode(j["hmac"])[1:]).decode()}).encode())(json.loads(v))'
run_enc 1 decrypt "dir:$T/enc-ann" "oci:$T/dec-ann:v1" --key "jwe:$T/ec.pem"
[[ "$out" == *"layer 2"* ]] || fail "pubopts: error does not name the layer: $out"
[[ "$out" == *HMAC* ]] || fail "pubopts: error is not an HMAC failure: $out"
[[ ! -e "$T/dec-ann" ]] || fail "pubopts: destination created"
# The untouched copy still decrypts (the edits above, not the setup, made them fail).
run_enc 0 decrypt "dir:$T/enc-clean" "oci:$T/dec-ok:v1" --key "jwe:$T/ec.pem"
echo PASS
