#!/usr/bin/env python3
"""Checks the monitoring that ships with ncxdp against itself and against live ncxdp metrics.

  monitoring_check.py dashboard DASHBOARD.json
      The Grafana dashboard loads: valid JSON, a Prometheus datasource variable every panel and
      target uses, unique panel ids, panels inside the 24-column grid without overlapping, every
      panel with a title and targets, every target with a unique refId and a PromQL expression.
  monitoring_check.py names RULES.yml DASHBOARD.json SCRAPE... [--only-in LAST_SCRAPE=PREFIX...]
      Every metric name the rules and the dashboard use exists in the scrapes (text exposition
      files), and every label="value" matcher on it selects at least one scraped series. Names
      found only in the last scrape must start with one of the --only-in prefixes (metrics of
      `ncxdp attach` alone). Recording rules' names must be defined in the rules file.
  monitoring_check.py exprs DASHBOARD.json
      Prints each target's expression with Grafana's variables replaced, one per line, for a
      Prometheus server to parse.
"""
import json
import re
import sys

import yaml

METRIC = re.compile(r"\b(ncxdp_[a-z0-9_]+)\b")
RECORDED = re.compile(r"\b(ncxdp:[a-z0-9_:]+)\b")
# A selector with matchers: name{a="b", c=~"d"}.
SELECTOR = re.compile(r"\b(ncxdp_[a-z0-9_]+|up)\s*\{([^}]*)\}")
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
# Labels Prometheus adds at scrape time, and Grafana's variables: not in a text exposition.
TARGET_LABELS = {"instance", "job"}
GRAFANA_VARS = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "5m", "$instance": ".*", "$job": ".*"}
PANEL_TYPES = {"timeseries", "stat", "table", "gauge", "bargauge", "row", "text", "heatmap", "barchart"}

errors = []


def error(msg):
    errors.append(msg)


def dashboard_panels(dash):
    for p in dash.get("panels", []):
        yield p
        for sub in p.get("panels", []) or []:
            yield sub


def check_dashboard(path):
    try:
        with open(path) as f:
            dash = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        error(f"{path}: not valid JSON: {e}")
        return None
    for key, kind in (("title", str), ("uid", str), ("schemaVersion", int), ("panels", list)):
        if not isinstance(dash.get(key), kind) or dash.get(key) in ("", []):
            error(f"{path}: missing or empty {key}")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds_var = [v for v in variables.values() if v.get("type") == "datasource"]
    if not ds_var or ds_var[0].get("query") != "prometheus":
        error(f"{path}: no datasource variable of type prometheus in templating.list")
        return dash
    ds_ref = "${%s}" % ds_var[0]["name"]
    for name, v in variables.items():
        if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != ds_ref:
            error(f"{path}: variable {name} does not use the datasource variable {ds_ref}")
    ids = set()
    cells = {}
    for p in dashboard_panels(dash):
        where = f"{path}: panel {p.get('id')} ({p.get('title')!r})"
        if not isinstance(p.get("id"), int):
            error(f"{where}: no integer id")
        elif p["id"] in ids:
            error(f"{where}: id {p['id']} used twice")
        ids.add(p.get("id"))
        if p.get("type") not in PANEL_TYPES:
            error(f"{where}: unknown panel type {p.get('type')!r}")
        if not p.get("title"):
            error(f"{where}: no title")
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in ("h", "w", "x", "y")):
            error(f"{where}: gridPos needs integer h, w, x, y")
            continue
        if g["x"] < 0 or g["w"] <= 0 or g["h"] <= 0 or g["x"] + g["w"] > 24:
            error(f"{where}: gridPos {g} outside the 24-column grid")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    error(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p.get("id")
            else:
                continue
            break
        if p.get("type") in ("row", "text"):
            continue
        if (p.get("datasource") or {}).get("uid") != ds_ref:
            error(f"{where}: datasource is not {ds_ref}")
        targets = p.get("targets") or []
        if not targets:
            error(f"{where}: no targets")
        refs = set()
        for t in targets:
            if not t.get("expr"):
                error(f"{where}: target {t.get('refId')} has no expr")
            if not t.get("refId") or t.get("refId") in refs:
                error(f"{where}: missing or repeated refId {t.get('refId')!r}")
            refs.add(t.get("refId"))
            if (t.get("datasource") or {}).get("uid") != ds_ref:
                error(f"{where}: target {t.get('refId')} datasource is not {ds_ref}")
            expr = t.get("expr", "")
            if expr.count("(") != expr.count(")") or expr.count("{") != expr.count("}"):
                error(f"{where}: unbalanced brackets in {expr!r}")
    return dash


def dashboard_exprs(dash):
    for p in dashboard_panels(dash):
        for t in p.get("targets") or []:
            if t.get("expr"):
                yield t["expr"]


def substitute(expr):
    for var, value in sorted(GRAFANA_VARS.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(var, value)
    return expr


def rules_exprs(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    recorded = set()
    exprs = []
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "record" in rule:
                recorded.add(rule["record"])
            exprs.append(str(rule["expr"]))
    return recorded, exprs


def parse_scrape(path):
    """{metric name: [labels dict, ...]} from a Prometheus text exposition."""
    series = {}
    sample = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+")
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = sample.match(line)
            if not m:
                continue
            labels = dict((k, v) for k, _, v in MATCHER.findall(m.group(3) or ""))
            series.setdefault(m.group(1), []).append(labels)
    return series


def matcher_ok(op, want, have):
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    full = re.fullmatch(want, have) is not None
    return full if op == "=~" else not full


def check_names(rules_path, dash_path, scrapes, only_in):
    recorded, rexprs = rules_exprs(rules_path)
    with open(dash_path) as f:
        dexprs = list(dashboard_exprs(json.load(f)))
    merged = {}
    per_scrape = []
    for s in scrapes:
        series = parse_scrape(s)
        per_scrape.append(series)
        for name, rows in series.items():
            merged.setdefault(name, []).extend(rows)
    names = set()
    for source, exprs in (("rules", rexprs), ("dashboard", dexprs)):
        for expr in exprs:
            for name in METRIC.findall(expr):
                names.add(name)
                if name not in merged:
                    error(f"{source}: metric {name} is not in any scrape ({expr.strip()[:80]}...)")
            for name in RECORDED.findall(expr):
                if name not in recorded:
                    error(f"{source}: recorded series {name} is not defined in {rules_path}")
            for name, body in SELECTOR.findall(expr):
                rows = merged.get(name, [])
                if name == "up" or not rows:
                    continue
                for label, op, value in MATCHER.findall(body):
                    if label in TARGET_LABELS or "$" in value:
                        continue
                    if not any(matcher_ok(op, value, r.get(label, "")) for r in rows):
                        error(f"{source}: {name}{{{label}{op}\"{value}\"}} selects no scraped series")
    if only_in and len(per_scrape) > 1:
        last = per_scrape[-1]
        others = set().union(*[set(s) for s in per_scrape[:-1]])
        for name in sorted(names):
            if name in last and name not in others and not name.startswith(tuple(only_in)):
                error(f"metric {name} is only in the last scrape, and not one of {only_in}")
    return names


def main(argv):
    if len(argv) >= 2 and argv[0] == "dashboard":
        check_dashboard(argv[1])
        if not errors:
            print(f"{argv[1]}: dashboard structure OK")
    elif len(argv) >= 2 and argv[0] == "exprs":
        dash = check_dashboard(argv[1])
        for expr in dashboard_exprs(dash or {}):
            print(substitute(expr).replace("\n", " "))
    elif len(argv) >= 4 and argv[0] == "names":
        args = argv[1:]
        only_in = []
        if "--only-in" in args:
            i = args.index("--only-in")
            only_in = args[i + 1:]
            args = args[:i]
        names = check_names(args[0], args[1], args[2:], only_in)
        if not errors:
            print(f"{len(names)} metric names used by the rules and the dashboard, all in the scrape")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errors:
        print("ERROR: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
