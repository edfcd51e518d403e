"""Static check of the Grafana dashboards under deploy/grafana/dashboards: valid JSON, a uid and a
title, unique panel ids, every query on the ${datasource} variable, and every PromQL expression
parsed by promtool (Grafana's variables replaced by plain values first). Usage:
/usr/bin/python3 check-dashboards.py <dashboards dir>"""
import json
import pathlib
import subprocess
import sys
import tempfile

GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h", "$job": ".+"}


def main(directory):
    errors, exprs = [], []
    files = sorted(pathlib.Path(directory).glob("*.json"))
    for path in files:
        try:
            dash = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            errors.append(f"{path}: {e}")
            continue
        for key in ("uid", "title", "panels"):
            if not dash.get(key):
                errors.append(f"{path}: no {key}")
        ids = [p.get("id") for p in dash.get("panels", [])]
        if len(ids) != len(set(ids)):
            errors.append(f"{path}: duplicate panel ids")
        for panel in dash.get("panels", []):
            if panel.get("type") == "row":
                continue
            if not panel.get("targets"):
                errors.append(f"{path}: panel {panel.get('title')!r} has no query")
            for target in panel.get("targets", []):
                if target.get("datasource", {}).get("uid") != "${datasource}":
                    errors.append(f"{path}: panel {panel.get('title')!r} does not use ${{datasource}}")
                expr = target.get("expr", "")
                for var, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(var, value)
                if "$" in expr:
                    errors.append(f"{path}: panel {panel.get('title')!r}: unknown variable in {expr}")
                exprs.append((f"{path.name}: {panel.get('title')}", expr))
    if not files or not exprs:
        errors.append(f"no dashboard queries found under {directory}")
    # promtool parses PromQL only inside rule files: one recording rule per query.
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
        rules.write("groups:\n  - name: dashboard-queries\n    rules:\n")
        for i, (_, expr) in enumerate(exprs):
            rules.write(f"      - record: dashboard:query_{i}\n        expr: {json.dumps(expr)}\n")
    result = subprocess.run(["promtool", "check", "rules", rules.name], capture_output=True, text=True)
    pathlib.Path(rules.name).unlink()
    if result.returncode != 0:
        errors.append("promtool rejects a dashboard query:\n" + result.stdout + result.stderr)
    for error in errors:
        print(f"FAIL {error}", file=sys.stderr)
    if not errors:
        print(f"ok   {len(files)} dashboard(s), {len(exprs)} PromQL queries parsed by promtool")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
