// cgroup v1: one directory per controller, <root>/<controller>/<CGROUP_BASE>/<CTID>.
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <thread>

#include "cgroup/driver.hpp"
#include "config/units.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

using namespace cgroup_io;

constexpr std::array kControllers = {"pids", "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"};
// Hierarchies without limits that a container must still have its own cgroup in: with a cgroup namespace the
// root a container sees in each hierarchy is the cgroup its init was in, so a hierarchy left out is the host's
// root to it (systemd inside would make init.scope and system.slice there). "systemd" is the named
// hierarchy (name=systemd), "unified" the cgroup2 tree of a hybrid host.
constexpr std::array kPlainHierarchies = {"systemd", "unified"};
constexpr int kSetUbc = static_cast<int>(Exit::SetUbc);
constexpr int kSetCpu = static_cast<int>(Exit::SetCpu);

std::string num_or_max(const std::optional<uint64_t>& v, const char* max) {
    return v ? std::to_string(*v) : std::string(max);
}

class V1Driver final : public CgroupDriver {
public:
    explicit V1Driver(CgroupLayout l) : CgroupDriver(std::move(l)) {
        for (auto* c : kControllers)
            if (path_exists(layout_.root + "/" + c + "/cgroup.procs")) controllers_.emplace_back(c);
        hierarchies_ = controllers_;
        for (auto* h : kPlainHierarchies)
            if (path_exists(layout_.root + "/" + h + "/cgroup.procs")) hierarchies_.emplace_back(h);
    }

    std::string ctl(const std::string& c, unsigned ctid) const {
        return layout_.root + "/" + c + "/" + layout_.base + "/" + std::to_string(ctid);
    }
    // Where the layout says a container's processes are probed (its pids cgroup).
    std::string dir(unsigned ctid) const override { return layout_.ct_probe_dir(ctid); }

    void create(unsigned ctid) override {
        for (auto& c : hierarchies_) {
            auto base = layout_.root + "/" + c + "/" + layout_.base;
            bool new_base = !is_dir(base);
            make_dirs(base);
            auto d = ctl(c, ctid);
            if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST)
                fail(Exit::EnvCreate, "can't create cgroup {}: {}", d, errno_text(errno));
            if (c == "cpuset") {
                // A new cpuset has no CPUs or memory nodes; it starts with its parent's.
                auto parent = layout_.root + "/cpuset";
                if (new_base || read(base, "cpuset.cpus").empty()) {
                    try_write(base, "cpuset.cpus", read(parent, "cpuset.cpus"));
                    try_write(base, "cpuset.mems", read(parent, "cpuset.mems"));
                }
                write(d, "cpuset.cpus", read(base, "cpuset.cpus"), kSetCpu);
                write(d, "cpuset.mems", read(base, "cpuset.mems"), kSetCpu);
            }
        }
        // The inner level is made when the first process joins: v1 refuses devices.deny "a" on a cgroup with
        // children, and the limits are applied between create and the first join.
    }

    // The inner cgroup of every hierarchy, made on first use.
    void make_inner(unsigned ctid) {
        for (auto& c : hierarchies_) {
            auto d = ctl(c, ctid) + "/" + kInner;
            if (::mkdir(d.c_str(), 0755) != 0) {
                if (errno == EEXIST) continue;
                fail(Exit::EnvCreate, "can't create cgroup {}: {}", d, errno_text(errno));
            }
            if (c == "cpuset") {
                write(d, "cpuset.cpus", read(ctl(c, ctid), "cpuset.cpus"), kSetCpu);
                write(d, "cpuset.mems", read(ctl(c, ctid), "cpuset.mems"), kSetCpu);
            }
            if (c == "cpu") write(d, "cpu.cfs_quota_us", read(ctl(c, ctid), "cpu.cfs_quota_us"), kSetCpu);
        }
    }

    void remove(unsigned ctid) override {
        for (auto& c : hierarchies_) remove_cgroup_tree(ctl(c, ctid));
    }

    bool exists(unsigned ctid) const override { return is_dir(dir(ctid)); }

    void enter(unsigned ctid, pid_t pid) override {
        make_inner(ctid);
        // Moving the caller: "tasks" moves one thread, which for our single-threaded children is the whole
        // process, and skips the RCU grace period (7-28 ms) a cgroup.procs write waits for.
        const char* file = pid == 0 ? "tasks" : "cgroup.procs";
        for (auto& c : hierarchies_)
            // cgroup2 (the hybrid host's "unified") has no "tasks".
            write(ctl(c, ctid) + "/" + kInner, c == "unified" ? "cgroup.procs" : file, std::to_string(pid),
                  static_cast<int>(Exit::EnvCreate));
    }

    std::vector<pid_t> procs(unsigned ctid) const override { return read_tree_pids(dir(ctid)); }

    pid_t clone_into(unsigned ctid, unsigned long ns_flags,
                     const std::function<void(const Error&)>& on_child_error) override {
        long pid = ::syscall(SYS_clone, ns_flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
        if (pid < 0) fail(Exit::EnvCreate, "can't create a process for CT {}: {}", ctid, errno_text(errno));
        if (pid == 0) {
            try {
                enter(ctid, 0);
            } catch (const Error& e) {
                on_child_error(e);
                ::_exit(1);
            }
        }
        return static_cast<pid_t>(pid);
    }

    pid_t clone_beside(pid_t target, const std::function<void(const Error&)>& on_child_error) override {
        // /proc/<pid>/cgroup: "id:controllers:/path" per hierarchy, paths from the host's roots.
        auto lines = split(read_file("/proc/" + std::to_string(target) + "/cgroup").value_or(""), "\n");
        long pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0);
        if (pid < 0) fail(Exit::EnvCreate, "fork: {}", errno_text(errno));
        if (pid > 0) return static_cast<pid_t>(pid);
        try {
            for (auto& line : lines) {
                auto a = line.find(':'), b = line.find(':', a + 1);
                if (a == std::string::npos || b == std::string::npos) continue;
                auto names = line.substr(a + 1, b - a - 1);
                auto path = line.substr(b + 1);
                std::string mount = names.empty() ? "unified" : names.starts_with("name=") ? names.substr(5) : names;
                if (std::find(hierarchies_.begin(), hierarchies_.end(), mount) == hierarchies_.end()) continue;
                write(layout_.root + "/" + mount + path, mount == "unified" ? "cgroup.procs" : "tasks", "0",
                      static_cast<int>(Exit::EnvCreate));
            }
        } catch (const Error& e) {
            on_child_error(e);
            ::_exit(1);
        }
        return 0;
    }

    void kill_all(unsigned ctid) override {
        auto fz = ctl("freezer", ctid);
        bool frozen = is_dir(fz) && try_write(fz, "freezer.state", "FROZEN");
        for (int round = 0; round < 100; ++round) {
            auto pids = procs(ctid);
            if (pids.empty()) break;
            for (pid_t p : pids) ::kill(p, SIGKILL);
            if (frozen) try_write(fz, "freezer.state", "THAWED"), frozen = false;
            std::this_thread::sleep_for(std::chrono::milliseconds(round < 10 ? 2 : 20));
        }
        if (frozen) try_write(fz, "freezer.state", "THAWED");
    }

    std::vector<std::string> apply(unsigned ctid, const Resources& r, unsigned groups,
                                   const std::string& private_dir) override {
        std::vector<std::string> warnings;
        if (groups & kResCpu) {
            auto d = ctl("cpu", ctid);
            auto period = parse_uint(read(d, "cpu.cfs_period_us")).value_or(100000);
            // LXCFS counts a container's CPUs (cpuinfo, cpu/online) from the quota of its init's cgroup, the
            // inner level, which therefore gets the same quota.
            write_with_inner(d, "cpu.cfs_quota_us",
                             r.cpu_quota_pct ? std::to_string(*r.cpu_quota_pct * period / 100) : "-1");
            write(d, "cpu.shares", std::to_string(cpuunits_to_shares(r.cpuunits)), kSetCpu);
        }
        if (groups & kResCpuset) {
            auto d = ctl("cpuset", ctid);
            auto base = layout_.root + "/cpuset/" + layout_.base;
            for (auto* f : {"cpuset.cpus", "cpuset.mems"})
                write_with_inner(d, f, std::string(f) == "cpuset.cpus" ? r.cpuset_cpus.value_or(read(base, f))
                                                                      : r.cpuset_mems.value_or(read(base, f)));
        }
        if (groups & kResMemory) apply_memory(ctid, r, warnings);
        if (groups & kResPids) write(ctl("pids", ctid), "pids.max", num_or_max(r.numproc, "max"), kSetUbc);
        if (groups & kResIo) apply_io(ctid, r, private_dir, warnings);
        if (groups & kResDevices) {
            auto d = ctl("devices", ctid);
            int code = static_cast<int>(Exit::SetDevices);
            auto rule_text = [](const DeviceRule& rule) {
                return fmt::format("{} {}:{} {}m", rule.type, rule.major < 0 ? "*" : std::to_string(rule.major),
                                   rule.minor < 0 ? "*" : std::to_string(rule.minor),
                                   rule.access == "rwm" ? "rw" : rule.access);
            };
            std::vector<std::string> wanted;
            for (auto& rule : base_devices())
                if (!rule.access.empty()) wanted.push_back(rule_text(rule));
            for (auto& rule : r.devices)
                if (!rule.access.empty()) wanted.push_back(rule_text(rule));
            if (!is_dir(d + "/" + kInner)) {
                write(d, "devices.deny", "a", code);
            } else {
                // With the inner cgroup below it v1 refuses "deny a": take back what is allowed and not wanted.
                for (auto& line : split(read(d, "devices.list"), "\n"))
                    if (std::find(wanted.begin(), wanted.end(), line) == wanted.end()) write(d, "devices.deny", line, code);
            }
            for (auto& w : wanted) write(d, "devices.allow", w, code);
        }
        return warnings;
    }

private:
    // Writes `value` to `file` of the container's cgroup `d` and of its inner level, when that exists. A parent
    // must hold its child's CPUs and quota: shrinking writes the inner level first, growing the outer first.
    void write_with_inner(const std::string& d, const char* file, const std::string& value) {
        auto inner = d + "/" + kInner;
        bool has_inner = is_dir(inner);
        if (has_inner && try_write(inner, file, value)) {
            write(d, file, value, kSetCpu);
        } else {
            write(d, file, value, kSetCpu);
            if (has_inner) write(inner, file, value, kSetCpu);
        }
    }

    void apply_memory(unsigned ctid, const Resources& r, std::vector<std::string>& warnings) {
        auto d = ctl("memory", ctid);
        std::string mem = num_or_max(r.ram_bytes, "-1");
        bool memsw = path_exists(d + "/memory.memsw.limit_in_bytes");
        if (!memsw && r.swap_bytes)
            fail(Exit::SetUbc, "can't limit swappages of CT {}: swap accounting is off in this kernel "
                               "(boot with swapaccount=1)", ctid);
        if (r.swap_bytes && !r.ram_bytes)
            fail(Exit::SetUbc, "can't limit swappages of CT {} on cgroup v1 without a physpages limit "
                               "(memsw counts RAM and swap together)", ctid);
        std::string total = r.ram_bytes && r.swap_bytes ? std::to_string(*r.ram_bytes + *r.swap_bytes) : "-1";
        // memsw must stay >= memory: raise memsw first when it grows, lower memory first when it shrinks.
        if (memsw && !try_write(d, "memory.memsw.limit_in_bytes", total)) {
            write(d, "memory.limit_in_bytes", mem, kSetUbc);
            write(d, "memory.memsw.limit_in_bytes", total, kSetUbc);
        } else {
            write(d, "memory.limit_in_bytes", mem, kSetUbc);
            if (memsw) write(d, "memory.memsw.limit_in_bytes", total, kSetUbc);
        }
        // Newer kernels accept a kmem limit and ignore it: only a value that reads back counts as enforced.
        if (r.kmem_bytes && (!try_write(d, "memory.kmem.limit_in_bytes", std::to_string(*r.kmem_bytes)) ||
                             parse_uint(read(d, "memory.kmem.limit_in_bytes")) != r.kmem_bytes))
            warnings.push_back("kmemsize is accounted, not enforced, on this kernel");
    }

    void apply_io(unsigned ctid, const Resources& r, const std::string& private_dir,
                  std::vector<std::string>& warnings) {
        auto d = ctl("blkio", ctid);
        // ioprio 0..7 onto the proportional weight 100..1000; written also for 4 so a change back takes effect.
        auto weight = std::to_string(100 + r.ioprio * 900 / 7);
        if (!try_write(d, "blkio.bfq.weight", weight) && !try_write(d, "blkio.weight", weight) && r.ioprio != 4)
            warnings.push_back("ioprio is not enforced: no proportional I/O scheduler (BFQ) on this host");
        auto dev = block_device_of(private_dir);
        if (dev.empty()) {
            if (r.iolimit_bps || r.iopslimit)
                fail(Exit::SetIo, "can't limit I/O of CT {}: {} is not on a block device", ctid, private_dir);
            return;
        }
        auto bps = r.iolimit_bps ? std::to_string(r.iolimit_bps) : "0";
        auto iops = r.iopslimit ? std::to_string(r.iopslimit) : "0";
        int code = static_cast<int>(Exit::SetIo);
        write(d, "blkio.throttle.read_bps_device", dev + " " + bps, code);
        write(d, "blkio.throttle.write_bps_device", dev + " " + bps, code);
        write(d, "blkio.throttle.read_iops_device", dev + " " + iops, code);
        write(d, "blkio.throttle.write_iops_device", dev + " " + iops, code);
    }

    std::vector<std::string> controllers_;  // those with limits
    std::vector<std::string> hierarchies_;  // controllers_ and the kPlainHierarchies present here
};

}  // namespace

std::unique_ptr<CgroupDriver> make_v1_driver(const CgroupLayout& l) { return std::make_unique<V1Driver>(l); }

}  // namespace vz
