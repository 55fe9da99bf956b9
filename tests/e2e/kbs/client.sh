#!/usr/bin/env bash
# coco-kbs client commands against a real `coco-kbs serve` (HTTPS, self-signed, generated admin key):
# contexts, status, secrets put/get/list/history/rollback/delete/undelete, policies set/get (and a denial),
# reference values register/list/get/delete, error hints (wrong key, untrusted certificate, refused port).
set -euo pipefail
vectors="${COCO_SHARED_DIR:-/work/shared}/vectors"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kbs_server.sh"
e2e_workdir work
fail() { echo "FAIL: $*" >&2; [[ -f "$work/serve.log" ]] && tail -n 20 "$work/serve.log" >&2; exit 1; }
export XDG_CONFIG_HOME="$work/config"
unset COCO_KBS_URL COCO_KBS_ADMIN_KEY COCO_KBS_CONTEXT COCO_CONFIG || true

kbs_serve_start "$work/state" "$work/serve.log"
url=$KBS_URL key=$KBS_ADMIN_KEY cert=$KBS_CERT fp=$KBS_FINGERPRINT
[[ -f "$key" && -f "$cert" ]] || fail "no admin key or certificate printed"

# --- contexts ---
coco-kbs config set-context local --url "$url" --admin-key "$key" --cacert "$cert" >/dev/null || fail "set-context"
cfg="$XDG_CONFIG_HOME/coco/config.toml"
[[ "$(stat -c %a "$cfg")" == "600" ]] || fail "config mode $(stat -c %a "$cfg")"
[[ "$(coco-kbs config current-context)" == "local" ]] || fail "first context not current"
coco-kbs config set-context broken --url "https://127.0.0.1:1" --insecure-skip-tls-verify >/dev/null || fail "set-context 2"
coco-kbs config get-contexts | grep -q '^\* local' || fail "get-contexts marks current"
[[ "$(coco-kbs -o json config get-contexts | jq length)" == 2 ]] || fail "get-contexts json"

# --- status ---
out="$(coco-kbs -o json status)" || fail "status: $out"
[[ "$(jq -r .admin <<<"$out")" == accepted && "$(jq -r .protocol_version <<<"$out")" == 0.4.0 ]] || fail "status: $out"
[[ "$(jq -r .coco_extensions <<<"$out")" == true && "$(jq -r .fingerprint <<<"$out")" == "$fp" ]] || fail "status: $out"
# Without --cacert the certificate is not trusted: the fingerprint seen is reported.
err="$(XDG_CONFIG_HOME="$work/empty" coco-kbs secrets list --url "$url" --admin-key "$key" 2>&1)" && fail "untrusted certificate accepted"
grep -q "$fp" <<<"$err" || fail "TLS failure without the fingerprint: $err"
# A port nobody listens on.
err="$(coco-kbs --context broken secrets list 2>&1)" && fail "refused port succeeded"
grep -q "check --url" <<<"$err" || fail "refused connection without hint: $err"
# A key the server does not trust.
coco-kbs auth keygen --out "$work/other.key" >/dev/null || fail "keygen"
rc=0; err="$(coco-kbs secrets put default/key/x --from-literal v --admin-key "$work/other.key" 2>&1)" || rc=$?
[[ "$rc" == 3 ]] || fail "wrong key: exit $rc"
grep -q "is the admin key the one the server was started with?" <<<"$err" || fail "wrong key hint: $err"
# COCO_KBS_ADMIN_KEY overrides the context's key.
COCO_KBS_ADMIN_KEY="$work/other.key" coco-kbs secrets list >/dev/null 2>&1 && fail "COCO_KBS_ADMIN_KEY not used"

# --- secrets ---
head -c 32 /dev/urandom > "$work/v1"
head -c 48 /dev/urandom > "$work/v2"
coco-kbs secrets put default/key/app --from-file "$work/v1" >/dev/null || fail "put v1"
coco-kbs secrets put default/key/app --from-stdin < "$work/v2" >/dev/null || fail "put v2"
coco-kbs secrets get default/key/app --out "$work/got" >/dev/null || fail "get"
cmp -s "$work/got" "$work/v2" || fail "get returned another value"
coco-kbs secrets get default/key/app --version 1 --out "$work/got1" >/dev/null || fail "get --version 1"
cmp -s "$work/got1" "$work/v1" || fail "get --version 1 value"
[[ "$(coco-kbs -o json secrets history default/key/app | jq length)" == 2 ]] || fail "history"
coco-kbs -o json secrets list | jq -e '.[] | select(.path == "default/key/app" and .latest_version == 2)' >/dev/null \
  || fail "list"
coco-kbs secrets rollback default/key/app --to-version 1 >/dev/null || fail "rollback"
coco-kbs secrets get default/key/app --out - > "$work/got" || fail "get after rollback"
cmp -s "$work/got" "$work/v1" || fail "rollback did not restore version 1"
coco-kbs secrets delete default/key/app >/dev/null || fail "delete"
coco-kbs secrets get default/key/app --out "$work/gone" >/dev/null 2>&1 && fail "get of a deleted secret"
coco-kbs -o json secrets list --include-deleted | jq -e '.[] | select(.path == "default/key/app" and .deleted)' \
  >/dev/null || fail "list --include-deleted"
coco-kbs secrets undelete default/key/app >/dev/null || fail "undelete"
coco-kbs secrets get default/key/app --out "$work/back" >/dev/null || fail "get after undelete"
cmp -s "$work/back" "$work/v1" || fail "undelete value"

# --- policies ---
coco-kbs policy set resource --deny-all >/dev/null || fail "policy set --deny-all"
coco-kbs policy get resource | grep -q "default allow = false" || fail "policy get after --deny-all"
coco-kbs policy set resource "$vectors/kbs/policies/affirming.rego" >/dev/null || fail "policy set file"
coco-kbs policy get resource --out "$work/p.rego" >/dev/null || fail "policy get --out"
cmp -s "$work/p.rego" "$vectors/kbs/policies/affirming.rego" || fail "policy text did not round-trip"
printf 'package policy\nallow if {\n' > "$work/broken.rego"
coco-kbs policy set resource "$work/broken.rego" 2>/dev/null && fail "broken policy accepted"
coco-kbs policy get resource --out "$work/p2.rego" >/dev/null
cmp -s "$work/p2.rego" "$vectors/kbs/policies/affirming.rego" || fail "broken policy replaced the stored one"
printf 'package policy\nimport rego.v1\ndefault trust_claims := {}\n' > "$work/att.rego"
coco-kbs policy set attestation "$work/att.rego" --id default_test >/dev/null || fail "attestation policy set"
coco-kbs policy get attestation --id default_test --out "$work/att2.rego" >/dev/null || fail "attestation policy get"
cmp -s "$work/att.rego" "$work/att2.rego" || fail "attestation policy did not round-trip"

# --- reference values ---
coco-kbs rv register "$vectors/evidence/rvps/made-here-sample-message-sample.json" >/dev/null || fail "rv register"
echo '{"my_value":["x","y"]}' | coco-kbs rv register - >/dev/null || fail "rv register stdin"
out="$(coco-kbs -o json rv list)"
[[ "$(jq -c .my_value <<<"$out")" == '["x","y"]' ]] || fail "rv list: $out"
jq -e '.svn' <<<"$out" >/dev/null || fail "rv list lacks svn: $out"
coco-kbs rv get my_value | grep -q '"x"' || fail "rv get"
# A SWID tag (Trustee's NVIDIA RIM vector) registers as a swid message; its expected value is in SOURCE.md.
base64 -d "$vectors/evidence/rvps/trustee-swid-test-rim.b64" > "$work/rim.swidtag"
coco-kbs rv register "$work/rim.swidtag" >/dev/null || fail "rv register swid tag"
coco-kbs -o json rv get NVIDIA_Corporation.GPU.measurement_12 | grep -q 758af96044c700f98a85347be27124d51c05b8784ba216b629b9aaab6d538c759aed9922a133e4ac473564d359b271d5 \
  || fail "swid measurement_12 not registered"
# coco-kbs serve has no CBOR parser: a CoRIM is sent as Trustee wants it, and refused by name.
if out="$(coco-kbs rv register --type corim "$vectors/evidence/rvps/trustee-unsigned-example-corim.cbor" 2>&1)"; then
  fail "corim accepted by coco-kbs serve"
fi
grep -qi corim <<<"$out" || fail "corim refusal does not say why: $out"
coco-kbs rv delete my_value >/dev/null || fail "rv delete"
coco-kbs -o json rv list | jq -e 'has("my_value") | not' >/dev/null || fail "rv delete did not delete"

# --- contexts: switch and delete ---
coco-kbs config use-context broken >/dev/null || fail "use-context"
coco-kbs secrets list >/dev/null 2>&1 && fail "use-context did not switch"
coco-kbs --context local secrets list >/dev/null || fail "--context"
coco-kbs config delete-context broken >/dev/null || fail "delete-context"
coco-kbs config current-context >/dev/null 2>&1 && fail "deleted current context still current"
coco-kbs config use-context nope 2>/dev/null && fail "use-context of an unknown context"
COCO_KBS_CONTEXT=local coco-kbs secrets list >/dev/null || fail "COCO_KBS_CONTEXT"
echo "ok"
