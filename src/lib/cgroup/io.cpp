#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroup/driver.hpp"
#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz::cgroup_io {

namespace {
std::vector<std::string> child_cgroups(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (auto* e = ::readdir(d))
        if (e->d_type == DT_DIR && e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
    ::closedir(d);
    return out;
}

int write_errno(const std::string& path, const std::string& value) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno;
    // An empty value (v2 cpuset.cpus: "as the parent") is written as a newline: a write of zero bytes never
    // reaches the kernel's handler, so the old value stayed.
    std::string_view text = value.empty() ? std::string_view("\n") : std::string_view(value);
    if (::write(fd.get(), text.data(), text.size()) < 0) return errno;
    return 0;
}

std::vector<pid_t> read_pids(const std::string& file) {
    std::vector<pid_t> out;
    for (auto& tok : split(read_file(file).value_or(""), "\n"))
        if (auto v = parse_uint(tok)) out.push_back(static_cast<pid_t>(*v));
    return out;
}
}  // namespace

void write(const std::string& dir, const std::string& file, const std::string& value, int code) {
    auto path = dir + "/" + file;
    if (int err = write_errno(path, value))
        throw Error(static_cast<Exit>(code), fmt::format("can't write {} to {}: {}", value, path, errno_text(err)));
}

bool try_write(const std::string& dir, const std::string& file, const std::string& value) {
    return write_errno(dir + "/" + file, value) == 0;
}

std::string read(const std::string& dir, const std::string& file) {
    auto s = read_file(dir + "/" + file).value_or("");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::vector<pid_t> read_tree_pids(const std::string& dir) {
    auto out = read_pids(dir + "/cgroup.procs");
    for (auto& child : child_cgroups(dir)) {
        auto more = read_tree_pids(child);
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

void chown_cgroup(const std::string& dir, uid_t uid, gid_t gid, const std::vector<std::string>& files) {
    auto give = [&](const std::string& path) {
        if (::chown(path.c_str(), uid, gid) != 0 && errno != ENOENT)
            fail(Exit::EnvCreate, "can't hand {} to {}:{}: {}", path, uid, gid, errno_text(errno));
    };
    give(dir);
    for (auto& f : files) give(dir + "/" + f);
}

namespace {
void add_subtree_controls(const std::string& dir, const std::string& rel, std::string& out) {
    std::string line;
    for (auto& c : split(read(dir, "cgroup.subtree_control"), " ")) line += " +" + c;
    if (line.empty()) return;  // nothing below it has a controller it does not have
    out += rel + line + "\n";
    auto children = child_cgroups(dir);
    std::sort(children.begin(), children.end());
    for (auto& child : children) {
        auto name = child.substr(dir.size() + 1);
        if (name.find_first_of(" \n") == std::string::npos)
            add_subtree_controls(child, rel == "." ? name : rel + "/" + name, out);
    }
}
}  // namespace

std::string subtree_controls(const std::string& dir) {
    std::string out;
    add_subtree_controls(dir, ".", out);
    return out;
}

void enable_subtree_controls(const std::string& dir, std::string_view records) {
    for (auto& line : split(records, "\n")) {
        auto space = line.find(' ');
        auto rel = line.substr(0, space);
        if (space == std::string::npos || rel.empty() || rel.front() == '/' ||
            std::ranges::any_of(split(rel, "/"), [](const std::string& part) { return part == ".."; }))
            fail(Exit::Restore, "Malformed cgroup record \"{}\"", line);
        auto cgroup = dir + "/" + rel;
        // Owned as its cgroup is: a cgroup delegated to a container's root has its cgroup.subtree_control too.
        struct stat st {};
        if (::stat(cgroup.c_str(), &st) != 0)
            fail(Exit::Restore, "can't write {} to {}/cgroup.subtree_control: {}", line.substr(space + 1), cgroup,
                 errno_text(errno));
        chown_cgroup(cgroup, st.st_uid, st.st_gid, {"cgroup.subtree_control"});
        write(cgroup, "cgroup.subtree_control", line.substr(space + 1), static_cast<int>(Exit::Restore));
    }
}

void await_exit(const std::vector<pid_t>& pids, std::chrono::milliseconds limit) {
    if (pids.empty()) return;
    Fd fd = open_pidfd(*std::min_element(pids.begin(), pids.end()));
    if (fd) exits_within(fd, limit);
    else if (errno != ESRCH) std::this_thread::sleep_for(limit);  // no pidfds here: a plain wait
}

void thaw_below(const std::string& dir) {
    for (auto& child : child_cgroups(dir)) {
        if (read_file(child + "/freezer.self_freezing").value_or("").starts_with("1"))
            try_write(child, "freezer.state", "THAWED");
        thaw_below(child);
    }
}

void remove_cgroup_tree(const std::string& dir) {
    for (auto& child : child_cgroups(dir)) remove_cgroup_tree(child);
    for (int i = 0; i < 200 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

std::string block_device_of(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || major(st.st_dev) == 0) return {};
    auto sys = fmt::format("/sys/dev/block/{}:{}", major(st.st_dev), minor(st.st_dev));
    if (path_exists(sys + "/partition")) {
        // The throttle works on whole disks: the parent directory of a partition in sysfs is its disk.
        auto dev = read_file(sys + "/../dev");
        if (dev) {
            auto d = *dev;
            while (!d.empty() && d.back() == '\n') d.pop_back();
            return d;
        }
    }
    return path_exists(sys) ? fmt::format("{}:{}", major(st.st_dev), minor(st.st_dev)) : std::string();
}

}  // namespace vz::cgroup_io
