#!/usr/bin/env python3
"""Checks what a syslog server wrote against what ncxdp decoded.

  syslog_check.py TRUTH.jsonl RECEIVED.json [--ordered] [--pen N] [--only-src-port-from P]

TRUTH is ncxdp's own `--out jsonl:` output of the same run: records and gap events. RECEIVED has
one JSON object per line, written by the server's template from the fields *it parsed*: facility,
severity, hostname, app, procid, msgid, timestamp, sd (the structured data as the server's RFC 5424
SD parser decoded it, as a JSON string) and msg. Each entry of TRUTH must be in RECEIVED exactly
once, field for field, with no extra ones. --ordered also requires each sender's entries in TRUTH's
order (a stream transport keeps it). Independent of ncxdp's formatter: what it expects is built
here from the record and the RFC 5424 rules (docs in user/syslog/Rfc5424Formatter.h).
"""
import argparse
import collections
import json
import sys


def hostname(src):
    host = src.rsplit(":", 1)[0]
    return host[1:-1] if host.startswith("[") else host


def text_bytes(entry, key="text", hex_key="text_hex"):
    if entry.get(hex_key) is not None:
        return bytes.fromhex(entry[hex_key])
    return entry[key].encode("utf-8")


def param_value(raw):
    """RFC 5424 PARAM-VALUE as ncxdp writes it, after the server undid the '"', '\\', ']' escapes:
    control characters and bytes that are not UTF-8 become \\xNN."""
    out = []
    for ch in raw.decode("utf-8", errors="surrogateescape"):
        cp = ord(ch)
        if 0xDC80 <= cp <= 0xDCFF:  # an undecodable byte
            out.append("\\x%02x" % (cp - 0xDC00))
        elif cp < 0x20 or 0x7F <= cp < 0xA0:
            out.extend("\\x%02x" % b for b in ch.encode("utf-8"))
        else:
            out.append(ch)
    return "".join(out)


def sd_name(key):
    name = "".join(c if 33 <= ord(c) < 127 and c not in '=]"' else "_" for c in key.encode("utf-8").decode("latin-1"))
    return name[:32] or "_"


def expected(entry, pen):
    main = {"src": entry["src"]}
    sd = {"ncxdp@%d" % pen: main}
    if entry.get("event") == "gap":
        count = entry["count"]
        main.update({"gap": entry["field"], "from": str(entry["from"]), "to": str(entry["to"]), "count": str(count)})
        span = str(entry["from"]) if entry["from"] == entry["to"] else "%d..%d" % (entry["from"], entry["to"])
        msg = "%d message%s lost (%s %s never arrived)" % (count, "" if count == 1 else "s", entry["field"], span)
        return {"facility": "5", "severity": "4", "hostname": hostname(entry["src"]), "app": "ncxdp",
                "procid": "-", "msgid": "gap", "timestamp": entry["recv_ts"], "sd": sd, "msg": msg}
    facility = entry["facility"] if entry["facility"] is not None and 0 <= entry["facility"] <= 23 else 0
    severity = entry["level"] if entry["level"] is not None else 5
    main["format"] = entry["format"]
    for key in ("seq", "msgid", "release", "ts_usec", "caller"):
        if entry.get(key) is not None:
            main[key] = str(entry[key])
    if entry.get("cont"):
        main["cont"] = "1"
    if entry["facility"] is not None and entry["facility"] > 23:
        main["facility"] = str(entry["facility"])
    if entry.get("dump"):
        main["dump"] = str(entry["dump"])
    if entry.get("incomplete"):
        main["incomplete"] = "1"
        main["missing"] = ",".join("%d-%d" % (b, e) for b, e in entry.get("missing", []))
    if entry["dict"]:
        d = sd["dict@%d" % pen] = {}
        for key, value in entry["dict"]:
            # The server's parser keeps the last of repeated names.
            d[sd_name(key)] = param_value(value.encode("utf-8", errors="surrogateescape"))
    return {"facility": str(facility), "severity": str(severity), "hostname": hostname(entry["src"]),
            "app": "kernel", "procid": "-", "msgid": "-", "timestamp": entry["recv_ts"], "sd": sd,
            "msg": text_bytes(entry).decode("utf-8", errors="surrogateescape")}


def canonical(e):
    return json.dumps(e, sort_keys=True, ensure_ascii=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("received")
    ap.add_argument("--ordered", action="store_true")
    ap.add_argument("--pen", type=int, default=32473)
    ap.add_argument("--min-src-port", type=int, default=0, help="only TRUTH entries from source ports >= this")
    args = ap.parse_args()

    want = []
    with open(args.truth, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            entry = json.loads(line)
            if int(entry["src"].rsplit(":", 1)[1]) >= args.min_src_port:
                want.append(expected(entry, args.pen))
    got = []
    with open(args.received, encoding="utf-8", errors="surrogateescape") as f:
        for n, line in enumerate(f, 1):
            e = json.loads(line)
            try:
                e["sd"] = json.loads(e["sd"]) if e["sd"] not in ("", "-") else {}
            except json.JSONDecodeError:
                sys.exit("%s:%d: the server could not parse the structured data: %r" % (args.received, n, e["sd"]))
            got.append(e)

    want_c = collections.Counter(canonical(e) for e in want)
    got_c = collections.Counter(canonical(e) for e in got)
    missing = want_c - got_c
    extra = got_c - want_c
    if missing or extra:
        print("%d of %d entries missing, %d unexpected" % (sum(missing.values()), len(want), sum(extra.values())))
        for e in list(missing)[:3]:
            print("  missing:    " + e)
        for e in list(extra)[:3]:
            print("  unexpected: " + e)
        return 1
    if args.ordered:
        by_src_want = collections.defaultdict(list)
        by_src_got = collections.defaultdict(list)
        for e in want:
            by_src_want[e["sd"]["ncxdp@%d" % args.pen]["src"]].append(canonical(e))
        for e in got:
            by_src_got[e["sd"]["ncxdp@%d" % args.pen]["src"]].append(canonical(e))
        for src, seq in by_src_want.items():
            if by_src_got[src] != seq:
                print("entries of %s arrived out of order" % src)
                return 1
    print("%d entries match%s" % (len(want), ", in order per sender" if args.ordered else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
