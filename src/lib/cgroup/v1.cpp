// cgroup v1: one directory per controller, <root>/<controller>/<CGROUP_BASE>/<CTID>.
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <thread>

#include "cgroup/apply.hpp"
#include "cgroup/driver.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

using namespace cgroup_io;

constexpr int kSetCpu = static_cast<int>(Exit::SetCpu);

// A new process, born in the cgroup2 directory `unified` (the hybrid host's "unified" hierarchy) when that is an
// open directory: that hierarchy has no "tasks" file, and moving a process there through cgroup.procs waits for an
// RCU grace period (7-28 ms, measured: most of a start and of an exec), while clone3(CLONE_INTO_CGROUP) places it
// at once. Sets `placed` when it did; without clone3 (ENOSYS) it falls back to clone(2).
long clone_in(unsigned long flags, const Fd& unified, bool& placed) {
    placed = false;
    if (unified) {
        clone_args args{};
        args.flags = flags | CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = static_cast<__u64>(unified.get());
        long pid = ::syscall(SYS_clone3, &args, sizeof args);
        if (pid >= 0 || errno != ENOSYS) {
            placed = pid >= 0;
            return pid;
        }
    }
    return ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
}

Fd open_cgroup_dir(const std::string& dir) { return Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

std::string quota_text(std::optional<uint64_t> quota_us, uint64_t) {
    return quota_us ? std::to_string(*quota_us) : "-1";
}

FileWrites throttle(const std::string& dev, uint64_t bps, uint64_t iops) {
    auto b = dev + " " + std::to_string(bps), i = dev + " " + std::to_string(iops);  // 0: no limit
    return {{"blkio.throttle.read_bps_device", b}, {"blkio.throttle.write_bps_device", b},
            {"blkio.throttle.read_iops_device", i}, {"blkio.throttle.write_iops_device", i}};
}

void allow_devices(const std::string& d, const std::vector<DeviceRule>& rules) {
    int code = static_cast<int>(Exit::SetDevices);
    std::vector<std::string> wanted;
    for (auto& rule : rules)
        wanted.push_back(fmt::format("{} {}:{} {}m", rule.type, rule.major < 0 ? "*" : std::to_string(rule.major),
                                     rule.minor < 0 ? "*" : std::to_string(rule.minor),
                                     rule.access == "rwm" ? "rw" : rule.access));
    if (!is_dir(d + "/" + CgroupDriver::kInner)) {
        write(d, "devices.deny", "a", code);
    } else {
        // With the inner cgroup below it v1 refuses "deny a": take back what is allowed and not wanted.
        for (auto& line : split(read(d, "devices.list"), "\n"))
            if (std::find(wanted.begin(), wanted.end(), line) == wanted.end()) write(d, "devices.deny", line, code);
    }
    for (auto& w : wanted) write(d, "devices.allow", w, code);
    // The container's processes are in the inner level, which got its own copy of the list when it was made: v1
    // passes a deny on to the children of a cgroup, but not an allow. Without this a device given to a running
    // container (set --devices/--devnodes) stayed refused to it until the next start.
    auto inner = d + "/" + CgroupDriver::kInner;
    if (is_dir(inner))
        for (auto& w : wanted) write(inner, "devices.allow", w, code);
}

class V1Driver final : public CgroupDriver {
public:
    explicit V1Driver(CgroupLayout l) : CgroupDriver(std::move(l)) {
        for (auto* c : kV1Controllers)
            if (path_exists(layout_.root + "/" + c + "/cgroup.procs")) controllers_.emplace_back(c);
        hierarchies_ = controllers_;
        for (auto* h : kV1PlainHierarchies)
            if (path_exists(layout_.root + "/" + h + "/cgroup.procs")) hierarchies_.emplace_back(h);
    }

    // Where the layout says a container's processes are probed (its pids cgroup).
    std::string dir(unsigned ctid) const override { return layout_.ct_probe_dir(ctid); }

    void create(unsigned ctid) override {
        for (auto& c : hierarchies_) {
            auto base = layout_.root + "/" + c + "/" + layout_.base;
            bool new_base = !is_dir(base);
            make_dirs(base);
            auto d = layout_.ct_dir(c, ctid);
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
            auto outer = layout_.ct_dir(c, ctid);
            auto d = outer + "/" + kInner;
            if (::mkdir(d.c_str(), 0755) != 0) {
                if (errno == EEXIST) continue;
                fail(Exit::EnvCreate, "can't create cgroup {}: {}", d, errno_text(errno));
            }
            if (c == "cpuset") {
                write(d, "cpuset.cpus", read(outer, "cpuset.cpus"), kSetCpu);
                write(d, "cpuset.mems", read(outer, "cpuset.mems"), kSetCpu);
            }
            if (c == "cpu") write(d, "cpu.cfs_quota_us", read(outer, "cpu.cfs_quota_us"), kSetCpu);
        }
    }

    void delegate(unsigned ctid, uid_t uid, gid_t gid) override {
        make_inner(ctid);
        for (auto& c : hierarchies_)
            chown_cgroup(layout_.ct_dir(c, ctid) + "/" + kInner, uid, gid,
                         {"cgroup.procs", "tasks", "cgroup.clone_children"});
    }

    void remove(unsigned ctid) override {
        for (auto& c : hierarchies_) remove_cgroup_tree(layout_.ct_dir(c, ctid));
    }

    bool exists(unsigned ctid) const override { return is_dir(dir(ctid)); }

    void enter(unsigned ctid, pid_t pid) override {
        make_inner(ctid);
        join(ctid, pid, false);
    }

    std::vector<pid_t> procs(unsigned ctid) const override { return read_tree_pids(dir(ctid)); }

    pid_t clone_into(unsigned ctid, unsigned long ns_flags,
                     const std::function<void(const Error&)>& on_child_error,
                     const std::function<void()>& before_join) override {
        make_inner(ctid);
        Fd unified = has_unified() ? open_cgroup_dir(layout_.ct_dir("unified", ctid) + "/" + kInner) : Fd();
        bool placed = false;
        long pid = clone_in(ns_flags, unified, placed);
        if (pid < 0) fail(Exit::EnvCreate, "can't create a process for CT {}: {}", ctid, errno_text(errno));
        if (pid == 0) {
            if (before_join) before_join();
            try {
                join(ctid, 0, placed);
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
        // "0::/path": the unified hierarchy's, where the child is born (clone_in).
        Fd unified;
        for (auto& line : lines)
            if (line.starts_with("0::") && has_unified())
                unified = open_cgroup_dir(layout_.root + "/unified" + line.substr(3));
        bool placed = false;
        long pid = clone_in(0, unified, placed);
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
                if (mount == "unified" && placed) continue;
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
        // Nothing to kill, nothing to freeze: a freeze and a thaw each patch the kernel's text (a static key).
        if (procs(ctid).empty()) return;
        auto fz = layout_.ct_dir("freezer", ctid);
        cgroup_io::thaw_below(fz);
        bool frozen = is_dir(fz) && try_write(fz, "freezer.state", "FROZEN");
        for (int round = 0; round < 100; ++round) {
            auto pids = procs(ctid);
            if (pids.empty()) break;
            for (pid_t p : pids) ::kill(p, SIGKILL);
            if (frozen) try_write(fz, "freezer.state", "THAWED"), frozen = false;
            await_exit(pids, std::chrono::milliseconds(round < 10 ? 2 : 20));
        }
        if (frozen) try_write(fz, "freezer.state", "THAWED");
    }

    std::vector<std::string> apply(unsigned ctid, const Resources& r, unsigned groups,
                                   const std::string& private_dir) override {
        return apply_limits(v1_limit_files(), layout_, ctid, r, groups, private_dir);
    }

private:
    bool has_unified() const {
        return std::find(hierarchies_.begin(), hierarchies_.end(), "unified") != hierarchies_.end();
    }

    // Moves process `pid` (0: the caller) into the inner cgroup of every hierarchy; `skip_unified` when it was born
    // there. The caller is moved through "tasks": one thread, which for our single-threaded children is the whole
    // process, without the RCU grace period (7-28 ms) a cgroup.procs write waits for; cgroup2 has no "tasks".
    void join(unsigned ctid, pid_t pid, bool skip_unified) {
        const char* file = pid == 0 ? "tasks" : "cgroup.procs";
        for (auto& c : hierarchies_) {
            if (c == "unified" && skip_unified) continue;
            write(layout_.ct_dir(c, ctid) + "/" + kInner, c == "unified" ? "cgroup.procs" : file, std::to_string(pid),
                  static_cast<int>(Exit::EnvCreate));
        }
    }

    std::vector<std::string> controllers_;  // those with limits
    std::vector<std::string> hierarchies_;  // controllers_ and the kV1PlainHierarchies present here
};

}  // namespace

const LimitFiles& v1_limit_files() {
    static const LimitFiles files{
        .nested_levels = true,
        .cpu_period = "cpu.cfs_period_us",
        .cpu_quota = "cpu.cfs_quota_us",
        .quota_text = quota_text,
        .cpu_weight = "cpu.shares",
        .weight = cpuunits_to_shares,
        .cpuset_from_parent = true,
        .unlimited = "-1",
        .ram = "memory.limit_in_bytes",
        .swap = "memory.memsw.limit_in_bytes",
        .swap_counts_ram = true,
        .no_swap = "swap accounting is off in this kernel (boot with swapaccount=1)",
        .kmem = "memory.kmem.limit_in_bytes",
        .kmem_scope = "this kernel",
        .io_weight = {"blkio.bfq.weight", "blkio.weight"},
        .no_io_weight = "no proportional I/O scheduler (BFQ) on this host",
        .throttle = throttle,
        .allow_devices = allow_devices,
    };
    return files;
}

std::unique_ptr<CgroupDriver> make_v1_driver(const CgroupLayout& l) { return std::make_unique<V1Driver>(l); }

}  // namespace vz
