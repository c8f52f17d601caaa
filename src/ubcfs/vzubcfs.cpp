// vzubcfs: the beancounter file and the memory view of the containers of one configuration directory
// ($VZ_CONFDIR), as ubc/ubcfs.hpp describes. A read-only FUSE tree: <CTID>/<file> for each running container and
// each of ubcfs_files(); every open renders that container's current reading into the open file, so one reading is
// consistent and the next one is new. It mounts, then goes to the background (its first process exits 0 once the
// mount is there and the pid file holds the daemon's pid, which is how vzctl knows), and ends when the tree is
// unmounted or on SIGTERM. It holds an flock on the pid file while it lives.
//
// usage: vzubcfs <mount point> <pid file>
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/ctconfig.hpp"
#include "ct/state.hpp"
#include "ct/probe.hpp"
#include "ct/ubcfs_daemon.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/scope.hpp"

namespace {

using vz::UbcfsKind;
using vz::UbcfsNode;

struct Daemon {
    vz::Paths paths;
    std::unique_ptr<vz::Probe> probe;
    time_t started = 0;
};

const Daemon& daemon_of(fuse_req_t req) { return *static_cast<const Daemon*>(fuse_req_userdata(req)); }

// Containers come and go: names are looked up anew each time. A directory never changes; the file's size is asked
// for each time.
constexpr double kEntryTimeout = 0;
constexpr double kDirAttrTimeout = 3600;

double attr_timeout(const UbcfsNode& n) { return n.kind == UbcfsKind::File ? 0 : kDirAttrTimeout; }

bool exists(const Daemon& d, const UbcfsNode& n) {
    return n.kind == UbcfsKind::Root || d.probe->running(n.ctid);
}

// What a directory entry needs.
struct stat node_stat(const UbcfsNode& n) {
    struct stat st {};
    st.st_ino = vz::ubcfs_ino(n);
    st.st_mode = n.kind == UbcfsKind::File ? S_IFREG | vz::ubcfs_files()[n.file].mode : S_IFDIR | 0555;
    return st;
}

// The file's size is that of a reading (of the open file `fi` when there is one). Not 0 as in /proc: the kernel's
// splice path (sendfile(2), which busybox cat uses) reads only up to the size, while read(2) of a direct-I/O file
// does not look at it. Every file has fixed-width numbers (beancounter rows; meminfo and swaps sized by the
// container's limits, ubc/meminfo.hpp), so every reading of a container has this size.
struct stat attr_of(const Daemon& d, const UbcfsNode& n, const fuse_file_info* fi = nullptr) {
    auto st = node_stat(n);
    st.st_nlink = n.kind == UbcfsKind::File ? 1 : 2;
    st.st_atime = st.st_mtime = st.st_ctime = d.started;
    if (n.kind == UbcfsKind::File) {
        if (fi) st.st_size = static_cast<off_t>(reinterpret_cast<const std::string*>(fi->fh)->size());
        else if (auto text = vz::ubcfs_text(d.paths, *d.probe, n)) st.st_size = static_cast<off_t>(text->size());
        // The container's root owns its files (as /proc's are root's): in an unprivileged container that is the
        // host uid its init runs as.
        struct stat init_st {};
        if (auto init = d.probe->init(n.ctid); init && ::stat(("/proc/" + std::to_string(*init)).c_str(), &init_st) == 0) {
            st.st_uid = init_st.st_uid;
            st.st_gid = init_st.st_gid;
        }
    }
    return st;
}

// A callback replies exactly once; anything thrown before its reply becomes EIO.
template <typename F>
void answer(fuse_req_t req, F&& body) {
    try {
        body();
    } catch (...) {
        fuse_reply_err(req, EIO);
    }
}

void do_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    answer(req, [&] {
        auto p = vz::ubcfs_node(parent);
        auto child = p ? vz::ubcfs_child(*p, name) : std::nullopt;
        if (!child || !exists(daemon_of(req), *child)) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        fuse_entry_param e{};
        e.ino = vz::ubcfs_ino(*child);
        e.attr = attr_of(daemon_of(req), *child);
        e.attr_timeout = attr_timeout(*child);
        e.entry_timeout = kEntryTimeout;
        fuse_reply_entry(req, &e);
    });
}

void do_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    answer(req, [&] {
        auto n = vz::ubcfs_node(ino);
        if (!n) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        auto st = attr_of(daemon_of(req), *n, fi);
        fuse_reply_attr(req, &st, attr_timeout(*n));
    });
}

void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    answer(req, [&] {
        auto n = vz::ubcfs_node(ino);
        const auto& d = daemon_of(req);
        if (!n || !exists(d, *n)) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        if (n->kind == UbcfsKind::File) {
            fuse_reply_err(req, ENOTDIR);
            return;
        }
        std::vector<std::pair<std::string, UbcfsNode>> entries{{".", *n}, {"..", UbcfsNode{}}};
        if (n->kind == UbcfsKind::Root)
            for (unsigned id : d.probe->running_ids())
                entries.emplace_back(std::to_string(id), UbcfsNode{UbcfsKind::Dir, id});
        else
            for (unsigned i = 0; i < vz::ubcfs_files().size(); ++i)
                entries.emplace_back(std::string(vz::ubcfs_files()[i].name), UbcfsNode{UbcfsKind::File, n->ctid, i});
        std::string buf(size, '\0');
        size_t used = 0;
        for (auto i = static_cast<size_t>(std::max<off_t>(off, 0)); i < entries.size(); ++i) {
            auto st = node_stat(entries[i].second);
            auto len = fuse_add_direntry(req, buf.data() + used, size - used, entries[i].first.c_str(), &st,
                                         static_cast<off_t>(i + 1));
            if (len > size - used) break;
            used += len;
        }
        fuse_reply_buf(req, buf.data(), used);
    });
}

void do_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    answer(req, [&] {
        auto n = vz::ubcfs_node(ino);
        if (!n || n->kind != UbcfsKind::File) {
            fuse_reply_err(req, n ? EISDIR : ENOENT);
            return;
        }
        if ((fi->flags & O_ACCMODE) != O_RDONLY) {
            fuse_reply_err(req, EACCES);
            return;
        }
        const auto& d = daemon_of(req);
        auto text = vz::ubcfs_text(d.paths, *d.probe, *n);
        if (!text) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        // The whole reading is rendered now and kept with the open file; direct I/O: read(2) always gets it whole,
        // never a page cached from another reading.
        auto held = std::make_unique<std::string>(std::move(*text));
        fi->fh = reinterpret_cast<uint64_t>(held.get());
        fi->direct_io = 1;
        if (fuse_reply_open(req, fi) == 0) held.release();
    });
}

void do_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    const auto& text = *reinterpret_cast<const std::string*>(fi->fh);
    auto from = std::min(static_cast<size_t>(std::max<off_t>(off, 0)), text.size());
    fuse_reply_buf(req, text.data() + from, std::min(size, text.size() - from));
}

void do_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    delete reinterpret_cast<std::string*>(fi->fh);
    fuse_reply_err(req, 0);
}

// Goes to the background: the first process exits 0 once the second has written its pid and left the session, so
// whoever started us finds the daemon ready and its pid file filled.
void daemonize(int pid_fd) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) vz::fail(vz::Exit::System, "pipe: {}", vz::errno_text(errno));
    vz::Fd rd(fds[0]), wr(fds[1]);
    pid_t child = ::fork();
    if (child < 0) vz::fail(vz::Exit::System, "fork: {}", vz::errno_text(errno));
    if (child > 0) {
        // Nothing of the session may be undone here: it is the child's now.
        wr.reset();
        char c;
        ::_exit(::read(rd.get(), &c, 1) == 1 ? 0 : 1);
    }
    rd.reset();
    ::setsid();
    if (::chdir("/") != 0) {
        // Nothing here needs a working directory; it just must not keep one busy.
    }
    auto text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(pid_fd, 0) != 0 || ::pwrite(pid_fd, text.data(), text.size(), 0) < 0)
        vz::fail(vz::Exit::System, "can't write the pid file: {}", vz::errno_text(errno));
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0)
        for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    if (null > 2) ::close(null);
    if (::write(wr.get(), "", 1) != 1) ::_exit(1);
}

struct SessionDeleter {
    void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};

int serve(const std::string& mount, const std::string& pid_file) {
    Daemon d;
    d.paths = vz::paths();
    // daemonize() changes to /.
    d.paths.confdir = std::filesystem::absolute(d.paths.confdir).string();
    d.probe = std::make_unique<vz::Probe>(vz::load_global(d.paths));
    d.started = std::time(nullptr);

    vz::Fd pid(::open(pid_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!pid) vz::fail(vz::Exit::System, "can't open {}: {}", pid_file, vz::errno_text(errno));
    if (::flock(pid.get(), LOCK_EX | LOCK_NB) != 0)
        vz::fail(vz::Exit::System, "another vzubcfs holds {}", pid_file);

    // Until the mount is there, a failure leaves no pid file behind.
    vz::ScopeGuard pid_guard([&pid_file] { ::unlink(pid_file.c_str()); });

    fuse_lowlevel_ops ops{};
    ops.lookup = do_lookup;
    ops.getattr = do_getattr;
    ops.readdir = do_readdir;
    ops.open = do_open;
    ops.read = do_read;
    ops.release = do_release;
    // allow_other: every user of a container reads its meminfo (default_permissions applies the files' modes).
    std::vector<std::string> words{
        "vzubcfs", "-o",
        "ro,nosuid,nodev,noexec,noatime,default_permissions,allow_other,fsname=vzubcfs,subtype=vzubcfs"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    std::unique_ptr<fuse_session, SessionDeleter> se(fuse_session_new(&args, &ops, sizeof ops, &d));
    fuse_opt_free_args(&args);
    if (!se) vz::fail(vz::Exit::System, "can't set up the FUSE session");
    if (fuse_set_signal_handlers(se.get()) != 0) vz::fail(vz::Exit::System, "can't set signal handlers");
    if (fuse_session_mount(se.get(), mount.c_str()) != 0) {
        fuse_remove_signal_handlers(se.get());
        vz::fail(vz::Exit::System, "can't mount {}", mount);
    }
    try {
        daemonize(pid.get());
    } catch (...) {
        fuse_session_unmount(se.get());
        fuse_remove_signal_handlers(se.get());
        throw;
    }
    pid_guard.release();
    int rc = fuse_session_loop(se.get());
    fuse_session_unmount(se.get());
    fuse_remove_signal_handlers(se.get());
    ::unlink(pid_file.c_str());
    return rc == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fputs("usage: vzubcfs <mount point> <pid file>\n", stderr);
        return 2;
    }
    try {
        return serve(argv[1], argv[2]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vzubcfs: %s\n", e.what());
        return 1;
    }
}
