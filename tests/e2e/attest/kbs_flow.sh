#!/bin/bash
# The whole guest flow against a real `coco-kbs serve --trust-sim-roots` (HTTPS, its generated certificate as
# --cacert): sample, sim-snp and sim-tdx attest and get EAR tokens; with an attestation policy and reference values
# the resource is released for the registered measurement and refused, with the policy's reason, for another;
# failure classes exit with their documented codes; doctor --kbs runs a timed handshake without a TEE.
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/kbs_lib.sh"
A=coco-attest
M=$(printf 'ab%.0s' {1..48})
M2=$(printf 'cd%.0s' {1..48})
cd "$WORK" || exit 1

run_coco 0 "$A" sim init sim
kbs_start "$WORK/sim"
grep -q "INSECURE" "$WORK/serve.log" || fail "serve does not warn that simulated roots are trusted"
K=(--kbs "$KBS_URL" --cacert "$KBS_CERT")
printf 'the-image-key-0123456789abcdef!!' >secret
put_secret default/key/one secret

# --- sample, with the default resource policy (which refuses the sample TEE) ---
run_coco 0 "$A" attest "${K[@]}" --tee sample -o json && {
    [[ $(jq -r .tee <<<"$out") == sample ]] || fail "attest sample: tee"
    jq -e '.claims.submods.cpu0["ear.status"]' <<<"$out" >/dev/null || fail "attest sample: no ear.status: $out"
    [[ $(jq -r '.header.alg' <<<"$out") == ES256 ]] || fail "the token is not ES256"
    [[ $(jq -r '.claims.eat_profile' <<<"$out") == tag:github.com,2024:confidential-containers/Trustee ]] ||
        fail "not an EAR token: $out"
    jq -e '.claims.submods.cpu0["ear.veraison.annotated-evidence"].runtime_data_claims["tee-pubkey"].kty == "EC"' \
        <<<"$out" >/dev/null || fail "the tee-pubkey is not in the token"
}
run_coco 9 "$A" get-resource kbs:///default/key/one "${K[@]}" --tee sample --out refused.bin &&
    { grep -q PolicyDeny <<<"$err" || fail "refusal does not name PolicyDeny: $err"; }
[[ -e refused.bin ]] && fail "a refused resource was written"

# --- policies: attestation policy + reference values, affirming-only resource policy ---
set_test_attestation_policy
set_reference_values "{\"snp_launch_measurement\":[\"$M\"],\"mr_td\":[\"$M\"],\"launch_digest\":[\"abcde\"]}"
set_affirming_resource_policy

run_coco 0 "$A" get-resource kbs:///default/key/one "${K[@]}" --tee sample --out sample.bin
cmp -s sample.bin secret || fail "sample: the released resource differs"
[[ $(stat -c %a sample.bin) == 600 ]] || fail "get-resource --out is not 0600"

for tee in sim-snp sim-tdx; do
    S=(--tee "$tee" --sim-dir "$WORK/sim")
    run_coco 0 "$A" attest "${K[@]}" "${S[@]}" --measurement "$M" -o json && {
        [[ $(jq -r '.claims.submods.cpu0["ear.status"]' <<<"$out") == affirming ]] ||
            fail "$tee: the registered measurement is not affirming: $(jq -c '.claims.submods.cpu0["ear.trustworthiness-vector"]' <<<"$out")"
        t=${tee#sim-}
        [[ $(jq -r ".claims.submods.cpu0[\"ear.veraison.annotated-evidence\"].$t.simulated" <<<"$out") == true ]] ||
            fail "$tee: the token does not mark the evidence simulated"
    }
    run_coco 0 "$A" attest "${K[@]}" "${S[@]}" --measurement "$M" &&
        { grep -q "SIMULATED" <<<"$out" || fail "$tee: text output does not say simulated: $out"; }
    run_coco 0 "$A" get-resource kbs:///default/key/one "${K[@]}" "${S[@]}" --measurement "$M" --out "$tee.bin"
    cmp -s "$tee.bin" secret || fail "$tee: the released resource differs"
    run_coco 0 "$A" get-resource kbs:///default/key/one "${K[@]}" "${S[@]}" --measurement "$M"
    [[ $out == "$(cat secret)" ]] || fail "$tee: get-resource to stdout differs"
    # Another measurement: attestation succeeds but is not affirming (executables 33: warning), and the release is
    # refused with the policy's reason.
    run_coco 0 "$A" attest "${K[@]}" "${S[@]}" --measurement "$M2" -o json && {
        [[ $(jq -r '.claims.submods.cpu0["ear.status"]' <<<"$out") == warning ]] || fail "$tee: M2 is not warning"
        [[ $(jq -r '.claims.submods.cpu0["ear.trustworthiness-vector"].executables' <<<"$out") == 33 ]] ||
            fail "$tee: M2 executables is not 33"
    }
    run_coco 9 "$A" get-resource kbs:///default/key/one "${K[@]}" "${S[@]}" --measurement "$M2" --out "$tee-m2.bin" && {
        grep -q "PolicyDeny" <<<"$err" || fail "$tee: M2 refusal is not PolicyDeny: $err"
        grep -q "(.*allow.*)" <<<"$err" || fail "$tee: M2 refusal does not carry the policy's reason: $err"
    }
    [[ -e $tee-m2.bin ]] && fail "$tee: a refused resource was written"
done

# --- failure classes ---
run_coco 0 "$A" sim init other-sim
run_coco 8 "$A" attest "${K[@]}" --tee sim-snp --sim-dir other-sim &&
    { grep -q "attestation refused" <<<"$err" && grep -qi "snp" <<<"$err" || fail "untrusted roots: reason missing: $err"; }
run_coco 9 "$A" get-resource kbs:///default/key/missing "${K[@]}" --tee sim-snp --sim-dir "$WORK/sim" --measurement "$M"
[[ -f /etc/ssl/certs/ca-certificates.crt ]] && run_coco 7 "$A" attest --kbs "$KBS_URL" --tee sample
closed=$(e2e_free_port)
run_coco 6 "$A" attest --kbs "https://127.0.0.1:$closed" --cacert "$KBS_CERT" --tee sample
run_coco 2 "$A" get-resource kbs:///a/b "${K[@]}" --tee sample
if [[ $("$A" doctor -o json | jq -r .tee_available) == false ]]; then
    run_coco 4 "$A" attest "${K[@]}"
    grep -qi "sim" <<<"$err" || fail "no-TEE error gives no advice: $err"
fi

# --- doctor --kbs: no TEE here, a timed handshake with simulated evidence, exit 0 ---
run_coco 0 "$A" doctor "${K[@]}" -o json && {
    jq -e '.kbs.reachable and .kbs.protocol_version.accepted and .kbs.handshake.ok' <<<"$out" >/dev/null ||
        fail "doctor --kbs: $out"
    jq -e '.kbs.handshake.timings_ms.attest >= 0' <<<"$out" >/dev/null || fail "doctor: no timings"
    jq -e '.kbs.handshake.claims.submods.cpu0' <<<"$out" >/dev/null || fail "doctor: no token claims"
}
run_coco 0 "$A" doctor "${K[@]}" --tee sim-tdx --sim-dir "$WORK/sim" &&
    { grep -q "handshake: ok" <<<"$out" && grep -q "advice" <<<"$out" || fail "doctor text: $out"; }
run_coco 0 "$A" doctor --kbs "$KBS_URL" -o json &&
    { [[ $(jq -r .kbs.tls <<<"$out") == failed ]] && jq -e '.advice | map(select(test("cacert"))) | length > 0' <<<"$out" >/dev/null ||
        fail "doctor without --cacert does not advise it: $out"; }
run_coco 0 "$A" doctor --kbs "https://127.0.0.1:$closed" &&
    { grep -q "reachable: no" <<<"$out" || fail "doctor unreachable: $out"; }

finish
