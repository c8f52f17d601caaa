#include "runtime/init.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <grp.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/units.hpp"
#include "util/error.hpp"
#include "runtime/pty.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/sysinfo.hpp"
#include "ubc/ubcfs.hpp"
#include "util/fd.hpp"
#include "util/fdpass.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

namespace vz {
namespace {

// The child reports the first failure and exits; nothing may throw past it.
[[noreturn]] void child_fail(int fd, Exit code, const std::string& msg) {
    // The parent sees a failed start whether or not this arrives.
    write_all(fd, std::to_string(static_cast<int>(code)) + " " + msg);
    ::_exit(1);
}

// A tmpfs's size= option: 1/`divisor` of the container's RAM, or `host_share` of the host's when it has no limit.
std::string ram_share(const std::optional<uint64_t>& ram, uint64_t divisor, const char* host_share) {
    return "size=" + (ram ? std::to_string(*ram / divisor) : std::string(host_share));
}

// The mount flags of `path` as MS_* bits: a bind remount inside a user namespace must repeat the locked ones.
unsigned long mount_flags_of(const std::string& path) {
    struct statvfs sv;
    if (::statvfs(path.c_str(), &sv) != 0) return 0;
    static constexpr std::pair<unsigned long, unsigned long> kBits[] = {
        {ST_RDONLY, MS_RDONLY},   {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC},   {ST_NOATIME, MS_NOATIME},       {ST_NODIRATIME, MS_NODIRATIME},
        {ST_RELATIME, MS_RELATIME}};
    unsigned long flags = 0;
    for (auto [st, ms] : kBits)
        if (sv.f_flag & st) flags |= ms;
    return flags;
}

// Remounts the bind mount `path` with `add` on top of the flags it has.
bool remount_bind(const std::string& path, unsigned long add) {
    return ::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | mount_flags_of(path) | add, nullptr) == 0;
}

// In a child in a new user namespace: until the parent has written its uid and gid maps (end of file on `fd`).
void wait_for_maps(int fd) {
    char c;
    while (::read(fd, &c, 1) < 0 && errno == EINTR) {
    }
}

struct Child {
    const InitSpec& spec;
    int status_fd;
    int listener_sock;  // where the sysinfo filter's listener goes; -1: no filter
    int go_fd;          // init execs once the parent wrote a byte here (its set-up of the container is done); -1: at once
    // Host directories opened while this process was still the host's root (below), as /proc/self/fd paths: the
    // container's root reaches them through these, whatever the modes of the directories above them.
    std::string ubc_dir, lxcfs_dir;
    Fd ubc_fd, lxcfs_fd;

    // A path in the container root as the host names it.
    std::string shown(const std::string& path) const {
        return path.starts_with('/') ? path : spec.root + "/" + (path.starts_with("./") ? path.substr(2) : path);
    }

    [[noreturn]] void fail_errno(Exit code, const std::string& what) {
        child_fail(status_fd, code, what + ": " + std::strerror(errno));
    }

    // A mount target inside the container root must be a real directory: a symlink planted by the container
    // would redirect our mount. Paths in the root are relative: build_root works in it.
    std::string target(const std::string& rel, unsigned mode = 0755) {
        const auto& path = rel;
        struct stat st;
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                child_fail(status_fd, Exit::BadTemplate,
                           fmt::format("/{} in the container root is not a directory (a symlink?)", rel));
        } else if (::mkdir(path.c_str(), mode) != 0) {
            fail_errno(Exit::CantMount, "can't create /" + rel + " in the container root");
        }
        return path;
    }

    void do_mount(const char* src, const std::string& dst, const char* type, unsigned long flags,
                  const std::string& data) {
        if (::mount(src, dst.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0)
            fail_errno(Exit::CantMount, fmt::format("can't mount {} on {}", type ? type : src, shown(dst)));
    }

    // /dev/<name> of the container as the host's device `rdev`. In a user namespace mknod is refused, so the
    // host's node (the same device) is bound on an empty file instead; so it is with `bind`, for a device the
    // container's device program does not let it make.
    void make_node(const std::string& dev, const std::string& name, mode_t mode, dev_t rdev, Exit code,
                   bool bind = false) {
        auto path = dev + "/" + name;
        if ((spec.userns || bind) && (S_ISCHR(mode) || S_ISBLK(mode))) {
            Fd file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777));
            if (!file) fail_errno(code, "can't create " + shown(path));
            do_mount(("/dev/" + name).c_str(), path, nullptr, MS_BIND, "");
            return;
        }
        // chmod after mknod: the mode must not depend on our umask.
        if (::mknod(path.c_str(), mode, rdev) != 0 || ::chmod(path.c_str(), mode & 07777) != 0)
            fail_errno(code, "can't create " + shown(path));
    }

    // /dev/<name> of the block device the root is on, as /proc/mounts names it ("loop3"), where it has one.
    void root_device_node(const std::string& dev) {
        struct stat st;
        if (::stat(".", &st) != 0) fail_errno(Exit::CantMount, "can't stat the container root");
        char link[PATH_MAX];
        auto sys = fmt::format("/sys/dev/block/{}:{}", major(st.st_dev), minor(st.st_dev));
        auto n = ::readlink(sys.c_str(), link, sizeof link - 1);
        if (n <= 0) return;  // not a block device (anonymous device numbers of btrfs, overlayfs...)
        auto name = base_name(std::string(link, static_cast<size_t>(n)));
        struct stat node;
        if (::stat(("/dev/" + name).c_str(), &node) != 0 || !S_ISBLK(node.st_mode) || node.st_rdev != st.st_dev) return;
        make_node(dev, name, S_IFBLK | 0600, st.st_dev, Exit::CantMount, true);
    }

    void build_dev() {
        auto dev = target("dev");
        do_mount("none", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=1m,nr_inodes=4096");
        struct Node {
            const char* name;
            unsigned maj, min;
        };
        for (auto n : {Node{"null", 1, 3}, Node{"zero", 1, 5}, Node{"full", 1, 7}, Node{"random", 1, 8},
                       Node{"urandom", 1, 9}, Node{"tty", 5, 0}})
            make_node(dev, n.name, S_IFCHR | 0666, makedev(n.maj, n.min), Exit::CantMount);
        // The host's console and ttys are not the container's: /dev/console is its own console's pty (or its
        // /dev/null), /dev/tty1 the same pty, /dev/ttyN its own terminals'.
        make_node(dev, "console", S_IFREG | 0600, 0, Exit::CantMount);
        do_mount(spec.terminals.empty() ? (dev + "/null").c_str() : spec.terminals[0].c_str(), dev + "/console",
                 nullptr, MS_BIND, "");
        for (size_t n = 0; n < spec.terminals.size(); ++n) {
            auto name = "tty" + std::to_string(n + 1);
            make_node(dev, name, S_IFREG | 0600, 0, Exit::CantMount);
            do_mount(spec.terminals[n].c_str(), dev + "/" + name, nullptr, MS_BIND, "");
        }
        for (auto& name : spec.devnodes) {
            if (path_exists(dev + "/" + name)) continue;  // the container's own (ttyN): never the host's
            struct stat st;
            if (::stat(("/dev/" + name).c_str(), &st) != 0) continue;
            auto slash = name.rfind('/');
            if (slash != std::string::npos) ::mkdir((dev + "/" + name.substr(0, slash)).c_str(), 0755);
            make_node(dev, name, st.st_mode, st.st_rdev, Exit::SetDevices);
        }
        if (spec.root_device) root_device_node(dev);
        ::mkdir((dev + "/pts").c_str(), 0755);
        ::mkdir((dev + "/shm").c_str(), 01777);
        do_mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance," + devpts_options(spec.numpty));
        do_mount("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777," + ram_share(spec.ram, 2, "50%"));
        for (auto [link, to] : {std::pair{"ptmx", "pts/ptmx"}, std::pair{"fd", "/proc/self/fd"},
                                std::pair{"stdin", "/proc/self/fd/0"}, std::pair{"stdout", "/proc/self/fd/1"},
                                std::pair{"stderr", "/proc/self/fd/2"}})
            if (::symlink(to, (dev + "/" + link).c_str()) != 0) fail_errno(Exit::CantMount, "can't link /dev/" + std::string(link));
    }

    // LXCFS's `file` (a path below its mount point) bound on the same path under the root.
    void bind_lxcfs(std::string_view file) {
        std::string path(file);
        do_mount((lxcfs_dir + path).c_str(), "." + path, nullptr, MS_BIND, "");
    }

    // Whether vzubcfs serves the container's file at `ct_path` (LXCFS's is then not bound there).
    bool ubcfs_serves(std::string_view ct_path) const {
        if (spec.ubc.empty()) return false;
        for (auto& f : ubcfs_files())
            if (f.ct_path == ct_path) return true;
        return false;
    }

    // Binds the file `from` on `to` read-only, making `to` (and its directory) where it does not exist.
    static bool bind_read_only(const std::string& from, const std::string& to) {
        struct stat st;
        if (::lstat(to.c_str(), &st) != 0) {
            ::mkdir(dir_name(to).c_str(), 0755);
            Fd file(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
            if (!file) return false;
        }
        if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) != 0) return false;
        remount_bind(to, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        return true;
    }

    // vzubcfs's files of the container (ubcfs_files()), read-only: the beancounter file at
    // /run/vz/user_beancounters (procfs has no user_beancounters to mount on, so it goes on the /run tmpfs just
    // made, where nothing of the container's can be in the way), meminfo and swaps over procfs's. Best effort:
    // without them the container still starts, and a /proc file is then LXCFS's where it runs.
    void bind_ubcfs() {
        for (auto& f : ubcfs_files()) {
            auto to = "." + std::string(f.ct_path);
            if (bind_read_only(ubc_dir + "/" + std::string(f.name), to) || lxcfs_dir.empty() ||
                !f.ct_path.starts_with("/proc/"))
                continue;
            ::mount((lxcfs_dir + std::string(f.ct_path)).c_str(), to.c_str(), nullptr, MS_BIND, nullptr);
        }
    }

    [[noreturn]] void run() {
        if (::unshare(CLONE_NEWCGROUP) != 0) fail_errno(Exit::EnvCreate, "can't create the cgroup namespace");
        build_root();
        enter_root();
        set_identity();
        wait_go();
        exec_init();
    }

    // The parent's part (the network, done while this process built the root) must be complete before init runs;
    // when it failed, the parent reports why and this process ends without a word.
    void wait_go() {
        if (go_fd < 0) return;
        char c = 0;
        ssize_t n;
        while ((n = ::read(go_fd, &c, 1)) < 0 && errno == EINTR) {
        }
        if (n != 1 || c != 'g') ::_exit(1);
        ::close(go_fd);
    }

    // In the new user namespace, once the parent mapped it: uid and gid 0 there (the host's LOCAL_UID/LOCAL_GID),
    // no supplementary group of the host's.
    void become_root() {
        if (::setresgid(0, 0, 0) != 0 || ::setgroups(0, nullptr) != 0 || ::setresuid(0, 0, 0) != 0)
            fail_errno(Exit::EnvCreate, "can't become root of the container's user namespace");
    }

    // An O_PATH descriptor of the host directory `path` and its /proc/self/fd name; nothing for an empty path.
    std::string open_host_dir(const std::string& path, Fd& fd) {
        if (path.empty()) return {};
        fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd) fail_errno(Exit::CantMount, "can't open " + path);
        return "/proc/self/fd/" + std::to_string(fd.get());
    }

    // /proc, /proc/sys, LXCFS's and vzubcfs's files, /sys, /dev and /run under the root, on the host's side, in
    // the root (the working directory from here on). With a user namespace, the host's paths are opened as the
    // host's root first, then this process becomes the container's root, and everything it makes is the
    // container's root's.
    void build_root() {
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            fail_errno(Exit::CantMount, "can't make mounts private");
        do_mount(spec.root.c_str(), spec.root, nullptr, MS_BIND | MS_REC, "");
        Fd root;
        open_host_dir(spec.root, root);  // the bind just made
        ubc_dir = open_host_dir(spec.ubc, ubc_fd);
        lxcfs_dir = open_host_dir(spec.lxcfs, lxcfs_fd);
        if (spec.userns) become_root();
        if (::fchdir(root.get()) != 0) fail_errno(Exit::CantMount, "can't enter " + spec.root);
        do_mount("proc", target("proc", 0555), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
        // /proc/sys is the host's kernel (fs.*, kernel.*): read-only, except net.* which is the container's own
        // network namespace. A bind copies its source's read-only flag, so net is remounted rw after the bind.
        const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        std::string sys = "proc/sys";
        // So is /proc/sysrq-trigger (as LXC binds it), where the kernel has one.
        for (std::string ro : {sys, std::string("proc/sysrq-trigger")}) {
            if (::access(ro.c_str(), F_OK) != 0 && ro != sys) continue;
            do_mount(ro.c_str(), ro, nullptr, MS_BIND, "");
            if (!remount_bind(ro, MS_RDONLY | safe)) fail_errno(Exit::CantMount, "can't make " + shown(ro) + " read-only");
        }
        do_mount((sys + "/net").c_str(), sys + "/net", nullptr, MS_BIND, "");
        do_mount(nullptr, sys + "/net", nullptr, MS_BIND | MS_REMOUNT | safe, "");
        if (!lxcfs_dir.empty())
            // LXCFS answers from the reader's cgroup: cpuinfo shows the container's CPUs, stat and uptime its own.
            // (LXCFS 5 serves all of these; each lookup is a FUSE round trip, so none is probed first: vzctl walked
            // them beforehand, LxcfsWarmup in ct/host.cpp.) Where vzubcfs serves the file (meminfo and swaps, with
            // the container's VSwap figures), its file goes there instead (bind_ubcfs).
            for (auto file : kLxcfsProcFiles)
                if (!ubcfs_serves(file)) bind_lxcfs(file);
        if (spec.sysfs) {
            do_mount("sysfs", target("sys", 0555), "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "");
            if (!lxcfs_dir.empty()) bind_lxcfs(kLxcfsCpuOnline);
        }
        build_dev();
        do_mount("run", target("run"), "tmpfs", MS_NOSUID | MS_NODEV, "mode=755," + ram_share(spec.ram, 10, "10%"));
        if (!ubc_dir.empty()) bind_ubcfs();
        ubc_fd.reset();
        lxcfs_fd.reset();
    }

    void enter_root() {
        if (::syscall(SYS_pivot_root, ".", ".") != 0) fail_errno(Exit::CantMount, "pivot_root into " + spec.root);
        if (::umount2(".", MNT_DETACH) != 0) fail_errno(Exit::CantMount, "can't detach the host root");
        if (::chdir("/") != 0) fail_errno(Exit::CantMount, "chdir /");
    }

    // Host name and capability bounding set.
    void set_identity() {
        if (!spec.hostname.empty()) {
            if (::sethostname(spec.hostname.data(), spec.hostname.size()) != 0)
                fail_errno(Exit::EnvCreate, "can't set the host name");
            // The distribution sets its name from /etc/hostname at boot. Written after pivot_root, so a symlink
            // there resolves inside the container.
            int fd = ::open("/etc/hostname", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0) {
                auto line = spec.hostname + "\n";
                if (::write(fd, line.data(), line.size()) < 0) {
                    // A read-only /etc keeps its name; the kernel's is set already.
                }
                ::close(fd);
            }
        }
        for (int c = 0; c <= CAP_LAST_CAP; ++c)
            if (!(spec.caps & (1ULL << c)) && ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
                fail_errno(Exit::SetCap, "can't drop capability " + std::to_string(c));
    }

    // stdio, the sysinfo filter, and the exec of init (or of runscript's command).
    [[noreturn]] void exec_init() {
        int null = ::open("/dev/null", O_RDWR);
        if (null < 0) fail_errno(Exit::EnvCreate, "can't open /dev/null in the container");
        if (spec.command.empty()) {
            // As the kernel starts init: on the console, which is not its controlling terminal.
            int console = spec.terminals.empty() ? -1 : ::open("/dev/console", O_RDWR | O_NOCTTY);
            for (int fd = 0; fd < 3; ++fd) ::dup2(console >= 0 ? console : null, fd);
            if (console > 2) ::close(console);
        } else {
            ::dup2(spec.stdin_fd >= 0 ? spec.stdin_fd : null, 0);
        }
        if (null > 2) ::close(null);
        // Last, so that nothing of the setup above is answered by the monitor. Without it, sysinfo(2) simply
        // reports the host (the start already said so); the deny list is there in any case.
        auto listener = install_ct_filter(listener_sock >= 0, spec.netfilter);
        if (!listener) child_fail(status_fd, Exit::EnvCreate, "can't load the container's seccomp filter");
        if (listener_sock >= 0) {
            if (*listener) send_fd(listener_sock, listener->get());
            ::close(listener_sock);
        }
        // Nothing of the host may leak into the container: every other descriptor closes at exec.
        close_from_on_exec();
        if (spec.command.empty()) ::setsid();

        char* const envp[] = {const_cast<char*>("container=vzctl"),
                              const_cast<char*>("PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"),
                              const_cast<char*>("HOME=/"), const_cast<char*>("TERM=linux"), nullptr};
        if (!spec.command.empty()) {
            ::execve(spec.command[0].c_str(), CArgs(spec.command).get(), envp);
            child_fail(status_fd, Exit::BadTemplate, "can't run " + spec.command[0] + " in the container");
        }
        char* const argv[] = {const_cast<char*>("init"), nullptr};
        for (auto* init : {"/sbin/init", "/etc/init", "/bin/init"}) ::execve(init, argv, envp);
        child_fail(status_fd, Exit::BadTemplate, "no init in the container (/sbin/init, /etc/init, /bin/init)");
    }
};

}  // namespace

std::string devpts_options(const std::optional<uint64_t>& numpty) {
    // max= defaults to the kernel's own limit when NUMPTY is unlimited.
    return fmt::format("ptmxmode=0666,mode={:o},gid={},max={}", kTtyMode, kTtyGid, numpty.value_or(1048576));
}

pid_t spawn_init(const InitSpec& spec, CgroupDriver& cg, int status_fd, Fd* sysinfo_channel,
                 const std::function<void(pid_t)>& prepare) {
    Fd ours, theirs;
    if (sysinfo_channel) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
            fail(Exit::System, "socketpair: {}", errno_text(errno));
        ours.reset(sv[0]);
        theirs.reset(sv[1]);
    }
    // The child is in the container's cgroup before it does anything; its cgroup namespace then starts there.
    // With a user namespace, every other namespace is owned by it (root inside administers them) and the child
    // waits until its maps are written.
    auto maps = make_pipe();
    Pipe go;
    if (prepare) go = make_pipe();
    unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
    if (spec.userns) flags |= CLONE_NEWUSER;
    pid_t pid = cg.clone_into(
        spec.ctid, flags, [&](const Error& e) { child_fail(status_fd, e.code(), e.what()); },
        [&] {
            if (!spec.userns) return;
            maps.wr.reset();
            wait_for_maps(maps.rd.get());
        });
    if (pid == 0) {
        // Nothing may unwind out of the child into the caller's cleanup (it would undo the caller's work).
        try {
            ours.reset();
            maps.rd.reset();
            maps.wr.reset();
            go.wr.reset();
            Child{spec, status_fd, theirs.get(), go.rd ? go.rd.get() : -1, {}, {}, {}, {}}.run();
        } catch (const std::exception& e) {
            child_fail(status_fd, Exit::EnvCreate, e.what());
        } catch (...) {
            child_fail(status_fd, Exit::EnvCreate, "unexpected error in the container's init");
        }
    }
    maps.rd.reset();
    if (spec.userns) {
        try {
            write_id_maps(pid, *spec.userns);
        } catch (...) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw;
        }
    }
    maps.wr.reset();
    if (prepare) {
        go.rd.reset();
        try {
            prepare(pid);
        } catch (...) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw;
        }
        if (!write_all(go.wr.get(), "g")) fail(Exit::EnvCreate, "can't release the container's init: {}", errno_text(errno));
    }
    // Not waited for here: the monitor takes the listener from the channel while init is still being set up.
    if (sysinfo_channel) *sysinfo_channel = std::move(ours);
    return pid;
}

void wait_init_started(int fd) {
    auto msg = read_all(fd);
    if (msg.empty()) return;
    auto sp = msg.find(' ');
    auto code = parse_uint(msg.substr(0, sp)).value_or(static_cast<uint64_t>(Exit::EnvCreate));
    throw Error(static_cast<Exit>(code), sp == std::string::npos ? msg : msg.substr(sp + 1));
}

}  // namespace vz
