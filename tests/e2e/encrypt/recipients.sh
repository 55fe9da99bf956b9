#!/usr/bin/env bash
# coco-encrypt recipients add|remove: rewrapping keeps every layer blob (same digests), adds a recipient that
# can then decrypt (skopeo too), removes a scheme, a kbs key id, or one pkcs7 or pgp recipient (the other
# recipient still decrypts in coco, skopeo and gpg; the removed one no longer does), and refuses to leave a
# layer without one.
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

# One pkcs7 recipient out of two, in coco's and in skopeo's images: the other still decrypts in coco and
# skopeo, the removed one in neither; the layer blobs are untouched.
for n in 1 2; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/p$n.key" -out "$T/p$n.crt" -subj "/CN=coco-p$n" -days 2 2>/dev/null
done
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/p7:coco" -r "pkcs7:$T/p1.crt" -r "pkcs7:$T/p2.crt"
skopeo copy -q --encryption-key "pkcs7:$T/p1.crt" --encryption-key "pkcs7:$T/p2.crt" "oci:$T/src:v1" "oci:$T/p7:skopeo" >/dev/null
# pkcs7_check IMAGE KEEP GONE: KEEP's key opens IMAGE in coco and skopeo, GONE's in neither.
pkcs7_check() {
  local img=$1 keep=$2 gone=$3 tag=${1##*:}
  run_enc 0 decrypt "oci:$T/p7:$img" "oci:$T/p7dec:$tag-$keep" --key "pkcs7:$T/$keep.key,$T/$keep.crt"
  [[ $(layer_digests "oci:$T/p7dec:$tag-$keep") == "$orig" ]] || fail "pkcs7 $img: coco decrypted other digests"
  skopeo copy -q --decryption-key "$T/$keep.key" --decryption-key "$T/$keep.crt" "oci:$T/p7:$img" \
    "oci:$T/p7sk:$tag-$keep" >/dev/null || fail "pkcs7 $img: skopeo cannot decrypt with $keep"
  [[ $(layer_digests "oci:$T/p7sk:$tag-$keep") == "$orig" ]] || fail "pkcs7 $img: skopeo decrypted other digests"
  run_enc 1 decrypt "oci:$T/p7:$img" "oci:$T/p7dec:$tag-$gone" --key "pkcs7:$T/$gone.key,$T/$gone.crt"
  if skopeo copy -q --decryption-key "$T/$gone.key" --decryption-key "$T/$gone.crt" "oci:$T/p7:$img" \
    "oci:$T/p7sk:$tag-$gone" >/dev/null 2>&1; then
    fail "pkcs7 $img: skopeo still decrypts with the removed $gone"
  fi
}
for img in coco skopeo; do
  run_enc 0 decrypt "oci:$T/p7:$img" "oci:$T/p7dec:$img-both" --key "pkcs7:$T/p1.key,$T/p1.crt"
  run_enc 0 recipients remove "oci:$T/p7:$img" "oci:$T/p7:$img-2" -r "pkcs7:$T/p1.crt"
  [[ $(layer_digests "oci:$T/p7:$img-2") == $(layer_digests "oci:$T/p7:$img") ]] || fail "pkcs7 remove changed layer data"
  pkcs7_check "$img-2" p2 p1
done
run_enc 0 recipients remove "oci:$T/p7:skopeo" "oci:$T/p7:skopeo-1" -r "pkcs7:$T/p2.crt"
pkcs7_check skopeo-1 p1 p2
# The last pkcs7 recipient: the layer would have none. A certificate that is no recipient: a warning.
run_enc 2 recipients remove "oci:$T/p7:coco-2" "oci:$T/p7none:v1" -r "pkcs7:$T/p2.crt"
[[ ! -e $T/p7none ]] || fail "removing the last pkcs7 recipient created DST"
run_enc 0 recipients remove "oci:$T/p7:coco-2" "oci:$T/p7:coco-same" -r "pkcs7:$T/p1.crt" -r kbs
[[ "$out" == *"no layer had the recipient 'pkcs7:$T/p1.crt'"* ]] || fail "no warning for an absent pkcs7 recipient: $out"

# One pgp recipient out of two (a second key in the keyring), in coco's and skopeo's images. The removed
# recipient is named by e-mail address or by fingerprint; gpg itself then opens the wrapped key only with the
# key that was kept.
setup_gnupg  # exports only test@coco.invalid's secret key, to $T/pgp-secret.gpg
# RSA like the test key (a primary key and an encryption subkey), which skopeo 1.9.3 reads.
gpg --batch --passphrase '' --quick-gen-key second@coco.invalid rsa2048 cert never 2>/dev/null
second_fpr=$(gpg --batch --with-colons --list-keys second@coco.invalid | awk -F: '$1=="fpr"{print $10; exit}')
gpg --batch --passphrase '' --quick-add-key "$second_fpr" rsa2048 encr never 2>/dev/null
gpg --batch --export-secret-keys second@coco.invalid > "$T/pgp-second.gpg" 2>/dev/null
[[ -s $T/pgp-second.gpg && -n $second_fpr ]] || fail "cannot make the second pgp key"
# Homes with one secret key each, for decrypting as one recipient only.
for k in test second; do
  mkdir -m 700 "$T/gnupg-$k"
done
GNUPGHOME=$T/gnupg-test gpg --batch --import "$T/pgp-secret.gpg" 2>/dev/null
GNUPGHOME=$T/gnupg-second gpg --batch --import "$T/pgp-second.gpg" 2>/dev/null
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/pgp:coco" -r pgp:test@coco.invalid -r pgp:second@coco.invalid
skopeo copy -q --encryption-key pgp:test@coco.invalid --encryption-key pgp:second@coco.invalid "oci:$T/src:v1" \
  "oci:$T/pgp:skopeo" >/dev/null
# pgp_layer_key IMAGE: the first layer's first pgp blob, binary, on stdout.
pgp_layer_key() {
  skopeo inspect --raw "oci:$T/pgp:$1" | python3 -c 'import base64,json,sys
m=json.load(sys.stdin)
v=m["layers"][0]["annotations"]["org.opencontainers.image.enc.keys.pgp"]
sys.stdout.buffer.write(base64.b64decode(v.split(",")[0]))'
}
# pgp_check IMAGE KEEP GONE: KEEP (test|second) opens IMAGE in coco, skopeo and gpg; GONE in none of them.
pgp_check() {
  local img=$1 keep=$2 gone=$3
  declare -A home=([test]=$T/gnupg-test [second]=$T/gnupg-second) secret=([test]=$T/pgp-secret.gpg [second]=$T/pgp-second.gpg)
  pgp_layer_key "$img" > "$T/pgp-$img.key.gpg"
  GNUPGHOME=${home[$keep]} gpg --batch --decrypt "$T/pgp-$img.key.gpg" 2>/dev/null | grep -q symkey ||
    fail "pgp $img: gpg cannot open the layer key with $keep"
  if GNUPGHOME=${home[$gone]} gpg --batch --decrypt "$T/pgp-$img.key.gpg" >/dev/null 2>&1; then
    fail "pgp $img: gpg still opens the layer key with the removed $gone"
  fi
  GNUPGHOME=${home[$keep]} run_enc 0 decrypt "oci:$T/pgp:$img" "oci:$T/pgpdec:$img-$keep" --key pgp
  [[ $(layer_digests "oci:$T/pgpdec:$img-$keep") == "$orig" ]] || fail "pgp $img: coco decrypted other digests"
  GNUPGHOME=${home[$gone]} run_enc 1 decrypt "oci:$T/pgp:$img" "oci:$T/pgpdec:$img-$gone" --key pgp
  skopeo copy -q --decryption-key "${secret[$keep]}" "oci:$T/pgp:$img" "oci:$T/pgpsk:$img-$keep" >/dev/null ||
    fail "pgp $img: skopeo cannot decrypt with $keep"
  [[ $(layer_digests "oci:$T/pgpsk:$img-$keep") == "$orig" ]] || fail "pgp $img: skopeo decrypted other digests"
  if skopeo copy -q --decryption-key "${secret[$gone]}" "oci:$T/pgp:$img" "oci:$T/pgpsk:$img-$gone" >/dev/null 2>&1; then
    fail "pgp $img: skopeo still decrypts with the removed $gone"
  fi
}
GNUPGHOME=$T/gnupg-second run_enc 0 decrypt "oci:$T/pgp:coco" "oci:$T/pgpdec:both" --key pgp
run_enc 0 recipients remove "oci:$T/pgp:coco" "oci:$T/pgp:coco-test" -r pgp:second@coco.invalid
[[ $(layer_digests "oci:$T/pgp:coco-test") == $(layer_digests "oci:$T/pgp:coco") ]] || fail "pgp remove changed layer data"
pgp_check coco-test test second
run_enc 0 recipients remove "oci:$T/pgp:skopeo" "oci:$T/pgp:skopeo-test" -r "pgp:$second_fpr"
pgp_check skopeo-test test second
run_enc 0 recipients remove "oci:$T/pgp:skopeo" "oci:$T/pgp:skopeo-second" -r pgp:test@coco.invalid
pgp_check skopeo-second second test
run_enc 2 recipients remove "oci:$T/pgp:coco-test" "oci:$T/pgpnone:v1" -r pgp:test@coco.invalid
[[ ! -e $T/pgpnone ]] || fail "removing the last pgp recipient created DST"
# A recipient not in the keyring is an error before anything is copied.
run_enc 1 recipients remove "oci:$T/pgp:coco" "oci:$T/pgpx:v1" -r pgp:nobody@coco.invalid
[[ "$out" == *nobody@coco.invalid* && ! -e $T/pgpx ]] || fail "unknown pgp recipient: $out"
# Hidden pgp recipients (gpg --throw-keyids: wildcard key ids) cannot be matched to a key: an error saying
# so, and no DST. The layer keys of the test-only image are rewrapped that way by hand, under a new tag.
python3 - "$T/pgp" coco-test <<'PY'
import base64, hashlib, json, os, subprocess, sys
layout, tag = sys.argv[1:]
def path(d): return os.path.join(layout, "blobs", "sha256", d.split(":")[1])
index = json.load(open(os.path.join(layout, "index.json")))
entry = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
manifest = json.load(open(path(entry["digest"])))
key = "org.opencontainers.image.enc.keys.pgp"
for l in manifest["layers"]:
    opts = subprocess.run(["gpg", "--batch", "--decrypt"], input=base64.b64decode(l["annotations"][key]),
                          capture_output=True, check=True).stdout
    hidden = subprocess.run(["gpg", "--batch", "--trust-model", "always", "--throw-keyids", "-r", "test@coco.invalid",
                             "--encrypt"], input=opts, capture_output=True, check=True).stdout
    l["annotations"][key] = base64.b64encode(hidden).decode()
data = json.dumps(manifest).encode()
digest = "sha256:" + hashlib.sha256(data).hexdigest()
open(path(digest), "wb").write(data)
index["manifests"].append(dict(entry, digest=digest, size=len(data),
                               annotations={"org.opencontainers.image.ref.name": "hidden"}))
json.dump(index, open(os.path.join(layout, "index.json"), "w"))
PY
run_enc 0 decrypt "oci:$T/pgp:hidden" "oci:$T/pgpdec:hidden" --key pgp
[[ $(layer_digests "oci:$T/pgpdec:hidden") == "$orig" ]] || fail "hidden pgp: coco decrypted other digests"
run_enc 1 recipients remove "oci:$T/pgp:hidden" "oci:$T/pgphid:v1" -r pgp:test@coco.invalid
[[ "$out" == *"hidden (wildcard key ids)"* && "$out" == *layer* ]] || fail "hidden pgp recipients: $out"
[[ ! -e $T/pgphid ]] || fail "a refused pgp removal created DST"
for h in "$T/gnupg" "$T/gnupg-test" "$T/gnupg-second"; do
  GNUPGHOME=$h gpgconf --kill gpg-agent 2>/dev/null || true
done
echo PASS
