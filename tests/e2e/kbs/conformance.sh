#!/usr/bin/env bash
# Byte-level conformance of coco-kbs's admin requests with Trustee's admin API (shared/spec/kbs-protocol.md):
# every admin command is run against record_server.py, and check_request.py compares the recorded method,
# path, headers (Content-Type; the bearer JWT's header alg/typ, claims role/iat/exp/iss/aud, signature) and
# body with what the spec says. Also: coco-only commands against a Trustee-like server say so and exit 1,
# --print-curl sends nothing and elides the token, status reads the protocol version.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vectors="${COCO_SHARED_DIR:-/work/shared}/vectors"
source "$here/../lib/kbs_server.sh"
e2e_workdir work
fail() { echo "FAIL: $*" >&2; exit 1; }

start_recorder() {  # mode -> sets url_<mode>, log_<mode>
  local mode="$1"
  python3 "$here/record_server.py" --mode "$mode" --log "$work/$mode.log" --port-file "$work/$mode.port" &
  e2e_track $!
  for _ in $(seq 1 100); do [[ -s "$work/$mode.port" ]] && break; sleep 0.05; done
  [[ -s "$work/$mode.port" ]] || fail "recorder $mode did not start"
  printf -v "url_$mode" 'http://127.0.0.1:%s' "$(cat "$work/$mode.port")"
  : > "$work/$mode.log"
}
start_recorder trustee
start_recorder coco
export XDG_CONFIG_HOME="$work/config"
unset COCO_KBS_URL COCO_KBS_ADMIN_KEY COCO_KBS_CONTEXT COCO_CONFIG || true

coco-kbs auth keygen --out "$work/admin.key" >/dev/null || fail "keygen"
pub="$work/admin.key.pub"
t=(--url "$url_trustee" --admin-key "$work/admin.key")
check() { python3 "$here/check_request.py" "$work/trustee.log" "$pub" "$@" >/dev/null || fail "request check: $*"; }
checkc() { python3 "$here/check_request.py" "$work/coco.log" "$pub" "$@" >/dev/null || fail "request check (coco): $*"; }

# --- Trustee's admin calls ---
head -c 100 /dev/urandom > "$work/value.bin"
coco-kbs secrets put default/key/one --from-file "$work/value.bin" "${t[@]}" >/dev/null || fail "put --from-file"
check POST /kbs/v0/resource/default/key/one application/octet-stream raw "$work/value.bin"
printf 'literal-value' > "$work/literal"
coco-kbs "${t[@]}" secrets put default/key/two --from-literal literal-value 2>/dev/null >/dev/null || fail "put --from-literal (connection options first)"
check POST /kbs/v0/resource/default/key/two application/octet-stream raw "$work/literal"
coco-kbs secrets put default/key/three --from-stdin "${t[@]}" < "$work/value.bin" >/dev/null || fail "put --from-stdin"
check POST /kbs/v0/resource/default/key/three application/octet-stream raw "$work/value.bin"
coco-kbs secrets delete default/key/one "${t[@]}" >/dev/null || fail "delete"
check DELETE /kbs/v0/resource/default/key/one - empty

cp "$vectors/kbs/policies/affirming.rego" "$work/affirming.rego"
coco-kbs policy set resource "$work/affirming.rego" "${t[@]}" >/dev/null || fail "policy set resource"
check POST /kbs/v0/resource-policy application/json policy "$work/affirming.rego"
coco-kbs policy set resource --allow-all "${t[@]}" >/dev/null || fail "policy set --allow-all"
python3 - "$work/trustee.log" <<'PY' || fail "--allow-all body"
import base64, json, sys
body = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).read().splitlines()[-1])["body"]))
text = base64.urlsafe_b64decode(body["policy"] + "=" * (-len(body["policy"]) % 4)).decode()
assert "default allow = true" in text, text
PY
printf 'package policy\nimport rego.v1\ndefault trust_claims := {}\n' > "$work/att.rego"
coco-kbs policy set attestation "$work/att.rego" "${t[@]}" >/dev/null || fail "policy set attestation"
check POST /kbs/v0/attestation-policy application/json attestation default_cpu "$work/att.rego"
coco-kbs policy set attestation "$work/att.rego" --id default_gpu "${t[@]}" >/dev/null || fail "policy set attestation --id"
check POST /kbs/v0/attestation-policy application/json attestation default_gpu "$work/att.rego"

# A policy that does not compile never leaves the machine.
printf 'package policy\nallow if {\n' > "$work/broken.rego"
before="$(wc -l < "$work/trustee.log")"
if coco-kbs policy set resource "$work/broken.rego" "${t[@]}" 2>/dev/null; then fail "broken policy uploaded"; fi
coco-kbs policy set resource "$work/affirming.rego" --dry-run "${t[@]}" >/dev/null || fail "dry run"
[[ "$(wc -l < "$work/trustee.log")" == "$before" ]] || fail "a broken policy or a dry run sent a request"

msg="$vectors/evidence/rvps/made-here-sample-message-sample.json"
coco-kbs rv register "$msg" "${t[@]}" >/dev/null || fail "rv register"
check POST /kbs/v0/reference-value application/json json "$msg"
echo '{"svn":["1"]}' > "$work/plain.json"
coco-kbs rv register "$work/plain.json" "${t[@]}" >/dev/null || fail "rv register plain"
python3 - "$work/trustee.log" <<'PY' || fail "rv sample wrapping"
import base64, json, sys
body = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).read().splitlines()[-1])["body"]))
assert body["version"] == "0.1.0" and body["type"] == "sample", body
assert json.loads(base64.b64decode(body["payload"], validate=True)) == {"svn": ["1"]}, body
PY
coco-kbs rv get svn "${t[@]}" >/dev/null || fail "rv get"
check GET /kbs/v0/reference-value/svn - empty

# Token options: issuer, audience, ttl from auth token, sent through a token file.
coco-kbs auth token --key "$work/admin.key" --issuer ci --audience kbs --ttl 2m > "$work/token" || fail "auth token"
coco-kbs secrets delete default/key/two --url "$url_trustee" --admin-token-file "$work/token" >/dev/null \
  || fail "delete with a token file"
check DELETE /kbs/v0/resource/default/key/two - empty --token-file "$work/token"
python3 "$here/check_request.py" "$work/trustee.log" "$pub" DELETE /kbs/v0/resource/default/key/two - empty \
  --iss ci --aud kbs --ttl 120 >/dev/null || fail "auth token claims"

# --- coco-only calls against Trustee: a plain refusal, exit 1 ---
for cmd in "secrets get default/key/one --out $work/x" "secrets list" "secrets history default/key/one" \
           "secrets rollback default/key/one --to-version 1" "secrets undelete default/key/one" \
           "policy get resource" "rv list" "rv delete svn"; do
  rc=0
  # shellcheck disable=SC2086
  err="$(coco-kbs $cmd "${t[@]}" 2>&1 >/dev/null)" || rc=$?
  [[ "$rc" == 1 ]] || fail "$cmd against Trustee: exit $rc"
  grep -q "(Trustee's API lacks it); coco-kbs serve has it" <<<"$err" || fail "$cmd against Trustee: $err"
done
[[ ! -e "$work/x" ]] || fail "secrets get wrote a file against Trustee"

# --- coco-only calls: their requests ---
c=(--url "$url_coco" --admin-key "$work/admin.key")
coco-kbs secrets get default/key/one --version 2 --out "$work/got" "${c[@]}" >/dev/null || fail "get"
checkc GET "/kbs/coco/v1/resource/default/key/one?version=2" - empty
[[ "$(cat "$work/got")" == "value" && "$(stat -c %a "$work/got")" == "600" ]] || fail "get output file"
[[ "$(coco-kbs secrets get default/key/one --out - "${c[@]}")" == "value" ]] || fail "get --out -"
if coco-kbs secrets get default/key/one "${c[@]}" >/dev/null 2>&1; then fail "get without --out printed"; fi
coco-kbs secrets list --include-deleted "${c[@]}" | grep -q default/key/one || fail "list"
checkc GET "/kbs/coco/v1/resources?include_deleted=true" - empty
coco-kbs secrets history default/key/one "${c[@]}" >/dev/null || fail "history"
checkc GET /kbs/coco/v1/resource/default/key/one/history - empty
[[ "$(coco-kbs -o json secrets rollback default/key/one --to-version 1 "${c[@]}" | jq .version)" == 3 ]] || fail "rollback"
checkc POST "/kbs/coco/v1/resource/default/key/one/rollback?version=1" - empty
coco-kbs secrets undelete default/key/one "${c[@]}" >/dev/null || fail "undelete"
checkc POST /kbs/coco/v1/resource/default/key/one/undelete - empty
coco-kbs policy get attestation --id default_cpu "${c[@]}" | grep -q "package policy" || fail "policy get"
checkc GET /kbs/coco/v1/attestation-policy/default_cpu - empty
coco-kbs rv list "${c[@]}" | grep -q '^svn \["1"\]' || fail "rv list"
checkc GET /kbs/coco/v1/reference-values - empty
coco-kbs rv delete svn "${c[@]}" >/dev/null || fail "rv delete"
checkc DELETE /kbs/coco/v1/reference-value/svn - empty

# --- --print-curl sends nothing, elides the token, and the printed line does the same request ---
before="$(wc -l < "$work/trustee.log")"
line="$(coco-kbs secrets put default/key/four --from-file "$work/value.bin" --print-curl "${t[@]}" | tail -n 1)"
[[ "$(wc -l < "$work/trustee.log")" == "$before" ]] || fail "--print-curl sent a request"
grep -q 'Bearer \$TOKEN' <<<"$line" || fail "--print-curl token: $line"
TOKEN="$(coco-kbs auth token --key "$work/admin.key")"
export TOKEN
bash -c "$line" || fail "the printed curl line failed: $line"
check POST /kbs/v0/resource/default/key/four application/octet-stream raw "$work/value.bin"
json="$(coco-kbs -o json policy set resource --deny-all --print-curl "${t[@]}")"
jq -e '.curl | startswith("curl ")' <<<"$json" >/dev/null || fail "--print-curl -o json: $json"

# --- status: protocol version from the server's refusal, Trustee-like server, admin accepted ---
out="$(coco-kbs -o json status "${t[@]}")" || fail "status"
[[ "$(jq -r .protocol_version <<<"$out")" == "0.4.0" ]] || fail "status protocol: $out"
[[ "$(jq -r .coco_extensions <<<"$out")" == "false" && "$(jq -r .admin <<<"$out")" == "accepted" ]] || fail "status: $out"
echo "ok"
