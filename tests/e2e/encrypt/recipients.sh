#!/usr/bin/env bash
# coco-encrypt recipients add|remove: rewrapping keeps every layer blob (same digests), adds a recipient that
# can then decrypt (skopeo too), removes a scheme or a kbs key id, and refuses to leave a layer without one.
source "$(dirname "$0")/lib.sh"

make_two_layer_image "$T/src" v1
orig=$(layer_digests "oci:$T/src:v1")
run_enc 0 keygen --type ec --out "$T/a.pem"
run_enc 0 keygen --type rsa --out "$T/b.pem"
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:a" -r "jwe:$T/a.pem.pub"
enc=$(layer_digests "oci:$T/enc:a")

# b cannot open it; after add (with a's key) it can, and the layer blobs are the same.
run_enc 1 decrypt "oci:$T/enc:a" "oci:$T/x:v1" --key "jwe:$T/b.pem"
run_enc 2 recipients add "oci:$T/enc:a" "oci:$T/enc:ab" -r "jwe:$T/b.pem.pub"
run_enc 1 recipients add "oci:$T/enc:a" "oci:$T/enc:ab" -r "jwe:$T/b.pem.pub" --key "jwe:$T/b.pem"
run_enc 0 recipients add "oci:$T/enc:a" "oci:$T/enc:ab" -r "jwe:$T/b.pem.pub" --key "jwe:$T/a.pem"
[[ $(layer_digests "oci:$T/enc:ab") == "$enc" ]] || fail "add changed layer data"
skopeo inspect --raw "oci:$T/enc:ab" | python3 -c 'import json,sys,base64
m=json.load(sys.stdin)
for l in m["layers"]:
  v=l["annotations"]["org.opencontainers.image.enc.keys.jwe"]
  assert len(v.split(","))==2, v' || fail "add did not append a second jwe blob"
for k in a b; do
  run_enc 0 decrypt "oci:$T/enc:ab" "oci:$T/dec:$k" --key "jwe:$T/$k.pem"
  [[ $(layer_digests "oci:$T/dec:$k") == "$orig" ]] || fail "$k: other digests after add"
done
skopeo copy -q --decryption-key "$T/b.pem" "oci:$T/enc:ab" "oci:$T/skdec:b" >/dev/null || fail "skopeo cannot use the added recipient"
[[ $(layer_digests "oci:$T/skdec:b") == "$orig" ]] || fail "skopeo: other digests after add"

# A kbs recipient added; then jwe removed: only the KEK opens it.
run_enc 0 recipients add "oci:$T/enc:ab" "oci:$T/enc:abk" -r kbs:///default/key/app --kek-out "$T/app.kek" --key "jwe:$T/b.pem"
run_enc 0 recipients remove "oci:$T/enc:abk" "oci:$T/enc:k" -r jwe
[[ $(layer_digests "oci:$T/enc:k") == "$enc" ]] || fail "remove changed layer data"
run_enc 1 decrypt "oci:$T/enc:k" "oci:$T/y:v1" --key "jwe:$T/a.pem"
run_enc 0 decrypt "oci:$T/enc:k" "oci:$T/dec:k" --key "kbs-key:$T/app.kek"
[[ $(layer_digests "oci:$T/dec:k") == "$orig" ]] || fail "kbs: other digests after remove"
run_enc 0 verify "oci:$T/enc:k" --key "kbs-key:$T/app.kek"
# Removing the kbs key id would leave no recipient: refused, no DST.
run_enc 2 recipients remove "oci:$T/enc:k" "oci:$T/none:v1" -r kbs:///default/key/app
[[ ! -e $T/none ]] || fail "remove of the last recipient created DST"
# Removing it from the image that still has jwe works.
run_enc 0 recipients remove "oci:$T/enc:abk" "oci:$T/enc:ab2" -r kbs:///default/key/app
run_enc 0 inspect "oci:$T/enc:ab2"
[[ "$out" != *kbs:///* ]] || fail "kbs recipient still listed: $out"
# A single jwe public key cannot be picked out of the wrapped keys: a usage error with a hint.
run_enc 2 recipients remove "oci:$T/enc:ab" "oci:$T/z:v1" -r "jwe:$T/a.pem.pub"
[[ "$out" == *"whole scheme"* ]] || fail "no hint: $out"
echo PASS
