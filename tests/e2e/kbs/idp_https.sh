#!/usr/bin/env bash
# `coco-kbs serve` with an admin identity provider whose JWK set is served over real HTTPS (`openssl s_server
# -WWW` on 127.0.0.1 with a certificate from a throw-away CA): the set is fetched at start with
# --key-source-cacert, a token from its key is accepted, one from another key refused; without the CA the
# server refuses to start and names the URL.
set -euo pipefail
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do [[ -f "$f" ]] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A CA and a certificate for 127.0.0.1 signed by it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=idp-test-ca \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$work/host.key" -out "$work/host.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/host.ext"
openssl x509 -req -days 2 -in "$work/host.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
  -extfile "$work/host.ext" -out "$work/host.pem" 2>/dev/null

# The admin key's JWK set (Ed25519: x = the raw 32-byte public key, base64url).
openssl genpkey -algorithm ed25519 -out "$work/admin.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$work/other.key" 2>/dev/null
x="$(openssl pkey -in "$work/admin.key" -pubout -outform DER | tail -c 32 | base64 | tr '+/' '-_' | tr -d '=\n')"
mkdir "$work/www"
printf '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"%s","alg":"EdDSA","use":"sig"}]}' "$x" > "$work/www/admin.jwks"

idp_port="$(free_port)"
(cd "$work/www" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$idp_port" -cert "$work/host.pem" \
  -key "$work/host.key") >"$work/idp.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  if curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$idp_port/admin.jwks" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$idp_port/admin.jwks" | jq -e '.keys | length == 1' >/dev/null \
  || fail "the identity provider does not serve its JWK set"

port="$(free_port)"
jwks_url="https://127.0.0.1:$idp_port/admin.jwks"
cat > "$work/kbs-config.toml" <<TOML
[http_server]
sockets = ["127.0.0.1:$port"]

[admin]
authorization_mode = "AuthenticatedAuthorization"

[admin.authentication.bearer_jwt]
identity_providers = [{ jwk_set_uri = "$jwks_url" }]

[admin.authorization.regex_acl]
acls = [{ role = "admin", allowed_endpoints = "^/kbs/.+\$" }]

[[plugins]]
name = "resource"
TOML

# Without the CA the JWK set's certificate does not verify: no start, and the message names the URL.
if timeout 30 coco-kbs serve --config "$work/kbs-config.toml" --state-dir "$work/state" 2>"$work/refused.log"; then
  fail "serve started although the key source's certificate is untrusted"
fi
grep -q "$jwks_url" "$work/refused.log" || fail "the refusal does not name $jwks_url"

coco-kbs serve --config "$work/kbs-config.toml" --state-dir "$work/state" --key-source-cacert "$work/ca.pem" \
  2>"$work/serve.log" &
pids+=($!)
url="https://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -sk "$url/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "${pids[-1]}" 2>/dev/null || fail "server exited"
  sleep 0.1
done
cert="$(sed -n 's/^TLS certificate \(.*\) SHA-256 fingerprint .*/\1/p' "$work/serve.log")"
[[ -f "$cert" ]] || fail "no certificate path printed"

printf 'sekrit' > "$work/value"
if coco-kbs secrets put default/key/one --from-file "$work/value" --url "$url" --cacert "$cert" \
  --admin-key "$work/other.key" 2>"$work/other.log"; then
  fail "a token from a key outside the JWK set was accepted"
fi
grep -q 'HTTP 401' "$work/other.log" || fail "not refused with 401: $(cat "$work/other.log")"
coco-kbs secrets put default/key/one --from-file "$work/value" --url "$url" --cacert "$cert" \
  --admin-key "$work/admin.key" >/dev/null || fail "a token from the JWK set's key was refused"
coco-kbs secrets get default/key/one --out - --url "$url" --cacert "$cert" --admin-key "$work/admin.key" 2>/dev/null \
  | grep -q sekrit || fail "the stored value does not read back"
echo "ok"
