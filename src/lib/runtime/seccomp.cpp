#include "runtime/seccomp.hpp"

// Before the kernel's headers, which then leave struct in_addr and the like to it.
#include <netinet/in.h>
#include <linux/netfilter_arp/arp_tables.h>
#include <linux/netfilter_bridge/ebtables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <cstdint>
#include <utility>

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

// A comparison of argument `arg` (an int in the kernel: its low 32 bits only) with `value`.
// (Spelt out: SCMP_A0 and the like are C compound literals, which clang refuses in C++.)
scmp_arg_cmp arg_is(unsigned arg, uint32_t value) {
    scmp_arg_cmp cmp{};
    cmp.arg = arg;
    cmp.op = SCMP_CMP_MASKED_EQ;
    cmp.datum_a = 0xffffffffU;
    cmp.datum_b = value;
    return cmp;
}

bool add_denied(scmp_filter_ctx ctx, const Denied& d) {
    int nr = seccomp_syscall_resolve_name(d.syscall);
    if (nr == __NR_SCMP_ERROR) return true;  // not a call of this architecture (iopl off x86)
    if (!d.cmd) return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(d.error), nr, 0) == 0;
    // The request is an unsigned int in the kernel.
    auto cmp = arg_is(1, *d.cmd);
    return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(d.error), nr, 1, &cmp) == 0;
}

// NETFILTER=disabled (vzctl(8) Netfilter): the container's own tables stay as its network namespace began, empty.
// Refused with EPERM: the netfilter netlink family (nftables, iptables-nft, conntrack, ulogd, ipset), and the
// table replacement of the legacy iptables, ip6tables, arptables and ebtables (setsockopt on a raw socket; their
// reads, getsockopt, stay allowed). 32-bit programs that reach socket(2) through socketcall(2) carry their
// arguments in memory, out of a filter's sight: they are not stopped.
bool add_netfilter_denial(scmp_filter_ctx ctx) {
    const int socket_nr = SCMP_SYS(socket), setsockopt_nr = SCMP_SYS(setsockopt);
    const scmp_arg_cmp nl[] = {arg_is(0, AF_NETLINK), arg_is(2, NETLINK_NETFILTER)};
    if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), socket_nr, 2, nl) != 0) return false;
    const std::pair<int, int> replace[] = {
        {SOL_IP, IPT_SO_SET_REPLACE},
        {SOL_IPV6, IP6T_SO_SET_REPLACE},
        {SOL_IP, ARPT_SO_SET_REPLACE},
        {SOL_IP, EBT_SO_SET_ENTRIES},
    };
    for (auto [level, name] : replace) {
        const scmp_arg_cmp c[] = {arg_is(1, static_cast<uint32_t>(level)), arg_is(2, static_cast<uint32_t>(name))};
        if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), setsockopt_nr, 2, c) != 0) return false;
    }
    return true;
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

namespace {

// Loads a filter with the deny list (`deny`; with `netfilter` false also the netfilter rules) and/or the notification
// rules (`notify`); the listener when there are notification rules, an invalid Fd otherwise; nullopt when the kernel
// or libseccomp refused.
std::optional<Fd> load_filter(bool deny, bool notify, bool netfilter) {
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
    if (deny) {
        for (auto& d : kDenied)
            if (!add_denied(c.ctx, d)) return std::nullopt;
        if (!netfilter && !add_netfilter_denial(c.ctx)) return std::nullopt;
    }
    if (notify)
        for (int nr : {SCMP_SYS(sysinfo), SCMP_SYS(sched_getaffinity), SCMP_SYS(mount), SCMP_SYS(umount2),
                       SCMP_SYS(quotactl), SCMP_SYS(quotactl_fd)})
            if (seccomp_rule_add(c.ctx, SCMP_ACT_NOTIFY, nr, 0) != 0) return std::nullopt;
    if (seccomp_load(c.ctx) != 0) return std::nullopt;
    return Fd(notify ? seccomp_notify_fd(c.ctx) : -1);
}

}  // namespace

std::optional<Fd> install_ct_filter(bool notify, bool netfilter) {
    return load_filter(true, notify && !sysinfo_unsupported(), netfilter);
}

bool continue_notification(int listener) {
    seccomp_notif* req = nullptr;
    seccomp_notif_resp* resp = nullptr;
    if (seccomp_notify_alloc(&req, &resp) != 0) return false;
    memset(req, 0, sizeof *req);
    bool alive = seccomp_notify_receive(listener, req) == 0 || errno == EINTR || errno == ENOENT;
    if (req->id) {
        memset(resp, 0, sizeof *resp);
        resp->id = req->id;
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        seccomp_notify_respond(listener, resp);  // fails only when the caller is gone
    }
    seccomp_notify_free(req, resp);
    return alive;
}

std::optional<Fd> install_notify_filter() {
    if (sysinfo_unsupported()) return std::nullopt;
    return load_filter(false, true, true);
}

}  // namespace vz
