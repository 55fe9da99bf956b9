#!/bin/bash
# A TPM 2.0 quote from swtpm (started here, socket mode, state in a temp dir; AK created with tpm2-tools at the
# persistent handle 0x81010002 as guest-components expects) verifies end to end through a real `coco-kbs serve`:
# attest --tee tpm gets an EAR token with the PCRs and the AK; once the AK is a reference value the attestation
# policy affirms it and the resource is released, decrypted with the TEE key.
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/kbs_lib.sh"
A=coco-attest
cd "$WORK" || exit 1
for tool in swtpm tpm2_createek tpm2_createak tpm2_evictcontrol; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/bootstrap installs it)" >&2; exit 1; }
done

SWTPM_PID=""
mkdir tpmstate
for attempt in 1 2 3; do
    port=$(e2e_free_port)
    swtpm socket --tpm2 --tpmstate dir="$WORK/tpmstate" --server type=tcp,port="$port",bindaddr=127.0.0.1 \
        --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
        >swtpm.log 2>&1 &
    SWTPM_PID=$!
    sleep 0.5
    kill -0 "$SWTPM_PID" 2>/dev/null && break
    SWTPM_PID=""
done
[[ -n $SWTPM_PID ]] || { cat swtpm.log >&2; echo "FAIL: swtpm did not start" >&2; exit 1; }
e2e_track "$SWTPM_PID"
TCTI="swtpm:host=127.0.0.1,port=$port"
export TPM2TOOLS_TCTI=$TCTI
# No resource manager in front of swtpm: flush transient objects and sessions between the tools.
flush() { tpm2_flushcontext -t 2>>tpm2.log && tpm2_flushcontext -s 2>>tpm2.log; }
tpm2_createek -c ek.ctx -G rsa -u ek.pub >/dev/null 2>tpm2.log && flush &&
    tpm2_createak -C ek.ctx -c ak.ctx -G rsa -g sha256 -s rsassa -u ak.pub -n ak.name >/dev/null 2>>tpm2.log && flush &&
    tpm2_evictcontrol -C o -c ak.ctx 0x81010002 >/dev/null 2>>tpm2.log && flush ||
    { cat tpm2.log >&2; echo "FAIL: could not create the AK" >&2; exit 1; }

run_coco 0 "$A" sim init sim
kbs_start "$WORK/sim"
K=(--kbs "$KBS_URL" --cacert "$KBS_CERT")
T=(--tee tpm --tpm-tcti "$TCTI")
printf 'tpm-released-secret' >secret
put_secret default/key/tpm secret
set_test_attestation_policy
set_affirming_resource_policy

# The quote verifies (signature, PCR digest, nonce binding); the AK is not yet trusted by the policy.
run_coco 0 "$A" attest "${K[@]}" "${T[@]}" -o json || { cat "$WORK/serve.log" >&2; finish; }
ev=$(jq -c '.claims.submods.cpu0["ear.veraison.annotated-evidence"]' <<<"$out")
ak=$(jq -r '.tpm.ak_public' <<<"$ev")
[[ -n $ak && $ak != null ]] || fail "no ak_public claim: $ev"
[[ $(jq -r '.tpm.pcr00' <<<"$ev") =~ ^[0-9a-f]{64}$ ]] || fail "no pcr00 claim: $ev"
[[ $(jq -r '.claims.submods.cpu0["ear.status"]' <<<"$out") == contraindicated ]] || fail "an unknown AK is not contraindicated"
# The nonce binding: the report_data claim is the first 32 bytes of the runtime-data digest (64 hex digits).
[[ $(jq -r '.report_data' <<<"$ev") =~ ^[0-9a-f]{64}$ ]] || fail "report_data is not the 32-byte TPM nonce: $ev"
run_coco 9 "$A" get-resource kbs:///default/key/tpm "${K[@]}" "${T[@]}" --out refused.bin
[[ -e refused.bin ]] && fail "a refused resource was written"

# The AK registered as a reference value: affirming, released.
set_reference_values "{\"tpm_trusted_aks\":[\"$ak\"]}"
run_coco 0 "$A" attest "${K[@]}" "${T[@]}" -o json &&
    { [[ $(jq -r '.claims.submods.cpu0["ear.status"]' <<<"$out") == affirming ]] || fail "a trusted AK is not affirming"; }
run_coco 0 "$A" get-resource kbs:///default/key/tpm "${K[@]}" "${T[@]}" --out got.bin
cmp -s got.bin secret || fail "the released resource differs"

finish
