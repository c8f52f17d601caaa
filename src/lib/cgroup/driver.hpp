// One interface over cgroup v1 and v2: create and remove a container's cgroup, move processes in, kill them all,
// and apply limits. Every limit is translated or refused loudly; none is dropped in silence.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/layout.hpp"
#include "cgroup/resources.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

namespace vz {

class CgroupDriver {
public:
    virtual ~CgroupDriver() = default;
    static std::unique_ptr<CgroupDriver> make(const CgroupLayout& layout);

    virtual void create(unsigned ctid) = 0;
    // Removes the (empty) cgroup; missing is fine. Retries briefly while the kernel still frees it.
    virtual void remove(unsigned ctid) = 0;
    virtual bool exists(unsigned ctid) const = 0;
    // Moves `pid` (0: the caller) into every hierarchy of the container.
    virtual void enter(unsigned ctid, pid_t pid) = 0;
    virtual std::vector<pid_t> procs(unsigned ctid) const = 0;
    // The container's cgroup is two levels: <base>/<ctid> holds the limits, its child "ct" (kInner) holds the
    // processes and is the root of the container's cgroup namespace, so root inside can only write limits that
    // the outer level still caps.
    static constexpr const char* kInner = "ct";

    // fork()-like: a child in the container's cgroup and in the new namespaces of `ns_flags` (CLONE_NEW*).
    // Returns the child's pid in the parent, 0 in the child. v2 places the child at clone time
    // (CLONE_INTO_CGROUP); v1 moves it first thing in the child, and a child that can't be moved calls
    // `on_child_error` (which must not return). `before_join` runs in the child before that move (a child in a new
    // user namespace waits there for its maps: only then may it write the delegated cgroup's files).
    virtual pid_t clone_into(unsigned ctid, unsigned long ns_flags, const std::function<void(const Error&)>& on_child_error,
                             const std::function<void()>& before_join) = 0;
    // The same into the cgroups `pid` is in (exec joins its container's init, wherever systemd put it).
    virtual pid_t clone_beside(pid_t pid, const std::function<void(const Error&)>& on_child_error) = 0;
    // Hands the container's inner cgroup (kInner, made here if it is not yet) to the host ids `uid`:`gid`, the
    // root of its user namespace: the directory and the files a delegated subtree needs (systemd's delegation set),
    // so that root inside (systemd) can make cgroups below it and move processes there. The limits stay the host's,
    // in the inner cgroup's own files as one level up.
    virtual void delegate(unsigned ctid, uid_t uid, gid_t gid) = 0;
    // SIGKILL for every process, atomically against forks (v2 cgroup.kill; v1 freeze, kill, thaw).
    virtual void kill_all(unsigned ctid) = 0;
    // Applies the `groups` of `res` (ResGroup bits). Returns warnings for limits this kernel can only account.
    virtual std::vector<std::string> apply(unsigned ctid, const Resources& res, unsigned groups,
                                           const std::string& private_dir) = 0;
    // The directory the monitor process and tools read: the container's cgroup (v2) or its pids cgroup (v1).
    virtual std::string dir(unsigned ctid) const = 0;

protected:
    explicit CgroupDriver(CgroupLayout layout) : layout_(std::move(layout)) {}
    CgroupLayout layout_;
};

// The cgroup v2 device program allowing exactly `rules` (loaded, not attached); throws SetDevices.
Fd load_device_program(const std::vector<DeviceRule>& rules);

// Shared by both drivers.
namespace cgroup_io {
// Writes `value` to `dir/file`; throws vz::Error(code) naming the file and the kernel's reason.
void write(const std::string& dir, const std::string& file, const std::string& value, int code);
bool try_write(const std::string& dir, const std::string& file, const std::string& value);
std::string read(const std::string& dir, const std::string& file);
// The processes of the cgroup `dir` and of every cgroup below it (a container's systemd makes its own subtree).
std::vector<pid_t> read_tree_pids(const std::string& dir);
// After a SIGKILL to `pids`: waits at most `limit` for the lowest of them to end (a container's init, which the
// kernel lets end only once every other process of its pid namespace has), so a kill loop wakes when the cgroup
// may be empty rather than after a blind sleep. Returns at once when that process is gone already.
void await_exit(const std::vector<pid_t>& pids, std::chrono::milliseconds limit);
// v1's freezer: every cgroup below `dir` (not `dir`) that is frozen on its own thawed. Such a cgroup stays frozen
// when its parent thaws, and its processes can't die (a restore that put back the freezer state of a dump).
void thaw_below(const std::string& dir);
// Removes the cgroup `dir` and every (empty) cgroup below it, deepest first; missing is fine. Retries briefly while
// the kernel still frees them.
void remove_cgroup_tree(const std::string& dir);
// Gives the cgroup directory `dir` and its files named in `files` to `uid`:`gid`.
void chown_cgroup(const std::string& dir, uid_t uid, gid_t gid, const std::vector<std::string>& files);
// The cgroup2 tree at `dir` as far as it enables controllers for its children: a line "<path> +<controller>..." for
// each cgroup whose cgroup.subtree_control is not empty, parents first, <path> relative to `dir` ("." for `dir`
// itself). A cgroup whose name holds a newline or a space is left out, with what is below it. (What a restore
// needs before CRIU puts back watches on controller files: ct/suspend.cpp.)
std::string subtree_controls(const std::string& dir);
// Writes `records` (as subtree_controls made them) into the cgroups below `dir`, in their order, each
// cgroup.subtree_control given its cgroup's owner first. vz::Error(Restore) naming the file and the reason when a
// line is malformed, leaves `dir` ("..") or a write fails.
void enable_subtree_controls(const std::string& dir, std::string_view records);
// "MAJ:MIN" of the whole disk holding `path`, or empty when it is not on a block device.
std::string block_device_of(const std::string& path);
}  // namespace cgroup_io

}  // namespace vz
