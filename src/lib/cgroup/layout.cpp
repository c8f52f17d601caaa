#include "cgroup/layout.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "util/strings.hpp"
#include "config/ctconfig.hpp"
#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

namespace vz {

CgroupLayout CgroupLayout::detect(const std::string& base) {
    CgroupLayout l;
    l.base = base;
    l.mode = path_exists(l.root + "/cgroup.controllers") ? CgroupMode::V2 : CgroupMode::V1;
    return l;
}

std::string CgroupLayout::probe_dir() const {
    return mode == CgroupMode::V2 ? root + "/" + base : root + "/pids/" + base;
}

std::string CgroupLayout::ct_dir(std::string_view controller, unsigned ctid) const {
    auto id = std::to_string(ctid);
    if (mode == CgroupMode::V2) return root + "/" + base + "/" + id;
    return root + "/" + std::string(controller) + "/" + base + "/" + id;
}

std::optional<uint64_t> cgroup_keyed(std::string_view text, std::string_view key) {
    size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto line = text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ')
            return parse_uint(line.substr(key.size() + 1));
    }
    return std::nullopt;
}

bool cgroup_populated(const std::string& dir) {
    {
        Fd fd(::open((dir + "/cgroup.procs").c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return false;
        char c;
        if (::read(fd.get(), &c, 1) == 1) return true;
    }
    // A container's systemd moves its processes into cgroups of its own below the container's.
    DIR* d = ::opendir(dir.c_str());
    if (!d) return false;
    bool found = false;
    while (auto* e = ::readdir(d))
        if (e->d_type == DT_DIR && e->d_name[0] != '.' && cgroup_populated(dir + "/" + e->d_name)) {
            found = true;
            break;
        }
    ::closedir(d);
    return found;
}

namespace {
void add_subtree_controls(const std::string& dir, const std::string& rel, std::string& out) {
    std::string line;
    for (auto& c : split(read_file(dir + "/cgroup.subtree_control").value_or(""), " \n")) line += " +" + c;
    if (line.empty()) return;  // nothing below it has a controller it does not have
    out += rel + line + "\n";
    Dir d(dir);
    std::vector<std::string> children;
    while (auto* e = d.next()) {
        std::string_view name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != ".." && name.find_first_of(" \n") == name.npos)
            children.emplace_back(name);
    }
    std::sort(children.begin(), children.end());
    for (auto& c : children) add_subtree_controls(dir + "/" + c, rel == "." ? c : rel + "/" + c, out);
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
            fail(Exit::System, "Malformed cgroup record \"{}\"", line);
        auto controllers = line.substr(space + 1);
        auto cgroup = dir + "/" + rel;
        auto file = cgroup + "/cgroup.subtree_control";
        // Owned as its cgroup is: a cgroup delegated to a container's root has its cgroup.subtree_control too.
        struct stat st {};
        Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
        if (!fd || ::stat(cgroup.c_str(), &st) != 0 || ::fchown(fd.get(), st.st_uid, st.st_gid) != 0 ||
            !write_all(fd.get(), controllers))
            fail(Exit::System, "Can't enable controllers {} in {}: {}", controllers, file, errno_text(errno));
    }
}

std::vector<unsigned> ct_cgroup_ids(const CgroupLayout& layout) {
    std::vector<unsigned> ids;
    DIR* d = ::opendir(layout.probe_dir().c_str());
    if (!d) return ids;
    while (auto* e = ::readdir(d))
        if (auto id = parse_ctid(e->d_name); id && e->d_type == DT_DIR) ids.push_back(*id);
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<unsigned> running_ct_ids(const CgroupLayout& layout) {
    auto ids = ct_cgroup_ids(layout);
    std::erase_if(ids, [&](unsigned id) { return !cgroup_populated(layout.ct_probe_dir(id)); });
    return ids;
}

}  // namespace vz
