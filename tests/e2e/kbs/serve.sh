#!/usr/bin/env bash
# Starts `coco-kbs serve` with a fresh state directory on a free loopback port, then: policy eval on the shared
# policy vectors, secrets put/delete through the admin API with the generated admin key, explain of a request.
set -euo pipefail
vectors="${COCO_SHARED_DIR:-/work/shared}/vectors/kbs/policies"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kbs_server.sh"
e2e_workdir work
fail() { echo "FAIL: $*" >&2; [[ -f "$work/serve.log" ]] && cat "$work/serve.log" >&2; exit 1; }

# --- policy eval (no server needed) ---
echo '{"submods":{"cpu0":{"ear.status":"affirming"}}}' > "$work/affirming.json"
echo '{"submods":{"cpu0":{"ear.status":"contraindicated"}}}' > "$work/contra.json"
[[ "$(coco-kbs policy eval --policy "$vectors/affirming.rego" --input "$work/affirming.json")" == "true" ]] \
  || fail "affirming input not allowed"
[[ "$(coco-kbs policy eval --policy "$vectors/affirming.rego" --input "$work/contra.json")" == "false" ]] \
  || fail "contraindicated input allowed"
echo '{"plugin":"resource","resource-path":["default","key","one"],"query":{}}' > "$work/data.json"
out="$(coco-kbs -o json policy eval --policy "$vectors/allow_all.rego" --data "$work/data.json" --input "$work/contra.json")"
[[ "$(jq -c . <<<"$out")" == '{"defined":true,"value":true}' ]] || fail "allow_all json: $out"
out="$(coco-kbs -o json policy eval --policy "$vectors/allow_all.rego" --input "$work/contra.json")"
[[ "$(jq -c . <<<"$out")" == '{"defined":true,"value":false}' ]] || fail "allow_all without data: $out"
out="$(coco-kbs -o json policy eval --policy "$vectors/deny_all.rego" --input "$work/affirming.json")"
[[ "$(jq -r .value <<<"$out")" == "false" ]] || fail "deny_all json: $out"
[[ "$(coco-kbs policy eval --policy "$vectors/allow_all.rego" --query data.policy.nothing_here)" == "undefined" ]] \
  || fail "undefined reference"
echo 'package policy
allow if {' > "$work/broken.rego"
if out="$(coco-kbs -o json policy eval --policy "$work/broken.rego" 2>/dev/null)"; then fail "broken policy exit 0"; fi
jq -e '.error' <<<"$out" >/dev/null || fail "broken policy: no error object: $out"

# --- serve ---
kbs_serve_start "$work/state" "$work/serve.log"
url=$KBS_URL
curl -sk "$url/healthz" | grep -q ok || fail "no /healthz"
# The EAR signer's JWKS is public at both paths (no admin credential).
for p in /.well-known/jwks.json /kbs/coco/v1/jwks; do
  curl -sk "$url$p" | jq -e '.keys | length == 1' >/dev/null || fail "no public JWKS at $p"
done
grep -q "listening on $url" "$work/serve.log" || fail "no listening address printed"
grep -q "fingerprint" "$work/serve.log" || fail "no fingerprint printed"
key=$KBS_ADMIN_KEY
[[ -f "$key" ]] || fail "no admin key printed"
[[ "$(stat -c %a "$key")" == "600" ]] || fail "admin key mode $(stat -c %a "$key")"
cert=$KBS_CERT
[[ -f "$cert" ]] || fail "no certificate path printed"

# --- secrets ---
printf 'sekrit-value' > "$work/value"
conn=(--url "$url" --admin-key "$key" --cacert "$cert")
coco-kbs secrets put default/key/one --from-file "$work/value" "${conn[@]}" >/dev/null || fail "secrets put"
printf 'from-stdin' | coco-kbs secrets put default/key/two --from-stdin --url "$url" --admin-key "$key" \
  --insecure-skip-tls-verify >/dev/null || fail "secrets put --from-stdin"
# Without the admin key the KBS refuses.
if coco-kbs secrets put default/key/three --from-file "$work/value" --url "$url" --cacert "$cert" 2>/dev/null; then
  fail "put without admin token accepted"
fi
# A wrong key is refused too.
openssl genpkey -algorithm ed25519 -out "$work/other.key" 2>/dev/null
if coco-kbs secrets put default/key/three --from-file "$work/value" --url "$url" --cacert "$cert" \
  --admin-key "$work/other.key" 2>/dev/null; then
  fail "put with an untrusted key accepted"
fi
coco-kbs secrets delete default/key/two "${conn[@]}" >/dev/null || fail "secrets delete"

# --- explain: a request the server recorded ---
rid="$(curl -s --cacert "$cert" -o /dev/null -D - "$url/kbs/v0/resource/default/key/one" | tr -d '\r' \
  | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')"
[[ -n "$rid" ]] || fail "no X-Request-Id on a resource reply"
out="$(coco-kbs -o json explain "$rid" "${conn[@]}")" || fail "explain $rid"
[[ "$(jq -r .request_id <<<"$out")" == "$rid" ]] || fail "explain: $out"
jq -e '.entries | length > 0' <<<"$out" >/dev/null || fail "explain: no entries: $out"
coco-kbs explain "$rid" "${conn[@]}" | grep -q "^request $rid" || fail "explain text"
if coco-kbs explain no-such-request "${conn[@]}" 2>/dev/null; then fail "explain of an unknown id succeeded"; fi

# --- clean stop ---
rc=0
kbs_serve_stop || rc=$?
[[ "$rc" == 0 ]] || fail "serve exited $rc after SIGTERM"
echo "ok"
