#!/usr/bin/env bash
# coco-encrypt and skopeo decrypt each other's images back to the original layer digests (jwe RSA and EC);
# --layer selection; kbs:/// recipient with a generated KEK file, decrypted with kbs-key:; keygen and inspect.
source "$(dirname "$0")/lib.sh"

make_two_layer_image "$T/src" v1
orig=$(layer_digests "oci:$T/src:v1")

run_enc 0 keygen --type rsa --out "$T/rsa.pem"
run_enc 0 keygen --type ec --out "$T/ec.pem"
[[ $(stat -c %a "$T/rsa.pem") == 600 && $(stat -c %a "$T/ec.pem") == 600 ]] || fail "private keys not 0600"
grep -q "BEGIN PUBLIC KEY" "$T/ec.pem.pub" || fail "no public key written"
! "$COCO_ENCRYPT" keygen --type ec --out "$T/ec.pem" 2>/dev/null || fail "keygen overwrote an existing key"

for k in rsa ec; do
  run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:$k" -r "jwe:$T/$k.pem.pub"
  [[ $(layers "oci:$T/enc:$k" | grep -c '+encrypted$') -eq 2 ]] || fail "$k: not every layer encrypted"
  [[ $(layer_digests "oci:$T/enc:$k") != "$orig" ]] || fail "$k: layer digests unchanged"
  skopeo copy -q --decryption-key "$T/$k.pem" "oci:$T/enc:$k" "oci:$T/skopeo-dec:$k" >/dev/null ||
    fail "skopeo cannot decrypt coco's $k image"
  [[ $(layer_digests "oci:$T/skopeo-dec:$k") == "$orig" ]] || fail "$k: skopeo decrypted other layer digests"
  run_enc 0 inspect "oci:$T/enc:$k" -o json
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert all(l["encrypted"] and l["schemes"][0]["scheme"]=="jwe" for l in d["layers"]), d' "$out" ||
    fail "inspect: $out"
  [[ "$out" != *PRIVATE* ]] || fail "inspect printed a key"
done

# Already-encrypted layers are left alone: encrypting again changes nothing in the layers.
run_enc 0 encrypt "oci:$T/enc:rsa" "oci:$T/enc2:rsa" -r "jwe:$T/ec.pem.pub"
[[ $(layer_digests "oci:$T/enc2:rsa") == $(layer_digests "oci:$T/enc:rsa") ]] || fail "encrypted layers re-encrypted"

# skopeo encrypts, coco decrypts.
for k in rsa ec; do
  skopeo copy -q --encryption-key "jwe:$T/$k.pem.pub" "oci:$T/src:v1" "oci:$T/skopeo-enc:$k" >/dev/null
  run_enc 0 decrypt "oci:$T/skopeo-enc:$k" "oci:$T/dec:$k" --key "jwe:$T/$k.pem"
  [[ $(layer_digests "oci:$T/dec:$k") == "$orig" ]] || fail "$k: coco decrypted other layer digests"
  ! layers "oci:$T/dec:$k" | grep -q encrypted || fail "$k: media type still +encrypted"
done
# The wrong key is refused.
run_enc 1 decrypt "oci:$T/skopeo-enc:rsa" "oci:$T/wrong:x" --key "jwe:$T/ec.pem"

# --layer: -1 is the last layer only; out of range is a usage error.
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/last:v1" -r "jwe:$T/rsa.pem.pub" --layer -1
mapfile -t types < <(layers "oci:$T/last:v1" | cut -d' ' -f2)
[[ ${types[0]} != *encrypted && ${types[1]} == *+encrypted ]] || fail "--layer -1 encrypted: ${types[*]}"
run_enc 2 encrypt "oci:$T/src:v1" "oci:$T/bad:v1" -r "jwe:$T/rsa.pem.pub" --layer 2
[[ "$out" == *"out of range"* ]] || fail "out of range --layer: $out"
[[ ! -e "$T/bad" ]] || fail "out-of-range --layer created the destination"

# kbs:/// recipient: the KEK is generated into --kek-out (0600), and opens the image with kbs-key:.
run_enc 2 encrypt "oci:$T/src:v1" "oci:$T/kbs:v1" -r kbs:///default/key/app
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/kbs:v1" -r kbs:///default/key/app --kek-out "$T/app.kek"
[[ $(stat -c %a "$T/app.kek") == 600 && $(stat -c %s "$T/app.kek") == 32 ]] || fail "KEK file not 32 bytes 0600"
run_enc 0 inspect "oci:$T/kbs:v1"
[[ "$out" == *"kbs:///default/key/app"* ]] || fail "inspect does not name the KBS resource: $out"
run_enc 0 decrypt "oci:$T/kbs:v1" "oci:$T/kbs-dec:v1" --key "kbs-key:$T/app.kek"
[[ $(layer_digests "oci:$T/kbs-dec:v1") == "$orig" ]] || fail "kbs: decrypted other layer digests"
run_enc 0 keygen --type kek --out "$T/other.kek"
run_enc 1 decrypt "oci:$T/kbs:v1" "oci:$T/kbs-wrong:v1" --key "kbs-key:$T/other.kek"

echo PASS
