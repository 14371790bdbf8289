#!/usr/bin/env bash
# Installs every Debian package ncxdp needs to build, test and demo. Idempotent: packages already
# present are skipped without touching apt, so repeated `make test` runs cost nothing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  # BPF toolchain and AF_XDP
  clang llvm lld libbpf-dev libxdp-dev bpftool linux-libc-dev
  # userspace libraries
  libcli11-dev libpcap-dev prometheus-cpp-dev nlohmann-json3-dev
  # tests: GoogleTest, libFuzzer/sanitizer runtimes, namespaces, captures, JSON checks
  googletest libgtest-dev libgmock-dev libclang-rt-14-dev libbenchmark-dev
  iproute2 tcpdump jq procps iputils-ping netcat-openbsd valgrind curl
  # capture benchmarks: veth offloads and threaded NAPI, CPU pinning (util-linux), the storm checker
  ethtool util-linux
  # metrics: a real Prometheus server and promtool for the exporter tests and the shipped rules
  prometheus python3-yaml
  # kernel tests: Debian kernels booted under qemu with a busybox initramfs
  qemu-system-x86 busybox-static cpio xz-utils kmod python3
  # NATS JetStream sink and its tests
  nats-server libnats-dev
  # syslog output: TLS (GnuTLS); its tests run a private rsyslogd (imtcp over GnuTLS, certtool's certificates)
  libgnutls28-dev rsyslog rsyslog-gnutls gnutls-bin
  # benchmark plots
  python3-matplotlib
  # Debian packages (make deb, tests/package): debhelper with DKMS, man pages, lintian, logrotate
  debhelper dh-dkms dkms dpkg-dev fakeroot help2man lintian logrotate man-db
)

# The kernel tests build modules against exactly the kernels they boot: headers pinned with them.
while read -r _ abi version; do
  packages+=("linux-headers-$abi=$version")
done < <(awk '!/^[[:space:]]*(#|$)/' "$(dirname "$0")/../tests/kernel/kernels.conf")

if [[ $(id -u) -ne 0 ]]; then
  echo "deps.sh: must run as root to install packages (try: sudo make deps)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  # name=version entries must be installed at exactly that version.
  have=$(dpkg-query -W -f='${Status} ${Version}' "${p%%=*}" 2>/dev/null || true)
  if [[ "$p" == *=* && "$have" != "install ok installed ${p#*=}" || "$have" != "install ok installed "* ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
