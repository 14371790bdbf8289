#!/usr/bin/env python3
"""Plans one guest boot that exercises stock netconsole on one kernel.

Writes, into OUT_DIR:
  test.sh      the guest's test script (busybox sh, uses guest-lib.sh): loads netconsole with
               boot-parameter targets, creates configfs targets, then prints every marker
  data/NNN.k   one /dev/kmsg write each (facility 1, user space)
  data/NNN.p   one /proc/kh_printk write each (kernel printk, pr_cont, dev_printk)
  expect.json  what ncxdp must decode from each target (check_records.py reads it)
and prints the number of targets (the sources the final marker must arrive from).

Targets, one UDP source port each, on remote ports 6666 and 6667:
  boot parameter: plain IPv4, extended IPv4, extended IPv6 (+release where the kernel has it),
                  plain IPv6 to the host's MAC (the others use broadcast)
  configfs:       extended IPv4 to the host's MAC, plain IPv4, extended IPv6, plain IPv6, one
                  plain target turned extended and one extended target turned plain half way
                  through (same source address and port), and where the kernel has them:
                  extended+release with small userdata (IPv4), and extended with userdata large
                  enough that every message is fragmented (IPv6); the userdata is changed while
                  enabled half way through.
Every marker's text carries the run's tag, so the checker can pick markers out of the boot log.
"""

import argparse
import json
import os
import shlex
import sys

# What each pinned kernel's stock netconsole can do, and the longest text one printk record
# keeps (measured: longer texts are cut by printk itself, and at this length printk has already
# cut the newline, so the record stays open until the next printk finishes it). A new kernel in
# kernels.conf needs a line here; the guest double-checks release and userdata against configfs.
# cmdline: a boot-parameter target shows up in configfs when "cmdline<N>" is created there.
KERNELS = {
    "6.1": {"release": False, "userdata": False, "cmdline": False, "max_text": 989},
    "6.12": {"release": True, "userdata": True, "cmdline": True, "max_text": 1021},
}

# What dev_printk on kh_printk's platform device (its D command) adds: a prefix and a dictionary.
DEV_DICT = [("SUBSYSTEM", "platform"), ("DEVICE", "+platform:kh_printk")]
DEV_PREFIX = b"platform kh_printk: "


class Plan:
    def __init__(self, tag):
        self.tag = tag.encode()
        self.guest = []  # lines of test.sh
        self.data = []  # (file name, bytes)
        self.records = []  # expected printk records, in order: dict(id, text, level, facility, cont, dict, phase)
        self.phase = 1

    def sh(self, line):
        self.guest.append(line)

    def kmsg(self, rid, text, level=None, facility=1, prefix=None):
        """One /dev/kmsg write. prefix is the raw "<N>" (default "<level>")."""
        if prefix is None:
            prefix = b"" if level is None else b"<%d>" % level
        name = "%03d.k" % len(self.data)
        self.data.append((name, prefix + text + b"\n"))
        self.sh("kh_kmsg_file %s" % name)
        self.records.append(
            dict(id=rid, text=text, level=4 if level is None else level, facility=facility, cont=False, dict=[],
                 phase=self.phase))

    def printk(self, commands, records):
        """One /proc/kh_printk write (commands run in one go) and the records it makes."""
        name = "%03d.p" % len(self.data)
        self.data.append((name, b"".join(c + b"\0" for c in commands)))
        self.sh("kh_printk_file %s" % name)
        for r in records:
            r.setdefault("facility", 0)
            r.setdefault("cont", False)
            r.setdefault("dict", [])
            r["phase"] = self.phase
            self.records.append(r)


def filler(prefix, length):
    """prefix padded to exactly length bytes with numbered blocks, so a misplaced piece shows."""
    out = bytearray(prefix)
    n = 0
    while len(out) < length:
        out += b"<%05d>" % n
        n += 1
    return bytes(out[:length])


def markers(p, max_text):
    t = p.tag
    for level in range(8):
        p.kmsg("kmsg-level%d" % level, b"kh:level:%d:%s" % (level, t), level)
    # <126>: facility 15, level 6; no prefix: facility 1 and the default level 4.
    p.kmsg("kmsg-facility15", b"kh:facility:15:" + t, 6, 15, b"<126>")
    p.kmsg("kmsg-facility125", b"kh:facility:125:" + t, 0, 125, b"<1000>")
    p.kmsg("kmsg-default-level", b"kh:default-level:" + t)
    p.kmsg("kmsg-chars", b"kh:chars:" + t + b":tab\there back\\slash caf\xc3\xa9 lit\\x41 esc\x1b[1m del\x7f ctl\x01 "
           b"bad\xff\xfe end", 5)
    p.kmsg("kmsg-utf8", "kh:utf8:{}:\u00e9\u4e2d\u6587\U0001F600 \u202e".format(p.tag.decode()).encode(), 6)
    # Several lines in one record: the extended format escapes them, plain repeats the prefix.
    p.kmsg("kmsg-multiline", b"kh:ml:" + t + b":one\nkh:ml:" + t + b":two\nkh:ml:" + t + b":three", 5)

    long_text = filler(b"kh:long:" + t + b":", max_text)
    p.printk([b"P6" + long_text], [dict(id="printk-long", text=long_text, level=6)])
    # Escapes make the extended body about 4x the text: several fragments, splits inside escapes.
    # (Kept under 2048 bytes escaped: 6.12 truncates extended messages there.)
    esc_text = b"kh:longesc:" + t + b":" + b"\t\\\xc3\xa9\x01\x7f" * 60
    p.printk([b"P4" + esc_text], [dict(id="printk-long-escaped", text=esc_text, level=4)])
    # 18 lines: plain renders 18 x 56 = 1008 bytes (two datagrams, cut mid line), extended one.
    ml = b"\n".join(filler(b"kh:mlk:%s:%02d:" % (t, i), 40) for i in range(18))
    p.printk([b"P6" + ml], [dict(id="printk-multiline", text=ml, level=6)])
    for level in (0, 7):
        txt = b"kh:klevel:%d:%s" % (level, t)
        p.printk([b"P%d" % level + txt], [dict(id="printk-level%d" % level, text=txt, level=level)])
    # pr_cont pieces of one task join into one record.
    p.printk([b"p6kh:cont:" + t + b":a", b"C-b", b"C-c", b"c-d"],
             [dict(id="printk-cont", text=b"kh:cont:" + t + b":a-b-c-d", level=6)])
    # Another record in between closes the open one: the continuation becomes its own record
    # with the continuation flag and the default level.
    p.printk([b"p6kh:cont2:" + t + b":first", b"P6kh:between:" + t, b"ckh:cont2tail:" + t],
             [dict(id="printk-cont-open", text=b"kh:cont2:" + t + b":first", level=6),
              dict(id="printk-cont-between", text=b"kh:between:" + t, level=6),
              dict(id="printk-cont-flag", text=b"kh:cont2tail:" + t, level=4, cont=True)])
    p.printk([b"D3kh:dev:" + t], [dict(id="devprintk", text=DEV_PREFIX + b"kh:dev:" + t, level=3, dict=DEV_DICT)])
    # Text that looks like the plain format's own prefixes, as real messages do ("[drm] ...",
    # "[Firmware Bug]: ..."); an empty record, a leading newline, trailing blanks and CR.
    odd = [b"[drm] kh:look:" + t, b"[Firmware Bug]: kh:look:" + t, b"[  C0] kh:look:" + t,
           b"[    T1] kh:look:" + t, b"[   12.345678] kh:look:" + t, b"<4>kh:look:" + t, b"", b"\nkh:leadnl:" + t,
           b"kh:trail:" + t + b"  \t ", b"kh:cr:" + t + b"\r"]
    p.printk([b"P6" + x for x in odd], [dict(id="printk-odd%d" % i, text=x, level=6) for i, x in enumerate(odd)])
    dev_long = filler(b"kh:devlong:" + t + b":", 960 - len(DEV_PREFIX))
    p.printk([b"D6" + dev_long],
             [dict(id="devprintk-long", text=DEV_PREFIX + dev_long, level=6, dict=DEV_DICT)])


def boundary_series(p, rid, center, max_text):
    """Messages whose payload on some target is 1000 bytes give or take a few: where netconsole
    switches to a second datagram (plain: a lone newline; extended: ncfrag) and where 6.12 ends
    a 1000-byte payload in 0x00 or drops its last newline. Header sizes vary with the number of
    digits in seq and the timestamp, so the lengths span the estimate on both sides."""
    lengths = [n for n in range(center - 7, center + 8) if 0 < n <= max_text]
    cmds, recs = [], []
    for n in lengths:
        text = filler(b"kh:%s:%d:%s:" % (rid.encode(), n, p.tag), n)
        cmds.append(b"P6" + text)
        recs.append(dict(id="%s-%d" % (rid, n), text=text, level=6))
    p.printk(cmds, recs)


def phase2_markers(p, max_text):
    t = p.tag
    p.kmsg("kmsg-phase2", b"kh:phase2:" + t, 6)
    long_text = filler(b"kh:long2:" + t + b":", max_text)
    p.printk([b"P6" + long_text], [dict(id="printk-long-phase2", text=long_text, level=6)])
    p.printk([b"D4kh:dev2:" + t], [dict(id="devprintk-phase2", text=DEV_PREFIX + b"kh:dev2:" + t, level=4,
                                        dict=DEV_DICT)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", required=True, help="kernel id from kernels.conf (6.1, 6.12)")
    ap.add_argument("--abi", required=True, help="uname -r of the guest (the release netconsole sends)")
    ap.add_argument("--tag", required=True)
    ap.add_argument("--guest-v4", required=True)
    ap.add_argument("--host-v4", required=True)
    ap.add_argument("--guest-v6", required=True)
    ap.add_argument("--host-v6", required=True)
    ap.add_argument("--host-mac", required=True)
    ap.add_argument("--sender-config-param", help="a netconsole= target printed by `ncxdp sender-config`: "
                    "one more boot target, from the default source port 6665")
    ap.add_argument("out_dir")
    a = ap.parse_args()
    if a.kernel not in KERNELS:
        sys.exit("netconsole_plan.py: no feature table for kernel %s: add it to KERNELS" % a.kernel)
    feat = KERNELS[a.kernel]
    rel = a.abi if feat["release"] else None
    g4, h4, g6, h6, mac = a.guest_v4, a.host_v4, a.guest_v6, a.host_v6, a.host_mac

    def src(ip, port):
        return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)

    # (source, name, format, release, userdata by phase, first seq, mirror: (ext source, from start))
    targets = []
    boot = [
        ("6601@%s/eth0,6666@%s/" % (g4, h4), src(g4, 6601), "boot plain IPv4", "plain", None),
        ("+6602@%s/eth0,6667@%s/" % (g4, h4), src(g4, 6602), "boot extended IPv4", "extended", None),
        ("+%s6603@%s/eth0,6666@%s/" % ("r" if rel else "", g6, h6), src(g6, 6603),
         "boot extended%s IPv6" % ("+release" if rel else ""), "extended", rel),
        ("6604@%s/eth0,6667@%s/%s" % (g6, h6, mac), src(g6, 6604), "boot plain IPv6 to the host MAC", "plain", None),
    ]
    if a.sender_config_param:
        # What a user pastes from `ncxdp sender-config --param-only`: extended, source port and
        # address left to the kernel (6665, the device's own).
        boot.append((a.sender_config_param, src(g4, 6665), "boot extended IPv4 from ncxdp sender-config",
                     "extended", None))
    param = ";".join(b[0] for b in boot)
    assert len(param) < 256, "netconsole= is limited to 256 bytes"
    for _, s, name, fmt, r in boot:
        targets.append(dict(src=s, name=name, format=fmt, phase_format={1: fmt, 2: fmt}, release=r,
                            userdata={1: [], 2: []}, first_seq=0))
    targets[0]["mirror"] = (targets[1]["src"], True)
    targets[3]["mirror"] = (targets[2]["src"], True)

    p = Plan(a.tag)
    p.sh("# Generated by netconsole_plan.py for kernel %s, tag %s." % (a.kernel, a.tag))
    p.sh("kh_kmsg_file() { cat \"/kh/data/$1\" >/dev/kmsg || kh_error \"kmsg write $1 failed\"; }")
    p.sh("kh_printk_file() { cat \"/kh/data/$1\" >/proc/kh_printk || kh_error \"kh_printk write $1 failed\"; }")
    p.sh("NC=/sys/kernel/config/netconsole")
    p.sh("kh_insmod netconsole %s || exit 1" % shlex.quote("netconsole=" + param))
    if feat["cmdline"]:
        # mkdir cmdline<N> attaches boot target N (enabled, with its parameters) to configfs.
        for i, (_, s_, _, _, _) in enumerate(boot):
            port = s_.rsplit(":", 1)[1]
            p.sh("kh_cfs_target netconsole cmdline%d enabled=0 || exit 1" % i)
            for attr, value in (("enabled", "1"), ("local_port", port), ("extended", "1" if "+" in boot[i][0] else "0"),
                                ("release", "1" if boot[i][0].startswith("+r") else "0")):
                p.sh("[ \"$(cat $NC/cmdline%d/%s)\" = %s ] || kh_error \"cmdline%d/%s is $(cat $NC/cmdline%d/%s), expected %s\""
                     % (i, attr, value, i, attr, i, attr, value))
        p.sh("[ \"$(cat $NC/cmdline3/remote_mac)\" = %s ] || kh_error \"cmdline3/remote_mac is $(cat $NC/cmdline3/remote_mac)\""
             % mac)

    cfs = [
        ("c1", src(g4, 6611), "configfs extended IPv4 to the host MAC", "extended",
         ["local_ip=" + g4, "remote_ip=" + h4, "local_port=6611", "remote_port=6666", "remote_mac=" + mac,
          "extended=1"]),
        ("c2", src(g4, 6612), "configfs plain IPv4", "plain",
         ["local_ip=" + g4, "remote_ip=" + h4, "local_port=6612", "remote_port=6667"]),
        ("c3", src(g6, 6613), "configfs extended IPv6", "extended",
         ["local_ip=" + g6, "remote_ip=" + h6, "local_port=6613", "remote_port=6667", "extended=1"]),
        ("c4", src(g6, 6614), "configfs plain IPv6", "plain",
         ["local_ip=" + g6, "remote_ip=" + h6, "local_port=6614", "remote_port=6666"]),
        # One source, two formats: switched (disable, flip extended, enable) between the phases.
        ("c7", src(g4, 6617), "configfs plain, then extended, same source", "plain/extended",
         ["local_ip=" + g4, "remote_ip=" + h4, "local_port=6617", "remote_port=6667"]),
        ("c8", src(g6, 6618), "configfs extended, then plain, same source", "extended/plain",
         ["local_ip=" + g6, "remote_ip=" + h6, "local_port=6618", "remote_port=6666", "extended=1"]),
    ]
    first_cfs = len(targets)
    for _, s, name, fmt, _ in cfs:
        formats = fmt.split("/")
        targets.append(dict(src=s, name=name, format=fmt if len(formats) == 1 else "mixed",
                            phase_format={1: formats[0], 2: formats[-1]}, release=None, userdata={1: [], 2: []},
                            first_seq=None))
    targets[first_cfs + 1]["mirror"] = (targets[first_cfs]["src"], False)
    targets[first_cfs + 3]["mirror"] = (targets[first_cfs + 2]["src"], False)

    tag = a.tag
    big = [("big%d" % i, filler(("%s-%d-" % (tag, i)).encode(), 190).decode()) for i in range(1, 5)]
    ud5 = {1: [("rack", "b12"), ("owner", "kh-" + tag)],
           2: [("rack", "c34"), ("owner", "kh-" + tag), ("zone", "eu-west-1")]}
    ud6 = {1: big, 2: [big[0]] + big[2:]}
    if feat["userdata"]:
        cfs.append(("c5", src(g4, 6615), "configfs extended+release IPv4 with userdata", "extended",
                    ["local_ip=" + g4, "remote_ip=" + h4, "local_port=6615", "remote_port=6666", "extended=1",
                     "release=1"] + ["ud:%s=%s" % kv for kv in ud5[1]]))
        targets.append(dict(src=src(g4, 6615), name=cfs[-1][2], format="extended", release=a.abi, userdata=ud5,
                            phase_format={1: "extended", 2: "extended"}, first_seq=None))
        cfs.append(("c6", src(g6, 6616), "configfs extended IPv6, userdata fragments every message", "extended",
                    ["local_ip=" + g6, "remote_ip=" + h6, "local_port=6616", "remote_port=6667", "extended=1"]
                    + ["ud:%s=%s" % kv for kv in ud6[1]]))
        targets.append(dict(src=src(g6, 6616), name=cfs[-1][2], format="extended", release=None, userdata=ud6,
                            phase_format={1: "extended", 2: "extended"}, first_seq=None))
    for name, _, _, _, attrs in cfs:
        p.sh("kh_cfs_target netconsole %s dev_name=eth0 %s || exit 1" % (name, " ".join(map(shlex.quote, attrs))))
    # The feature table above must match what the kernel offers.
    for attr, have in (("release", feat["release"]), ("userdata", feat["userdata"])):
        test = "-e" if have else "! -e"
        p.sh("[ %s $NC/c1/%s ] || kh_error \"$NC/c1/%s: expected %s\"" % (test, attr, attr,
                                                                              "present" if have else "absent"))

    p.kmsg("begin", b"kh:BEGIN:" + p.tag, 6)
    markers(p, feat["max_text"])
    # Payloads of about 1000 bytes. Estimated header: "<prio>,<3-digit seq>,<7-digit ts>,-;" and
    # for release targets "<release>,"; the plain prefix "[    s.uuuuuu] " is 15 bytes.
    header = len("6,123,1234567,-;")
    boundary_series(p, "edge-plain", 1000 - 15 - 1, feat["max_text"])
    boundary_series(p, "edge-ext", 1000 - header - 1, feat["max_text"])
    if feat["release"]:
        boundary_series(p, "edge-release", 1000 - len(a.abi) - 1 - header - 1, feat["max_text"])
    if feat["userdata"]:
        def ud_len(pairs):
            return sum(len(" %s=%s\n" % kv) for kv in pairs)
        boundary_series(p, "edge-release-ud", 1000 - len(a.abi) - 1 - header - 1 - ud_len(ud5[1]), feat["max_text"])
        boundary_series(p, "edge-ud", 1000 - header - 1 - ud_len(ud6[1]), feat["max_text"])
    # Everything printed so far must have gone out before targets change. A record printed at
    # the length limit is still open (see KERNELS): the next record finishes it, then the flush.
    p.kmsg("changes", b"kh:changes:" + p.tag, 6)
    p.sh("kh_flush_consoles")
    if feat["userdata"]:
        # Userdata can change while the target is enabled; later messages carry the new set.
        p.sh("kh_userdata $NC/c5 rack c34 || exit 1")
        p.sh("kh_userdata $NC/c5 zone eu-west-1 || exit 1")
        p.sh("rmdir $NC/c6/userdata/big2 || kh_error 'rmdir userdata big2 while enabled failed'")
    # The format can only change while a target is disabled.
    for name, extended in (("c7", 1), ("c8", 0)):
        p.sh("kh_write $NC/%s/enabled 0 && kh_write $NC/%s/extended %d && kh_write $NC/%s/enabled 1 || exit 1"
             % (name, name, extended, name))
    p.phase = 2
    phase2_markers(p, feat["max_text"])
    # /init sends the final marker after the test script.
    p.records.append(dict(id="done", text=b"kh:DONE:" + p.tag + b" errors=0", level=4, facility=1, cont=False,
                          dict=[], phase=2))

    os.makedirs(os.path.join(a.out_dir, "data"), exist_ok=True)
    for name, body in p.data:
        with open(os.path.join(a.out_dir, "data", name), "wb") as f:
            f.write(body)
    with open(os.path.join(a.out_dir, "test.sh"), "w") as f:
        f.write("\n".join(p.guest) + "\n")

    def hexpairs(pairs):
        return [[k.encode().hex(), v.encode().hex()] for k, v in pairs]

    sources = []
    for tg in targets:
        recs = []
        for r in p.records:
            fmt = tg["phase_format"][r["phase"]]
            if fmt == "plain":
                # Only lines with the tag are picked out of the output (the mirror check covers
                # the others, like an empty record's).
                for i, line in enumerate(x for x in r["text"].split(b"\n") if p.tag in x):
                    recs.append(dict(id=r["id"], line=i, format=fmt, text_hex=line.hex(), level=None, facility=None,
                                     cont=False, dict=[]))
            elif p.tag in r["text"]:
                recs.append(dict(id=r["id"], format=fmt, text_hex=r["text"].hex(), level=r["level"],
                                 facility=r["facility"], cont=r["cont"],
                                 dict=hexpairs(r["dict"]) + hexpairs(tg["userdata"][r["phase"]])))
        s = dict(src=tg["src"], name=tg["name"], format=tg["format"], release=tg["release"], caller=None,
                 msgid=None, first_seq=tg["first_seq"] if tg["format"] == "extended" else None,
                 edge_sizes=[1000, 1001], records=recs)
        if "mirror" in tg:
            s["mirror_of"], s["mirror_from_start"] = tg["mirror"]
        sources.append(s)
    with open(os.path.join(a.out_dir, "expect.json"), "w") as f:
        json.dump(dict(tag=a.tag, sources=sources), f, indent=1)
    print(len(targets))


if __name__ == "__main__":
    main()
