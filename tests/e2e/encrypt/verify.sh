#!/usr/bin/env bash
# coco-encrypt verify: a fully encrypted image passes (exit 0), with --key every layer decrypts; a plain layer,
# a tampered layer, a secret in the config, a zstd layer, a non-kbs kid and incomplete pubopts each fail
# with exit 3 and are listed (-o json too); --allow-plain-layer lets a named layer stay plain. Encryption of
# a layer whose type cannot be encrypted fails instead of writing it plain.
source "$(dirname "$0")/lib.sh"

make_two_layer_image "$T/src" v1
first=$(layer_digests "oci:$T/src:v1" | head -1)
run_enc 0 keygen --type ec --out "$T/ec.pem"
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:all" -r "jwe:$T/ec.pem.pub" -r kbs:///default/key/app --kek-out "$T/app.kek"
run_enc 0 verify "oci:$T/enc:all"
[[ "$out" == *"ok: 2 layers"* ]] || fail "verify ok: $out"
json=$("$COCO_ENCRYPT" verify "oci:$T/enc:all" --key "kbs-key:$T/app.kek" -o json 2>/dev/null) || fail "verify --key json failed"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["ok"] and d["layersDecrypted"]==2 and d["problems"]==[], d' "$json" ||
  fail "verify --key json: $json"

# A plain layer: refused, unless allowed by digest.
run_enc 0 encrypt "oci:$T/src:v1" "oci:$T/enc:last" -r "jwe:$T/ec.pem.pub" --layer -1
run_enc 3 verify "oci:$T/enc:last"
[[ "$out" == *"plain-layer: layer 0 ($first)"* ]] || fail "plain layer not listed: $out"
run_enc 0 verify "oci:$T/enc:last" --allow-plain-layer "$first"

# The wrong key: every layer fails to decrypt.
run_enc 0 keygen --type kek --out "$T/other.kek"
set +e
json=$("$COCO_ENCRYPT" verify "oci:$T/enc:all" --key "kbs-key:$T/other.kek" -o json 2>/dev/null)
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "wrong key: exit $rc"
python3 -c 'import json,sys
d=json.loads(sys.argv[1])
assert not d["ok"] and [p["check"] for p in d["problems"]]==["decrypt","decrypt"], d' "$json" || fail "wrong key: $json"

# A secret in the config: named, its value never printed.
umoci config --image "$T/src:v1" --tag v1-secret --config.env DB_PASSWORD=hunter2-very-secret \
  --config.label "ci.token=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" --config.env PATH=/usr/bin
run_enc 0 encrypt "oci:$T/src:v1-secret" "oci:$T/enc:secret" -r "jwe:$T/ec.pem.pub"
run_enc 3 verify "oci:$T/enc:secret"
[[ "$out" == *"config-secret: config Env DB_PASSWORD"* && "$out" == *"config-secret: config Label ci.token"* ]] ||
  fail "config secrets not listed: $out"
[[ "$out" != *hunter2* && "$out" != *ghp_aaaa* && "$out" != *"Env PATH"* ]] || fail "verify printed a secret or flagged PATH: $out"

# What the CoCo guest cannot use, made by editing the manifest of an encrypted dir: image.
run_enc 0 encrypt "oci:$T/src:v1" "dir:$T/guest" -r "jwe:$T/ec.pem.pub" -r kbs:///default/key/app --kek-out "$T/app.kek"
python3 - "$T/guest/manifest.json" <<'PY'
import base64, json, sys
p = sys.argv[1]
m = json.load(open(p))
l0, l1 = m["layers"]
l0["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd+encrypted"
key = "org.opencontainers.image.enc.keys.provider.attestation-agent"
packet = json.loads(base64.b64decode(l1["annotations"][key]))
packet["kid"] = "/default/image-kek/0b0d"
l1["annotations"][key] = base64.b64encode(json.dumps(packet).encode()).decode()
pub = json.loads(base64.b64decode(l1["annotations"]["org.opencontainers.image.enc.pubopts"]))
del pub["cipheroptions"]
l1["annotations"]["org.opencontainers.image.enc.pubopts"] = base64.b64encode(json.dumps(pub).encode()).decode()
json.dump(m, open(p, "w"))
PY
run_enc 3 verify "dir:$T/guest"
[[ "$out" == *"guest-zstd: layer 0"* ]] || fail "zstd layer not reported: $out"
[[ "$out" == *"guest-kid: layer 1"*"/default/image-kek/0b0d"* ]] || fail "kid not reported: $out"
[[ "$out" == *"guest-pubopts: layer 1"*cipheroptions* ]] || fail "incomplete pubopts not reported: $out"

# A broken wrapped key.
python3 - "$T/guest/manifest.json" <<'PY'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["layers"][0]["annotations"]["org.opencontainers.image.enc.keys.jwe"] = "bm90IGEgandl"
json.dump(m, open(p, "w"))
PY
run_enc 3 verify "dir:$T/guest"
[[ "$out" == *"wrapped-key: layer 0"*jwe* ]] || fail "broken jwe not reported: $out"

# A multi-arch index: every platform is checked.
make_image "$T/multi" amd v1-amd64 amd64
make_image "$T/multi" arm v1-arm64 arm64
python3 "$(dirname "$0")/../oci/multiarch.py" "$T/multi" idx amd arm >/dev/null
run_enc 0 encrypt --platform linux/arm64 "oci:$T/multi:idx" "oci:$T/menc:arm" -r "jwe:$T/ec.pem.pub"
run_enc 3 verify "oci:$T/multi:idx"
[[ "$out" == *"plain-layer: linux/amd64: layer 0"* && "$out" == *"plain-layer: linux/arm64: layer 0"* ]] ||
  fail "index platforms not both checked: $out"
run_enc 0 encrypt --all "oci:$T/multi:idx" "oci:$T/menc:all" -r "jwe:$T/ec.pem.pub"
run_enc 0 verify "oci:$T/menc:all" --key "jwe:$T/ec.pem"

# Never silently plain: a selected layer whose type cannot be encrypted fails the command, no DST.
python3 - "$T/src" <<'PY'
import hashlib, json, os, sys
layout = sys.argv[1]
idx = json.load(open(os.path.join(layout, "index.json")))
d = next(m for m in idx["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "v1")
blob = lambda x: os.path.join(layout, "blobs", "sha256", x.split(":")[1])
m = json.load(open(blob(d["digest"])))
m["layers"][0]["mediaType"] = "application/vnd.example.unknown.layer"
data = json.dumps(m).encode()
h = hashlib.sha256(data).hexdigest()
open(os.path.join(layout, "blobs", "sha256", h), "wb").write(data)
idx["manifests"].append({"mediaType": d["mediaType"], "digest": "sha256:" + h, "size": len(data),
                         "annotations": {"org.opencontainers.image.ref.name": "odd"}})
json.dump(idx, open(os.path.join(layout, "index.json"), "w"))
PY
run_enc 1 encrypt "oci:$T/src:odd" "oci:$T/odd:v1" -r "jwe:$T/ec.pem.pub"
[[ "$out" == *"cannot be encrypted"* ]] || fail "unencryptable layer: $out"
[[ ! -e $T/odd ]] || fail "unencryptable layer: destination created"
echo PASS
