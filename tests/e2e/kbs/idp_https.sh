#!/usr/bin/env bash
# `coco-kbs serve` with an admin identity provider whose JWK set is served over real HTTPS (`openssl s_server
# -WWW` on 127.0.0.1 with a certificate from a throw-away CA): the set is fetched at start with
# --key-source-cacert, a token from its key is accepted, one from another key refused; without the CA the
# server refuses to start and names the URL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kbs_server.sh"
e2e_workdir work
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do [[ -f "$f" ]] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }

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

idp_port="$(e2e_free_port)"
(cd "$work/www" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$idp_port" -cert "$work/host.pem" \
  -key "$work/host.key") >"$work/idp.log" 2>&1 &
e2e_track $!
e2e_wait_for $! -f --cacert "$work/ca.pem" "https://127.0.0.1:$idp_port/admin.jwks" || true
curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$idp_port/admin.jwks" | jq -e '.keys | length == 1' >/dev/null \
  || fail "the identity provider does not serve its JWK set"

port="$(e2e_free_port)"
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

kbs_serve_launch "$work/serve.log" "https://127.0.0.1:$port" --config "$work/kbs-config.toml" --state-dir "$work/state" \
  --key-source-cacert "$work/ca.pem"
url=$KBS_URL cert=$KBS_CERT
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
