#!/usr/bin/env bash
# One-step encryption with the key in the KBS: coco-encrypt encrypt -r kbs:///R/T/G --kbs-context NAME against a
# real `coco-kbs serve` generates the key, uploads it, confirms it by reading it back, encrypts and checks the
# key unwraps every layer key; the key fetched back with `coco-kbs secrets get` decrypts the image to the
# original layer digests. A refused upload (a key the server does not trust) fails before any image exists.
source "$(dirname "$0")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kbs_server.sh"
export XDG_CONFIG_HOME="$T/config"
unset COCO_KBS_URL COCO_KBS_ADMIN_KEY COCO_KBS_CONTEXT COCO_CONFIG || true

kbs_serve_start "$T/state" "$T/serve.log"
SERVER_PIDS+=("$KBS_PID")  # lib.sh's cleanup ends it
url=$KBS_URL key=$KBS_ADMIN_KEY cert=$KBS_CERT
[[ -f "$key" && -f "$cert" ]] || fail "no admin key or certificate printed"
coco-kbs config set-context local --url "$url" --admin-key "$key" --cacert "$cert" >/dev/null || fail "set-context"

make_two_layer_image "$T/src" v1
orig=$(layer_digests "oci:$T/src:v1")

# The key goes to the KBS only: no --kek-out, nothing on disk.
# (stdout only: with -o json the progress events go to stderr as JSON lines.)
out=$("$COCO_ENCRYPT" -o json encrypt "oci:$T/src:v1" "oci:$T/enc:v1" -r kbs:///default/image-key/app \
  --kbs-context local 2>"$T/enc.err") || { cat "$T/enc.err" >&2; fail "one-step encrypt with --kbs-context"; }
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); k=d["kbsKey"]
assert k["resource"] == "default/image-key/app" and k["confirmedBy"] == "admin read-back" and k["layerKeysChecked"], d' \
  "$out" || fail "encrypt report: $out"
[[ $(layers "oci:$T/enc:v1" | grep -c '+encrypted$') -eq 2 ]] || fail "not every layer encrypted"

coco-kbs secrets get default/image-key/app --out "$T/fetched.kek" >/dev/null || fail "secrets get of the uploaded key"
[[ $(stat -c %s "$T/fetched.kek") == 32 ]] || fail "the uploaded key is not 32 bytes"
run_enc 0 decrypt "oci:$T/enc:v1" "oci:$T/dec:v1" --key "kbs-key:$T/fetched.kek"
[[ $(layer_digests "oci:$T/dec:v1") == "$orig" ]] || fail "decrypted layer digests differ from the original"

# The same with explicit flags and a --kek-out copy: the file and the KBS hold the same key.
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:v2" -r kbs:///default/image-key/app2 --kek-out "$T/app2.kek" \
  --kbs-url "$url" --kbs-admin-key "$key" --kbs-cacert "$cert"
coco-kbs secrets get default/image-key/app2 --out "$T/fetched2.kek" >/dev/null || fail "secrets get app2"
cmp -s "$T/app2.kek" "$T/fetched2.kek" || fail "--kek-out and the KBS hold different keys"
[[ $(stat -c %a "$T/app2.kek") == 600 ]] || fail "--kek-out not 0600"

# A key the server does not trust: the upload is refused, the command fails and writes no image.
coco-kbs auth keygen --out "$T/other.key" >/dev/null || fail "keygen"
run_enc 3 encrypt "oci:$T/src:v1" "oci:$T/refused:v1" -r kbs:///default/image-key/app3 \
  --kbs-url "$url" --kbs-admin-key "$T/other.key" --kbs-cacert "$cert"
grep -q "no image was written" <<<"$out" || fail "refused upload message: $out"
[[ ! -e "$T/refused" ]] || fail "an image was written although the upload was refused"
coco-kbs secrets get default/image-key/app3 --out "$T/none" >/dev/null 2>&1 && fail "refused key stored"

# Misuse: an upload without a kbs:/// recipient, and a context that does not exist.
run_enc 2 encrypt "oci:$T/src:v1" "oci:$T/x:v1" -r "jwe:$cert" --kbs-context local
run_enc 1 encrypt "oci:$T/src:v1" "oci:$T/x:v1" -r kbs:///default/image-key/app4 --kbs-context nosuch
[[ ! -e "$T/x" ]] || fail "an image was written on a usage error"
echo "kbs_upload: ok"
