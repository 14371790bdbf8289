#!/usr/bin/env python3
"""Plan and checks of kmod_test.sh: the ncxdp_tx module (kmod/) on a real kernel, one boot.

  kmod_records.py plan --tag T --abi A --host-v4 .. --guest-v4 .. --host-v6 .. --guest-v6 ..
                       --host-mac .. OUT_DIR
      writes OUT_DIR/plan.json (targets, expected records; the guest script and the checks read
      it) and OUT_DIR/data/ (one file per /dev/kmsg or /proc/kh_printk write)
  kmod_records.py check [--self-test] PLAN.json RECEIVED.jsonl
      compares what ncxdp decoded with the plan; exit 1 with one line per difference.
      --self-test: damages copies of RECEIVED in several ways and requires each to be rejected,
      so a check that silently compares nothing cannot pass

The guest (kmod_guest.sh) loads ncxdp_tx three ways: with a targets= string holding two bad
targets (refused with a log line naming field and column) and a good one; by modprobe with
ncxdp_tx.targets= from the kernel command line (extended+release IPv4, plain IPv4, extended IPv6
to the host's MAC); and through configfs (extended+release IPv4 with userdata and every sysdata
field, extended IPv6 whose userdata fragments every message, plain IPv4). It prints the markers,
oopses (BUG() in kh_oops), then forces a panic: each time the kmsg dumper must replay the whole
log ring to every extended target, as dump 1 and dump 2.
"""

import argparse
import json
import os
import sys

UDP_PORT_HOST = (6666, 6667)
DEV_DICT = [["SUBSYSTEM", "platform"], ["DEVICE", "+platform:kh_printk"]]
DEV_PREFIX = "platform kh_printk: "
PANIC_TEXT = "Kernel panic - not syncing: sysrq triggered crash"
OOPS_TEXT = "kernel BUG at "  # BUG() in tests/kernel/oops/kh_oops.c


def src(ip, port):
    return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)


def plan(a):
    tag = a.tag
    g4, h4, g6, h6, mac = a.guest_v4, a.host_v4, a.guest_v6, a.host_v6, a.host_mac
    m = "kmod:%s" % tag

    # Two bad targets and a good one. Columns are 1-based in the whole string.
    bad_targets = "+r6601@/eth0,6666@10.213.0.300/;r6602@/eth0,6666@%s/;6603@/eth0,6666@%s/" % (h4, h4)
    first = bad_targets.split(";")[0]
    bad_lines = [
        'ncxdp_tx: targets= target 1: bad tgt-ip "10.213.0.300" at column %d: not an IPv4 or IPv6 address; '
        "target skipped" % (first.index("10.213.0.300") + 1),
        "ncxdp_tx: targets= target 2: bad flags \"r\" at column %d: 'r' (release) needs '+' (extended) before it; "
        "target skipped" % (len(first) + 2),
    ]
    targets = ";".join([
        "+r6611@/eth0,6666@%s/" % h4,
        "6612@/eth0,6666@%s/" % h4,
        "+6613@%s/eth0,6666@%s/%s" % (g6, h6, mac),
    ])
    assert len(targets) < 256

    big = [["k%d" % i, ("%d" % i) * 199] for i in range(1, 6)]
    sources = [
        dict(src=src(g4, 6603), name="first load: the good target of a bad targets= string", format="plain",
             boot=True, markers=False),
        dict(src=src(g4, 6611), name="cmdline0: extended+release IPv4, userdata and sysdata added in configfs",
             format="extended", release=a.abi, boot=True, markers=True, dump=True, userdata=[["boot", "yes"]],
             sysdata=["cpu", "msgid"]),
        dict(src=src(g4, 6612), name="cmdline1: plain IPv4", format="plain", boot=True, markers=True),
        dict(src=src(g6, 6613), name="cmdline2: extended IPv6 to the host's MAC", format="extended", release=None,
             boot=True, markers=True, dump=True, userdata=[], sysdata=[]),
        dict(src=src(g4, 6621), name="t1: configfs extended+release IPv4, userdata, all sysdata",
             format="extended", release=a.abi, boot=False, markers=True, dump=True,
             userdata=[["host", "guest-" + tag]], sysdata=["cpu", "taskname", "release", "msgid"]),
        dict(src=src(g6, 6622), name="t2: configfs extended IPv6, userdata fragments every message",
             format="extended", release=None, boot=False, markers=True, dump=True, userdata=big,
             sysdata=["msgid"], fragmented=True),
        dict(src=src(g4, 6623), name="t3: configfs plain IPv4", format="plain", boot=False, markers=True),
    ]

    # Markers: /dev/kmsg writes (facility 1) and kernel printk through kh_printk (facility 0).
    data = []
    markers = []

    def kmsg(mid, prefix, text, level, facility=1):
        data.append(("%02d.k" % len(data), (prefix + text + "\n").encode()))
        markers.append(dict(id=mid, text=text, level=level, facility=facility, dict=[]))

    kmsg("m01", "<3>", m + " m01 error level", 3)
    kmsg("m02", "<6>", m + " m02 info level", 6)
    kmsg("m03", "<7>", m + " m03 debug level", 7)
    kmsg("m04", "<14>", m + " m04 user facility, info", 6)
    kmsg("m05", "", m + " m05 default level", 4)
    kmsg("m06", "<4>", m + " m06 tab\there back\\slash caf\u00e9 \u2713 \\x41", 4)
    kmsg("m07", "<6>", m + " m07 long " + "L" * 850, 6)
    cmds = [
        ("P6" + m + " m08 kernel printk", dict(id="m08", text=m + " m08 kernel printk", level=6, dict=[])),
        ("D5" + m + " m09 dev_printk", dict(id="m09", text=DEV_PREFIX + m + " m09 dev_printk", level=5,
                                             dict=DEV_DICT)),
        ("P2" + m + " m10 first line\n" + m + " m10 second line",
         dict(id="m10", text=m + " m10 first line\n" + m + " m10 second line", level=2, dict=[])),
    ]
    data.append(("%02d.p" % len(data), b"".join(c.encode() + b"\0" for c, _ in cmds)))
    for _, r in cmds:
        r["facility"] = 0
        markers.append(r)

    os.makedirs(os.path.join(a.out, "data"), exist_ok=True)
    for name, body in data:
        with open(os.path.join(a.out, "data", name), "wb") as f:
            f.write(body)
    p = dict(tag=tag, abi=a.abi, bad_targets=bad_targets, bad_lines=bad_lines, targets=targets, sources=sources,
             markers=markers, panic_marker="kh:PANIC:%s " % tag)
    with open(os.path.join(a.out, "plan.json"), "w") as f:
        json.dump(p, f, indent=1)


def text_of(r):
    return bytes.fromhex(r["text_hex"]).decode("utf-8", "replace") if "text_hex" in r else r["text"]


def escaped_len(s):
    return sum(1 if 0x20 <= c < 0x7F and c != 0x5C else 4 for c in s.encode())


class Checker:
    def __init__(self, p, records):
        self.p = p
        self.errors = []
        self.by_src = {}
        for r in records:
            self.by_src.setdefault(r["src"], []).append(r)
        self.summary = []
        # Every printk record as some extended target sent it live, by seq: what a dumped record
        # must equal, even on a target that was created after the record was printed.
        self.live_by_seq = {}
        for s in p["sources"]:
            if s["format"] == "extended":
                for r in self.by_src.get(s["src"], []):
                    if r.get("event") is None and "dump" not in r:
                        self.live_by_seq.setdefault(r["seq"], r)

    def err(self, source, msg):
        self.errors.append("%s (%s): %s" % (source["src"], source["name"], msg))

    def sysdata_ok(self, source, pairs):
        """The sysdata lines the source must carry, in netconsole's order; None when they differ."""
        want = source["sysdata"]
        if [k for k, _ in pairs] != want:
            return "sysdata keys %s, expected %s" % ([k for k, _ in pairs], want)
        for k, v in pairs:
            if k == "cpu" and v != "0":
                return "cpu=%s on a one-CPU guest" % v
            if k == "taskname" and not v:
                return "empty taskname"
            if k == "release" and v != self.p["abi"]:
                return "release=%s, expected %s" % (v, self.p["abi"])
            if k == "msgid" and not v.isdigit():
                return "msgid=%r is not a number" % v
        return None

    def check_extended_record(self, source, r, kernel_dict, what):
        """Dictionary of an extended record: the kernel's, then userdata, then sysdata."""
        n_user = len(source["userdata"])
        n_sys = len(source["sysdata"])
        d = r["dict"]
        if len(d) != len(kernel_dict) + n_user + n_sys:
            return self.err(source, "%s: dict %s, expected %s + userdata %s + sysdata %s"
                            % (what, d, kernel_dict, source["userdata"], source["sysdata"]))
        if [p[:2] for p in d[:len(kernel_dict)]] != kernel_dict:
            return self.err(source, "%s: kernel dictionary %s, expected %s" % (what, d[:len(kernel_dict)], kernel_dict))
        if [p[:2] for p in d[len(kernel_dict):len(kernel_dict) + n_user]] != source["userdata"]:
            return self.err(source, "%s: userdata %s, expected %s" % (what, d[len(kernel_dict):], source["userdata"]))
        why = self.sysdata_ok(source, [p[:2] for p in d[len(kernel_dict) + n_user:]])
        if why:
            self.err(source, "%s: %s" % (what, why))
        if r["release"] != source["release"]:
            self.err(source, "%s: release %r, expected %r" % (what, r["release"], source["release"]))
        if source.get("fragmented"):
            # The payload the module built: release, header, escaped text, dictionary. Over 1000
            # bytes it can only have arrived in ncfrag fragments, reassembled by ncxdp.
            size = (len(r["release"]) + 1 if r["release"] else 0) + len("%d,%d,%d,-;" % (
                r["facility"] * 8 + r["level"], r["seq"], r["ts_usec"])) + escaped_len(text_of(r)) + 1 + sum(
                len(" %s=%s\n" % (p[0], p[1])) for p in d)
            if size <= 1000:
                self.err(source, "%s: payload of %d bytes, expected every message to need fragments" % (what, size))

    def check_source(self, source):
        recs = self.by_src.get(source["src"], [])
        gaps = [r for r in recs if r.get("event") == "gap"]
        msgs = [r for r in recs if r.get("event") is None]
        if not msgs:
            return self.err(source, "nothing received")
        for g in gaps:
            self.err(source, "gap event %s" % json.dumps(g))
        for r in msgs:
            if r["incomplete"]:
                self.err(source, "incomplete record seq %s missing %s" % (r["seq"], r.get("missing")))
            if r["format"] != source["format"]:
                self.err(source, "a %s record (seq %s)" % (r["format"], r["seq"]))
        live = [r for r in msgs if "dump" not in r]
        dumped = [r for r in msgs if "dump" in r]
        texts = [text_of(r) for r in live]

        # The bad targets= string of the first load: refused with the exact lines, in the boot log
        # that boot targets replay.
        if source["boot"]:
            for line in self.p["bad_lines"]:
                if line not in texts:
                    self.err(source, "log line %r not received" % line)

        if source["format"] == "extended":
            seqs = [r["seq"] for r in live]
            start = 0 if source["boot"] else seqs[0]
            if seqs != list(range(start, start + len(seqs))):
                bad = next(i for i, s in enumerate(seqs) if s != start + i)
                self.err(source, "live seqs not consecutive from %d: ... %s" % (start, seqs[max(0, bad - 2):bad + 3]))
            if "msgid" in source["sysdata"]:
                ids = [r["msgid"] for r in msgs if r["msgid"] is not None]
                if ids != list(range(1, len(ids) + 1)):
                    bad = next(i for i, v in enumerate(ids) if v != i + 1)
                    self.err(source, "msgid not consecutive from 1 (dump included): ... %s" % ids[max(0, bad - 2):bad + 3])

        if source["markers"]:
            for mk in self.p["markers"]:
                if source["format"] == "plain":
                    for line in mk["text"].split("\n"):
                        if texts.count(line) != 1:
                            self.err(source, "marker %s line %r received %d times" % (mk["id"], line, texts.count(line)))
                    continue
                found = [r for r in live if text_of(r) == mk["text"]]
                if len(found) != 1:
                    self.err(source, "marker %s received %d times live" % (mk["id"], len(found)))
                    continue
                r = found[0]
                if (r["level"], r["facility"], r["cont"]) != (mk["level"], mk["facility"], False):
                    self.err(source, "marker %s: level %s facility %s cont %s, expected %s %s false"
                             % (mk["id"], r["level"], r["facility"], r["cont"], mk["level"], mk["facility"]))
                self.check_extended_record(source, r, mk["dict"], "marker " + mk["id"])

        if source.get("dump"):
            self.check_dump(source, live, dumped)
        elif dumped:
            self.err(source, "%d dumped records on a target without a dump" % len(dumped))

        summary = "%-22s %-9s %5d live, %4d dumped" % (source["src"], source["format"], len(live), len(dumped))
        self.summary.append(summary + "  " + source["name"])

    def check_dump(self, source, live, dumped):
        """Two dumps: 1 when the guest oopsed, 2 when it panicked. Each is the whole ring."""
        numbers = sorted({r["dump"] for r in dumped})
        if numbers != [1, 2]:
            return self.err(source, "dump numbers %s, expected [1, 2] (the oops, then the panic)" % numbers)
        targets = sum(1 for s in self.p["sources"] if s.get("dump"))
        for number, reason, last in ((1, "Oops", OOPS_TEXT), (2, "Panic", PANIC_TEXT)):
            one = [r for r in dumped if r["dump"] == number]
            self.check_one_dump(source, "dump %d" % number, one)
            texts = [text_of(d) for d in one]
            if not any(t.startswith(last) and d["level"] <= 4 for t, d in zip(texts, one)):
                self.err(source, "dump %d: no record starting %r" % (number, last))
            # The module's own report comes live, after the dump.
            # The guest's t5 (kmod_guest.sh 5b) is enabled on a down dummy0: not counted as sent.
            want = "ncxdp_tx: dump %d (%s): %d records sent to %d targets, 1 targets down" % (
                number, reason, len(one), targets)
            after = [text_of(r) for r in live if text_of(r).startswith("ncxdp_tx: dump %d " % number)]
            if after != [want]:
                self.err(source, "dump %d report %s, expected [%r]" % (number, after, want))
        if not any(text_of(d).startswith(self.p["panic_marker"]) for d in dumped if d["dump"] == 2):
            self.err(source, "the last marker before the panic is not in dump 2")

    def check_one_dump(self, source, what, dumped):
        seqs = [r["seq"] for r in dumped]
        # The whole ring, oldest first: nothing cleared it, so from seq 0.
        if seqs != list(range(len(seqs))):
            bad = next(i for i, s in enumerate(seqs) if s != i)
            self.err(source, "%s: seqs not 0..n in order: ... %s" % (what, seqs[max(0, bad - 2):bad + 3]))
        for d in dumped:
            r = self.live_by_seq.get(d["seq"])
            if r is None:
                continue
            for key in ("level", "facility", "ts_usec"):
                if d[key] != r[key]:
                    self.err(source, "%s seq %d: %s %s, live %s" % (what, d["seq"], key, d[key], r[key]))
            if text_of(d) != text_of(r):
                self.err(source, "%s seq %d: text %r, live %r" % (what, d["seq"], text_of(d)[:80], text_of(r)[:80]))
            # kmsg_dump gives no dictionary: only userdata and sysdata follow a dumped message.
            self.check_extended_record(source, d, [], "%s seq %d" % (what, d["seq"]))
        # The boot targets saw the whole log live: every dumped record has its live copy, but for
        # the newest ones, which the consoles may not have sent yet when the dump ran.
        newest_live = max(self.live_by_seq)
        unmatched = [d["seq"] for d in dumped if d["seq"] not in self.live_by_seq and d["seq"] <= newest_live]
        if unmatched:
            self.err(source, "%s: seqs without a live copy on any target: %s" % (what, unmatched[:10]))
        dtexts = [text_of(d) for d in dumped]
        for mk in self.p["markers"]:
            if dtexts.count(mk["text"]) != 1:
                self.err(source, "%s: marker %s is there %d times" % (what, mk["id"], dtexts.count(mk["text"])))

    def run(self):
        for s in self.p["sources"]:
            self.check_source(s)
        known = {s["src"] for s in self.p["sources"]}
        for other in sorted(set(self.by_src) - known):
            self.errors.append("%s: %d records from a source that is not a target" % (other, len(self.by_src[other])))
        # The guest's own checks (configfs refusals, attribute values), counted before the panic.
        marks = [text_of(r) for rs in self.by_src.values() for r in rs
                 if r.get("event") is None and "dump" not in r and text_of(r).startswith(self.p["panic_marker"])]
        if not marks:
            self.errors.append("the guest's last marker %r never arrived" % self.p["panic_marker"])
        elif marks[0] != self.p["panic_marker"] + "errors=0":
            self.errors.append("the guest reported: %s" % marks[0])
        return self.errors


def damaged(p, records):
    """(what, records) pairs: copies of a passing input, each with one defect the checks must see."""
    def of(k):
        return [i for i, r in enumerate(records) if r["src"] == p["sources"][k]["src"] and r.get("event") is None]

    t1, t2, t3 = of(4), of(5), of(6)
    dumped = [i for i in t1 if "dump" in records[i]]
    marker = [i for i in t1 if "dump" not in records[i] and text_of(records[i]) == p["markers"][1]["text"]][0]
    marker2 = [i for i in t2 if "dump" not in records[i] and text_of(records[i]) == p["markers"][8]["text"]][0]
    plain = [i for i in t3 if text_of(records[i]) == p["markers"][0]["text"]][0]
    report = [i for i in t1 if text_of(records[i]).startswith("ncxdp_tx: dump 1 ")][0]

    def edited(i, **changes):
        out = [dict(r) for r in records]
        out[i].update(changes)
        return out

    def without(i):
        return records[:i] + records[i + 1:]

    mid = dumped[len(dumped) // 2]
    dict_changed = [list(kv) for kv in records[marker2]["dict"]]
    dict_changed[0][1] = dict_changed[0][1][:-1] + "x"
    sys_changed = [list(kv) for kv in records[marker]["dict"]]
    sys_changed[-2][1] = "6.0.0"
    undumped = dict(records[mid])
    del undumped["dump"]
    yield "a dumped record lost", without(mid)
    yield "a dumped record without its dump flag", records[:mid] + [undumped] + records[mid + 1:]
    yield "a dumped text changed", edited(mid, text=records[mid]["text"] + "!")
    yield "a dumped timestamp changed", edited(mid, ts_usec=records[mid]["ts_usec"] + 1)
    yield "a third dump number", edited(mid, dump=3)
    yield "a live marker lost", without(marker)
    yield "a marker's level changed", edited(marker, level=5)
    yield "a msgid skipped", edited(marker, msgid=records[marker]["msgid"] + 1)
    yield "a userdata value changed", edited(marker2, dict=dict_changed)
    yield "a sysdata release changed", edited(marker, dict=sys_changed)
    yield "a plain marker lost", without(plain)
    yield "the dump report changed", edited(report, text=text_of(records[report]).replace("sent to 4", "sent to 3"))
    yield "the oops dump lost", [r for r in records if r.get("dump") != 1]
    yield "a gap event", records + [dict(records[marker], event="gap", field="seq")]
    yield "a refusal line changed", [dict(r, text=r["text"].replace("column", "col")) if r.get("text") else r
                                     for r in records]


def check(a):
    with open(a.plan) as f:
        p = json.load(f)
    with open(a.received) as f:
        records = [json.loads(line) for line in f if line.strip()]
    if a.self_test:
        failed = 0
        for what, bad in damaged(p, records):
            if not Checker(p, bad).run():
                print("SELF-TEST: not rejected: " + what)
                failed += 1
        return 1 if failed else 0
    c = Checker(p, records)
    errors = c.run()
    for line in c.summary:
        print("  " + line)
    for e in errors[:60]:
        print("ERROR " + e)
    if len(errors) > 60:
        print("... and %d more errors" % (len(errors) - 60))
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("plan")
    for opt in ("--tag", "--abi", "--host-v4", "--guest-v4", "--host-v6", "--guest-v6", "--host-mac"):
        pl.add_argument(opt, required=True)
    pl.add_argument("out")
    ch = sub.add_parser("check")
    ch.add_argument("--self-test", action="store_true")
    ch.add_argument("plan")
    ch.add_argument("received")
    a = ap.parse_args()
    if a.cmd == "plan":
        plan(a)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
