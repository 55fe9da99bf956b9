#!/bin/bash
# coco-attest: sim init, evidence (sim-snp, sim-tdx, sample), verify each (claims hold the measurement given),
# a tampered report exits 3, the real Trustee SNP vector verifies offline, doctor exits 0 without a TEE.
source "$(dirname "$0")/../cli/lib.sh"
A="$BIN/coco-attest"
SHARED=${COCO_SHARED_DIR:-$COCO_SOURCE_DIR/../shared}
[[ -d $SHARED/vectors ]] || SHARED=/work/shared
M=$(printf 'ab%.0s' {1..48})
M2=$(printf 'cd%.0s' {1..48})
cd "$WORK" || exit 1

run_coco 0 "$A" sim init sim
for key in sim/snp/vcek-key.pem sim/tdx/pck-key.pem sim/tdx/attestation-key.pem; do
    [[ $(stat -c %a "$key") == 600 ]] || fail "$key is not mode 0600"
done
run_coco 1 "$A" sim init sim   # refuses to overwrite

# Simulated SNP and TDX: the measurement given comes back in the verified claims.
for tee in sim-snp sim-tdx; do
    run_coco 0 "$A" evidence --tee "$tee" --sim-dir sim --measurement "$M" --nonce n0nce --out "$tee.json"
    run_coco 0 "$A" verify "$tee.json" --tee "$tee" --sim-dir sim --nonce n0nce -o json &&
        { grep -q "$M" <<<"$out" || fail "$tee: verified claims do not hold the measurement"; }
    grep -q '"simulated": true' <<<"$out" || fail "$tee: claims are not marked simulated"
    # Not trusted without --sim-dir, and the wrong nonce does not verify.
    run_coco 3 "$A" verify "$tee.json" --tee "$tee"
    run_coco 3 "$A" verify "$tee.json" --tee "$tee" --sim-dir sim --nonce other
    # -o json of evidence decodes the report.
    run_coco 0 "$A" evidence --tee "$tee" --sim-dir sim --measurement "$M" -o json &&
        { jq -e .decoded <<<"$out" >/dev/null || fail "$tee: evidence -o json has no decoded fields"; }
done

# Tampered SNP: change the measurement inside the signed report.
jq --argjson m "$(printf '205,%.0s' {1..47})205" '.attestation_report.measurement = [$m] | .attestation_report.measurement |= flatten' \
    sim-snp.json >tampered-snp.json 2>/dev/null ||
    sed "s/\"measurement\":\[171,/\"measurement\":[170,/" sim-snp.json >tampered-snp.json
cmp -s sim-snp.json tampered-snp.json && fail "tampering did not change the SNP evidence"
if run_coco 3 "$A" verify tampered-snp.json --tee sim-snp --sim-dir sim; then
    grep -qi "signature\|verify" <<<"$err" || fail "tampered snp: the reason is not given: $err"
fi
# Tampered TDX: a flipped byte in the quote (base64 of the MRTD region) fails the signature.
python3 - <<'PY' || fail "could not tamper the tdx quote"
import base64, json
ev = json.load(open("sim-tdx.json"))
q = bytearray(base64.b64decode(ev["quote"]))
q[48 + 136] ^= 1   # inside the TD report body (MRTD)
ev["quote"] = base64.b64encode(bytes(q)).decode()
json.dump(ev, open("tampered-tdx.json", "w"))
PY
run_coco 3 "$A" verify tampered-tdx.json --tee sim-tdx --sim-dir sim

# Sample: the report data given is what verifies.
run_coco 0 "$A" evidence --tee sample --report-data 00ff --out sample.json
run_coco 0 "$A" verify sample.json --tee sample --report-data 00ff -o json &&
    { [[ $(jq -r .report_data <<<"$out") == AP8= ]] || fail "sample: report_data claim is not the data given"; }
run_coco 3 "$A" verify sample.json --tee sample --report-data 0100

# A real SEV-SNP report (Trustee's e2e vector) verifies offline against the bundled AMD roots.
vec="$SHARED/vectors/evidence/snp/trustee-e2e-snp-evidence.json"
if [[ -f $vec ]]; then
    run_coco 0 "$A" verify "$vec" --tee snp -o json &&
        { [[ $(jq -r .snp.measurement <<<"$out") =~ ^[0-9a-f]{96}$ ]] || fail "real snp: no measurement claim"; }
    run_coco 3 "$A" verify "$vec" --tee snp --report-data 00
else
    fail "missing vector $vec"
fi

# Unreadable and non-JSON files are failures (1), not verdicts.
run_coco 1 "$A" verify missing.json --tee snp
echo 'not json' >bad.json
run_coco 1 "$A" verify bad.json --tee snp

# Report: the measurement given, explained; -o json decodes.
run_coco 0 "$A" report sim-snp.json --tee snp &&
    { grep -q "measurement: $M" <<<"$out" && grep -q "debug" <<<"$out" || fail "report does not show the fields: $out"; }
run_coco 0 "$A" report --tee sim-tdx --sim-dir sim -o json &&
    { jq -e .td_attributes <<<"$out" >/dev/null || fail "report -o json has no td_attributes"; }

# Doctor: no TEE here is not an error.
run_coco 0 "$A" doctor
grep -qi "advice" <<<"$out" || fail "doctor gives no advice"
run_coco 0 "$A" doctor -o json && { jq -e '.interfaces | length > 0' <<<"$out" >/dev/null || fail "doctor -o json lists no interfaces"; }

finish
