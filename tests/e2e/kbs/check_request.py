#!/usr/bin/env python3
"""Checks the last request recorded by record_server.py against what the spec (kbs-protocol.md "Admin API")
says that admin call must look like. Exits 1 with a message on the first mismatch.

usage: check_request.py LOG PUBKEY METHOD TARGET CONTENT_TYPE BODY_KIND [BODY_ARG] [--iss I] [--aud A] [--ttl S]
                        [--no-auth] [--token-file F]
BODY_KIND: empty | raw FILE (bytes equal) | policy REGO_FILE ({"policy": b64url-nopad}) |
           attestation ID REGO_FILE ({"type":"rego","policy_id":ID,"policy":...}, that member order) |
           json FILE (JSON equal) | none (not checked)
"""
import base64
import json
import subprocess
import sys
import tempfile
import os


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


argv = sys.argv[1:]
opts = {}
for flag in ("--iss", "--aud", "--ttl", "--token-file"):
    if flag in argv:
        i = argv.index(flag)
        opts[flag] = argv[i + 1]
        del argv[i:i + 2]
no_auth = "--no-auth" in argv
if no_auth:
    argv.remove("--no-auth")
log, pubkey, method, target, ctype, kind = argv[:6]
rest = argv[6:]

with open(log) as f:
    lines = [json.loads(l) for l in f if l.strip()]
if not lines:
    fail("no request recorded")
req = lines[-1]
headers = {k.lower(): v for k, v in req["headers"]}
body = base64.b64decode(req["body"])

if req["method"] != method:
    fail(f"method {req['method']} != {method}")
if req["target"] != target:
    fail(f"target {req['target']} != {target}")
if ctype == "-":
    if "content-type" in headers:
        fail(f"unexpected Content-Type {headers['content-type']}")
elif headers.get("content-type") != ctype:
    fail(f"Content-Type {headers.get('content-type')} != {ctype}")

auth = headers.get("authorization")
if no_auth:
    if auth is not None:
        fail("unexpected Authorization header")
elif "--token-file" in opts:
    want = open(opts["--token-file"]).read().strip()
    if auth != "Bearer " + want:
        fail(f"Authorization {auth!r} != Bearer <token file>")
else:
    if not auth or not auth.startswith("Bearer "):
        fail(f"no bearer token: {auth!r}")
    token = auth[len("Bearer "):]
    parts = token.split(".")
    if len(parts) != 3:
        fail("token is not a compact JWS")
    header = json.loads(b64url(parts[0]))
    claims = json.loads(b64url(parts[1]))
    if header.get("typ") != "JWT":
        fail(f"JWT typ {header.get('typ')}")
    if header.get("alg") not in ("EdDSA", "ES256", "RS256"):
        fail(f"JWT alg {header.get('alg')}")
    if claims.get("role") != "admin":
        fail(f"role claim {claims.get('role')}")
    for c in ("iat", "exp"):
        if not isinstance(claims.get(c), int):
            fail(f"claim {c} missing or not an integer: {claims}")
    ttl = int(opts.get("--ttl", "300"))
    if claims["exp"] - claims["iat"] != ttl:
        fail(f"exp - iat = {claims['exp'] - claims['iat']} != {ttl}")
    for flag, claim in (("--iss", "iss"), ("--aud", "aud")):
        if flag in opts:
            if claims.get(claim) != opts[flag]:
                fail(f"{claim} claim {claims.get(claim)} != {opts[flag]}")
        elif claim in claims:
            fail(f"unexpected {claim} claim")
    if header["alg"] == "EdDSA":
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "in"), "wb") as f:
                f.write((parts[0] + "." + parts[1]).encode())
            with open(os.path.join(d, "sig"), "wb") as f:
                f.write(b64url(parts[2]))
            r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pubkey, "-rawin",
                                "-in", os.path.join(d, "in"), "-sigfile", os.path.join(d, "sig")],
                               capture_output=True)
            if r.returncode != 0:
                fail("JWT signature does not verify with " + pubkey)

if kind == "empty":
    if body:
        fail(f"body not empty: {body[:80]!r}")
elif kind == "raw":
    want = open(rest[0], "rb").read()
    if body != want:
        fail("raw body differs from " + rest[0])
elif kind == "policy":
    doc = json.loads(body)
    if list(doc.keys()) != ["policy"]:
        fail(f"policy body members {list(doc.keys())}")
    enc = doc["policy"]
    if "=" in enc or "+" in enc or "/" in enc:
        fail("policy is not base64url without padding")
    if b64url(enc) != open(rest[0], "rb").read():
        fail("policy text differs from " + rest[0])
elif kind == "attestation":
    doc = json.loads(body)
    if list(doc.keys()) != ["type", "policy_id", "policy"]:
        fail(f"attestation policy members {list(doc.keys())}")
    if doc["type"] != "rego" or doc["policy_id"] != rest[0]:
        fail(f"attestation policy type/id {doc['type']}/{doc['policy_id']}")
    if "=" in doc["policy"] or b64url(doc["policy"]) != open(rest[1], "rb").read():
        fail("attestation policy text differs")
elif kind == "json":
    if json.loads(body) != json.load(open(rest[0])):
        fail(f"JSON body {body!r} differs from {rest[0]}")
elif kind != "none":
    fail("unknown body kind " + kind)
print("ok " + method + " " + target)
