#include "nats/NatsConnection.h"

#include <chrono>
#include <stdexcept>
#include <vector>

namespace ncxdp {

namespace {

// Reconnect quickly: a cluster member that went away is usually replaced within a second, and
// records wait in the meantime.
constexpr std::int64_t kReconnectWaitMs = 250;
constexpr std::int64_t kConnectTimeoutMs = 2000;
// A dead peer that did not close its socket is noticed within PingInterval * (MaxPingsOut + 1).
constexpr std::int64_t kPingIntervalMs = 2000;
constexpr int kMaxPingsOut = 2;

void check(natsStatus s, const char* what) {
  if (s != NATS_OK) throw std::runtime_error(std::string(what) + ": " + natsErrorText(s));
}

}  // namespace

std::string natsErrorText(natsStatus s) {
  std::string out = natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && out != detail) out += std::string(" (") + detail + ")";
  return out;
}

NatsConnection::NatsConnection(const NatsSpec& spec, const std::string& clientName, bool waitForServer,
                               const jsOptions* jsOpts, std::function<void()> onChange)
    : onChange_(std::move(onChange)) {
  if (jsOpts != nullptr) {
    jsOpts_ = *jsOpts;
    haveJsOpts_ = true;
  }
  std::vector<const char*> urls;
  for (const std::string& s : spec.servers) urls.push_back(s.c_str());
  try {
    check(natsOptions_Create(&opts_), "nats options");
    check(natsOptions_SetServers(opts_, urls.data(), int(urls.size())), "nats servers");
    check(natsOptions_SetName(opts_, clientName.c_str()), "nats client name");
    check(natsOptions_SetNoRandomize(opts_, true), "nats options");
    check(natsOptions_SetTimeout(opts_, kConnectTimeoutMs), "nats options");
    check(natsOptions_SetMaxReconnect(opts_, -1), "nats options");
    check(natsOptions_SetReconnectWait(opts_, kReconnectWaitMs), "nats options");
    check(natsOptions_SetPingInterval(opts_, kPingIntervalMs), "nats options");
    check(natsOptions_SetMaxPingsOut(opts_, kMaxPingsOut), "nats options");
    // We batch records into messages ourselves; waiting for cnats's flusher only adds latency to
    // every acknowledgement.
    check(natsOptions_SetSendAsap(opts_, true), "nats options");
    check(natsOptions_SetDisconnectedCB(opts_, onDisconnected, this), "nats options");
    check(natsOptions_SetReconnectedCB(opts_, onReconnected, this), "nats options");
    check(natsOptions_SetClosedCB(opts_, onClosed, this), "nats options");
    if (waitForServer)
      check(natsOptions_SetRetryOnFailedConnect(opts_, true, onConnected, this), "nats options");

    const natsStatus s = natsConnection_Connect(&nc_, opts_);
    if (s == NATS_OK) {
      state_.store(State::Connected, std::memory_order_release);
    } else if (s == NATS_NOT_YET_CONNECTED && waitForServer) {
      state_.store(State::Waiting, std::memory_order_release);
    } else {
      throw std::runtime_error("cannot connect to " + spec.serverList() + ": " + natsErrorText(s));
    }
  } catch (...) {
    if (nc_ != nullptr) natsConnection_Destroy(nc_);
    natsOptions_Destroy(opts_);
    throw;
  }
}

NatsConnection::~NatsConnection() {
  if (nc_ != nullptr) {
    // Callbacks run one after another on cnats's thread and the closed one comes last, so once
    // it has run no callback can reach onChange_ (or its owner) again.
    natsConnection_Close(nc_);
    std::unique_lock lock(closedMu_);
    // Bounded: the callback thread is cnats's own and only ever a few callbacks behind.
    closedCv_.wait_for(lock, std::chrono::seconds(5), [this] { return closedSeen_; });
  }
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) natsConnection_Destroy(nc_);
  natsOptions_Destroy(opts_);
}

jsCtx* NatsConnection::js() {
  if (js_ == nullptr && nc_ != nullptr) {
    // A JetStream context can be made before the first connection; it only formats requests.
    const natsStatus s = natsConnection_JetStream(&js_, nc_, haveJsOpts_ ? &jsOpts_ : nullptr);
    if (s != NATS_OK) throw std::runtime_error("nats JetStream context: " + natsErrorText(s));
  }
  return js_;
}

std::string NatsConnection::connectedUrl() const {
  char buf[256];
  if (nc_ == nullptr || natsConnection_GetConnectedUrl(nc_, buf, sizeof buf) != NATS_OK) return "";
  return buf;
}

std::int64_t NatsConnection::maxPayload() const {
  return nc_ == nullptr ? 0 : natsConnection_GetMaxPayload(nc_);
}

void NatsConnection::setState(State s) {
  state_.store(s, std::memory_order_release);
  if (onChange_) onChange_();
}

void NatsConnection::onConnected(natsConnection*, void* self) {
  static_cast<NatsConnection*>(self)->setState(State::Connected);
}

void NatsConnection::onDisconnected(natsConnection*, void* self) {
  auto* c = static_cast<NatsConnection*>(self);
  // A connection still being waited for reports every failed attempt as a disconnect.
  if (c->state() != State::Waiting) c->setState(State::Disconnected);
}

void NatsConnection::onReconnected(natsConnection*, void* self) {
  static_cast<NatsConnection*>(self)->setState(State::Connected);
}

void NatsConnection::onClosed(natsConnection*, void* self) {
  auto* c = static_cast<NatsConnection*>(self);
  c->state_.store(State::Closed, std::memory_order_release);
  std::lock_guard lock(c->closedMu_);
  c->closedSeen_ = true;
  c->closedCv_.notify_all();
}

}  // namespace ncxdp
