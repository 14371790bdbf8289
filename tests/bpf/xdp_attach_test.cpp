// XdpProgram on a real veth in a private namespace: a redirect into an AF_XDP socket, attach and
// detach through a bpf_link, the native-to-generic fallback, and nothing left behind by kill -9.
// Needs root (BPF, namespaces).

#include "bpf_test_support.h"

namespace ncxdp::bpftest {
namespace {

// A match on a queue whose XSKMAP slot holds a socket really is redirected: test_run returns
// XDP_REDIRECT, and in live-frames mode the frame arrives in the socket's RX ring.
TEST_F(XdpVethTest, RedirectsMatchesToAfXdpSocket) {
  XdpConfig config;
  config.queues = 2;
  XdpProgram program(config);
  TestXsk xsk(kVeth, 0);
  program.setXsk(0, xsk.fd());

  RunOptions queue0;
  queue0.ingressIfindex = ifindex_;
  queue0.rxQueue = 0;
  RunResult result = run(program, udp4(6666), queue0);
  ASSERT_EQ(result.error, 0) << std::strerror(-result.error);
  EXPECT_EQ(result.action, static_cast<std::uint32_t>(XDP_REDIRECT));
  EXPECT_EQ(result.delta.matched, 1u);
  EXPECT_EQ(result.delta.redirected, 1u);

  // Not ours: passes even with a socket in the slot.
  result = run(program, udp4(6665), queue0);
  EXPECT_EQ(result.action, static_cast<std::uint32_t>(XDP_PASS));
  EXPECT_EQ(result.delta.passed, 1u);
  EXPECT_EQ(result.delta.redirected, 0u);

  // Queue 1 has no socket: matched, but back to the kernel.
  RunOptions queue1 = queue0;
  queue1.rxQueue = 1;
  result = run(program, udp4(6666), queue1);
  ASSERT_EQ(result.error, 0) << std::strerror(-result.error);
  EXPECT_EQ(result.action, static_cast<std::uint32_t>(XDP_PASS));
  EXPECT_EQ(result.delta.matched, 1u);
  EXPECT_EQ(result.delta.redirected, 0u);

  // Live frames: the kernel carries out the redirect, so the frame must land in the RX ring.
  const Bytes frame = udp6(6666);
  RunOptions live = queue0;
  live.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
  result = run(program, frame, live);
  ASSERT_EQ(result.error, 0) << std::strerror(-result.error);
  EXPECT_EQ(result.delta.redirected, 1u);
  std::vector<Bytes> received;
  for (int i = 0; i < 100 && received.empty(); ++i) {
    received = xsk.receive();
    if (received.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], frame);

  // An emptied slot: matches fall back to the kernel again.
  program.clearXsk(0);
  program.clearXsk(0);  // already empty: no error
  result = run(program, udp4(6666), queue0);
  EXPECT_EQ(result.action, static_cast<std::uint32_t>(XDP_PASS));
  EXPECT_EQ(result.delta.matched, 1u);
  EXPECT_EQ(result.delta.redirected, 0u);
}

// ---- XdpProgram on a veth --------------------------------------------------------------------

TEST_F(XdpVethTest, AttachesAndDetaches) {
  const int ifindex = ifindex_;
  const int peerIndex = peerIndex_;
  {
    XdpProgram program(XdpConfig{});
    EXPECT_FALSE(program.attached());
    program.attach(kVeth, XdpMode::Native);
    ASSERT_TRUE(program.attached());
    EXPECT_EQ(program.attachedMode(), XdpMode::Native);
    EXPECT_EQ(program.interfaceName(), kVeth);
    EXPECT_EQ(program.ifindex(), ifindex);
    const std::uint32_t id = program.progId();
    ASSERT_NE(id, 0u);

    const XdpState state = queryXdp(ifindex);
    EXPECT_EQ(state.progId, id);
    EXPECT_EQ(state.mode, XDP_ATTACHED_DRV);
    const CommandResult shown = showLink(kVeth);
    ASSERT_EQ(shown.status, 0) << shown.output;
    EXPECT_NE(shown.output.find("prog/xdp id " + std::to_string(id)), std::string::npos) << shown.output;

    // Attaching twice: from this object, from another one, to a missing interface.
    EXPECT_EQ(expectThrows([&] { program.attach(kPeer); }),
              std::string("attach XDP to ") + kPeer + ": this program is already attached to " + kVeth);
    XdpProgram second(XdpConfig{});
    const std::string busy = std::string(kVeth) + " already has an XDP program attached (id " +
                             std::to_string(id) + "); detach it first (ip link set dev " + kVeth +
                             " xdp off)";
    EXPECT_EQ(expectThrows([&] { second.attach(kVeth, XdpMode::Auto); }), busy);
    EXPECT_EQ(expectThrows([&] { second.attach(kVeth, XdpMode::Generic); }), busy);
    EXPECT_FALSE(second.attached());
    EXPECT_EQ(expectThrows([&] { second.attach(kMissing); }),
              std::string("attach XDP to ") + kMissing + ": no such interface");

    // Generic mode on the peer, removed again by detach().
    second.attach(kPeer, XdpMode::Generic);
    EXPECT_EQ(second.attachedMode(), XdpMode::Generic);
    const XdpState peerState = queryXdp(peerIndex);
    EXPECT_EQ(peerState.progId, second.progId());
    EXPECT_EQ(peerState.mode, XDP_ATTACHED_SKB);
    second.detach();
    EXPECT_FALSE(second.attached());
    EXPECT_TRUE(waitForProgId(peerIndex, 0));
    // Detached, the same object attaches again (auto: veth has native XDP, so no fallback).
    second.attach(kPeer);
    EXPECT_EQ(second.attachedMode(), XdpMode::Native);
    EXPECT_EQ(queryXdp(peerIndex).progId, second.progId());
  }
  // Both objects destroyed: their links are gone, and so are the programs on the veths.
  EXPECT_TRUE(waitForProgId(ifindex, 0));
  EXPECT_TRUE(waitForProgId(peerIndex, 0));
  const CommandResult shown = showLink(kVeth);
  EXPECT_EQ(shown.output.find("prog/xdp"), std::string::npos) << shown.output;
}

// A bridge has no native XDP: native mode fails with the driver's error, auto falls back to
// generic and says so.
TEST_F(XdpVethTest, AutoModeFallsBackToGeneric) {
  const CommandResult added = runCommand(ipTool_ + " link add " + kBridge + " type bridge");
  if (added.status != 0) {
    if (ciMode()) FAIL() << "CI=true, cannot create a bridge: " << added.output;
    GTEST_SKIP() << "cannot create a bridge: " << added.output;
  }
  const int bridgeIndex = static_cast<int>(if_nametoindex(kBridge));
  ASSERT_NE(bridgeIndex, 0);
  XdpProgram program(XdpConfig{});
  const std::string native = expectThrows([&] { program.attach(kBridge, XdpMode::Native); });
  EXPECT_EQ(native.rfind(std::string("attach XDP to ") + kBridge + " (native mode): ", 0), 0u) << native;
  EXPECT_FALSE(program.attached());

  testing::internal::CaptureStderr();
  program.attach(kBridge, XdpMode::Auto);
  const std::string notice = testing::internal::GetCapturedStderr();
  EXPECT_EQ(program.attachedMode(), XdpMode::Generic);
  EXPECT_NE(notice.find(std::string("ncxdp: ") + kBridge + ": native XDP failed ("), std::string::npos)
      << notice;
  EXPECT_NE(notice.find("falling back to generic XDP"), std::string::npos) << notice;
  const XdpState state = queryXdp(bridgeIndex);
  EXPECT_EQ(state.progId, program.progId());
  EXPECT_EQ(state.mode, XDP_ATTACHED_SKB);
}

// The bpf_link dies with its process: a crash (here SIGKILL) leaves nothing on the interface.
TEST_F(XdpVethTest, KilledProcessLeavesNothingAttached) {
  const int ifindex = ifindex_;
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child inherits this thread's namespace; it attaches, reports the id and waits for death.
    close(ready[0]);
    std::uint32_t id = 0;
    std::unique_ptr<XdpProgram> program;  // outlives the try block: only the kernel may clean up
    try {
      program = std::make_unique<XdpProgram>(XdpConfig{});
      program->attach(kVeth, XdpMode::Native);
      id = program->progId();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
    }
    if (write(ready[1], &id, sizeof(id)) != sizeof(id)) _exit(1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  std::uint32_t id = 0;
  const ssize_t n = read(ready[0], &id, sizeof(id));
  close(ready[0]);
  const bool attachedInChild = n == sizeof(id) && id != 0 && queryXdp(ifindex).progId == id;
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(attachedInChild) << "the child did not attach (id " << id << ")";
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(waitForProgId(ifindex, 0)) << "program " << id << " outlived its process";
}

}  // namespace
}  // namespace ncxdp::bpftest
