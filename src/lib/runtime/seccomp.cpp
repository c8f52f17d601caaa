#include "runtime/seccomp.hpp"

#include <seccomp.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstdint>

#include "runtime/sysinfo.hpp"

namespace vz {
namespace {

// One denied call. `cmd`: only when the call's second argument (an ioctl's request) is this value.
struct Denied {
    const char* syscall;
    unsigned error;
    std::optional<uint32_t> cmd;
    const char* why;
    const char* source;  // Docker's default profile, LXC's default list, or vzctl's own (vzctl(8) SECURITY)
};

constexpr const char* kDocker = "Docker";
constexpr const char* kBoth = "Docker, LXC";  // LXC: its common.seccomp
// CVE-2016-7545 and its kind; Linux 6.2 made TIOCSTI optional (dev.tty.legacy_tiocsti) for the same reason.
constexpr const char* kTerminal = "vzctl";

// The deny list. Not in it, though Docker denies them to containers without CAP_SYS_ADMIN: mount, umount2,
// unshare, setns, clone with namespace flags, pivot_root, name_to_handle_at (harmless without open_by_handle_at;
// systemd uses it): an OpenVZ container's root mounts, makes namespaces and runs nested containers. reboot(2) is
// not in it either: in a pid namespace the kernel turns it into the end of the container's init (a restart),
// and refuses its other commands itself.
const Denied kDenied[] = {
    {"open_by_handle_at", EPERM, {}, "opens any inode of a host file system by handle (\"shocker\")", kBoth},
    {"kexec_load", EPERM, {}, "loads a new host kernel", kBoth},
    {"kexec_file_load", EPERM, {}, "loads a new host kernel", kDocker},
    {"init_module", EPERM, {}, "loads code into the host kernel", kBoth},
    {"finit_module", EPERM, {}, "loads code into the host kernel", kBoth},
    {"delete_module", EPERM, {}, "unloads host kernel modules", kBoth},
    {"swapon", EPERM, {}, "changes the host's swap", kDocker},
    {"swapoff", EPERM, {}, "changes the host's swap", kDocker},
    {"acct", EPERM, {}, "switches the host's process accounting", kDocker},
    {"syslog", EPERM, {}, "reads and clears the host's kernel log", kDocker},
    {"settimeofday", EPERM, {}, "sets the host's clock", kDocker},
    {"clock_settime", EPERM, {}, "sets the host's clock", kDocker},
    {"clock_adjtime", EPERM, {}, "adjusts the host's clock", kDocker},
    {"adjtimex", EPERM, {}, "adjusts the host's clock", kDocker},
    {"iopl", EPERM, {}, "raw access to the host's I/O ports", kDocker},
    {"ioperm", EPERM, {}, "raw access to the host's I/O ports", kDocker},
    {"lookup_dcookie", EPERM, {}, "host-wide profiling", kDocker},
    {"perf_event_open", EPERM, {}, "observes the host's kernel and other containers", kDocker},
    {"bpf", EPERM, {}, "programs in the host kernel (OpenVZ's kernel had no bpf(2))", kDocker},
    {"userfaultfd", EPERM, {}, "stalls the kernel at will, the usual tool to win kernel races", kDocker},
    {"add_key", EPERM, {}, "the kernel keyring is not per container", kDocker},
    {"request_key", EPERM, {}, "the kernel keyring is not per container", kDocker},
    {"keyctl", EPERM, {}, "the kernel keyring is not per container", kDocker},
    // The new mount API names the file system type in a string too, out of the monitor's sight; ENOSYS makes
    // util-linux and systemd fall back to mount(2), which the monitor checks.
    {"fsopen", ENOSYS, {}, "a fresh procfs or sysfs past the monitor's check", "vzctl"},
    {"fspick", ENOSYS, {}, "reconfigures a mounted procfs or sysfs", "vzctl"},
    {"ioctl", EPERM, TIOCSTI, "types into the terminal vzctl exec or enter was started from", kTerminal},
    {"ioctl", EPERM, TIOCLINUX, "pastes into the terminal vzctl exec or enter was started from", kTerminal},
};

bool add_denied(scmp_filter_ctx ctx, const Denied& d) {
    int nr = seccomp_syscall_resolve_name(d.syscall);
    if (nr == __NR_SCMP_ERROR) return true;  // not a call of this architecture (iopl off x86)
    if (!d.cmd) return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(d.error), nr, 0) == 0;
    // The request is an unsigned int in the kernel: compare the low 32 bits only.
    // (Spelt out: SCMP_A1 is a C compound literal, which clang refuses in C++.)
    scmp_arg_cmp cmp{};
    cmp.arg = 1;
    cmp.op = SCMP_CMP_MASKED_EQ;
    cmp.datum_a = 0xffffffffU;
    cmp.datum_b = *d.cmd;
    return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(d.error), nr, 1, &cmp) == 0;
}

// Releases a libseccomp context.
struct Ctx {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    ~Ctx() { if (ctx) seccomp_release(ctx); }
};

}  // namespace

std::vector<const char*> denied_syscalls() {
    std::vector<const char*> out;
    for (auto& d : kDenied) out.push_back(d.syscall);
    return out;
}

std::optional<Fd> install_ct_filter(bool notify) {
    Ctx c;
    if (!c.ctx) return std::nullopt;
    // Other ABIs (32-bit programs) keep the kernel's answer rather than being killed; setuid keeps working.
    if (seccomp_attr_set(c.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW) != 0 ||
        seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_NNP, 0) != 0)
        return std::nullopt;
    // 32-bit programs get the same deny list.
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        for (uint32_t arch : {uint32_t{SCMP_ARCH_X86}, uint32_t{SCMP_ARCH_X32}})
            if (int r = seccomp_arch_add(c.ctx, arch); r != 0 && r != -EEXIST) return std::nullopt;
    }
    for (auto& d : kDenied)
        if (!add_denied(c.ctx, d)) return std::nullopt;
    notify = notify && !sysinfo_unsupported();
    if (notify)
        for (int nr : {SCMP_SYS(sysinfo), SCMP_SYS(sched_getaffinity), SCMP_SYS(mount), SCMP_SYS(umount2)})
            if (seccomp_rule_add(c.ctx, SCMP_ACT_NOTIFY, nr, 0) != 0) return std::nullopt;
    if (seccomp_load(c.ctx) != 0) return std::nullopt;
    return Fd(notify ? seccomp_notify_fd(c.ctx) : -1);
}

}  // namespace vz
