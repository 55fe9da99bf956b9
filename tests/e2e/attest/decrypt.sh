#!/bin/bash
# An image encrypted with `coco-encrypt encrypt -r kbs:///default/key/img --kek-out F`, F uploaded with
# `coco-kbs secrets put`, is decrypted by `coco-attest decrypt` through a real KBS with simulated SEV-SNP evidence:
# the layer digests equal the original's. With the key refused (another measurement), nothing is written.
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/kbs_lib.sh"
A=coco-attest
M=$(printf 'ab%.0s' {1..48})
M2=$(printf 'cd%.0s' {1..48})
cd "$WORK" || exit 1
layer_digests() { skopeo inspect --raw "$1" | jq -r '.layers[].digest'; }

# A two-layer image made with umoci.
umoci init --layout app >/dev/null && umoci new --image app:v1 >/dev/null || { echo "FAIL: umoci" >&2; exit 1; }
for n in 1 2; do
    umoci unpack --rootless --image app:v1 bundle >/dev/null
    head -c 100000 /dev/urandom >"bundle/rootfs/layer$n.bin"
    umoci repack --image app:v1 bundle >/dev/null
    rm -rf bundle
done
orig=$(layer_digests oci:app:v1)
[[ $(wc -l <<<"$orig") -eq 2 ]] || fail "expected a two-layer image"

run_coco 0 coco-encrypt encrypt -r kbs:///default/key/img --kek-out img.kek oci:app:v1 oci:enc:v1
[[ $(stat -c %a img.kek) == 600 ]] || fail "the KEK is not 0600"
[[ $(layer_digests oci:enc:v1) != "$orig" ]] || fail "the layers were not encrypted"

run_coco 0 "$A" sim init sim
kbs_start "$WORK/sim"
K=(--kbs "$KBS_URL" --cacert "$KBS_CERT")
put_secret default/key/img img.kek
set_test_attestation_policy
set_reference_values "{\"snp_launch_measurement\":[\"$M\"]}"
set_affirming_resource_policy

S=(--tee sim-snp --sim-dir "$WORK/sim")
run_coco 0 "$A" decrypt oci:enc:v1 oci:dec:v1 "${K[@]}" "${S[@]}" --measurement "$M" -o json && {
    [[ $(jq -r .layersDecrypted <<<"$out") == 2 ]] || fail "decrypt: layers decrypted: $out"
    [[ $(jq -r '.keys[0]' <<<"$out") == kbs:///default/key/img ]] || fail "decrypt: keys: $out"
}
[[ $(layer_digests oci:dec:v1) == "$orig" ]] || fail "the decrypted layer digests differ from the original"

# The key refused: exit 9, no destination.
run_coco 9 "$A" decrypt oci:enc:v1 oci:refused:v1 "${K[@]}" "${S[@]}" --measurement "$M2"
[[ -d refused ]] && skopeo inspect --raw oci:refused:v1 >/dev/null 2>&1 && fail "a refused decrypt wrote the image"

finish
