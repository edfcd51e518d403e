"""Strict field check of the Kubernetes manifests under a directory: every key of every object must
be a field of its Kubernetes type, walking the models of Debian's python3-kubernetes (typed
attributes per API type). This catches misspelt or misplaced fields, which a schema check that
allows additional properties lets through and an API server may silently drop. Type and value
checks are done by validate-k8s.mjs. Usage: /usr/bin/python3 k8s-known-fields.py <dir>"""
import pathlib
import re
import sys

import yaml
import kubernetes.client as k8s

KINDS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("batch/v1", "Job"): "V1Job",
}
# free-form maps and values that are not further typed
OPAQUE = {"object", "str", "int", "bool", "float", "datetime", "date"}


def check(value, type_name, where, errors):
    if value is None:
        return
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        for i, item in enumerate(value if isinstance(value, list) else []):
            check(item, m.group(1), f"{where}[{i}]", errors)
        return
    m = re.fullmatch(r"dict\((\w+), (.+)\)", type_name)
    if m:
        for key, item in (value.items() if isinstance(value, dict) else []):
            check(item, m.group(2), f"{where}.{key}", errors)
        return
    if type_name in OPAQUE:
        return
    cls = getattr(k8s, type_name)
    if not isinstance(value, dict):
        errors.append(f"{where}: expected an object ({type_name})")
        return
    by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    for key, item in value.items():
        if key not in by_json:
            errors.append(f"{where}.{key}: not a field of {type_name}")
            continue
        check(item, cls.openapi_types[by_json[key]], f"{where}.{key}", errors)


def main(directory):
    errors, checked = [], 0
    for path in sorted(pathlib.Path(directory).glob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") == "Kustomization":
                continue
            type_name = KINDS.get((doc.get("apiVersion"), doc.get("kind")))
            if type_name is None:
                errors.append(f"{path}: no model for {doc.get('apiVersion')}/{doc.get('kind')}")
                continue
            before = len(errors)
            check(doc, type_name, f"{path}:{doc['kind']}/{doc.get('metadata', {}).get('name')}", errors)
            checked += 1
            if len(errors) == before:
                print(f"ok   {path}: every field is known")
    for error in errors:
        print(f"FAIL {error}", file=sys.stderr)
    if checked == 0:
        print("no manifests found", file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
