#include "fs/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

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
    // A child that only waits in a new user namespace; its namespace outlives it through the fd.
    auto hold = make_pipe();
    long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (pid < 0) fail(Exit::EnvCreate, "can't create a user namespace: {}", errno_text(errno));
    if (pid == 0) {
        hold.wr.reset();
        char c;
        while (::read(hold.rd.get(), &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    ChildProcess child(static_cast<pid_t>(pid));
    hold.rd.reset();
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
