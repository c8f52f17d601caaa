#include "fs/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <memory>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/scope.hpp"

namespace vz {
namespace {

// open_tree(2) of `path` as a detached copy, close-on-exec; -1 with errno.
Fd detached_copy(const std::string& path) {
    return Fd(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
}

// Gives the detached mount `tree` the idmap of `userns`; errno when the file system refuses.
bool set_idmap(int tree, int userns) {
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<unsigned>(userns);
    return ::syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0;
}

}  // namespace

void write_id_maps(pid_t pid, const IdMap& map) {
    auto dir = "/proc/" + std::to_string(pid);
    auto line = [](uint32_t base) { return "0 " + std::to_string(base) + " " + std::to_string(IdMap::kCount) + "\n"; };
    for (auto [file, base] : {std::pair{"/uid_map", map.uid}, std::pair{"/gid_map", map.gid}}) {
        Fd fd(::open((dir + file).c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd || ::write(fd.get(), line(base).data(), line(base).size()) < 0)
            fail(Exit::EnvCreate, "can't write {}{}: {}", dir, file, errno_text(errno));
    }
}

Fd make_userns(const IdMap& map) {
    // A child that only waits in a new user namespace, until the pipe's write end closes; its namespace outlives it
    // through the fd. It shares our memory (CLONE_VM) on a stack of its own: no copy of this process's page tables,
    // and no copy-on-write faults for us afterwards (each costs more than the rest of this function on some VMs).
    // So it makes nothing but two system calls, close(2) of its copy of the write end and read(2), and touches no
    // state of ours (neither fails here, so neither sets errno).
    auto hold = make_pipe();
    constexpr size_t kStack = 16 * 1024;
    auto stack = std::make_unique_for_overwrite<char[]>(kStack);
    std::array<int, 2> fds{hold.rd.get(), hold.wr.get()};
    int pid = ::clone(
        [](void* arg) -> int {
            auto* fd = static_cast<const int*>(arg);
            char c;
            ::syscall(SYS_close, fd[1]);
            ::syscall(SYS_read, fd[0], &c, 1);
            return 0;
        },
        stack.get() + kStack, CLONE_VM | CLONE_NEWUSER | SIGCHLD, fds.data());
    if (pid < 0) fail(Exit::EnvCreate, "can't create a user namespace: {}", errno_text(errno));
    ChildProcess child(static_cast<pid_t>(pid));
    ScopeGuard release([&hold] { hold.wr.reset(); });  // the child ends on every path, before the stack goes
    write_id_maps(static_cast<pid_t>(pid), map);
    Fd ns(::open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) fail(Exit::EnvCreate, "can't open the user namespace of {}: {}", pid, errno_text(errno));
    hold.wr.reset();
    child.wait();
    return ns;
}

void mount_idmapped(const std::string& from, const std::string& to, const IdMap& map) {
    auto ns = make_userns(map);
    Fd tree = detached_copy(from);
    if (!tree) fail(Exit::CantMount, "can't mount {}: {}", from, errno_text(errno));
    if (!set_idmap(tree.get(), ns.get()))
        fail(Exit::CantMount, "{}: its file system can't be mounted with an idmap (needed for LOCAL_UID {}): {}", from,
             map.uid, errno_text(errno));
    if (::syscall(SYS_move_mount, tree.get(), "", AT_FDCWD, to.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        fail(Exit::CantMount, "can't mount {} on {}: {}", from, to, errno_text(errno));
}

std::optional<std::string> idmap_unsupported(const std::string& path) {
    try {
        auto ns = make_userns({65536, 65536});
        Fd tree = detached_copy(path);
        if (!tree) return "open_tree " + path + ": " + errno_text(errno);
        if (!set_idmap(tree.get(), ns.get())) return "idmapped mounts of " + path + ": " + errno_text(errno);
    } catch (const Error& e) {
        return e.what();
    }
    return std::nullopt;
}

}  // namespace vz
