#!/usr/bin/env python3
"""Convert OPA's YAML conformance cases (test/cases/testdata) into one JSON file for the C++ runner.

usage: opa_cases_to_json.py OPA_CASES_DIR OUT.json
Each output case carries its file (relative to OPA_CASES_DIR) and v0=true for files under legacy/.
Needs python3-yaml (scripts/bootstrap installs it).
"""
import json
import os
import sys

import yaml


def main():
    root, out_path = sys.argv[1], sys.argv[2]
    cases = []
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not (name.endswith(".yaml") or name.endswith(".yml")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
            for case in (doc or {}).get("cases", []) or []:
                case = dict(case)
                case["file"] = rel
                case["dir"] = os.path.dirname(rel)
                case["v0"] = rel.startswith("legacy/")
                cases.append(case)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(cases, f, default=str)


if __name__ == "__main__":
    main()
