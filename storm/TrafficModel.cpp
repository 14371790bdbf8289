#include "storm/TrafficModel.h"

#include <cstdarg>
#include <cstdio>
#include <stdexcept>

namespace ncxdp::storm {

namespace {

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return std::string(buf, std::size_t(n < 0 ? 0 : std::min<int>(n, sizeof buf - 1)));
}

const char* releaseOf(const Host& h) {
  return h.kind == HostKind::Extended618 ? "6.18.0-1-amd64" : "6.1.0-56-amd64";
}

// Kernel dictionary of a dev_printk from the NIC driver.
constexpr UserData kNicDict[] = {{"SUBSYSTEM", "pci"}, {"DEVICE", "+pci:0000:00:19.0"}};

// The crash signatures: reason lines, the faulting function and the frames under it.
struct Bug {
  const char* reason[4];
  const char* comm;
  const char* rip;
  const char* frames[8];
};

constexpr Bug kBugs[] = {
    {{"BUG: kernel NULL pointer dereference, address: 0000000000000010",
      "#PF: supervisor read access in kernel mode", "#PF: error_code(0x0000) - not-present page",
      "Oops: 0000 [#1] PREEMPT SMP NOPTI"},
     "kworker/%u:2",
     "nvme_pci_complete_rq+0x2c/0x90 [nvme]",
     {"nvme_irq+0x13a/0x260 [nvme]", "__handle_irq_event_percpu+0x46/0x190", "handle_irq_event+0x34/0x80",
      "handle_edge_irq+0x8c/0x230", "__common_interrupt+0x42/0xa0", "common_interrupt+0x43/0xa0",
      "asm_common_interrupt+0x22/0x40", nullptr}},
    {{"general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT "
      "SMP NOPTI",
      nullptr, nullptr, nullptr},
     "jbd2/vda1-8",
     "ext4_mb_regular_allocator+0x4b1/0xe80 [ext4]",
     {"ext4_mb_new_blocks+0x9c1/0x1060 [ext4]", "ext4_ext_map_blocks+0x5f6/0x1a10 [ext4]",
      "ext4_map_blocks+0x25a/0x690 [ext4]", "ext4_writepages+0x7c8/0x1070 [ext4]", "do_writepages+0xd1/0x1c0",
      "__writeback_single_inode+0x41/0x360", "writeback_sb_inodes+0x1f1/0x4a0", "wb_writeback+0x2a8/0x320"}},
    {{"kernel BUG at mm/slub.c:435!", "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", nullptr, nullptr},
     "systemd-journal",
     "__slab_free+0x1f2/0x300",
     {"kmem_cache_free+0x2b7/0x3a0", "skb_release_data+0x129/0x1c0", "napi_consume_skb+0x4b/0xc0",
      "virtnet_poll_tx+0x6e/0x120 [virtio_net]", "__napi_poll+0x28/0x1b0", "net_rx_action+0x2a4/0x380",
      "handle_softirqs+0xd9/0x2b0", "irq_exit_rcu+0x87/0xb0"}},
    {{"watchdog: BUG: soft lockup - CPU#%u stuck for 23s! [kcompactd0:41]", nullptr, nullptr, nullptr},
     "kcompactd0",
     "isolate_migratepages_block+0x6d3/0x1050",
     {"isolate_migratepages+0x1c2/0x4a0", "compact_zone+0x5a0/0xb20", "proactive_compact_node+0x88/0xd0",
      "kcompactd+0x3ab/0x460", "kthread+0xda/0x110", "ret_from_fork+0x34/0x50", "ret_from_fork_asm+0x1a/0x30",
      nullptr}},
};

// A long "Modules linked in:" line, as a busy server has: longer than one datagram, so extended
// targets fragment it with ncfrag and plain targets cut it without a header.
std::string modulesLine() {
  static const char* kModules[] = {"nft_chain_nat",
                                   "nf_nat",
                                   "nf_conntrack",
                                   "nf_defrag_ipv6",
                                   "nf_defrag_ipv4",
                                   "nft_reject_inet",
                                   "nf_reject_ipv4",
                                   "nf_reject_ipv6",
                                   "nft_reject",
                                   "nft_ct",
                                   "nf_tables",
                                   "nfnetlink",
                                   "bridge",
                                   "stp",
                                   "llc",
                                   "overlay",
                                   "binfmt_misc",
                                   "intel_rapl_msr",
                                   "intel_rapl_common",
                                   "kvm_intel",
                                   "kvm",
                                   "irqbypass",
                                   "ghash_clmulni_intel",
                                   "sha512_ssse3",
                                   "sha256_ssse3",
                                   "sha1_ssse3",
                                   "aesni_intel",
                                   "crypto_simd",
                                   "cryptd",
                                   "rapl",
                                   "snd_hda_codec_generic",
                                   "snd_hda_intel",
                                   "snd_intel_dspcfg",
                                   "snd_hda_codec",
                                   "snd_hwdep",
                                   "snd_hda_core",
                                   "snd_pcm",
                                   "snd_timer",
                                   "snd",
                                   "soundcore",
                                   "pcspkr",
                                   "virtio_balloon",
                                   "joydev",
                                   "evdev",
                                   "button",
                                   "sg",
                                   "loop",
                                   "fuse",
                                   "efi_pstore",
                                   "configfs",
                                   "dm_mod",
                                   "ip_tables",
                                   "x_tables",
                                   "autofs4",
                                   "ext4",
                                   "crc16",
                                   "mbcache",
                                   "jbd2",
                                   "crc32c_generic",
                                   "sr_mod",
                                   "cdrom",
                                   "ata_generic",
                                   "virtio_net",
                                   "net_failover",
                                   "failover",
                                   "virtio_blk",
                                   "ata_piix",
                                   "libata",
                                   "scsi_mod",
                                   "crc32_pclmul",
                                   "crc32c_intel",
                                   "psmouse",
                                   "virtio_pci",
                                   "virtio_pci_legacy_dev",
                                   "virtio_pci_modern_dev",
                                   "virtio",
                                   "scsi_common",
                                   "i2c_piix4",
                                   "virtio_ring",
                                   "floppy",
                                   "serio_raw",
                                   "nvme",
                                   "nvme_core",
                                   "t10_pi",
                                   "crc64_rocksoft",
                                   "crc64",
                                   "crc_t10dif",
                                   "crct10dif_generic",
                                   "crct10dif_pclmul",
                                   "crct10dif_common",
                                   "mlx5_ib",
                                   "ib_uverbs",
                                   "ib_core",
                                   "mlx5_core",
                                   "mlxfw",
                                   "pci_hyperv_intf",
                                   "tls",
                                   "psample",
                                   "xfs",
                                   "libcrc32c",
                                   "raid10",
                                   "raid456",
                                   "async_raid6_recov",
                                   "async_memcpy",
                                   "async_pq",
                                   "async_xor",
                                   "async_tx",
                                   "xor",
                                   "raid6_pq",
                                   "raid1",
                                   "raid0",
                                   "md_mod",
                                   "bonding",
                                   "ipmi_ssif",
                                   "ipmi_si",
                                   "ipmi_devintf",
                                   "ipmi_msghandler",
                                   "acpi_ipmi",
                                   "nfsd",
                                   "auth_rpcgss",
                                   "nfs_acl",
                                   "lockd",
                                   "grace",
                                   "sunrpc"};
  std::string out = "Modules linked in:";
  for (const char* m : kModules) out.append(" ").append(m);
  return out;
}

}  // namespace

std::string_view scenarioName(Scenario s) {
  switch (s) {
    case Scenario::Boot:
      return "boot";
    case Scenario::Oops:
      return "oops";
    case Scenario::Warn:
      return "warn";
    case Scenario::Panic:
      return "panic";
    case Scenario::Mixed:
      return "mixed";
  }
  return "?";
}

Scenario parseScenario(std::string_view text) {
  for (Scenario s : {Scenario::Boot, Scenario::Oops, Scenario::Warn, Scenario::Panic, Scenario::Mixed})
    if (text == scenarioName(s)) return s;
  throw std::invalid_argument("unknown scenario '" + std::string(text) +
                              "' (want boot, oops, warn, panic, mixed or flat)");
}

void TrafficModel::bootLog(std::size_t h, std::vector<Line>& out) const {
  const Host& host = hosts_[h];
  const char* rel = releaseOf(host);
  auto add = [&](int level, std::string text) { out.push_back({level, std::move(text), {}, "swapper/0"}); };
  add(5,
      fmt("Linux version %s (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU "
          "ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian",
          rel));
  add(6, fmt("Command line: BOOT_IMAGE=/boot/vmlinuz-%s root=/dev/vda1 ro console=ttyS0 "
             "netconsole=+@/,6666@10.199.0.1/ host=node%05zu",
             rel, h));
  add(6, "BIOS-provided physical RAM map:");
  add(6, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable");
  add(6, "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved");
  add(6, "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdafff] usable");
  add(6, "BIOS-e820: [mem 0x0000000100000000-0x000000043fffffff] usable");
  add(6, "NX (Execute Disable) protection: active");
  add(6, "DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014");
  add(6, fmt("tsc: Detected %u.%03u MHz processor", 2100 + unsigned(h % 900), unsigned(h * 37 % 1000)));
  add(6, "ACPI: Early table checksum verification disabled");
  add(6, "ACPI: RSDP 0x00000000000F5A50 000014 (v00 BOCHS )");
  add(6, "smpboot: Allowing 4 CPUs, 0 hotplug CPUs");
  add(6, fmt("Memory: %zuK/16776696K available (14336K kernel code, 2464K rwdata, 9072K rodata, 2908K init, "
             "5484K bss, 452856K reserved, 0K cma-reserved)",
             std::size_t(16318000 + h % 997)));
  add(6, "rcu: Preemptible hierarchical RCU implementation.");
  add(6,
      "clocksource: tsc-early: mask: 0xffffffffffffffff max_cycles: 0x28680fa287f, max_idle_ns: 440795281151 "
      "ns");
  add(6, "ACPI: \\_SB_.PCI0.S08_: Enabled at IRQ 11");  // a backslash: escaped as \x5c on the wire
  add(6, "pci 0000:00:19.0: [8086:153a] type 00 class 0x020000");
  add(6, "Freeing unused kernel image (initmem) memory: 2908K");
  add(6, "Run /init as init process");
  add(6, "systemd[1]: systemd 252.33-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR)");
  add(6, fmt("systemd[1]: Hostname set to <node%05zu>.", h));
  add(6, "EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.");
  out.push_back({6,
                 "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None",
                 {std::begin(kNicDict), std::end(kNicDict)},
                 "kworker/0:1"});
  add(6, "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready");
  add(5, "printk: console [netcon0] enabled");
  add(6, "netconsole: network logging started");
  add(6, "systemd[1]: Started systemd-journald.service - Journal Service.");
  add(5,
      "audit: type=1400 audit(1700000000.123:2): apparmor=\"STATUS\" operation=\"profile_load\" "
      "profile=\"unconfined\" name=\"lsb_release\" pid=612 comm=\"apparmor_parser\"");
  add(6, "caf\xc3\xa9 \xe2\x9c\x93 utf-8 in a kernel message\ttab");  // UTF-8 and a tab, escaped on the wire
}

void TrafficModel::oops(std::size_t h, std::size_t bug, std::vector<Line>& out) const {
  const Host& host = hosts_[h];
  const Bug& b = kBugs[bug % std::size(kBugs)];
  const unsigned cpu = host.cpu;
  const unsigned pid = unsigned(100 + (h * 7919) % 30000);
  const std::string comm = fmt(b.comm, cpu);
  auto add = [&](int level, std::string text) { out.push_back({level, std::move(text), {}, comm}); };
  for (const char* r : b.reason)
    if (r != nullptr) add(1, fmt(r, cpu));
  add(4, fmt("CPU: %u PID: %u Comm: %s Tainted: G            E      %s #1  Debian", cpu, pid, comm.c_str(),
             releaseOf(host)));
  add(4, "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014");
  add(4, fmt("RIP: 0010:%s", b.rip));
  add(4,
      "Code: 48 8b 47 10 48 85 c0 74 0e 48 8b 50 08 48 89 d7 e9 <0f> 0b 66 90 c3 cc cc cc cc 66 0f 1f 44 00");
  add(4, fmt("RSP: 0018:ffffb1c2%08x EFLAGS: 00010246", unsigned(h * 2654435761u)));
  add(4, "RAX: 0000000000000000 RBX: ffff8a3b41e3c000 RCX: 0000000000000000");
  add(4, "RDX: 0000000000000001 RSI: ffff8a3b41e3c0c8 RDI: 0000000000000000");
  add(4, "Call Trace:");
  add(4, " <TASK>");
  add(4, " ? __die+0x23/0x70");
  for (const char* f : b.frames)
    if (f != nullptr) add(4, fmt(" %s", f));
  add(4, " </TASK>");
  add(4, modulesLine());
  add(4, "CR2: 0000000000000010");
  add(4, "---[ end trace 0000000000000000 ]---");
}

void TrafficModel::warning(std::size_t h, std::vector<Line>& out) const {
  const Host& host = hosts_[h];
  auto add = [&](std::string text) { out.push_back({4, std::move(text), {}, "kworker/0:1"}); };
  add("------------[ cut here ]------------");
  add(fmt("WARNING: CPU: %u PID: 23 at net/core/dev.c:3224 skb_warn_bad_offload+0x69/0x110", host.cpu));
  add(fmt("CPU: %u PID: 23 Comm: kworker/0:1 Not tainted %s #1  Debian", host.cpu, releaseOf(host)));
  add("RIP: 0010:skb_warn_bad_offload+0x69/0x110");
  add("Call Trace:");
  add(" <TASK>");
  add(" __skb_gso_segment+0x11c/0x160");
  add(" validate_xmit_skb+0x2a9/0x340");
  add(" __dev_queue_xmit+0x6f1/0xf60");
  add(" </TASK>");
  add("---[ end trace 0000000000000000 ]---");
}

void TrafficModel::panic(std::size_t h, std::size_t burst, std::vector<Line>& out) const {
  std::vector<Line> head;
  oops(h, h % config_.bugs, head);
  const Host& host = hosts_[h];
  std::vector<Line> tail;
  tail.push_back({0, "Kernel panic - not syncing: Fatal exception in interrupt", {}, "swapper/0"});
  tail.push_back({0,
                  "Kernel Offset: 0x2a000000 from 0xffffffff81000000 (relocation range: "
                  "0xffffffff80000000-0xffffffffbfffffff)",
                  {},
                  "swapper/0"});
  tail.push_back(
      {0, "---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---", {}, "swapper/0"});
  if (burst <= tail.size()) {
    out.insert(out.end(), tail.begin(), tail.begin() + std::ptrdiff_t(burst));
    return;
  }
  const std::size_t room = burst - tail.size();
  if (head.size() > room) head.resize(room);
  out.insert(out.end(), head.begin(), head.end());
  // The other CPUs' backtraces fill the burst up to its size, as panic's NMI round does.
  static const char* kIdle[] = {"Call Trace:",
                                " <NMI>",
                                " nmi_cpu_backtrace+0xc0/0x110",
                                " nmi_handle+0x5d/0x120",
                                " default_do_nmi+0x40/0x130",
                                " exc_nmi+0x103/0x180",
                                " </NMI>",
                                " <TASK>",
                                " default_idle+0x9/0x20",
                                " do_idle+0x1f6/0x240",
                                " cpu_startup_entry+0x1d/0x20",
                                " start_secondary+0x11b/0x140",
                                " </TASK>"};
  for (std::size_t k = 0; head.size() + k < room; ++k) {
    const std::size_t step = k % (std::size(kIdle) + 2);
    const unsigned other = unsigned((host.cpu + 1 + k / (std::size(kIdle) + 2)) % 64);
    std::string text = step == 0 ? fmt("NMI backtrace for cpu %u", other)
                       : step == 1
                           ? fmt("CPU: %u PID: 0 Comm: swapper/%u Tainted: G      D     E      %s #1  Debian",
                                 other, other, releaseOf(host))
                           : std::string(kIdle[step - 2]);
    out.push_back({4, std::move(text), {}, "swapper/0"});
  }
  out.insert(out.end(), tail.begin(), tail.end());
}

void TrafficModel::script(std::size_t h, std::vector<Line>& out) const {
  switch (config_.scenario) {
    case Scenario::Boot:
      bootLog(h, out);
      return;
    case Scenario::Oops:
      oops(h, h % config_.bugs, out);
      return;
    case Scenario::Warn:
      warning(h, out);
      return;
    case Scenario::Panic:
      panic(h, config_.burst, out);
      return;
    case Scenario::Mixed:
      bootLog(h, out);
      switch (h % 8) {
        case 0:
        case 1:
          oops(h, 0, out);
          break;
        case 2:
          warning(h, out);
          break;
        case 3:
          panic(h, 40, out);
          break;
        default:
          out.push_back({6,
                         fmt("systemd[1]: Started session-%zu.scope - Session %zu of User root.", h, h),
                         {},
                         "systemd"});
          out.push_back({6, "systemd-logind[612]: New session of user root.", {}, "systemd-logind"});
          break;
      }
      return;
  }
}

namespace {

// Collects one message's datagrams into the model's payload arena.
class Collector : public DatagramOut {
 public:
  Collector(std::vector<std::uint8_t>& arena, std::vector<PlannedDatagram>& out, std::uint32_t host)
      : arena_(arena), out_(out), host_(host) {}
  void datagram(std::span<const std::uint8_t> payload) override {
    out_.push_back({host_, std::uint32_t(payload.size()), arena_.size(), -1});
    arena_.insert(arena_.end(), payload.begin(), payload.end());
  }

 private:
  std::vector<std::uint8_t>& arena_;
  std::vector<PlannedDatagram>& out_;
  std::uint32_t host_;
};

class Discard : public DatagramOut {
 public:
  void datagram(std::span<const std::uint8_t>) override {}
};

}  // namespace

TrafficModel::TrafficModel(const TrafficConfig& config, std::vector<Host> hosts)
    : config_(config), hosts_(std::move(hosts)) {
  if (config_.bugs == 0) throw std::invalid_argument("need at least one bug signature");
  if (config_.scenario == Scenario::Panic && config_.burst == 0)
    throw std::invalid_argument("a panic burst needs at least one message");
  NetconsoleEncoder encoder;
  // First every host's messages in host order, remembering where each message starts...
  std::vector<PlannedDatagram> byHost;
  std::vector<std::size_t> messageStart;  // index into byHost of each sent message's first datagram
  std::vector<std::size_t> hostFirstMessage{0};
  hostFirstRecord_.push_back(0);
  withheld_.assign(hosts_.size(), 0);
  std::vector<Line> lines;
  Discard discard;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    Host& host = hosts_[h];
    // A boot replay starts at seq 0; a crash comes after hours of uptime.
    if (config_.scenario != Scenario::Boot && config_.scenario != Scenario::Mixed) {
      host.seq = 1500 + (h * 2654435761u) % 40000;
      host.msgid = 1 + host.seq / 3;
      host.tsUs = 3'600'000'000ULL + (h * 40503u) % 1'000'000'000u;
    }
    const std::string rack = fmt("b%02zu", h % 40);
    const UserData userdata[] = {{"rack", rack}, {"role", h % 3 == 0 ? "storage" : "compute"}};
    lines.clear();
    script(h, lines);
    for (std::size_t k = 0; k < lines.size(); ++k) {
      Message m;
      m.level = lines[k].level;
      m.text = lines[k].text;
      m.dict = lines[k].dict;
      m.taskname = lines[k].taskname;
      if (host.kind == HostKind::Extended618) m.userdata = userdata;
      const bool withhold = config_.withholdEvery != 0 && host.kind != HostKind::Plain &&
                            k % config_.withholdEvery == config_.withholdEvery - 1 && k + 1 < lines.size();
      if (withhold) {
        encoder.encode(host, m, discard);
        ++withheld_[h];
        continue;
      }
      messageStart.push_back(byHost.size());
      Collector collect(payloads_, byHost, std::uint32_t(h));
      records_.push_back(encoder.encode(host, m, collect, config_.reverseFragments));
      byHost.back().record = std::int64_t(records_.size() - 1);
    }
    hostFirstMessage.push_back(messageStart.size());
    hostFirstRecord_.push_back(records_.size());
  }
  messageStart.push_back(byHost.size());
  // ...then interleave the hosts message by message; a message's fragments stay together.
  datagrams_.reserve(byHost.size());
  messageEnd_.reserve(byHost.size());
  for (std::size_t round = 0;; ++round) {
    bool any = false;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
      const std::size_t m = hostFirstMessage[h] + round;
      if (m >= hostFirstMessage[h + 1]) continue;
      any = true;
      for (std::size_t i = messageStart[m]; i < messageStart[m + 1]; ++i) {
        datagrams_.push_back(byHost[i]);
        messageEnd_.push_back(i + 1 == messageStart[m + 1]);
      }
    }
    if (!any) break;
  }
}

}  // namespace ncxdp::storm
