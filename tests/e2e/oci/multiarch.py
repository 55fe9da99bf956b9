#!/usr/bin/env python3
"""Adds an OCI image index named NAME to an OCI layout, listing the images tagged TAG... (their platforms
read from their configs), the way `buildah manifest` or `docker buildx` would lay out a multi-arch image."""
import hashlib, json, os, sys

layout, name, tags = sys.argv[1], sys.argv[2], sys.argv[3:]
index_path = os.path.join(layout, "index.json")
index = json.load(open(index_path))
def blob(d): return open(os.path.join(layout, "blobs", "sha256", d.split(":")[1]), "rb").read()
entries = []
for tag in tags:
    desc = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    manifest = json.loads(blob(desc["digest"]))
    config = json.loads(blob(manifest["config"]["digest"]))
    platform = {"architecture": config["architecture"], "os": config["os"]}
    if config.get("variant"): platform["variant"] = config["variant"]
    entries.append({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"], "platform": platform})
data = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}).encode()
digest = hashlib.sha256(data).hexdigest()
open(os.path.join(layout, "blobs", "sha256", digest), "wb").write(data)
index["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest,
                           "size": len(data), "annotations": {"org.opencontainers.image.ref.name": name}})
json.dump(index, open(index_path, "w"))
print("sha256:" + digest)
