// RAII owner of a NATS client connection and its JetStream context (cnats). It reconnects forever
// across the servers of the spec and the cluster members they announce, and reports connection
// changes through one callback, so its owner can pause and resume publishing. A server that is down
// at start is waited for the same way: the constructor returns at once, and `onChange` fires when
// a connection is made.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "nats/NatsSpec.h"

namespace ncxdp {

// "what: <cnats status text> (<last error detail>)", for messages.
std::string natsErrorText(natsStatus s);

class NatsConnection {
 public:
  enum class State { Waiting, Connected, Disconnected, Closed };

  // waitForServer: when no server answers now, keep trying in the background (Waiting) instead of
  // throwing. jsOpts: the JetStream context options (async publish handlers), or nullptr.
  // onChange runs on a cnats thread after every state change; keep it short.
  // Throws std::runtime_error "cannot connect to SERVERS: ..." when not waiting and nothing answers.
  NatsConnection(const NatsSpec& spec, const std::string& clientName, bool waitForServer,
                 const jsOptions* jsOpts, std::function<void()> onChange);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  State state() const { return state_.load(std::memory_order_acquire); }
  natsConnection* nc() const { return nc_; }
  // Created on the first successful connection; nullptr before.
  jsCtx* js();
  // The URL of the server currently connected to, or "" when none.
  std::string connectedUrl() const;
  // The largest message the server accepts (0 before the first connection).
  std::int64_t maxPayload() const;

 private:
  static void onConnected(natsConnection* nc, void* self);
  static void onDisconnected(natsConnection* nc, void* self);
  static void onReconnected(natsConnection* nc, void* self);
  static void onClosed(natsConnection* nc, void* self);
  void setState(State s);

  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  jsOptions jsOpts_{};
  bool haveJsOpts_ = false;
  std::atomic<State> state_{State::Waiting};
  std::function<void()> onChange_;
  // cnats runs the callbacks on its own thread, possibly after Close returns; the closed callback
  // is always the last one, so the destructor waits for it before `this` goes away.
  std::mutex closedMu_;
  std::condition_variable closedCv_;
  bool closedSeen_ = false;
};

}  // namespace ncxdp
