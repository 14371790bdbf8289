#!/usr/bin/python3
"""Turns scripts/bench/capture.sh results (capture.jsonl) into the markdown tables of
docs/benchmarks.md and a PNG plot of offered vs delivered rate per receiver.

    report.py RESULTS.jsonl OUT.md OUT.png
"""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = {
    "attach": "ncxdp attach (XDP/AF_XDP, jsonl)",
    "listen": "ncxdp listen (recvmmsg, jsonl)",
    "recvfrom": "naive recvfrom loop",
    "afxdp": "bare AF_XDP loop",
    "netconsd": "netconsd (printer.so, -w 1 -l 1)",
}
ORDER = ["attach", "listen", "recvfrom", "afxdp", "netconsd"]


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def kpps(v):
    return f"{v / 1000:.0f}k"


def main():
    rows = load(sys.argv[1])
    md, png = sys.argv[2], sys.argv[3]
    machine = next((r for r in rows if r["kind"] == "machine"), {})
    end = next((r for r in rows if r["kind"] == "machine_end"), {})
    trials = [r for r in rows if r["kind"] == "trial"]
    zero = {(r["receiver"], r["payload"]): r["pps"] for r in rows if r["kind"] == "zero_loss"}
    storms = [r for r in rows if r["kind"] == "storm"]
    notes = [r for r in rows if r["kind"] == "note"]
    receivers = [r for r in ORDER if any(t["receiver"] == r for t in trials)]
    payloads = sorted({t["payload"] for t in trials})
    out = []
    out.append(f"Machine: {machine.get('nproc')} vCPU {machine.get('cpu')}, kernel {machine.get('kernel')}; "
               f"scheduling `{machine.get('sched')}`, {machine.get('window_s')} s per trial, loss tolerance "
               f"{machine.get('loss_tolerance')}.")
    out.append(f"Load at start: `{machine.get('uptime', '').strip()}`; at end: `{end.get('uptime', '').strip()}`.")
    if machine.get("napi"):
        out.append(f"veth NAPI: {machine['napi']}.")
    if machine.get("socket_buffers"):
        b = machine["socket_buffers"]
        out.append(f"Socket buffers: listen {b['listen_bytes'] >> 20} MiB, recvfrom and netconsd "
                   f"{b['others_bytes'] // 1024} KiB ({b['note']}).")
    out.append("")

    med = statistics.median

    def ats(rec, payload, phase):
        return [t for t in trials if t["receiver"] == rec and t["payload"] == payload and t["phase"] == phase]

    def delivered(ts):
        return med([t["delivered_pps"] for t in ts]) if ts else 0

    def spread(ts, key, fmt):
        vals = [t[key] for t in ts]
        return f"{fmt(med(vals))} ({fmt(min(vals))}-{fmt(max(vals))})"

    def short_flag(ts):
        n = sum(1 for t in ts if t.get("short"))
        return f" [{n} short]" if n else ""

    def rate_cell(ts, with_loss=True):
        if not ts:
            return "-"
        loss = med([100 * t["loss"] / max(t["sent"], 1) for t in ts])
        return (f"{kpps(med([t['offered_pps'] for t in ts]))} -> {spread(ts, 'delivered_pps', kpps)}"
                + (f" ({loss:.2f}%)" if with_loss else "") + short_flag(ts))

    def lossless_trials(rec, payload):
        ts = [t for t in ats(rec, payload, "confirm") if t["zero_loss"]]
        if not ts:
            rate = zero.get((rec, payload), 0)
            ts = [t for t in trials if t["receiver"] == rec and t["payload"] == payload and t["zero_loss"]
                  and t["phase"].startswith("search") and int(t["offered_pps"]) == rate]
        return ts

    def cost(rec, payload):
        # CPU per message at the lossless rate (the confirmation trials): receiver process and NAPI.
        ts = lossless_trials(rec, payload)
        if not ts:
            return None
        return (med([1e6 * t["cpu_s"] / max(t["delivered"], 1) for t in ts]),
                med([1e6 * t["napi_cpu_s"] / max(t["delivered"], 1) for t in ts]),
                med([t["rss_kb"] for t in ts]) / 1024)

    def lossless(rec, payload):
        z = zero.get((rec, payload), 0)
        c = ats(rec, payload, "confirm")
        ok = sum(1 for t in c if t["zero_loss"])
        return z, (f"{z:,}/s ({ok}/{len(c)} repeats lossless)" if c else f"{z:,}/s")

    for payload in payloads:
        out.append(f"**{payload}-byte payloads**")
        out.append("")
        out.append("Fixed-rate cells: median offered -> median delivered (min-max) over the repeats, median loss; "
                   "[n short]: n repeats whose generator offered less than 90% of the target.")
        out.append("")
        out.append("| receiver | lossless rate (search, then repeats at it) | 1.5x | 2x "
                   "| flat out | CPU us/msg receiver + NAPI | peak RSS |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for rec in receivers:
            cells = [NAMES[rec], lossless(rec, payload)[1]]
            for phase in ("overload-1.5x", "overload-2x", "flat-out"):
                cells.append(rate_cell(ats(rec, payload, phase), phase != "flat-out"))
            c = cost(rec, payload)
            cells.append(f"{c[0]:.2f} + {c[1]:.2f}" if c else "-")
            cells.append(f"{c[2]:.0f} MiB" if c else "-")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        split = []
        for rec in receivers:
            ts = [t for t in lossless_trials(rec, payload) if t.get("threads_cpu_s")]
            if not ts:
                continue
            names = sorted({n for t in ts for n in t["threads_cpu_s"]})
            parts = []
            for n in names:
                v = med([1e6 * t["threads_cpu_s"].get(n, 0) / max(t["delivered"], 1) for t in ts])
                if v >= 0.005:
                    parts.append(f"{n} {v:.2f}")
            split.append(f"| {NAMES[rec]} | " + ", ".join(parts) + " |")
        if split:
            out.append("CPU per message by receiver thread at the lossless rate (us/msg, medians of the "
                       "lossless repeats; ncxdp names its threads by stage):")
            out.append("")
            out.append("| receiver | threads |")
            out.append("|---|---|")
            out.extend(split)
            out.append("")
        common = sorted({int(t["phase"][len("common-"):]) for t in trials
                         if t["payload"] == payload and t["phase"].startswith("common-")})
        if common:
            out.append("Every receiver at the same offered rates (median delivered, min-max, median loss):")
            out.append("")
            out.append("| receiver | " + " | ".join(f"{kpps(r)}/s offered" for r in common) + " |")
            out.append("|---|" + "---:|" * len(common))
            for rec in receivers:
                out.append(f"| {NAMES[rec]} | " + " | ".join(rate_cell(ats(rec, payload, f"common-{r}"))
                                                          for r in common) + " |")
            out.append("")
        a, l, x = (zero.get((r, payload), 0) for r in ("attach", "listen", "afxdp"))
        checks = []
        if a and l:
            checks.append(f"attach / listen lossless = {a / l:.2f} (target >= 1.5)")
        if a and x:
            checks.append(f"attach / bare AF_XDP lossless = {a / x:.2f} (target >= 0.9)")
        n = zero.get(("netconsd", payload), 0)
        if a and n:
            checks.append(f"attach / netconsd lossless = {a / n:.2f} (target >= 2.5)")
        ta, tl = ats("attach", payload, "overload-2x"), ats("listen", payload, "overload-2x")
        if ta and tl:
            checks.append(f"delivered at 2x each one's own lossless rate (medians): attach {kpps(delivered(ta))} vs "
                          f"listen {kpps(delivered(tl))} = {delivered(ta) / max(delivered(tl), 1):.2f}x")
        tla = ats("listen", payload, "at-attach-2x")
        if ta and tla:
            checks.append(f"at 2x attach's lossless rate ({kpps(med([t['target_pps'] for t in tla]))}/s), same offered "
                          f"rate: attach {kpps(delivered(ta))} vs listen {kpps(delivered(tla))} = "
                          f"{delivered(ta) / max(delivered(tla), 1):.2f}x (target >= 2)")
        tn2, tan = ats("netconsd", payload, "overload-2x"), ats("attach", payload, "at-netconsd-2x")
        if tn2 and tan:
            checks.append(f"at 2x netconsd's lossless rate ({kpps(med([t['target_pps'] for t in tn2]))}/s): attach "
                          f"{kpps(delivered(tan))} vs netconsd {kpps(delivered(tn2))} = "
                          f"{delivered(tan) / max(delivered(tn2), 1):.2f}x (target >= 2.5)")
        fa, fl = ats("attach", payload, "flat-out"), ats("listen", payload, "flat-out")
        if fa and fl:
            checks.append(f"delivered flat out (medians): attach {kpps(delivered(fa))} vs listen "
                          f"{kpps(delivered(fl))} = {delivered(fa) / max(delivered(fl), 1):.2f}x")
        out.extend(f"- {c}" for c in checks)
        out.append("")

    if storms:
        s0 = storms[0]
        out.append(f"**Mass-panic storm**: {s0['hosts']:,} hosts x {s0['burst']}-message panic burst "
                   f"({s0['records']:,} records in {s0['datagrams']:,} datagrams) sent in about {s0['send_s']:.1f} s")
        out.append("")
        out.append("Medians over the repeats (BENCH_REPEAT), min-max in brackets; missing = records missing, "
                   "veth = veth drop counters in that trial.")
        out.append("")
        out.append("| layout | receiver | captured (median, min-max) | how counted | drain after the storm | peak RSS | missing / veth per trial |")
        out.append("|---|---|---:|---|---:|---:|---|")
        for sched in sorted({x.get("sched", "fifo") for x in storms}):
            for rec in ORDER:
                ss = [x for x in storms if x["receiver"] == rec and x.get("sched", "fifo") == sched]
                if not ss:
                    continue
                cap = [x["captured_pct"] for x in ss]
                dr = [x["drain_s"] for x in ss]
                how = ("records matched exactly (`ncxdp-storm check`)" if ss[0]["check"]
                       else "printed lines counted" if rec == "netconsd" else "datagrams counted")
                total = "records" if rec == "netconsd" else "datagrams"
                per = ", ".join(f"{x['check'].get('missing', x[total] - x['delivered'])}/{x.get('link_drops', '?')}"
                                f" (warm-up veth {x.get('warmup_link_drops', '?')})" for x in ss)
                out.append(f"| {sched} | {NAMES[rec]} | {med(cap):.3f}% ({min(cap):.3f}-{max(cap):.3f}) | {how} | "
                           f"{med(dr):.2f} s ({min(dr):.2f}-{max(dr):.2f}) | {med([x['rss_kb'] for x in ss]) / 1024:.0f} MiB | {per} |")
        out.append("")
    for n in notes:
        if n["receiver"] == "netconsd":
            if n.get("measured"):
                out.append(f"netconsd: {n['path']} with its printer module {n['module']}; it is never vendored or built by the project.")
            else:
                out.append("netconsd: " + (f"found at {n['path']} but not measured (NETCONSD_MODULE unset)" if n["found"]
                                            else "not on PATH on this machine, so not measured (it is never vendored)."))
    with open(md, "w") as f:
        f.write("\n".join(out) + "\n")

    if not payloads:  # storm only (BENCH_STORM_ONLY=1): no rate trials to plot
        return
    fig, axes = plt.subplots(1, len(payloads), figsize=(6 * len(payloads), 5), squeeze=False)
    for ax, payload in zip(axes[0], payloads):
        top = 0
        for rec in receivers:
            pts = sorted((t["offered_pps"], t["delivered_pps"]) for t in trials
                         if t["receiver"] == rec and t["payload"] == payload)
            if not pts:
                continue
            ax.plot([p[0] / 1e6 for p in pts], [p[1] / 1e6 for p in pts], "o-", ms=3, label=NAMES[rec])
            top = max(top, max(p[0] for p in pts))
        ax.plot([0, top / 1e6], [0, top / 1e6], "k:", lw=1, label="offered = delivered")
        layout = ("pinned: receiver and NAPI share one core" if machine.get("sched") == "fifo"
                  else "default layout: unpinned, NAPI in softirq")
        ax.set_title(f"{payload}-byte payloads, {layout}", fontsize=10)
        ax.set_xlabel("offered (M datagrams/s)")
        ax.set_ylabel("delivered (M datagrams/s)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main()
