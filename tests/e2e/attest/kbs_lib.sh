# Shared by the attestation end-to-end tests that need a KBS: start `coco-kbs serve --trust-sim-roots` on a free
# loopback port (HTTPS, its generated certificate and admin key), and call its admin API with curl.
# Needs lib.sh (WORK, fail) sourced first. Sets KBS_URL, KBS_CERT, KBS_ADMIN_KEY, KBS_PID (../lib/kbs_server.sh);
# the server and anything passed to e2e_track end at exit, then WORK is removed.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kbs_server.sh"
e2e_cleanup_at_exit "$WORK"

# kbs_start SIM_DIR [extra serve args...]
kbs_start() {
    local sim=$1
    shift
    kbs_serve_start "$WORK/kbs-state" "$WORK/serve.log" --trust-sim-roots "$sim" "$@"
    [[ -f $KBS_CERT && -f $KBS_ADMIN_KEY ]] || { cat "$WORK/serve.log" >&2; echo "FAIL: no cert/admin key" >&2; exit 1; }
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# An admin bearer token (EdDSA, role admin, 5 minutes) signed with the KBS's generated admin key.
admin_jwt() {
    local now h p s
    now=$(date +%s)
    h=$(printf '{"alg":"EdDSA","typ":"JWT"}' | b64url)
    p=$(printf '{"role":"admin","iat":%d,"exp":%d}' "$now" $((now + 300)) | b64url)
    printf '%s.%s' "$h" "$p" >"$WORK/jwt-input"
    s=$(openssl pkeyutl -sign -inkey "$KBS_ADMIN_KEY" -rawin -in "$WORK/jwt-input" | b64url)
    echo "$h.$p.$s"
}

# admin_post PATH JSON-BODY: POST to the admin API, fail the test unless 200.
admin_post() {
    local code
    code=$(curl -s -o "$WORK/admin.out" -w '%{http_code}' --cacert "$KBS_CERT" -H "Authorization: Bearer $(admin_jwt)" \
        -H 'Content-Type: application/json' --data-binary "$2" "$KBS_URL/kbs/v0/$1")
    [[ $code == 200 ]] || fail "POST /kbs/v0/$1 answered $code: $(cat "$WORK/admin.out")"
}

set_attestation_policy() { admin_post attestation-policy "{\"policy_id\":\"default_cpu\",\"policy\":\"$(b64url <"$1")\"}"; }
set_resource_policy() { admin_post resource-policy "{\"policy\":\"$(b64url <"$1")\"}"; }
# set_reference_values JSON-OBJECT ({"name": [values], ...}), as an RVPS sample message.
set_reference_values() {
    admin_post reference-value "{\"version\":\"0.1.0\",\"type\":\"sample\",\"payload\":\"$(printf '%s' "$1" | openssl base64 -A)\"}"
}
put_secret() { coco-kbs secrets put "$1" --from-file "$2" --url "$KBS_URL" --admin-key "$KBS_ADMIN_KEY" --cacert "$KBS_CERT" >/dev/null || fail "secrets put $1"; }

# The resource policy of these tests: release only to an affirming EAR (cpu0).
set_affirming_resource_policy() {
    cat >"$WORK/affirming.rego" <<'REGO'
package policy
import rego.v1

default allow = false

allow if {
    input.submods.cpu0["ear.status"] == "affirming"
}
REGO
    set_resource_policy "$WORK/affirming.rego"
}

# The attestation policy of these tests (as default_cpu): Trustee's default shape (defaults 33/97/36 =
# contraindicated), lowered to affirming when the measurement (SNP measurement, TDX MR_TD, sample launch digest,
# TPM AK) is a reference value.
set_test_attestation_policy() {
    cat >"$WORK/att.rego" <<'REGO'
package policy
import rego.v1

default executables := 33
default hardware := 97
default configuration := 36

trust_claims := {
	"executables": executables,
	"hardware": hardware,
	"configuration": configuration,
	"file-system": 0,
	"instance-identity": 0,
	"runtime-opaque": 0,
	"storage-opaque": 0,
	"sourced-data": 0,
}

executables := 3 if {
	input.snp.measurement in query_reference_value("snp_launch_measurement")
}
executables := 3 if {
	input.tdx.quote.body.mr_td in query_reference_value("mr_td")
}
executables := 3 if {
	input.sample.launch_digest in query_reference_value("launch_digest")
}
executables := 3 if {
	input.tpm.ak_public in query_reference_value("tpm_trusted_aks")
}

hardware := 2 if {
	input.snp
}
hardware := 2 if {
	input.tdx
}
hardware := 2 if {
	input.sample
}
hardware := 2 if {
	input.tpm.ak_public in query_reference_value("tpm_trusted_aks")
}

configuration := 2 if {
	input.snp.policy_debug_allowed == false
}
configuration := 2 if {
	input.tdx.td_attributes.debug == false
}
configuration := 2 if {
	input.sample.debug == false
}
configuration := 2 if {
	input.tpm
}
REGO
    set_attestation_policy "$WORK/att.rego"
}
