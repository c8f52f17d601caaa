#include "runtime/sysinfo.hpp"

#include <seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <sys/time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/monitor_protocol.hpp"

namespace vz {
namespace {

// libseccomp API level 5: user notification (kernel 5.0 and later, libseccomp 2.5).
constexpr unsigned kNotifyApi = 5;

// The monitor's socket address (runtime/monitor_protocol.hpp).
std::optional<sockaddr_un> monitor_address(const std::string& name, socklen_t& len) {
    sockaddr_un a;
    if (!monitor::socket_address(name.data(), name.size(), a, len)) return std::nullopt;
    return a;
}

}  // namespace

std::optional<std::string> sysinfo_unsupported() {
    if (seccomp_api_get() < kNotifyApi)
        return "seccomp user notification is not available (needs Linux 5.0 and libseccomp 2.5)";
    return std::nullopt;
}

std::string monitor_socket_name(const CgroupLayout& layout, unsigned ctid) {
    auto name = monitor::kSocketPrefix + layout.base + "/" + std::to_string(ctid);
    socklen_t len;
    return monitor_address(name, len) ? name : std::string();
}

std::vector<std::string> monitor_argv(const CgroupLayout& layout, unsigned ctid, pid_t init, const std::string& vzctl,
                                      int channel, const std::vector<int>& terminals, pid_t helper) {
    using namespace monitor;
    std::vector<std::string> a(channel < 0 ? kArgcPlain : helper > 0 ? kArgcRestored : kArgcSysinfo);
    a[0] = "vzmonitor";
    a[kInit] = std::to_string(init);
    a[kVzctl] = vzctl;
    a[kCtid] = std::to_string(ctid);
    if (channel < 0) return a;
    a[kChannel] = std::to_string(channel);
    a[kSocket] = monitor_socket_name(layout, ctid);
    a[kMode] = layout.mode == CgroupMode::V2 ? kModeV2 : kModeV1;
    a[kMemoryCgroup] = layout.ct_dir("memory", ctid);
    a[kPidsCgroup] = layout.ct_probe_dir(ctid);
    a[kCpuCgroup] = layout.ct_dir("cpu", ctid);
    a[kConsole] = terminals.empty() ? "-1" : "";
    for (int fd : terminals) a[kConsole] += (a[kConsole].empty() ? "" : ",") + std::to_string(fd);
    if (helper > 0) a[kHelper] = std::to_string(helper);
    return a;
}

std::optional<std::array<double, 3>> monitor_loadavg(const std::string& name) {
    Fd s = ask_monitor(name, monitor::kLoadRequest);
    if (!s) return std::nullopt;
    char buf[96];
    auto n = ::recv(s.get(), buf, sizeof buf - 1, 0);
    if (n <= 0) return std::nullopt;
    buf[n] = 0;
    std::array<double, 3> out{};
    if (std::sscanf(buf, "%lf %lf %lf", &out[0], &out[1], &out[2]) != 3) return std::nullopt;
    return out;
}

Fd ask_monitor(const std::string& name, char request) {
    Fd s = connect_monitor(name);
    if (!s || ::send(s.get(), &request, 1, MSG_NOSIGNAL) != 1) return Fd();
    timeval limit{1, 0};
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return s;
}

Fd claim_cleanup(const std::string& name) {
    Fd s = ask_monitor(name, monitor::kStopRequest);
    char ack = 0;
    if (!s || ::recv(s.get(), &ack, 1, 0) != 1 || ack != monitor::kStopRequest) return Fd();
    return s;
}

void cleanup_done(Fd claim) {
    if (claim) ::send(claim.get(), &monitor::kStopDone, 1, MSG_NOSIGNAL);
}

Fd connect_monitor(const std::string& name) {
    socklen_t len;
    auto addr = monitor_address(name, len);
    if (!addr) return Fd();
    Fd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!s || ::connect(s.get(), reinterpret_cast<const sockaddr*>(&*addr), len) != 0) return Fd();
    return s;
}

}  // namespace vz
