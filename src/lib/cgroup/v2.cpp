// cgroup v2: one directory, <root>/<CGROUP_BASE>/<CTID>; device access through a BPF_CGROUP_DEVICE program.
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "cgroup/apply.hpp"
#include "cgroup/driver.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

using namespace cgroup_io;

constexpr const char* kControllers = "+cpu +cpuset +memory +pids +io";

long sys_bpf(int cmd, bpf_attr& attr) { return ::syscall(__NR_bpf, cmd, &attr, sizeof attr); }

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// The device program: allow when one rule matches (type, access subset, major, minor), else deny.
std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules) {
    std::vector<bpf_insn> p;
    // r2 = type, r3 = access, r4 = major, r5 = minor (struct bpf_cgroup_dev_ctx)
    p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0));
    p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff));
    p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, 3, 1, 0, 0));
    p.push_back(insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16));
    p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0));
    p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0));
    for (auto& r : rules) {
        if (r.access.empty()) continue;
        std::vector<bpf_insn> checks;
        if (r.type != 'a')
            checks.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0,
                                  r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
        int32_t mask = BPF_DEVCG_ACC_MKNOD;
        if (r.access.find('r') != std::string::npos) mask |= BPF_DEVCG_ACC_READ;
        if (r.access.find('w') != std::string::npos) mask |= BPF_DEVCG_ACC_WRITE;
        checks.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 3, 0, 0));
        checks.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, ~mask));
        checks.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 0, 0));
        if (r.major >= 0) checks.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, static_cast<int32_t>(r.major)));
        if (r.minor >= 0) checks.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, static_cast<int32_t>(r.minor)));
        // Each failed check jumps past this rule's "allow" (2 instructions).
        for (size_t i = 0; i < checks.size(); ++i) {
            // BPF_AND shares its op bits with BPF_JNE: only jumps get an offset.
            if (BPF_CLASS(checks[i].code) == BPF_JMP && BPF_OP(checks[i].code) == BPF_JNE) checks[i].off = static_cast<int16_t>(checks.size() - i - 1 + 2);
            p.push_back(checks[i]);
        }
        p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1));
        p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    return p;
}

}  // namespace

Fd load_device_program(const std::vector<DeviceRule>& rules) {
    auto prog = device_program(rules);
    static const char license[] = "GPL";
    bpf_attr load{};
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = reinterpret_cast<uint64_t>(prog.data());
    load.insn_cnt = static_cast<uint32_t>(prog.size());
    load.license = reinterpret_cast<uint64_t>(license);
    Fd fd(static_cast<int>(sys_bpf(BPF_PROG_LOAD, load)));
    if (!fd) fail(Exit::SetDevices, "can't load the device program: {}", errno_text(errno));
    return fd;
}

namespace {

std::string quota_text(std::optional<uint64_t> quota_us, uint64_t period) {
    return quota_us ? fmt::format("{} {}", *quota_us, period) : fmt::format("max {}", period);
}

FileWrites throttle(const std::string& dev, uint64_t bps, uint64_t iops) {
    auto v = [](uint64_t x) { return x ? std::to_string(x) : std::string("max"); };
    return {{"io.max", fmt::format("{} rbps={} wbps={} riops={} wiops={}", dev, v(bps), v(bps), v(iops), v(iops))}};
}

void allow_devices(const std::string& d, const std::vector<DeviceRule>& rules) {
    Fd prog_fd = load_device_program(rules);
    Fd cg(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cg) fail(Exit::SetDevices, "can't open {}: {}", d, errno_text(errno));

    // Programs attached before (an older rule set) are replaced: attach the new one, then detach them.
    uint32_t ids[64];
    bpf_attr q{};
    q.query.target_fd = static_cast<uint32_t>(cg.get());
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uint64_t>(ids);
    q.query.prog_cnt = 64;
    uint32_t old_count = sys_bpf(BPF_PROG_QUERY, q) == 0 ? q.query.prog_cnt : 0;

    bpf_attr at{};
    at.target_fd = static_cast<uint32_t>(cg.get());
    at.attach_bpf_fd = static_cast<uint32_t>(prog_fd.get());
    at.attach_type = BPF_CGROUP_DEVICE;
    at.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, at) != 0)
        fail(Exit::SetDevices, "can't attach the device program to {}: {}", d, errno_text(errno));
    for (uint32_t i = 0; i < old_count; ++i) {
        bpf_attr g{};
        g.prog_id = ids[i];
        Fd old(static_cast<int>(sys_bpf(BPF_PROG_GET_FD_BY_ID, g)));
        if (!old) continue;
        bpf_attr det{};
        det.target_fd = static_cast<uint32_t>(cg.get());
        det.attach_bpf_fd = static_cast<uint32_t>(old.get());
        det.attach_type = BPF_CGROUP_DEVICE;
        sys_bpf(BPF_PROG_DETACH, det);
    }
}

class V2Driver final : public CgroupDriver {
public:
    explicit V2Driver(CgroupLayout l) : CgroupDriver(std::move(l)) {}

    std::string base() const { return layout_.root + "/" + layout_.base; }
    std::string dir(unsigned ctid) const override { return layout_.ct_probe_dir(ctid); }

    void create(unsigned ctid) override {
        make_dirs(base());
        // Controllers have to be delegated down to the container's level.
        if (!try_write(layout_.root, "cgroup.subtree_control", kControllers) ||
            !try_write(base(), "cgroup.subtree_control", kControllers)) {
            for (auto* c : {"+cpu", "+memory", "+pids", "+cpuset", "+io"}) {
                try_write(layout_.root, "cgroup.subtree_control", c);
                try_write(base(), "cgroup.subtree_control", c);
            }
        }
        auto d = dir(ctid);
        if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST)
            fail(Exit::EnvCreate, "can't create cgroup {}: {}", d, errno_text(errno));
        // The processes live one level down (the container's cgroup namespace root); the limits stay here.
        try_write(d, "cgroup.subtree_control", kControllers);
        auto inner = d + "/" + kInner;
        if (::mkdir(inner.c_str(), 0755) != 0 && errno != EEXIST)
            fail(Exit::EnvCreate, "can't create cgroup {}: {}", inner, errno_text(errno));
    }

    void delegate(unsigned ctid, uid_t uid, gid_t gid) override {
        chown_cgroup(dir(ctid) + "/" + kInner, uid, gid, {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control"});
    }

    void remove(unsigned ctid) override { remove_cgroup_tree(dir(ctid)); }

    bool exists(unsigned ctid) const override { return is_dir(dir(ctid)); }

    void enter(unsigned ctid, pid_t pid) override {
        write(dir(ctid) + "/" + kInner, "cgroup.procs", std::to_string(pid), static_cast<int>(Exit::EnvCreate));
    }

    std::vector<pid_t> procs(unsigned ctid) const override { return read_tree_pids(dir(ctid)); }

    pid_t clone_into(unsigned ctid, unsigned long ns_flags, const std::function<void(const Error&)>&,
                     const std::function<void()>& before_join) override {
        // Born in the cgroup: no migration, no wait for the cgroup's RCU grace period.
        pid_t pid = clone3_into(dir(ctid) + "/" + kInner, ns_flags);
        if (pid == 0 && before_join) before_join();
        return pid;
    }

    pid_t clone_beside(pid_t target, const std::function<void(const Error&)>&) override {
        // "0::/path" from the host's root: where the container's systemd keeps its init (init.scope), a leaf.
        auto text = read_file("/proc/" + std::to_string(target) + "/cgroup").value_or("");
        auto pos = text.find("0::");
        if (pos == std::string::npos) fail(Exit::NotRunning, "can't read the cgroup of process {}", target);
        auto path = text.substr(pos + 3, text.find('\n', pos) - pos - 3);
        return clone3_into(layout_.root + path, 0);
    }

    static pid_t clone3_into(const std::string& cgroup, unsigned long ns_flags) {
        Fd cg(::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!cg) fail(Exit::EnvCreate, "can't open {}: {}", cgroup, errno_text(errno));
        clone_args args{};
        args.flags = ns_flags | CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = static_cast<__u64>(cg.get());
        long pid = ::syscall(SYS_clone3, &args, sizeof args);
        if (pid < 0) fail(Exit::EnvCreate, "can't create a process in {}: {}", cgroup, errno_text(errno));
        return static_cast<pid_t>(pid);
    }

    void kill_all(unsigned ctid) override {
        auto d = dir(ctid);
        bool killed = try_write(d, "cgroup.kill", "1");
        for (int round = 0; round < 200; ++round) {
            auto pids = procs(ctid);
            if (pids.empty()) break;
            if (!killed)
                for (pid_t p : pids) ::kill(p, SIGKILL);
            await_exit(pids, std::chrono::milliseconds(round < 10 ? 2 : 20));
        }
    }

    std::vector<std::string> apply(unsigned ctid, const Resources& r, unsigned groups,
                                   const std::string& private_dir) override {
        return apply_limits(v2_limit_files(), layout_, ctid, r, groups, private_dir);
    }
};

}  // namespace

const LimitFiles& v2_limit_files() {
    static const LimitFiles files{
        .nested_levels = false,
        .cpu_period = nullptr,
        .cpu_quota = "cpu.max",
        .quota_text = quota_text,
        .cpu_weight = "cpu.weight",
        .weight = cpuunits_to_weight,
        .cpuset_from_parent = false,
        .unlimited = "max",
        .ram = "memory.max",
        .swap = "memory.swap.max",
        .swap_counts_ram = false,
        .no_swap = "this kernel has no memory.swap.max",
        .kmem = nullptr,
        .kmem_scope = "cgroup v2",
        .io_weight = {"io.bfq.weight", "io.weight"},
        .no_io_weight = "no proportional I/O weight on this host",
        .throttle = throttle,
        .allow_devices = allow_devices,
    };
    return files;
}

std::unique_ptr<CgroupDriver> make_v1_driver(const CgroupLayout& l);

std::unique_ptr<CgroupDriver> CgroupDriver::make(const CgroupLayout& l) {
    if (l.mode == CgroupMode::V2) return std::make_unique<V2Driver>(l);
    return make_v1_driver(l);
}

}  // namespace vz
