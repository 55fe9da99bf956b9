#!/usr/bin/env bash
# Interop with skopeo 1.9.3 both ways for pkcs7 and pgp (jwe RSA/EC: roundtrip.sh): coco encrypts -> skopeo
# --decryption-key gives the original layer digests; skopeo --encryption-key -> coco decrypts to them. The
# provider: scheme end to end through the test command keyprovider (skopeo 1.9.3 has no provider: keys).
# Then a multi-arch index with --all (both ways), a Docker schema2 source (converted to OCI
# as containers/image does), and both ways through a docker-registry on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

make_two_layer_image "$T/src" v1
orig=$(layer_digests "oci:$T/src:v1")
setup_gnupg
setup_keyprovider

# pkcs7: a self-signed RSA certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/p7.key" -out "$T/p7.crt" -subj /CN=coco-test -days 2 2>/dev/null
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:pkcs7" -r "pkcs7:$T/p7.crt"
skopeo copy -q --decryption-key "$T/p7.key" --decryption-key "$T/p7.crt" "oci:$T/enc:pkcs7" "oci:$T/skdec:pkcs7" >/dev/null ||
  fail "skopeo cannot decrypt coco's pkcs7 image"
[[ $(layer_digests "oci:$T/skdec:pkcs7") == "$orig" ]] || fail "pkcs7: skopeo decrypted other layer digests"
skopeo copy -q --encryption-key "pkcs7:$T/p7.crt" "oci:$T/src:v1" "oci:$T/skenc:pkcs7" >/dev/null
run_enc 0 decrypt "oci:$T/skenc:pkcs7" "oci:$T/dec:pkcs7" --key "pkcs7:$T/p7.key,$T/p7.crt"
[[ $(layer_digests "oci:$T/dec:pkcs7") == "$orig" ]] || fail "pkcs7: coco decrypted other layer digests"

# pgp: the keyring in GNUPGHOME.
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:pgp" -r pgp:test@coco.invalid
skopeo copy -q --decryption-key "$T/pgp-secret.gpg" "oci:$T/enc:pgp" "oci:$T/skdec:pgp" >/dev/null ||
  fail "skopeo cannot decrypt coco's pgp image"
[[ $(layer_digests "oci:$T/skdec:pgp") == "$orig" ]] || fail "pgp: skopeo decrypted other layer digests"
skopeo copy -q --encryption-key pgp:test@coco.invalid "oci:$T/src:v1" "oci:$T/skenc:pgp" >/dev/null
run_enc 0 decrypt "oci:$T/skenc:pgp" "oci:$T/dec:pgp" --key pgp
[[ $(layer_digests "oci:$T/dec:pgp") == "$orig" ]] || fail "pgp: coco decrypted other layer digests"

# provider: wrapped and unwrapped by the test command keyprovider (skopeo 1.9.3 rejects provider: keys:
# "Provided protocol not recognized"); the PARAMS reach the provider, which records them in its envelope.
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:kp" -r provider:testkp:some-params
skopeo inspect --raw "oci:$T/enc:kp" | python3 -c 'import base64,json,sys
m=json.load(sys.stdin)
for l in m["layers"]:
  assert l["mediaType"].endswith("+encrypted")
  v=base64.b64decode(l["annotations"]["org.opencontainers.image.enc.keys.provider.testkp"])
  assert b"some-params" in v, v' || fail "no provider.testkp annotation carrying the params"
run_enc 0 decrypt "oci:$T/enc:kp" "oci:$T/dec:kp" --key provider:testkp
[[ $(layer_digests "oci:$T/dec:kp") == "$orig" ]] || fail "provider: other layer digests"
run_enc 0 verify "oci:$T/enc:kp" --key provider:testkp
run_enc 1 decrypt "oci:$T/enc:kp" "oci:$T/nokey:x" --key pgp
[[ ! -e $T/nokey ]] || fail "a failed decrypt created its destination"

# A multi-arch index, every platform (--all), both ways.
run_enc 0 keygen --type ec --out "$T/ec.pem"
make_image "$T/multi" amd v1-amd64 amd64
make_image "$T/multi" arm v1-arm64 arm64
python3 "$(dirname "$0")/../oci/multiarch.py" "$T/multi" idx amd arm >/dev/null
want=$(all_layer_digests "$T/multi" idx)
[[ $(wc -l <<<"$want") -eq 2 && $want == *linux/amd64* && $want == *linux/arm64* ]] || fail "bad test index: $want"
run_enc 0 encrypt --all "oci:$T/multi:idx" "oci:$T/menc:idx" -r "jwe:$T/ec.pem.pub"
[[ $(all_layers "$T/menc" idx | grep -c '+encrypted$') -eq 2 ]] || fail "not every platform encrypted"
skopeo copy -q --all --decryption-key "$T/ec.pem" "oci:$T/menc:idx" "oci:$T/mskdec:idx" >/dev/null ||
  fail "skopeo cannot decrypt coco's index"
[[ $(all_layer_digests "$T/mskdec" idx) == "$want" ]] || fail "index: skopeo decrypted other digests"
skopeo copy -q --all --encryption-key "jwe:$T/ec.pem.pub" "oci:$T/multi:idx" "oci:$T/mskenc:idx" >/dev/null
run_enc 0 decrypt --all "oci:$T/mskenc:idx" "oci:$T/mdec:idx" --key "jwe:$T/ec.pem"
[[ $(all_layer_digests "$T/mdec" idx) == "$want" ]] || fail "index: coco decrypted other digests"
# One platform of the index.
run_enc 0 encrypt --platform linux/arm64 "oci:$T/multi:idx" "oci:$T/arm:v1" -r "jwe:$T/ec.pem.pub"
[[ $(layers "oci:$T/arm:v1") == *+encrypted ]] || fail "--platform: layer not encrypted"
skopeo copy -q --decryption-key "$T/ec.pem" "oci:$T/arm:v1" "oci:$T/armdec:v1" >/dev/null
[[ "linux/arm64 $(layer_digests "oci:$T/armdec:v1")" == $(grep arm64 <<<"$want") ]] || fail "--platform chose another instance"

# A Docker schema2 source is written as OCI (the +encrypted types exist only there), even to dir:.
skopeo copy -q --format v2s2 "oci:$T/src:v1" "dir:$T/v2s2" >/dev/null
v2s2=$(layer_digests "dir:$T/v2s2")
run_enc 0 encrypt "dir:$T/v2s2" "dir:$T/v2s2-enc" -r "jwe:$T/ec.pem.pub"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))
assert m["mediaType"]=="application/vnd.oci.image.manifest.v1+json", m["mediaType"]
assert m["config"]["mediaType"]=="application/vnd.oci.image.config.v1+json"
assert all(l["mediaType"]=="application/vnd.oci.image.layer.v1.tar+gzip+encrypted" for l in m["layers"]), m["layers"]' \
  "$T/v2s2-enc/manifest.json" || fail "docker schema2 source not converted to OCI"
skopeo copy -q --decryption-key "$T/ec.pem" "dir:$T/v2s2-enc" "oci:$T/v2s2dec:v1" >/dev/null
[[ $(layer_digests "oci:$T/v2s2dec:v1") == "$v2s2" ]] || fail "docker schema2: skopeo decrypted other digests"

# Through a registry, both ways.
start_registry
S=(--src-authfile "$AUTHFILE" --dest-authfile "$AUTHFILE" --src-tls-verify=false --dest-tls-verify=false)
SK=(--src-authfile "$AUTHFILE" --dest-authfile "$AUTHFILE" --src-tls-verify=false --dest-tls-verify=false)
run_enc 0 encrypt "${S[@]}" "oci:$T/src:v1" "docker://$REGISTRY/coco/enc:v1" -r "jwe:$T/ec.pem.pub"
skopeo copy -q "${SK[@]}" --decryption-key "$T/ec.pem" "docker://$REGISTRY/coco/enc:v1" "oci:$T/regdec:sk" >/dev/null ||
  fail "skopeo cannot decrypt coco's push"
[[ $(layer_digests "oci:$T/regdec:sk") == "$orig" ]] || fail "registry: skopeo decrypted other digests"
skopeo copy -q "${SK[@]}" --encryption-key "jwe:$T/ec.pem.pub" "oci:$T/src:v1" "docker://$REGISTRY/skopeo/enc:v1" >/dev/null
run_enc 0 decrypt "${S[@]}" "docker://$REGISTRY/skopeo/enc:v1" "oci:$T/regdec:coco" --key "jwe:$T/ec.pem"
[[ $(layer_digests "oci:$T/regdec:coco") == "$orig" ]] || fail "registry: coco decrypted other digests"
# Registry to registry, encrypted on the way, and the index with --all.
run_enc 0 decrypt "${S[@]}" "docker://$REGISTRY/coco/enc:v1" "docker://$REGISTRY/coco/dec:v1" --key "jwe:$T/ec.pem"
skopeo copy -q "${SK[@]}" "docker://$REGISTRY/coco/dec:v1" "oci:$T/regdec:r2r" >/dev/null
[[ $(layer_digests "oci:$T/regdec:r2r") == "$orig" ]] || fail "registry to registry: other digests"
run_enc 0 encrypt "${S[@]}" --all "oci:$T/multi:idx" "docker://$REGISTRY/coco/multi:v1" -r "jwe:$T/ec.pem.pub"
skopeo copy -q --all "${SK[@]}" --decryption-key "$T/ec.pem" "docker://$REGISTRY/coco/multi:v1" "oci:$T/regmulti:idx" >/dev/null ||
  fail "skopeo cannot decrypt coco's pushed index"
[[ $(all_layer_digests "$T/regmulti" idx) == "$want" ]] || fail "registry index: other digests"
echo PASS
