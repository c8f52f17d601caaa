// Host networking for the network tests: guards and a peer LAN made with iproute2 (tests may run `ip` and `sysctl`;
// the product may not).
//
//  - NetRanges: the test address ranges 198.51.100.0/24 and 2001:db8::/32 (documentation ranges,
//    RFC 5737 and 3849) are free on this host (no address, no route with a device inside them, no route covering
//    them in a table other than main/default), and blackholed: routes "blackhole <range> metric 4000" in the main
//    table, so no packet to them leaves the machine where a more specific route of a test is missing. The
//    destructor removes only the blackholes it added. Fails the test (never skips) naming what is in the way.
//    203.0.113.0/24 is neither used for routed addresses nor blackholed: on these machines the package mirror
//    answers there (deb.debian.org is 203.0.113.80), and a blackhole would break apt and debootstrap of tests
//    running at the same time. Tests give it only to addresses inside containers' own bridged networks.
//  - PeerLan: a "LAN" in a network namespace: veth host end vztl<unique> (198.51.100.254/24, 2001:db8:1::fe/64,
//    per-device forwarding on) and peer end eth0 (198.51.100.1/24, 2001:db8:1::1/64, default routes via the host
//    end). exec/ping/listen_tcp act in the peer namespace.
//    What the product must add for a container address 198.51.100.x to be reachable from the peer: a host route to
//    it through the container's device, a proxy ARP entry on the host end (`ip neigh add proxy 198.51.100.x dev
//    <host end>`; the kernel answers it because the host end forwards), forwarding on the container's device for
//    the way back; for IPv6 in the peer's 2001:db8:1::/64 also proxy NDP (net.ipv6.conf.<host end>.proxy_ndp=1,
//    which PeerLan does not set, and `ip -6 neigh add proxy`).
//  - PeerBridge: a bridge vztb<unique>, up, no addresses, STP off, forward delay 0.
//  - Leak checks: host_links_matching, netns_matching, proxy_neigh_entries, routes_via, rules_with_iif.
//
// The network tests share host-global names (the blackhole routes, /run/netns) so they run one at a time: ctest
// registers the suites named Net* with RESOURCE_LOCK net (tests/CMakeLists.txt), and NetRanges holds NetLock (an
// flock on /run/lock/vztest-net.lock) for its life against another process's network tests at the same time.
//
// Netcat: the host has only BusyBox's small nc (nc.c, not nc_bloaty: TCP only, no -u/-s/-n/-z, options -l -p -w
// -e -f -i); `busybox nc -l -p PORT` listens on [::] dual-stack, accepts one connection, copies it to its stdout
// and its stdin to it (shutting down the sending half at the end of stdin), and exits when the client closes.
// There is no iputils ping either: ping() uses `busybox ping`.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "json.hpp"
#include "shell.hpp"
#include "temp_dir.hpp"
#include "text.hpp"
#include "util/fd.hpp"
#include "util/process.hpp"

namespace vztest {

// --- running commands ----------------------------------------------------------------------------------------------

struct NetCmd {
    int status = -1;  // exit status; 128+N when killed by signal N
    std::string out;  // stdout and stderr together
};

// Runs a shell command line, stdout and stderr collected together.
inline NetCmd net_run(const std::string& cmd) {
    NetCmd r;
    FILE* p = ::popen(("exec 2>&1 </dev/null; " + cmd).c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
    return r;
}

// Runs a command that must succeed; throws naming it and its output otherwise.
inline std::string net_must(const std::string& cmd) {
    auto r = net_run(cmd);
    if (r.status != 0)
        throw std::runtime_error("`" + cmd + "` exited with " + std::to_string(r.status) + ": " + r.out);
    return r.out;
}

// The parsed JSON of an `ip -j ...` command; throws when it fails or prints no JSON.
inline Json ip_json(const std::string& args) {
    auto out = net_must("ip -j " + args);
    if (out.find_first_not_of(" \n") == std::string::npos) {
        Json empty;
        empty.type = Json::Type::Array;
        return empty;
    }
    auto j = parse_json(out);
    if (!j || j->type != Json::Type::Array)
        throw std::runtime_error("`ip -j " + args + "` printed no JSON array: " + out);
    return *j;
}

inline std::string json_str(const Json& obj, const std::string& key) {
    auto it = obj.members.find(key);
    if (it == obj.members.end()) return "";
    if (it->second.type == Json::Type::String || it->second.type == Json::Type::Number) return it->second.text;
    return "";
}

// A suffix unique on this host while this process lives: pid + a per-process counter. With a 4-letter prefix the
// name fits a link name (IFNAMSIZ: at most 15 characters).
inline std::string net_unique_suffix() {
    static int counter = 0;
    return std::to_string(::getpid()) + "x" + std::to_string(counter++ % 1000);
}

// --- prefixes --------------------------------------------------------------------------------------------------------

struct NetPrefix {
    int family = 0;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes{};
    int len = 0;

    // "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n" or "default" (with the family given).
    static std::optional<NetPrefix> parse(std::string s, int family_of_default = AF_INET) {
        NetPrefix p;
        if (s == "default") {
            p.family = family_of_default;
            return p;
        }
        int len = -1;
        if (auto slash = s.find('/'); slash != std::string::npos) {
            len = std::atoi(s.c_str() + slash + 1);
            s.resize(slash);
        }
        if (::inet_pton(AF_INET, s.c_str(), p.bytes.data()) == 1)
            p.family = AF_INET;
        else if (::inet_pton(AF_INET6, s.c_str(), p.bytes.data()) == 1)
            p.family = AF_INET6;
        else
            return std::nullopt;
        int max = p.family == AF_INET ? 32 : 128;
        p.len = len < 0 ? max : std::min(len, max);
        return p;
    }

    // The first n bits of both are the same.
    bool same_bits(const NetPrefix& o, int n) const {
        for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
            unsigned mask = 0x80u >> (i % 8);
            if ((bytes[i / 8] & mask) != (o.bytes[i / 8] & mask)) return false;
        }
        return true;
    }
    bool overlaps(const NetPrefix& o) const { return family == o.family && same_bits(o, std::min(len, o.len)); }
    // This prefix lies inside o (o is at most as long).
    bool inside(const NetPrefix& o) const { return family == o.family && len >= o.len && same_bits(o, o.len); }
};

inline const std::vector<std::string>& test_ranges() {
    static const std::vector<std::string> r{"198.51.100.0/24", "2001:db8::/32"};
    return r;
}

// The test range a prefix overlaps, or "".
inline std::string overlapped_test_range(const NetPrefix& p) {
    for (auto& r : test_ranges())
        if (p.overlaps(*NetPrefix::parse(r))) return r;
    return "";
}

// --- leak checks -----------------------------------------------------------------------------------------------------

// Host (this namespace's) links whose name starts with prefix.
inline std::vector<std::string> host_links_matching(const std::string& prefix) {
    std::vector<std::string> out;
    for (auto& l : ip_json("link show").items)
        if (auto n = json_str(l, "ifname"); n.rfind(prefix, 0) == 0) out.push_back(n);
    return out;
}

// Named network namespaces (ip netns) whose name starts with prefix.
inline std::vector<std::string> netns_matching(const std::string& prefix) {
    std::vector<std::string> out;
    for (auto& l : lines(net_must("ip netns list"))) {
        auto name = l.substr(0, l.find(' '));
        if (!name.empty() && name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    return out;
}

inline bool has_word_pair(const std::string& line, const std::string& key, const std::string& value) {
    std::istringstream in(line);
    std::string prev, w;
    while (in >> w) {
        if (prev == key && w == value) return true;
        prev = w;
    }
    return false;
}

// Every proxy ARP / proxy NDP entry of the host, one line each as `ip neigh show proxy` prints it.
inline std::vector<std::string> proxy_neigh_entries() {
    std::vector<std::string> out;
    for (auto* cmd : {"ip -4 neigh show proxy", "ip -6 neigh show proxy"})
        for (auto& l : lines(net_must(cmd)))
            if (!l.empty()) out.push_back(l);
    return out;
}

// Routes (IPv4 and IPv6, every table) with `dev <dev>` or a nexthop through it, one line each as ip prints them.
inline std::vector<std::string> routes_via(const std::string& dev) {
    std::vector<std::string> out;
    for (auto* cmd : {"ip -4 route show table all", "ip -6 route show table all"})
        for (auto& l : lines(net_must(cmd)))
            if (has_word_pair(l, "dev", dev)) out.push_back(l);
    return out;
}

// Policy rules (IPv4 and IPv6) with `iif <dev>`.
inline std::vector<std::string> rules_with_iif(const std::string& dev) {
    std::vector<std::string> out;
    for (auto* cmd : {"ip -4 rule show", "ip -6 rule show"})
        for (auto& l : lines(net_must(cmd)))
            if (has_word_pair(l, "iif", dev)) out.push_back(l);
    return out;
}

inline std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : "; ") + x;
    return s.empty() ? "(none)" : s;
}

// One ping from the host, waiting at most a second for the answer: true when answered.
inline bool host_ping(const std::string& addr) {
    return net_run("busybox ping -c 1 -W 1 " + shell_quote(addr) + " >/dev/null").status == 0;
}

// --- NetRanges -------------------------------------------------------------------------------------------------------

// What in the host's namespace uses the test ranges: addresses inside them; routes with a device inside them (at
// least as long as the range, which the range's blackhole could not override), or overlapping them in a table
// other than main and default (a policy rule may pick such a table before main). Blackhole, unreachable and
// prohibit routes are no conflict. One line per finding; empty when the ranges are free.
inline std::vector<std::string> test_range_conflicts() {
    std::vector<std::string> found;
    for (auto& link : ip_json("addr show").items) {
        auto it = link.members.find("addr_info");
        if (it == link.members.end()) continue;
        for (auto& a : it->second.items) {
            auto p = NetPrefix::parse(json_str(a, "local") + "/" + json_str(a, "prefixlen"));
            if (!p) continue;
            if (auto r = overlapped_test_range(*p); !r.empty())
                found.push_back("address " + json_str(a, "local") + "/" + json_str(a, "prefixlen") +
                                " on host device " + json_str(link, "ifname") + " (in " + r + ")");
        }
    }
    for (int family : {AF_INET, AF_INET6}) {
        std::string args = std::string(family == AF_INET ? "-4" : "-6") + " route show table all";
        for (auto& route : ip_json(args).items) {
            auto type = json_str(route, "type");
            if (type == "blackhole" || type == "unreachable" || type == "prohibit") continue;
            auto dev = json_str(route, "dev");
            if (dev.empty()) continue;
            auto p = NetPrefix::parse(json_str(route, "dst"), family);
            if (!p) continue;
            auto table = json_str(route, "table");
            bool main = table.empty() || table == "main" || table == "default";
            for (auto& r : test_ranges()) {
                auto range = *NetPrefix::parse(r);
                if (p->inside(range) || (!main && p->overlaps(range)))
                    found.push_back("route " + json_str(route, "dst") + " dev " + dev +
                                    (table.empty() ? "" : " table " + table) + (type.empty() ? "" : " type " + type) +
                                    " (covers " + r + ")");
            }
        }
    }
    return found;
}

// The host's network-test lock: an flock on /run/lock/vztest-net.lock, so network tests of other processes (another
// build tree's run, one started by hand) do not meet ours. Held per process: nested holders in one process share it.
// Waits for another process at most 5 minutes, then throws.
class NetLock {
public:
    NetLock() {
        if (holders()++ > 0) return;
        ::mkdir("/run/lock", 0755);
        fd() = ::open("/run/lock/vztest-net.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd() < 0) {
            --holders();
            throw std::runtime_error(std::string("/run/lock/vztest-net.lock: ") + std::strerror(errno));
        }
        for (int i = 0; ::flock(fd(), LOCK_EX | LOCK_NB) != 0; ++i) {
            if (i == 600) {
                ::close(fd());
                fd() = -1;
                --holders();
                throw std::runtime_error("another process has held /run/lock/vztest-net.lock for 5 minutes");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    }
    NetLock(const NetLock&) = delete;
    NetLock& operator=(const NetLock&) = delete;
    ~NetLock() {
        if (--holders() == 0) {
            ::close(fd());
            fd() = -1;
        }
    }

private:
    static int& fd() {
        static int f = -1;
        return f;
    }
    static int& holders() {
        static int n = 0;
        return n;
    }
};

class NetRanges {
public:
    static constexpr int kMetric = 4000;

    NetRanges() {
        if (live()++ > 0) {
            --live();
            fail("NetRanges: another NetRanges is alive in this process; use one per test");
        }
        try {
            lock_.emplace();
            if (auto c = test_range_conflicts(); !c.empty())
                fail("NetRanges: the test address ranges are in use on this host, so a network test could reach "
                     "(or leak to) a real network: " + joined(c) +
                     ". Remove these (a leftover of an earlier test run, or another test running now?) and rerun");
            for (auto& r : test_ranges()) {
                if (blackhole_exists(r)) continue;
                net_must("ip " + family_opt(r) + " route add blackhole " + r + " metric " + std::to_string(kMetric));
                added_.push_back(r);
            }
        } catch (const std::exception& e) {
            undo();
            --live();
            if (!failed_) ADD_FAILURE() << "NetRanges: " << e.what();
            throw std::runtime_error("NetRanges could not be set up (see the failure above)");
        }
    }
    NetRanges(const NetRanges&) = delete;
    NetRanges& operator=(const NetRanges&) = delete;
    ~NetRanges() {
        undo();
        --live();
    }

    // The ranges this object blackholed (the others had the same blackhole already).
    const std::vector<std::string>& added() const { return added_; }

    static bool blackhole_exists(const std::string& range) {
        for (auto& route : ip_json(family_opt(range) + " route show table main type blackhole").items)
            if (json_str(route, "dst") == range && json_str(route, "metric") == std::to_string(kMetric)) return true;
        return false;
    }

private:
    static std::string family_opt(const std::string& range) {
        return range.find(':') != std::string::npos ? "-6" : "-4";
    }

    static int& live() {
        static int n = 0;
        return n;
    }

    [[noreturn]] void fail(const std::string& msg) {
        ADD_FAILURE() << msg;
        failed_ = true;
        throw std::runtime_error(msg);
    }

    void undo() {
        for (auto& r : added_) {
            auto res =
                net_run("ip " + family_opt(r) + " route del blackhole " + r + " metric " + std::to_string(kMetric));
            if (res.status != 0) ADD_FAILURE() << "NetRanges: removing the blackhole " << r << ": " << res.out;
        }
        added_.clear();
        lock_.reset();
    }

    std::optional<NetLock> lock_;
    bool failed_ = false;
    std::vector<std::string> added_;
};

// --- PeerLan ---------------------------------------------------------------------------------------------------------

// A TCP listener in the peer namespace (PeerLan::listen_tcp): `busybox nc -l -p PORT`, its stdout in a file.
struct PeerListener {
    pid_t pid = -1;
    int port = 0;
    std::string out_path;
    vz::Fd feed;  // the write end of nc's stdin, held open until nc has exited
    bool reaped = false;
    int status = -1;
};

class PeerLan {
public:
    static constexpr const char* kPeer4 = "198.51.100.1";
    static constexpr const char* kPeer6 = "2001:db8:1::1";
    static constexpr const char* kHost4 = "198.51.100.254";
    static constexpr const char* kHost6 = "2001:db8:1::fe";

    PeerLan() : PeerLan(net_unique_suffix()) {}

private:
    explicit PeerLan(const std::string& suffix) : ns_("vzt-peer-" + suffix), dev_("vztl" + suffix) {
        try {
            net_must("ip netns add " + ns_);
            made_ns_ = true;
            net_must("ip link add " + dev_ + " type veth peer name eth0 netns " + ns_);
            made_dev_ = true;
            net_must("sysctl -qw net.ipv4.conf." + dev_ + ".forwarding=1");
            net_must("sysctl -qw net.ipv6.conf." + dev_ + ".forwarding=1");
            net_must("ip addr add " + std::string(kHost4) + "/24 dev " + dev_);
            net_must("ip addr add " + std::string(kHost6) + "/64 dev " + dev_ + " nodad");
            net_must("ip link set " + dev_ + " up");
            auto in_ns = "ip -n " + ns_ + " ";
            net_must(in_ns + "link set lo up");
            net_must(in_ns + "addr add " + std::string(kPeer4) + "/24 dev eth0");
            net_must(in_ns + "addr add " + std::string(kPeer6) + "/64 dev eth0 nodad");
            net_must(in_ns + "link set eth0 up");
            net_must(in_ns + "route add default via " + std::string(kHost4));
            net_must(in_ns + "-6 route add default via " + std::string(kHost6));
            // Until both ends are operationally up (the kernel's link watch runs late), the veth drops what it sends.
            wait_up("link show " + dev_);
            wait_up("-n " + ns_ + " link show eth0");
        } catch (const std::exception& e) {
            cleanup();
            ADD_FAILURE() << "PeerLan: " << e.what();
            throw std::runtime_error("PeerLan could not be set up (see the failure above)");
        }
    }

public:
    PeerLan(const PeerLan&) = delete;
    PeerLan& operator=(const PeerLan&) = delete;
    ~PeerLan() { cleanup(); }

    const std::string& host_dev() const { return dev_; }
    const std::string& ns() const { return ns_; }

    // A shell command line in the peer namespace: its exit status and its stdout and stderr together.
    NetCmd exec(const std::string& cmd) const { return net_run("ip netns exec " + ns_ + " sh -c " + shell_quote(cmd)); }

    // One ping from the peer namespace, waiting at most a second: true when answered.
    bool ping(const std::string& addr) const {
        return exec("busybox ping -c 1 -W 1 " + shell_quote(addr) + " >/dev/null").status == 0;
    }

    // Starts `busybox nc -l -p PORT` in the peer namespace and waits until it listens. It accepts one connection,
    // sends `reply` at once and exits when the client closes; listener_output() waits for that and returns what the
    // client sent. Its stdin is a pipe this object keeps open until then: busybox nc exits as soon as the other side
    // closes, so a listener that closed its sending half at once (stdin at its end) could make a client whose own
    // stdin was not ready yet (`echo ... | nc`, on a busy host) exit before it sent anything. Killed by the destructor
    // at the latest (a process left in the namespace would keep it and the veth alive).
    PeerListener& listen_tcp(int port, const std::string& reply = "") {
        auto l = std::make_unique<PeerListener>();
        l->port = port;
        l->out_path = dir_ / ("nc-" + std::to_string(port) + "-" + std::to_string(listeners_.size()));
        auto feed = vz::make_pipe();
        // A few bytes: they fit the pipe's buffer before nc reads them.
        if (::write(feed.wr.get(), reply.data(), reply.size()) != static_cast<ssize_t>(reply.size()))
            throw std::runtime_error("PeerLan::listen_tcp: writing the reply failed");
        pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("PeerLan::listen_tcp: fork failed");
        if (pid == 0) {
            int out = ::open(l->out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out < 0) ::_exit(126);
            ::dup2(feed.rd.get(), 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
            auto p = std::to_string(port);
            ::execlp("ip", "ip", "netns", "exec", ns_.c_str(), "busybox", "nc", "-l", "-p", p.c_str(),
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
        l->feed = std::move(feed.wr);
        l->pid = pid;
        listeners_.push_back(std::move(l));
        auto& ref = *listeners_.back();
        char hex[8];
        std::snprintf(hex, sizeof hex, ":%04X ", port);
        for (int i = 0;; ++i) {
            auto tcp = exec("cat /proc/net/tcp /proc/net/tcp6").out;
            bool listening = false;
            for (auto& line : lines(tcp)) {
                std::istringstream in(line);
                std::string sl, local, remote, state;
                in >> sl >> local >> remote >> state;
                if ((local + " ").find(hex) != std::string::npos && state == "0A") listening = true;
            }
            if (listening) break;
            int st;
            if (::waitpid(pid, &st, WNOHANG) == pid) {
                reaped(ref, st);
                throw std::runtime_error("PeerLan::listen_tcp: nc -l -p " + std::to_string(port) +
                                         " exited at once: " + try_output(ref));
            }
            if (i == 100)
                throw std::runtime_error("PeerLan::listen_tcp: nc does not listen on " + std::to_string(port));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return ref;
    }

    // What the listener's client sent, once nc has exited; nullopt when it has not within `timeout`.
    std::optional<std::string> listener_output(PeerListener& l,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto until = std::chrono::steady_clock::now() + timeout;
        while (!l.reaped) {
            int st;
            if (::waitpid(l.pid, &st, WNOHANG) == l.pid) {
                reaped(l, st);
                break;
            }
            if (std::chrono::steady_clock::now() > until) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return try_output(l);
    }

private:
    static void reaped(PeerListener& l, int status) {
        l.reaped = true;
        l.status = status;
        l.feed.reset();
    }

    static std::string try_output(const PeerListener& l) {
        try {
            return read_text(l.out_path);
        } catch (...) {
            return "";
        }
    }

    // `args`: what follows `ip -j` to show one link.
    static void wait_up(const std::string& args) {
        for (int i = 0;; ++i) {
            auto links = ip_json(args);
            if (!links.items.empty() && json_str(links.items[0], "operstate") == "UP") return;
            if (i == 100) throw std::runtime_error("`ip " + args + "`: the link is not operationally up after 10 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    void cleanup() {
        for (auto& l : listeners_)
            if (!l->reaped) {
                ::kill(l->pid, SIGKILL);
                int st = 0;
                ::waitpid(l->pid, &st, 0);
                reaped(*l, st);
            }
        if (made_dev_) net_run("ip link del " + dev_);
        if (made_ns_) net_run("ip netns del " + ns_);
        made_dev_ = made_ns_ = false;
    }

    NetLock lock_;  // its addresses would be a conflict for another process's NetRanges
    std::string ns_, dev_;
    bool made_ns_ = false, made_dev_ = false;
    TempDir dir_;
    std::vector<std::unique_ptr<PeerListener>> listeners_;
};

// --- PeerBridge ------------------------------------------------------------------------------------------------------

class PeerBridge {
public:
    PeerBridge() : name_("vztb" + net_unique_suffix()) {
        try {
            net_must("ip link add " + name_ + " type bridge stp_state 0 forward_delay 0");
            made_ = true;
            // No IPv6 link-local address either, when a port brings the carrier up.
            net_must("ip link set " + name_ + " addrgenmode none");
            net_must("ip link set " + name_ + " up");
        } catch (const std::exception& e) {
            cleanup();
            ADD_FAILURE() << "PeerBridge: " << e.what();
            throw std::runtime_error("PeerBridge could not be set up (see the failure above)");
        }
    }
    PeerBridge(const PeerBridge&) = delete;
    PeerBridge& operator=(const PeerBridge&) = delete;
    ~PeerBridge() { cleanup(); }

    const std::string& name() const { return name_; }

private:
    void cleanup() {
        if (made_) net_run("ip link del " + name_);
        made_ = false;
    }

    std::string name_;
    bool made_ = false;
};

// A listener in a container on `port` that writes what it gets to /tmp/got, as a shell command for the container
// (the fixture's sh): its own session and its stdio inside, so it holds no file of the host's (a dump fails on
// one); its input never ends (at the end of it nc would close its side, and the client would end the connection).
inline std::string held_listener_command(int port) {
    return "setsid sh -c 'sleep 600 | nc -l -p " + std::to_string(port) +
           " > /tmp/got 2>&1' < /dev/null > /dev/null 2>&1 &";
}

// A TCP client on the host (busybox nc) connected to `addr`:`port`, its input the FIFO `fifo` (made here) that
// send() writes lines to: the connection stays open between lines, until the object goes (the client killed).
// SIGPIPE is ignored: a client that died must fail the test, not end it before its teardown.
class TcpClient {
public:
    TcpClient(const std::string& fifo, const std::string& addr, int port) {
        ::signal(SIGPIPE, SIG_IGN);
        if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + fifo + ": " + std::strerror(errno));
        auto p = std::to_string(port);
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            int in = ::open(fifo.c_str(), O_RDONLY);
            ::dup2(in, 0);
            ::execlp("busybox", "busybox", "nc", addr.c_str(), p.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        feed_.open(fifo);
    }
    TcpClient(const TcpClient&) = delete;
    TcpClient& operator=(const TcpClient&) = delete;
    ~TcpClient() {
        feed_.close();
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }

    void send(const std::string& line) { feed_ << line << "\n" << std::flush; }
    // Still running (it ends when the connection does).
    bool alive() { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }

private:
    pid_t pid_ = -1;
    std::ofstream feed_;
};

}  // namespace vztest
