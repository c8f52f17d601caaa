#include "cgroup/layout.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "util/strings.hpp"
#include "config/ctconfig.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

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

std::optional<unsigned> ct_of_cgroup_text(const CgroupLayout& layout, std::string_view proc_cgroup) {
    auto prefix = "/" + layout.base + "/";
    for (auto& line : split(proc_cgroup, "\n")) {
        auto a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) continue;
        auto controllers = split(std::string_view(line).substr(a + 1, b - a - 1), ",");
        bool probe = layout.mode == CgroupMode::V2
                         ? line.compare(0, 3, "0::") == 0
                         : std::find(controllers.begin(), controllers.end(), "pids") != controllers.end();
        if (!probe) continue;
        auto path = std::string_view(line).substr(b + 1);
        if (!path.starts_with(prefix)) return std::nullopt;
        path.remove_prefix(prefix.size());
        return parse_ctid(std::string(path.substr(0, path.find('/'))));
    }
    return std::nullopt;
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
