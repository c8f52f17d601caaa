#include "cgroup/layout.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "ct/env.hpp"
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

std::vector<unsigned> running_ct_ids(const CgroupLayout& layout) {
    std::vector<unsigned> ids;
    auto dir = layout.probe_dir();
    DIR* d = ::opendir(dir.c_str());
    if (!d) return ids;
    while (auto* e = ::readdir(d)) {
        auto id = parse_ctid(e->d_name);
        if (id && cgroup_populated(dir + "/" + e->d_name)) ids.push_back(*id);
    }
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace vz
