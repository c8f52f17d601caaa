// The per-container monitor, as small as a process can be: it is the parent of the container's init and waits
// for it. A reboot inside the container (init killed by SIGHUP, which the kernel sends for reboot(2) in a pid
// namespace) hands over to `vzctl __monitor restart`, anything else to `vzctl __monitor cleanup`. Those run in
// this same process (exec), so a restarted init has the same parent again. A `vzctl stop` that ended the container
// cleans up itself; when it has said so on its connection (kStopRequest), the monitor just exits.
//
// While it waits, it answers four system calls for the container's processes (src/lib/runtime/sysinfo.hpp): their
// seccomp filters hand the calls to it. sysinfo(2) gets the container's RAM and swap limits and use, process count
// (from its cgroup) and uptime (from its init's start); sched_getaffinity(2) of a process about itself gets at
// most as many CPUs as the container's CPU quota allows (--cpus), so nproc agrees with LXCFS's /proc/cpuinfo;
// mount(2) and umount2(2) that would expose host-global knobs are refused, and a procfs, sysfs or devpts mounted
// again where vzctl mounted one is answered "done" without mounting (src/lib/runtime/seccomp.hpp); quotactl(2) and
// quotactl_fd(2) on the caller's own root file system are made here, on the container's behalf (second-level quota,
// QUOTAUGIDLIMIT).
// Processes that join later send their filter's listener over an abstract unix socket.
//
// It also keeps the container's load average, as the kernel does for the host: every 5 seconds it counts the
// container's tasks that run or wait uninterruptibly and folds the count into 1, 5 and 15 minute averages. They
// are sysinfo(2)'s loads and the answer to an 'L' message on the socket (vzlist's laverage).
//
// It holds the masters of the container's terminals (src/lib/runtime/pty.hpp ConsolePty), reads and drops what the
// container writes there while nobody is attached (so a boot script's output never blocks), and hands the master
// to `vzctl console` on request; one user a terminal at a time, until that connection closes.
//
// Its arguments, socket and messages: src/lib/runtime/monitor_protocol.hpp.
#include <dirent.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/quota.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "runtime/monitor_protocol.hpp"
#include "ubc/memview.hpp"
#include "util/fdpass.hpp"
#include "util/openat2.hpp"

namespace {

// Reads the file `path` into `buf` (at most `size` - 1 bytes) and ends it with a NUL; false when it can't be read or
// is empty.
bool read_text(const char* path, char* buf, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    size_t len = 0;
    for (ssize_t n; len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0;) len += static_cast<size_t>(n);
    close(fd);
    buf[len] = 0;
    return len > 0;
}

// A cgroup file's number ("max" = vz::kMemUnlimited); false when the file can't be read.
bool read_number(const char* dir, const char* file, uint64_t& out) {
    char path[512];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= static_cast<int>(sizeof path)) return false;
    char buf[32];
    return read_text(path, buf, sizeof buf) && vz::mem_number(buf, out);
}

// The value of "key N" in memory.stat; 0 when absent.
uint64_t memory_stat(const char* dir, const char* key) {
    char path[512];
    static char buf[8192];
    if (snprintf(path, sizeof path, "%s/memory.stat", dir) >= static_cast<int>(sizeof path) ||
        !read_text(path, buf, sizeof buf))
        return 0;
    size_t klen = strlen(key);
    for (char* line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : nullptr)
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') return strtoull(line + klen + 1, nullptr, 10);
    return 0;
}

// Whether task `tid` runs or waits uninterruptibly (state R or D in /proc/TID/stat).
bool task_active(const char* tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", tid);
    if (!read_text(path, buf, sizeof buf)) return false;
    const char* p = strrchr(buf, ')');
    return p && p[1] == ' ' && (p[2] == 'R' || p[2] == 'D');
}

// The active tasks of cgroup `dir` and the cgroups below it (`tasks` on v1, `cgroup.threads` on v2).
unsigned active_tasks(const char* dir, bool v2, int depth = 0) {
    char path[1024];
    if (depth > 16 || snprintf(path, sizeof path, "%s/%s", dir, v2 ? "cgroup.threads" : "tasks") >=
                          static_cast<int>(sizeof path))
        return 0;
    unsigned count = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096], tid[16];
        size_t len = 0;
        for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
            for (ssize_t i = 0; i < n; ++i) {
                if (buf[i] != '\n') {
                    if (len + 1 < sizeof tid) tid[len++] = buf[i];
                    continue;
                }
                tid[len] = 0;
                if (len && task_active(tid)) ++count;
                len = 0;
            }
        close(fd);
    }
    if (DIR* d = opendir(dir)) {
        while (dirent* e = readdir(d)) {
            if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < static_cast<int>(sizeof path))
                count += active_tasks(path, v2, depth + 1);
        }
        closedir(d);
    }
    return count;
}

// 1, 5 and 15 minute averages of the active tasks, sampled every 5 seconds: load = load*e + active*(1-e) with
// e = exp(-5 s / period), the kernel's own decay.
struct LoadAverage {
    static constexpr int kSampleMs = 5000;
    double value[3] = {0, 0, 0};
    void sample(unsigned active) {
        static constexpr double decay[3] = {0.920044414629323, 0.983471453821617, 0.994459848001024};
        for (int i = 0; i < 3; ++i) value[i] = value[i] * decay[i] + active * (1 - decay[i]);
    }
};
LoadAverage load;

struct Ct {
    bool v2 = false;
    const char* mem = nullptr;   // the cgroup that holds the memory limits
    const char* pids = nullptr;  // the cgroup whose pids.current counts the container's tasks
    const char* cpu = nullptr;   // the cgroup with the CPU quota
    long start = 0;              // init's start, seconds after boot
    ino_t userns = 0;            // init's user namespace (its /proc/PID/ns/user inode)
};

// The container's view of sysinfo(2); false when its cgroup can't be read (the caller then gets the host's).
bool container_sysinfo(const Ct& ct, struct sysinfo& si) {
    if (sysinfo(&si) != 0) return false;
    uint64_t unit = si.mem_unit ? si.mem_unit : 1;
    vz::MemCgroup cg;
    cg.v2 = ct.v2;
    auto files = vz::mem_files(ct.v2);
    if (!read_number(ct.mem, files.limit, cg.limit) || !read_number(ct.mem, files.usage, cg.usage)) return false;
    cg.has_swap = read_number(ct.mem, files.swap_limit, cg.swap_limit) &&
                  read_number(ct.mem, files.swap_usage, cg.swap_usage);
    auto v = vz::mem_view(cg, {si.totalram * unit, si.totalswap * unit, (si.totalswap - si.freeswap) * unit});
    si.mem_unit = 1;
    si.totalram = v.ram;
    si.freeram = v.ram_free();
    // v1: the processes are in the inner cgroup, so the hierarchical total.
    uint64_t shmem = memory_stat(ct.mem, ct.v2 ? "shmem" : "total_shmem");
    si.sharedram = shmem < v.ram ? shmem : v.ram;
    si.bufferram = 0;
    si.totalswap = v.swap;
    si.freeswap = v.swap_free();
    si.totalhigh = si.freehigh = 0;
    uint64_t tasks;
    if (read_number(ct.pids, "pids.current", tasks)) si.procs = static_cast<unsigned short>(tasks < 65535 ? tasks : 65535);
    si.uptime = si.uptime > ct.start ? si.uptime - ct.start : 0;
    for (int i = 0; i < 3; ++i) si.loads[i] = static_cast<unsigned long>(load.value[i] * (1 << SI_LOAD_SHIFT));
    return true;
}

// The number of CPUs the container's CPU quota amounts to, rounded up; 0 when it has no quota.
unsigned quota_cpus(const Ct& ct) {
    uint64_t quota = 0, period = 0;
    if (ct.v2) {
        char path[512], buf[64];
        if (snprintf(path, sizeof path, "%s/cpu.max", ct.cpu) >= static_cast<int>(sizeof path) ||
            !read_text(path, buf, sizeof buf) || buf[0] == 'm')  // "max 100000"
            return 0;
        char* end;
        quota = strtoull(buf, &end, 10);
        period = strtoull(end, nullptr, 10);
    } else if (!read_number(ct.cpu, "cpu.cfs_quota_us", quota) || !read_number(ct.cpu, "cpu.cfs_period_us", period) ||
               quota > (1ULL << 62)) {  // -1: no quota
        return 0;
    }
    if (!quota || !period) return 0;
    return static_cast<unsigned>((quota + period - 1) / period);
}

// sched_getaffinity(0, len, mask): the caller's own mask, cut to the first `quota_cpus` CPUs. False: let the kernel
// answer (another process asked about, an odd length the kernel refuses itself, no quota, or fewer CPUs anyway).
bool container_affinity(const Ct& ct, const seccomp_notif* req, cpu_set_t& set, size_t& len) {
    len = static_cast<size_t>(req->data.args[1]);
    if (req->data.args[0] != 0 || len < sizeof(unsigned long) || len % sizeof(unsigned long)) return false;
    unsigned cpus = quota_cpus(ct);
    if (!cpus || sched_getaffinity(static_cast<pid_t>(req->pid), sizeof set, &set) != 0) return false;
    if (static_cast<unsigned>(CPU_COUNT(&set)) <= cpus) return false;
    for (unsigned c = 0, kept = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set) && ++kept > cpus) CPU_CLR(c, &set);
    // The kernel copies (and returns) the size of its own CPU mask when the caller's buffer is larger.
    size_t kernel = (static_cast<size_t>(get_nprocs_conf()) + 63) / 64 * sizeof(unsigned long);
    len = len < kernel ? len : kernel;
    return len <= sizeof set;
}

// Writes `len` bytes at the caller's `addr`, once the notification is known to be still pending (so req->pid is
// still the caller). Returns the response's error: 0 or -EFAULT.
int write_to_caller(int listener, const seccomp_notif* req, uint64_t addr, void* data, size_t len) {
    if (seccomp_notify_id_valid(listener, req->id) != 0) return 0;  // the caller is gone; nobody reads the answer
    iovec local{data, len}, remote{reinterpret_cast<void*>(addr), len};
    return process_vm_writev(static_cast<pid_t>(req->pid), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len)
               ? 0
               : -EFAULT;
}

// Reads the string at the caller's `addr` into `out` (up to `size` - 1 bytes); false when it can't.
bool read_string(const seccomp_notif* req, uint64_t addr, char* out, size_t size) {
    memset(out, 0, size);
    iovec local{out, size - 1}, remote{reinterpret_cast<void*>(addr), size - 1};
    // The string may end right before an unmapped page: read up to the page's end only.
    size_t to_page_end = 4096 - (addr & 4095);
    if (to_page_end < remote.iov_len) local.iov_len = remote.iov_len = to_page_end;
    return addr && process_vm_readv(static_cast<pid_t>(req->pid), &local, 1, &remote, 1, 0) > 0;
}

// The file system type (statfs f_type) of the caller's `path` (at `addr`), resolved from its root or working
// directory as the kernel would; 0 when it can't be resolved. A relative path with ".." can't be resolved the same
// way from here: kUnresolvable.
constexpr long kUnresolvable = -1;
long fs_type_at(const seccomp_notif* req, uint64_t addr) {
    char path[PATH_MAX], base[64];
    if (!read_string(req, addr, path, sizeof path)) return 0;
    bool absolute = path[0] == '/';
    if (!absolute && strstr(path, "..")) return kUnresolvable;
    snprintf(base, sizeof base, "/proc/%u/%s", req->pid, absolute ? "root" : "cwd");
    int dir = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 0;
    int fd = vz::openat2_retry(dir, absolute ? path + 1 : path, O_PATH, vz::kResolveInRoot);
    close(dir);
    if (fd < 0) return 0;
    struct statfs fs;
    long type = fstatfs(fd, &fs) == 0 ? static_cast<long>(fs.f_type) : 0;
    close(fd);
    return type;
}

// Whether the caller's `path` is on a procfs or sysfs (or can't be told from one).
bool on_proc_or_sys(const seccomp_notif* req, uint64_t addr) {
    long type = fs_type_at(req, addr);
    return type == kUnresolvable || type == PROC_SUPER_MAGIC || type == SYSFS_MAGIC;
}

// The file system types that vzctl mounts in every container and an init may mount again, with their magic.
struct Premounted {
    const char* type;
    long magic;
};
constexpr Premounted kPremounted[] = {
    {"proc", PROC_SUPER_MAGIC}, {"sysfs", SYSFS_MAGIC}, {"devpts", DEVPTS_SUPER_MAGIC}};

enum class MountAnswer { Kernel, Done, Refuse };

// mount(2) and umount2(2) in the container (src/lib/runtime/seccomp.hpp). A fresh procfs, sysfs or devpts on
// the one vzctl mounted there (a busybox rcS or an old init mounts them again, as was harmless on OpenVZ) is
// answered "done" without mounting: the container keeps its own files (meminfo, swaps, the beancounter file, the
// read-only /proc/sys, the devpts limited to NUMPTY). Refused (EPERM): a fresh mount elsewhere of a host-global
// file system type (monitor_protocol.hpp kRefusedFsTypes), and what would uncover the read-only /proc/sys or /sys
// that vzctl mounted: unmounting, moving or remounting read-write anything on a procfs or sysfs, or binding it
// without its submounts. Anything else goes on (the kernel's own answer). The strings are read from the caller's
// memory and resolved here; another thread of the caller can change them before the kernel reads them (vzctl(8)
// SECURITY says so): a privileged container is not a security boundary against its root.
MountAnswer mount_answer(int listener, const seccomp_notif* req, bool umount) {
    const auto* a = req->data.args;
    bool refuse, done = false;
    if (umount) {
        refuse = on_proc_or_sys(req, a[0]);
    } else if (a[3] & MS_MOVE || (a[3] & MS_BIND && !(a[3] & (MS_REC | MS_REMOUNT)))) {
        refuse = on_proc_or_sys(req, a[0]);
    } else if (a[3] & MS_REMOUNT) {
        refuse = !(a[3] & MS_RDONLY) && on_proc_or_sys(req, a[1]);
    } else if (a[3] & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE) || !a[2]) {
        refuse = false;  // a propagation change, or a recursive bind (it keeps the read-only submounts)
    } else {
        char type[32];
        bool known = read_string(req, a[2], type, sizeof type);
        for (const auto& p : kPremounted)
            if (known && strcmp(type, p.type) == 0 && fs_type_at(req, a[1]) == p.magic) done = true;
        refuse = !done && (!known || vz::monitor::refused_fstype(type));
    }
    if (seccomp_notify_id_valid(listener, req->id) != 0) return MountAnswer::Refuse;  // req->pid may be another now
    return refuse ? MountAnswer::Refuse : done ? MountAnswer::Done : MountAnswer::Kernel;
}

// What /proc/PID/status says of a process's credentials, in the host's ids.
struct Creds {
    unsigned euid = ~0U, egid = ~0U;
    unsigned groups[64];
    int ngroups = 0;
    unsigned long long cap_eff = 0;
};

bool read_creds(pid_t pid, Creds& c) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (!read_text(path, buf, sizeof buf)) return false;
    bool uid = false, gid = false, cap = false;
    for (char* line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : nullptr) {
        unsigned real;
        if (sscanf(line, "Uid:\t%u\t%u", &real, &c.euid) == 2) uid = true;
        if (sscanf(line, "Gid:\t%u\t%u", &real, &c.egid) == 2) gid = true;
        if (sscanf(line, "CapEff:\t%llx", &c.cap_eff) == 1) cap = true;
        if (strncmp(line, "Groups:", 7) == 0) {
            char* p = line + 7;
            for (char* end; c.ngroups < 64; p = end) {
                unsigned long g = strtoul(p, &end, 10);
                if (end == p) break;
                c.groups[c.ngroups++] = static_cast<unsigned>(g);
            }
        }
    }
    return uid && gid && cap;
}

// The host id of `id` in the user namespace of `pid` (its uid_map or gid_map); ~0 when unmapped.
unsigned host_id(pid_t pid, bool group, unsigned id) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, group ? "gid_map" : "uid_map");
    if (!read_text(path, buf, sizeof buf)) return ~0U;
    for (char* line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : nullptr) {
        unsigned inside, outside, count;
        if (sscanf(line, "%u %u %u", &inside, &outside, &count) == 3 && id >= inside && id - inside < count)
            return outside + (id - inside);
    }
    return ~0U;
}

// The kernel's rule for quotactl(2) (fs/quota/quota.c, check_quotactl_permission), with the caller's rights in the
// container's user namespace: the format, a sync and the state for anyone, a process's own usage (its euid, its
// egid or one of its groups) for itself, the rest for a root with CAP_SYS_ADMIN. A process in a user namespace of
// its own below the container's has no rights over the container's file system, as the kernel would say.
bool quota_allowed(const Ct& ct, const seccomp_notif* req, unsigned cmd, unsigned type, unsigned id) {
    if (cmd == Q_GETFMT || cmd == Q_SYNC || cmd == Q_GETINFO) return true;
    pid_t pid = static_cast<pid_t>(req->pid);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
    struct stat ns;
    Creds c;
    if (stat(path, &ns) != 0 || ns.st_ino != ct.userns || !read_creds(pid, c)) return false;
    if (c.cap_eff & (1ULL << CAP_SYS_ADMIN)) return true;
    if (cmd != Q_GETQUOTA || (type != USRQUOTA && type != GRPQUOTA)) return false;
    unsigned host = host_id(pid, type == GRPQUOTA, id);
    if (host == ~0U) return false;
    if (type == USRQUOTA) return host == c.euid;
    if (host == c.egid) return true;
    for (int i = 0; i < c.ngroups; ++i)
        if (c.groups[i] == host) return true;
    return false;
}

// Whether the caller's root is a whole file system (the root mount's root in /proc/PID/mountinfo is "/"): a ploop
// container's image, not a directory of a host file system (simfs), whose quotas are the host's.
bool root_is_whole_fs(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
    static char buf[65536];
    if (!read_text(path, buf, sizeof buf)) return false;
    // id parent maj:min root mountpoint ...: the last mount on "/" is the one in use.
    bool whole = false;
    for (char* line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : nullptr) {
        char root[8], point[8];
        if (sscanf(line, "%*u %*u %*u:%*u %7s %7s", root, point) == 2 && strcmp(point, "/") == 0)
            whole = strcmp(root, "/") == 0;
    }
    return whole;
}

// The file system a quotactl(2) (`by_fd` false) or quotactl_fd(2) of the caller is about, as a descriptor of the
// monitor's: the caller's root where quotactl's `special` names the root's device, or a copy of quotactl_fd's
// descriptor where it is on the root's file system; and only where that root is a whole file system. -1: not the
// container's root (the kernel answers).
int quota_target(const seccomp_notif* req, bool by_fd) {
    pid_t pid = static_cast<pid_t>(req->pid);
    char base[64];
    snprintf(base, sizeof base, "/proc/%d/root", pid);
    int root = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return -1;
    struct stat rs, ts;
    int target = -1;
    if (by_fd) {
        int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
        if (pidfd >= 0) {
            target = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, static_cast<int>(req->data.args[0]), 0));
            close(pidfd);
        }
        if (target >= 0 && !(fstat(root, &rs) == 0 && fstat(target, &ts) == 0 && ts.st_dev == rs.st_dev)) {
            close(target);
            target = -1;
        }
        close(root);
    } else {
        char path[PATH_MAX];
        int dev = read_string(req, req->data.args[1], path, sizeof path) && path[0] == '/'
                      ? vz::openat2_retry(root, path + 1, O_PATH, vz::kResolveInRoot)
                      : -1;
        bool ours = dev >= 0 && fstat(root, &rs) == 0 && fstat(dev, &ts) == 0 && S_ISBLK(ts.st_mode) &&
                    ts.st_rdev == rs.st_dev;
        if (dev >= 0) close(dev);
        if (ours) target = root;
        else close(root);
    }
    if (target >= 0 && !root_is_whole_fs(pid)) {
        close(target);
        target = -1;
    }
    return target;
}

// quotactl(2) and quotactl_fd(2) on the container's root file system, where that root is a whole file system
// (second-level quota of a ploop container: vzctl(8) QUOTAUGIDLIMIT): checked as the kernel would (quota_allowed),
// then made here with quotactl_fd(2) (quota_target). The container's root could not make it itself in a user
// namespace (the file system is the host's), and the device node quota tools name is not its to open. The ids are
// the container's as they are: an idmapped root keeps them on disk unshifted. False: the kernel answers (another
// file system, a relative path, a command other than these).
bool quota_answer(const Ct& ct, int listener, const seccomp_notif* req, seccomp_notif_resp* resp, bool by_fd) {
    const auto* a = req->data.args;
    auto qcmd = static_cast<unsigned>(by_fd ? a[1] : a[0]);
    unsigned cmd = qcmd >> SUBCMDSHIFT, type = qcmd & SUBCMDMASK;
    size_t in = 0, out = 0;
    switch (cmd) {
        case Q_SETQUOTA: in = sizeof(if_dqblk); break;
        case Q_SETINFO: in = sizeof(if_dqinfo); break;
        case Q_GETQUOTA: out = sizeof(if_dqblk); break;
        case Q_GETNEXTQUOTA: out = sizeof(if_nextdqblk); break;
        case Q_GETINFO: out = sizeof(if_dqinfo); break;
        case Q_GETFMT: out = sizeof(uint32_t); break;
        case Q_SYNC: case Q_QUOTAON: case Q_QUOTAOFF: break;
        default: return false;
    }
    int target = quota_target(req, by_fd);
    // req->pid was the caller's while the notification is pending: checked after its files were opened.
    if (target < 0 || seccomp_notify_id_valid(listener, req->id) != 0) {
        if (target >= 0) close(target);
        return false;
    }
    union {
        if_dqblk blk;
        if_nextdqblk next;
        if_dqinfo info;
        uint32_t format;
    } buf;
    memset(&buf, 0, sizeof buf);
    iovec local{&buf, in}, remote{reinterpret_cast<void*>(a[3]), in};
    if (!quota_allowed(ct, req, cmd, type, static_cast<unsigned>(a[2]))) {
        resp->error = -EPERM;
    } else if (in && process_vm_readv(static_cast<pid_t>(req->pid), &local, 1, &remote, 1, 0) !=
                         static_cast<ssize_t>(in)) {
        resp->error = -EFAULT;
    } else if (syscall(SYS_quotactl_fd, target, qcmd, static_cast<unsigned>(a[2]), in || out ? &buf : nullptr) !=
               0) {
        resp->error = -errno;
    } else if (out) {
        resp->error = write_to_caller(listener, req, a[3], &buf, out);
    }
    close(target);
    return true;
}

// Answers one notification from `listener`; false when the listener is finished with.
bool answer(const Ct& ct, int listener, seccomp_notif* req, seccomp_notif_resp* resp) {
    memset(req, 0, sizeof *req);
    if (seccomp_notify_receive(listener, req) != 0) return errno == EINTR || errno == ENOENT;
    memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    struct sysinfo si;
    cpu_set_t set;
    size_t len;
    // 32-bit programs: their own numbers and structure layouts; only mount(2) is checked for them.
    bool native = req->data.arch == seccomp_arch_native();
    bool umount = req->data.nr == seccomp_syscall_resolve_name_arch(req->data.arch, "umount2");
    auto mount = umount || req->data.nr == seccomp_syscall_resolve_name_arch(req->data.arch, "mount")
                     ? mount_answer(listener, req, umount)
                     : MountAnswer::Kernel;
    if (mount == MountAnswer::Refuse) {
        resp->error = -EPERM;
    } else if (mount == MountAnswer::Done) {
        resp->error = 0;  // and val 0: mount(2) succeeded
    } else if (native && req->data.nr == SCMP_SYS(sysinfo) && container_sysinfo(ct, si)) {
        resp->error = write_to_caller(listener, req, req->data.args[0], &si, sizeof si);
    } else if (native && req->data.nr == SCMP_SYS(sched_getaffinity) && container_affinity(ct, req, set, len)) {
        resp->error = write_to_caller(listener, req, req->data.args[2], &set, len);
        resp->val = resp->error ? 0 : static_cast<int64_t>(len);
    } else if (native && (req->data.nr == SCMP_SYS(quotactl) || req->data.nr == SCMP_SYS(quotactl_fd)) &&
               quota_answer(ct, listener, req, resp, req->data.nr == SCMP_SYS(quotactl_fd))) {
        // answered: resp->error
    } else {
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;  // the kernel's own answer
    }
    seccomp_notify_respond(listener, resp);  // fails only when the caller is gone
    return true;
}

// Init's start time in seconds after boot (field 22 of /proc/PID/stat, in clock ticks).
long start_of(pid_t pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!read_text(path, buf, sizeof buf)) return 0;
    char* p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; ++field) p = strchr(p + 1, ' ');
    return p ? static_cast<long>(strtoull(p + 1, nullptr, 10) / static_cast<uint64_t>(sysconf(_SC_CLK_TCK))) : 0;
}

int listen_on(const char* name) {
    sockaddr_un a;
    socklen_t len;
    if (!vz::monitor::socket_address(name, strlen(name), a, len)) return -1;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) return -1;
    if (bind(s, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(s, 16) != 0) {
        close(s);
        return -1;
    }
    return s;
}

// What each polled descriptor is. Fixed tables: no allocation in the monitor.
enum Kind : char { Init, Listen, Conn, Listener, Helper, Console, ConsoleUser, Stopper };
constexpr int kSlots = 1024;
pollfd fds[kSlots];
Kind kinds[kSlots];
signed char ttys[kSlots];  // of a Console or ConsoleUser slot: which terminal (0: tty 1, the console)
int used = 0;

void add(int fd, Kind kind, int tty = 0) {
    if (used == kSlots) {
        close(fd);  // a process whose listener is dropped gets ENOSYS from sysinfo(2), not a hang
        return;
    }
    fds[used] = {fd, POLLIN, 0};
    ttys[used] = static_cast<signed char>(tty);
    kinds[used++] = kind;
}

void drop(int i) {
    close(fds[i].fd);
    fds[i] = fds[--used];
    kinds[i] = kinds[used];
    ttys[i] = ttys[used];
}

// The masters of the container's terminals (monitor_protocol.hpp kTerminals; -1: none), and whether a connection has
// one (the master's slot is then not polled: poll skips a negative descriptor).
int terminal[vz::monitor::kTerminals];
bool lent[vz::monitor::kTerminals];

void lend_terminal(int t, bool lend) {
    lent[t] = lend;
    for (int i = 0; i < used; ++i)
        if (kinds[i] == Console && ttys[i] == t) fds[i].fd = lend ? -1 : terminal[t];
}

// A request for terminal `t` on connection `i`: the master, or why not.
void answer_console(int i, int t) {
    if (terminal[t] < 0 || lent[t]) {
        char why = terminal[t] < 0 ? vz::monitor::kConsoleNone : vz::monitor::kConsoleBusy;
        send(fds[i].fd, &why, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        drop(i);
        return;
    }
    if (!vz::send_fd(fds[i].fd, terminal[t])) {
        drop(i);
        return;
    }
    kinds[i] = ConsoleUser;
    ttys[i] = static_cast<signed char>(t);
    lend_terminal(t, true);
}

// The connection of a stop that cleans up after init (monitor_protocol.hpp kStopRequest), or -1. It is polled while
// init runs (its end voids the claim) and read once init has ended.
int stopper = -1;

// A stop request on connection `i`: acknowledged, and the connection kept as the stop's. Only one stop at a time
// holds the container's lock; a second claim while one is held is closed unanswered (that stop then waits for the
// hand-over, as without a claim).
void answer_stop(int i) {
    char ack = vz::monitor::kStopRequest;
    if (stopper >= 0 || send(fds[i].fd, &ack, 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1) {
        drop(i);
        return;
    }
    kinds[i] = Stopper;
    stopper = fds[i].fd;
}

// After init's end: true when the stop that claimed the clean-up says it has done it (the hand-over is then not
// needed); false when no stop claimed it, or its connection closed without saying so.
bool stop_cleaned_up() {
    if (stopper < 0) return false;
    int flags = fcntl(stopper, F_GETFL);
    if (flags >= 0) fcntl(stopper, F_SETFL, flags & ~O_NONBLOCK);
    char c = 0;
    ssize_t n;
    while ((n = recv(stopper, &c, 1, 0)) < 0 && errno == EINTR) {
    }
    return n == 1 && c == vz::monitor::kStopDone;
}

long now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Serves the container until init ends; returns init's wait status.
int serve(pid_t init, const Ct& ct, int channel, const char* socket_name, pid_t helper) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, init, 0));
    int status = 0;
    if (pidfd < 0) {  // too old a kernel to poll for init: just wait
        close(channel);
        while (waitpid(init, &status, 0) < 0)
            if (errno != EINTR) return 0;
        return status;
    }
    add(pidfd, Init);
    add(channel, Conn);
    if (helper > 0) {
        int hfd = static_cast<int>(syscall(SYS_pidfd_open, helper, 0));
        if (hfd >= 0) add(hfd, Helper);
    }
    for (int t = 0; t < vz::monitor::kTerminals; ++t)
        if (terminal[t] >= 0) add(terminal[t], Console, t);
    int sock = listen_on(socket_name);
    if (sock >= 0) add(sock, Listen);
    seccomp_notif* req = nullptr;
    seccomp_notif_resp* resp = nullptr;
    if (seccomp_notify_alloc(&req, &resp) != 0) req = nullptr;
    long next_sample = now_ms() + LoadAverage::kSampleMs;
    for (;;) {
        long wait = next_sample - now_ms();
        if (wait <= 0) {
            load.sample(active_tasks(ct.pids, ct.v2));
            // After a long stall (a suspended host) one sample stands for the missed ones.
            next_sample = wait < -LoadAverage::kSampleMs ? now_ms() + LoadAverage::kSampleMs
                                                         : next_sample + LoadAverage::kSampleMs;
            continue;
        }
        if (poll(fds, static_cast<nfds_t>(used), static_cast<int>(wait)) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = used - 1; i >= 0; --i) {
            short ev = fds[i].revents;
            if (!ev) continue;
            switch (kinds[i]) {
                case Init:
                    while (waitpid(init, &status, 0) < 0)
                        if (errno != EINTR) return 0;
                    return status;
                case Listen: {
                    int c = accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
                    ucred cred{};
                    socklen_t len = sizeof cred;
                    if (c < 0) break;
                    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0) close(c);
                    else add(c, Conn);
                    break;
                }
                case Conn: {
                    // A listener (with its descriptor), or 'L': the load average, as "1.00 0.50 0.25".
                    auto m = vz::recv_message(fds[i].fd, MSG_DONTWAIT);
                    if (m.n < 0 && errno == EAGAIN && !(ev & (POLLHUP | POLLERR))) break;
                    if (int tty = m.n > 0 && !m.fd ? vz::monitor::requested_tty(m.byte) : 0; tty > 0) {
                        answer_console(i, tty - 1);
                        break;
                    }
                    if (m.n > 0 && !m.fd && m.byte == vz::monitor::kStopRequest) {
                        answer_stop(i);
                        break;
                    }
                    if (m.n > 0 && !m.fd && m.byte == vz::monitor::kLoadRequest) {
                        char text[96];
                        int n = snprintf(text, sizeof text, vz::monitor::kLoadFormat, load.value[0], load.value[1],
                                         load.value[2]);
                        send(fds[i].fd, text, static_cast<size_t>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
                    }
                    drop(i);
                    if (m.fd) add(m.fd.release(), Listener);
                    break;
                }
                case Helper:
                    // Ended: reaped, so no zombie stays beside the container.
                    waitpid(helper, nullptr, WNOHANG);
                    drop(i);
                    break;
                case Console: {
                    // Nobody is attached: what the container wrote goes nowhere.
                    static char sink[4096];
                    int t = ttys[i];
                    if (lent[t]) break;  // lent by a connection handled earlier in this round
                    if (read(terminal[t], sink, sizeof sink) < 0 && errno != EAGAIN && errno != EINTR) {
                        drop(i);
                        terminal[t] = -1;
                    }
                    break;
                }
                case ConsoleUser: {
                    // The console user has nothing to say: whatever arrives, or the end, ends its turn.
                    char c;
                    if (recv(fds[i].fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN && !(ev & (POLLHUP | POLLERR)))
                        break;
                    int t = ttys[i];
                    drop(i);
                    lend_terminal(t, false);
                    break;
                }
                case Stopper:
                    // The stop ended (or spoke) while init runs: its claim is void.
                    drop(i);
                    stopper = -1;
                    break;
                case Listener:
                    // POLLHUP: every process using the filter has ended.
                    if ((ev & POLLIN) && req && answer(ct, fds[i].fd, req, resp)) break;
                    if (ev & (POLLHUP | POLLERR | POLLNVAL) || (ev & POLLIN)) drop(i);
                    break;
            }
        }
    }
    while (waitpid(init, &status, 0) < 0)
        if (errno != EINTR) return 0;
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    namespace mp = vz::monitor;
    if (argc != mp::kArgcPlain && argc != mp::kArgcSysinfo && argc != mp::kArgcRestored) return 2;
    // Terminal and job-control signals belong to the container, not to its monitor.
    for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) signal(sig, SIG_IGN);
    prctl(PR_SET_NAME, "vzmonitor", 0, 0, 0);
    pid_t init = static_cast<pid_t>(atol(argv[mp::kInit]));
    int status = 0;
    if (argc >= mp::kArgcSysinfo) {
        int channel = atoi(argv[mp::kChannel]);
        fcntl(channel, F_SETFD, FD_CLOEXEC);
        fcntl(channel, F_SETFL, O_NONBLOCK);
        Ct ct{strcmp(argv[mp::kMode], mp::kModeV2) == 0, argv[mp::kMemoryCgroup], argv[mp::kPidsCgroup],
              argv[mp::kCpuCgroup], start_of(init)};
        char ns[64];
        struct stat st;
        snprintf(ns, sizeof ns, "/proc/%d/ns/user", init);
        if (stat(ns, &st) == 0) ct.userns = st.st_ino;
        // "fd,fd,...": tty 1 first.
        const char* list = argv[mp::kConsole];
        for (int t = 0; t < mp::kTerminals; ++t) {
            char* end = nullptr;
            long fd = *list ? strtol(list, &end, 10) : -1;
            terminal[t] = static_cast<int>(fd);
            list = end && *end == ',' ? end + 1 : "";
            if (fd < 0) continue;
            fcntl(terminal[t], F_SETFD, FD_CLOEXEC);
            fcntl(terminal[t], F_SETFL, O_NONBLOCK);
            // The other end stays open here, so the master never hangs up (a busy poll) while the container has it
            // closed, and the container's output waits for nobody.
            if (ioctl(terminal[t], TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC) < 0) {
                close(terminal[t]);
                terminal[t] = -1;
            }
        }
        pid_t helper = argc == mp::kArgcRestored ? static_cast<pid_t>(atol(argv[mp::kHelper])) : 0;
        status = serve(init, ct, channel, argv[mp::kSocket], helper);
    } else {
        while (waitpid(init, &status, 0) < 0)
            if (errno != EINTR) {
                status = 0;
                break;
            }
    }
    // A stop that ended the container cleans up after it, and said so: nothing is left to hand over.
    if (stop_cleaned_up()) return 0;
    const char* action = WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP ? mp::kRestart : mp::kCleanup;
    for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) signal(sig, SIG_DFL);
    execl(argv[mp::kVzctl], "vzctl", "--quiet", mp::kHandOver, action, argv[mp::kCtid], static_cast<char*>(nullptr));
    return 1;
}
