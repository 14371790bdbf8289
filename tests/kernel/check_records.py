#!/usr/bin/env python3
"""Compares what ncxdp decoded (JSON lines, docs/record-format.md) with what a guest sent.

Usage: check_records.py [--self-test] EXPECT.json RECEIVED.jsonl
  --self-test: damages copies of RECEIVED in several ways and requires each to be rejected

EXPECT.json:
  {"tag": "<run tag>",
   "sources": [{
     "src": "10.213.0.2:6601",            ncxdp's src field for one netconsole target
     "name": "boot plain IPv4",            for messages
     "format": "plain" | "extended" | "mixed",  every record of the source has this format
                                           (mixed: the source switched; see the records' format)
     "release": null | "6.12...",          every record of the source has this release
     "caller": null, "msgid": null,        optional: every record of the source has this value
     "first_seq": null | 0,                extended: the first record's seq (0 = the boot replay)
     "edge_sizes": [1000, 1001],           optional: payload sizes (before splitting into
                                           datagrams) that some tagged record must have had
     "mirror_of": "<src>",                 optional, plain sources: an extended source whose
     "mirror_from_start": true|false,      records, split into lines, must equal this source's
                                           records (text bytes and time), from the first record
                                           or from the first record carrying the tag, up to the
                                           last record carrying the tag
     "records": [{                         the records whose text contains the tag, in order
       "id": "...",                        records with one id share ts_usec (and seq among
                                           extended sources) across all sources
       "text_hex": "...",                  exact text bytes
       "format": "plain",                  optional: this record's format
       "level": 6, "facility": 0, "cont": false,
       "dict": [["<key hex>", "<value hex>"], ...]}]}]}

Checks, for every source: it sent something; no gap event and no incomplete record; extended
seqs consecutive; every record has the source's format/release (and caller/msgid when given)
and a kernel timestamp; the tagged records equal the expected ones exactly. Records from a
source that is not expected are an error too.
"""

import difflib
import json
import sys


def text_bytes(r):
    if "text_hex" in r:
        return bytes.fromhex(r["text_hex"])
    return r["text"].encode()


def dict_bytes(r):
    out = []
    for pair in r["dict"]:
        value = bytes.fromhex(pair[2]) if len(pair) > 2 else pair[1].encode()
        out.append([pair[0].encode().hex(), value.hex()])
    return out


def escaped(b):
    """The extended format's escaping: bytes below 0x20, from 0x7f, and the backslash as \\xNN."""
    return b"".join(bytes([c]) if 0x20 <= c < 0x7F and c != 0x5C else b"\\x%02x" % c for c in b)


def wire_size(r):
    """The payload netconsole built for this record before splitting it into datagrams (dictionary
    values counted escaped, as the kernel's are; userdata is sent raw, so values must be plain)."""
    text = text_bytes(r)
    if r["format"] == "plain":
        return len(b"[%5d.%06d] " % divmod(r["ts_usec"], 1000000)) + len(text) + 1
    header = "%s%d,%d,%d,%s;" % (r["release"] + "," if r["release"] else "", r["facility"] * 8 + r["level"], r["seq"],
                                 r["ts_usec"], "c" if r["cont"] else "-")
    dict_size = sum(len(b" " + bytes.fromhex(k) + b"=" + escaped(bytes.fromhex(v)) + b"\n") for k, v in dict_bytes(r))
    return len(header) + len(escaped(text)) + 1 + dict_size


def show(b, limit=120):
    s = repr(b)
    return s if len(s) <= limit else s[:limit] + "...(%d bytes)" % len(b)


def check(expect, received):
    """Returns (summary lines, errors) for the received records (dicts, in file order)."""
    tag = expect["tag"].encode()
    by_src = {}
    gaps = []
    for n, r in enumerate(received, 1):
        r = dict(r, _line=n)
        if r.get("event") == "gap":
            gaps.append(r)
            continue
        by_src.setdefault(r["src"], []).append(r)

    errors = []

    def first_tagged(records):
        return next((i for i, r in enumerate(records) if tag in text_bytes(r)), len(records))

    def last_tagged(records):
        return max((i for i, r in enumerate(records) if tag in text_bytes(r)), default=-1)

    def err(src, msg):
        errors.append("%s: %s" % (src, msg))

    for g in gaps:
        err(g["src"], "gap event: %s %d..%d (%d missing)" % (g["field"], g["from"], g["to"], g["count"]))
    expected_srcs = {s["src"] for s in expect["sources"]}
    for src in sorted(set(by_src) - expected_srcs):
        err(src, "%d records from a source nobody expected" % len(by_src[src]))

    ts_of = {}  # id -> {ts_usec: [src...]}
    seq_of = {}  # id -> {seq: [src...]}
    summary = []
    for s in expect["sources"]:
        src = s["src"]
        got = by_src.get(src, [])
        if not got:
            err(src, "nothing received (%s)" % s["name"])
            continue
        for r in got:
            where = "line %d" % r["_line"]
            if r["incomplete"]:
                err(src, "%s: incomplete record, missing %s" % (where, r.get("missing")))
            if s["format"] != "mixed" and r["format"] != s["format"]:
                err(src, "%s: format %s, expected %s" % (where, r["format"], s["format"]))
            if r["release"] != s["release"]:
                err(src, "%s: release %r, expected %r" % (where, r["release"], s["release"]))
            for key in ("caller", "msgid"):
                if key in s and r[key] != s[key]:
                    err(src, "%s: %s %r, expected %r" % (where, key, r[key], s[key]))
            if r["ts_usec"] is None:
                err(src, "%s: no kernel timestamp" % where)
        seqs = ""
        # Extended records only: a source that switched format has plain records in between.
        seq = [r["seq"] for r in got if r["format"] == "extended"]
        if seq:
            if s.get("first_seq") is not None and seq[0] != s["first_seq"]:
                err(src, "first seq %s, expected %s" % (seq[0], s["first_seq"]))
            for a, b in zip(seq, seq[1:]):
                if b != a + 1:
                    err(src, "seq %s followed by %s" % (a, b))
            seqs = ", seq %d..%d" % (seq[0], seq[-1])

        tagged = [r for r in got if tag in text_bytes(r)]
        want = s["records"]
        # Align by text first, so one missing or extra record is reported as such, not as a shift
        # of everything after it.
        matcher = difflib.SequenceMatcher(None, [text_bytes(r) for r in tagged],
                                          [bytes.fromhex(w["text_hex"]) for w in want], autojunk=False)
        pairs = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
                pairs += zip(tagged[i1:i2], want[j1:j2])
                continue
            for r in tagged[i1:i2]:
                err(src, "line %d: unexpected record %s" % (r["_line"], show(text_bytes(r))))
            for w in want[j1:j2]:
                err(src, "expected record %s never arrived: %s" % (w["id"], show(bytes.fromhex(w["text_hex"]))))
        for r, w in pairs:
            what = "line %d (%s)" % (r["_line"], w["id"])
            t, wt = text_bytes(r), bytes.fromhex(w["text_hex"])
            if t != wt:
                at = next((k for k in range(min(len(t), len(wt))) if t[k] != wt[k]), min(len(t), len(wt)))
                err(src, "%s: text differs at byte %d (got %d bytes, expected %d): got %s, expected %s"
                    % (what, at, len(t), len(wt), show(t[max(0, at - 20):at + 40]), show(wt[max(0, at - 20):at + 40])))
            for key in ("format", "level", "facility", "cont"):
                if key in w and r[key] != w[key]:
                    err(src, "%s: %s %r, expected %r" % (what, key, r[key], w[key]))
            if dict_bytes(r) != w["dict"]:
                err(src, "%s: dict %s, expected %s" % (what, r["dict"], [[bytes.fromhex(k).decode(errors="replace"),
                                                                          bytes.fromhex(v).decode(errors="replace")]
                                                                         for k, v in w["dict"]]))
            ts_of.setdefault(w["id"], {}).setdefault(r["ts_usec"], []).append(src)
            if r["seq"] is not None:
                seq_of.setdefault(w["id"], {}).setdefault(r["seq"], []).append(src)

        sizes = {wire_size(r) for r in tagged}
        for size in s.get("edge_sizes", []):
            if size not in sizes:
                err(src, "no marker made a %d-byte payload on this target (the edge series missed it)" % size)

        if "mirror_of" in s:
            ext = by_src.get(s["mirror_of"], [])
            mine = got
            if not s["mirror_from_start"]:
                ext = ext[first_tagged(ext):]
                mine = mine[first_tagged(mine):]
            # Up to the final marker: at shutdown the consoles go away one after the other.
            ext = ext[:last_tagged(ext) + 1]
            mine = mine[:last_tagged(mine) + 1]
            lines = [(line, r["ts_usec"]) for r in ext for line in text_bytes(r).split(b"\n")]
            have = [(text_bytes(r), r["ts_usec"]) for r in mine]
            if lines != have:
                k = next((i for i in range(min(len(lines), len(have))) if lines[i] != have[i]), min(len(lines), len(have)))
                err(src, "plain lines differ from the records of %s at line %d of %d/%d: got %s, expected %s"
                    % (s["mirror_of"], k, len(have), len(lines), have[k] if k < len(have) else None,
                       lines[k] if k < len(lines) else None))
        summary.append("  %-22s %-58s %4d records%s, %d tagged%s" % (
            src, "(%s)" % s["name"], len(got), seqs, len(tagged),
            ", lines = %s's records" % s["mirror_of"] if "mirror_of" in s else ""))

    for name, table in (("ts_usec", ts_of), ("seq", seq_of)):
        for rid, values in table.items():
            if len(values) > 1:
                errors.append("record %s has different %s on different targets: %s" % (rid, name, values))

    return summary, errors


def self_test(expect, received):
    """The checker must reject damaged copies of a run it accepts (else it checks nothing)."""
    tag = expect["tag"].encode()
    tagged = [i for i, r in enumerate(received) if r.get("event") is None and tag in text_bytes(r)]
    ext = [i for i in tagged if received[i]["format"] == "extended"]
    with_dict = [i for i in ext if received[i]["dict"]]
    longest = max(tagged, key=lambda i: len(text_bytes(received[i])))

    def edit(i, **fields):
        def f(rs):
            rs[i] = dict(rs[i], **fields)
        return f

    def flip(i):
        t = bytearray(text_bytes(received[i]))
        t[len(t) // 2] ^= 0x01
        return edit(i, text=t.decode(errors="replace"), text_hex=t.hex())

    def drop(i):
        return lambda rs: rs.pop(i)

    def swap(i):
        def f(rs):
            j = next(k for k in tagged if k > i and rs[k]["src"] == rs[i]["src"])
            rs[i], rs[j] = rs[j], rs[i]
        return f

    mutations = {
        "a record dropped": drop(tagged[len(tagged) // 2]),
        "one byte of the longest text changed": flip(longest),
        "a record flagged incomplete": edit(tagged[-1], incomplete=True, missing=[[0, 1]]),
        "two records swapped": swap(tagged[0]),
    }
    if ext:
        gap = dict(received[ext[0]], event="gap", field="seq", **{"from": 1, "to": 1, "count": 1})
        mutations.update({
            "a level changed": edit(ext[0], level=(received[ext[0]]["level"] + 1) % 8),
            "a continuation flag changed": edit(ext[-1], cont=not received[ext[-1]]["cont"]),
            "a gap event added": lambda rs: rs.insert(ext[0], gap),
            "a release changed": edit(ext[-1], release="x"),
        })
    if with_dict:
        value = with_dict[-1]
        mutations["a dictionary value changed"] = edit(
            value, dict=[[k, v + "x"] + rest for k, v, *rest in received[value]["dict"]])
    _, errors = check(expect, received)
    if errors:
        print("self-test: the undamaged run does not pass: %s" % errors[0])
        return 1
    bad = 0
    for name, mutate in mutations.items():
        damaged = [dict(r) for r in received]
        mutate(damaged)
        _, errors = check(expect, damaged)
        if not errors:
            print("self-test: not detected: %s" % name)
            bad += 1
    print("self-test: %d of %d kinds of damage detected" % (len(mutations) - bad, len(mutations)))
    return 1 if bad else 0


def main():
    args = [a for a in sys.argv[1:] if a != "--self-test"]
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    expect = json.load(open(args[0]))
    with open(args[1]) as f:
        received = [json.loads(line) for line in f]
    if "--self-test" in sys.argv:
        return self_test(expect, received)
    summary, errors = check(expect, received)
    print("\n".join(summary))
    if errors:
        print("%d difference(s):" % len(errors))
        for e in errors[:60]:
            print("  " + e)
        if len(errors) > 60:
            print("  ... and %d more" % (len(errors) - 60))
        return 1
    print("OK: %d sources, every expected record decoded exactly" % len(expect["sources"]))
    return 0

if __name__ == "__main__":
    sys.exit(main())
