#include "ct/probe.hpp"
#include "ct/lock.hpp"

#include "net/venet.hpp"
#include "net/netlink.hpp"
#include "net/veth.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "cgroup/driver.hpp"
#include "runtime/sysinfo.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// The number a one-number file (cpuacct.usage, a link's statistics) holds; nullopt when missing or not a number.
std::optional<uint64_t> file_number(const std::string& path) {
    auto text = read_file(path);
    if (!text) return std::nullopt;
    auto words = split(*text, " \n");
    return words.size() == 1 ? parse_uint(words[0]) : std::nullopt;
}

// The NSpid line of a /proc/<pid>/status text: the process's pid in its pid namespace and in each one above it,
// the host's first; empty when there is none.
std::vector<std::string> nspids(const std::string& status) {
    auto pos = status.find("\nNSpid:");
    if (pos == std::string::npos) return {};
    auto end = status.find('\n', pos + 1);
    return split(std::string_view(status).substr(pos + 7, end == std::string::npos ? end : end - pos - 7), " \t");
}

}  // namespace

CgroupLayout cgroup_layout(const ConfFile& global) {
    auto* base = global.get("CGROUP_BASE");
    return CgroupLayout::detect(base && !base->empty() ? *base : "vz");
}

std::optional<pid_t> find_init(const CgroupDriver& cg, unsigned ctid) {
    for (pid_t pid : cg.procs(ctid)) {
        auto status = read_file("/proc/" + std::to_string(pid) + "/status");
        if (!status) continue;
        auto ids = nspids(*status);
        if (ids.size() >= 2 && ids.back() == "1") return pid;
    }
    return std::nullopt;
}

void check_still_running(const CgroupDriver& cg, unsigned ctid, pid_t init, bool killed, const std::string& lockdir) {
    auto now = std::chrono::steady_clock::now();
    auto end = now + std::chrono::seconds(killed ? 1 : 0);
    // A stop under way (it holds the lock) may take longer than that to end init: a halt inside signals every
    // process first and init last. Waited for while it holds the lock, up to this.
    auto stop_end = now + std::chrono::seconds(killed && !lockdir.empty() ? 30 : 0);
    for (;;) {
        if (find_init(cg, ctid) != init) fail(Exit::NotRunning, "Container is not running: it stopped meanwhile");
        now = std::chrono::steady_clock::now();
        if (now >= end && (now >= stop_end || !ct_lock_held(lockdir, ctid))) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Probe::Probe(const ConfFile& global) : layout_(cgroup_layout(global)) {}

Probe::~Probe() = default;

std::vector<unsigned> Probe::running_ids() const { return running_ct_ids(layout_); }

bool Probe::running(unsigned ctid) const { return cgroup_populated(layout_.ct_probe_dir(ctid)); }

CtState Probe::state(const CtConfig& cfg, const MountTable& mounts) const { return ct_state(cfg, mounts, layout_); }

std::optional<pid_t> Probe::init(unsigned ctid) const {
    if (!driver_) driver_ = CgroupDriver::make(layout_);
    return find_init(*driver_, ctid);
}

std::optional<double> Probe::uptime(pid_t init) const {
    if (!host_uptime_) {
        auto up = read_file("/proc/uptime");
        host_uptime_ = up ? std::strtod(up->c_str(), nullptr) : 0;
    }
    // The init's start time: field 22 of /proc/<pid>/stat, in clock ticks since boot.
    auto fields = proc_stat_fields(init);
    if (fields.size() < 20) return std::nullopt;
    auto start = parse_uint(fields[19]);
    if (!start) return std::nullopt;
    return std::max(0.0, *host_uptime_ - static_cast<double>(*start) / static_cast<double>(::sysconf(_SC_CLK_TCK)));
}

std::optional<ProcessInfo> Probe::process(pid_t pid) const {
    auto dir = "/proc/" + std::to_string(pid);
    auto status = read_file(dir + "/status");
    auto cgroups = read_file(dir + "/cgroup");
    if (!status || !cgroups) return std::nullopt;
    ProcessInfo info;
    info.ctid = ct_of_cgroup_text(layout_, *cgroups).value_or(0);
    info.vpid = pid;
    for (auto& line : split(*status, "\n"))
        if (line.starts_with("Name:\t")) info.name = line.substr(6);
    // A container's pid namespace is the one below the host's (a process of the host in a namespace of another
    // manager's keeps its host pid).
    if (auto ids = nspids(*status); info.ctid && ids.size() > 1)
        info.vpid = static_cast<pid_t>(parse_uint(ids[1]).value_or(static_cast<uint64_t>(pid)));
    return info;
}

std::optional<std::array<double, 3>> Probe::loadavg(unsigned ctid) const {
    return monitor_loadavg(monitor_socket_name(layout_, ctid));
}

std::optional<double> Probe::cpu_seconds(unsigned ctid) const {
    if (layout_.mode == CgroupMode::V2) {
        auto stat = read_file(layout_.ct_dir("cpu", ctid) + "/cpu.stat");
        auto usec = stat ? cgroup_keyed(*stat, "usage_usec") : std::nullopt;
        if (!usec) return std::nullopt;
        return static_cast<double>(*usec) / 1e6;
    }
    auto nsec = file_number(layout_.ct_dir("cpuacct", ctid) + "/cpuacct.usage");
    if (!nsec) return std::nullopt;
    return static_cast<double>(*nsec) / 1e9;
}

std::vector<NetIo> Probe::net_io(const CtConfig& cfg) const {
    if (!links_) links_ = std::make_unique<std::vector<net::Link>>(net::Netlink().links());
    std::vector<NetIo> out;
    // Not a structured binding: clang 14 (the fuzz build) can't capture one in the lambda.
    for (auto& end : net::host_ends(cfg, *links_)) {
        const std::string& host = end.first;
        auto counter = [&](const char* name) {
            return file_number("/sys/class/net/" + host + "/statistics/" + name).value_or(0);
        };
        out.push_back({host, end.second, counter("rx_bytes"), counter("tx_bytes")});
    }
    return out;
}

UbcStats Probe::ubc(unsigned ctid, std::optional<pid_t> init, const std::vector<unsigned>& wanted) const {
    return collect_ubc(layout_, ctid, init, wanted);
}

LiveUbc collect_live_ubc(const Paths& paths, std::vector<unsigned> ctids) {
    auto global = std::make_shared<const ConfFile>(load_global(paths));
    Probe probe(*global);
    if (ctids.empty()) ctids = probe.running_ids();
    std::sort(ctids.begin(), ctids.end());
    ctids.erase(std::unique(ctids.begin(), ctids.end()), ctids.end());
    LiveUbc out;
    for (unsigned id : ctids) {
        if (!probe.running(id)) {
            out.not_running.push_back(id);
            continue;
        }
        auto cfg = load_ct(paths, global, id, false, false);
        out.blocks.push_back(ubc_block(id, probe.ubc(id, probe.init(id)), &cfg));
    }
    return out;
}

std::optional<std::string> ubc_proc_text(const Paths& p, unsigned ctid) {
    auto live = collect_live_ubc(p, {ctid});
    if (live.blocks.empty()) return std::nullopt;
    return format_ubc_raw(live.blocks);
}

std::map<std::string, std::vector<std::string>> routed_addresses() {
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [key, a] : net::venet_routed()) out[key].push_back(a.str());
    return out;
}

std::string routed_key(const CtConfig& cfg) { return net::venet_alias(cfg.ctid(), net::host_end_tag(cfg)); }

}  // namespace vz
