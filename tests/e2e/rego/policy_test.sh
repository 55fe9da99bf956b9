#!/usr/bin/env bash
# `coco-kbs policy test` on an attestation policy with its tests and a reference-values file (offline, as a policy
# owner would), with fixtures, --run, -v and -o json; `coco-kbs policy check` on good and broken policies.
set -euo pipefail
vectors="${COCO_SHARED_DIR:-/work/shared}/vectors/rego/trustee/repo"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$work/policies/fixtures"
cp "$vectors/attestation-service/src/ear_token/ear_default_policy_cpu.rego" "$work/policies/attestation.rego"
cat > "$work/policies/attestation_test.rego" <<'REGO'
package attestation_test

import rego.v1

sample := {"sample": {"svn": "1", "launch_digest": "abcde", "debug": false, "platform_version": {"major": 1, "minor": 2}}}

test_sample_affirming if {
	claims := data.policy.trust_claims with input as sample
	claims.executables == 3
	claims.hardware == 2
}

test_unknown_digest_not_recognised if {
	claims := data.policy.trust_claims with input as object.union(sample, {"sample": {"launch_digest": "other"}})
	claims.executables == 33
}

test_fixture_limit if data.fixtures.limits.minor == 2
REGO
echo '{"limits": {"minor": 2}}' > "$work/policies/fixtures/data.json"
echo '{"svn": ["1"], "launch_digest": ["abcde"], "major_version": 1, "minimum_minor_version": 1}' > "$work/rv.json"

out="$(coco-kbs policy test "$work/policies" --reference-values "$work/rv.json")" || fail "passing tests exit non-zero: $out"
grep -q "attestation_test.rego:7: data.attestation_test.test_sample_affirming: PASS" <<<"$out" || fail "no PASS line: $out"
grep -q "^PASS: 3/3$" <<<"$out" || fail "no summary: $out"

# Without the reference values the sample is not affirmed: exit 1, the failure explained with -v.
if out="$(coco-kbs -v policy test "$work/policies" 2>/dev/null)"; then fail "failing test exit 0"; fi
grep -q "test_sample_affirming: FAIL" <<<"$out" || fail "no FAIL line: $out"
grep -q "^FAIL: 1/3$" <<<"$out" || fail "no FAIL summary: $out"

out="$(coco-kbs -o json policy test "$work/policies" --reference-values "$work/rv.json" --run 'fixture')"
[[ "$(jq -c .summary <<<"$out")" == '{"error":0,"fail":0,"pass":1,"skip":0,"total":1}' ]] || fail "json summary: $out"
[[ "$(jq -r '.results[0].location.file' <<<"$out")" == "$work/policies/attestation_test.rego" ]] || fail "json location: $out"

# check: Trustee's policies are clean; broken files each get their own error with file:line:col.
coco-kbs policy check "$vectors/attestation-service/src/ear_token/ear_default_policy_cpu.rego" >/dev/null \
  || fail "Trustee's default policy does not check"
printf 'package a\nimport rego.v1\nallow if {\n' > "$work/parse.rego"
printf 'package b\nimport rego.v1\nx if nope(1)\ny if {\n  z == 1\n}\n' > "$work/compile.rego"
if out="$(coco-kbs policy check "$work/parse.rego" "$work/compile.rego" 2>/dev/null)"; then fail "broken check exit 0"; fi
grep -q "^$work/parse.rego:[0-9]*:[0-9]*: rego_parse_error" <<<"$out" || fail "no parse error: $out"
grep -q "^$work/compile.rego:3:[0-9]*: " <<<"$out" || fail "no error for line 3: $out"
grep -q "^$work/compile.rego:5:[0-9]*: rego_unsafe_var_error" <<<"$out" || fail "no error for line 5: $out"
out="$(coco-kbs -o json policy check "$work/parse.rego" "$work/compile.rego" 2>/dev/null || true)"
[[ "$(jq '.errors | length' <<<"$out")" == 3 ]] || fail "json check: $out"
echo "ok"
