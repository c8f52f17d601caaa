#include "ct/resources.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

#include "config/beancounters.hpp"
#include "config/units.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

std::optional<uint64_t> ubc_limit(const CtConfig& cfg, std::string_view name) {
    auto* r = find_ubc(name);
    const std::string* v = cfg.get(r->conf_key);
    if (!v && !r->conf_alias.empty()) v = cfg.get(r->conf_alias);
    if (!v || v->empty()) return std::nullopt;
    auto pair = parse_ubc_pair(*v, r->unit);
    if (!pair || pair->limit >= kUnlimited || pair->limit == 2147483647) return std::nullopt;
    return pair->limit;
}

std::optional<uint64_t> uint_key(const CtConfig& cfg, const char* key) {
    const std::string* v = cfg.get(key);
    return v ? parse_uint(*v) : std::nullopt;
}

std::string access_of(const std::string& perm) {
    if (perm == "none") return "";
    std::string a;
    if (perm.find('r') != std::string::npos) a += 'r';
    if (perm.find('w') != std::string::npos) a += 'w';
    return a;
}

// The CPUs of NUMA nodes "0-1,3" (CPUMASK="auto"), from sysfs.
std::string cpus_of_nodes(const std::string& nodes) {
    std::vector<std::string> lists;
    auto map = parse_bitmap(nodes, 1024);
    if (!map) return {};
    for (size_t n = 0; n < map->size(); ++n)
        if ((*map)[n]) {
            auto l = read_file("/sys/devices/system/node/node" + std::to_string(n) + "/cpulist");
            if (l && !l->empty()) lists.push_back(l->substr(0, l->find('\n')));
        }
    return join(lists, ",");
}

}  // namespace

Resources resources_from_config(const CtConfig& cfg) {
    Resources r;
    auto cpulimit = uint_key(cfg, "CPULIMIT");
    auto cpus = uint_key(cfg, "CPUS");
    std::optional<uint64_t> cap;
    if (cpulimit && *cpulimit > 0) cap = *cpulimit;
    if (cpus && *cpus > 0) cap = std::min(cap.value_or(UINT64_MAX), *cpus * 100);
    r.cpu_quota_pct = cap;
    // CPUUWEIGHT (--cpuweight) is the raw fair-scheduler weight: OpenVZ's units = 500000 / weight.
    auto weight = uint_key(cfg, "CPUUWEIGHT");
    r.cpuunits = uint_key(cfg, "CPUUNITS").value_or(weight && *weight ? 500000 / *weight : 1000);
    auto mask = cfg.get("CPUMASK");
    auto nodes = cfg.get("NODEMASK");
    if (nodes && !nodes->empty() && *nodes != "all") r.cpuset_mems = *nodes;
    if (mask && *mask == "auto" && r.cpuset_mems) r.cpuset_cpus = cpus_of_nodes(*r.cpuset_mems);
    else if (mask && !mask->empty() && *mask != "all" && *mask != "auto") r.cpuset_cpus = *mask;

    auto page = page_size();
    if (auto ram = ubc_limit(cfg, "physpages")) r.ram_bytes = *ram * page;
    if (auto swap = ubc_limit(cfg, "swappages")) r.swap_bytes = *swap * page;
    r.kmem_bytes = ubc_limit(cfg, "kmemsize");
    r.numproc = ubc_limit(cfg, "numproc");
    r.numpty = ubc_limit(cfg, "numpty");

    r.ioprio = static_cast<unsigned>(uint_key(cfg, "IOPRIO").value_or(4));
    r.iolimit_bps = uint_key(cfg, "IOLIMIT").value_or(0);
    r.iopslimit = uint_key(cfg, "IOPSLIMIT").value_or(0);

    if (auto* devs = cfg.get("DEVICES"))
        for (auto& e : split(*devs, " ")) {
            auto f = split(e, ":");
            if (f.size() != 4) continue;
            DeviceRule d;
            d.type = f[0][0];
            d.major = static_cast<int64_t>(parse_uint(f[1]).value_or(0));
            d.minor = f[2] == "all" ? -1 : static_cast<int64_t>(parse_uint(f[2]).value_or(0));
            d.access = access_of(f[3]);
            r.devices.push_back(d);
        }
    if (auto* nodes_conf = cfg.get("DEVNODES"))
        for (auto& e : split(*nodes_conf, " ")) {
            auto c = e.rfind(':');
            if (c == std::string::npos) continue;
            auto name = e.substr(0, c);
            struct stat st;
            if (::stat(("/dev/" + name).c_str(), &st) != 0) continue;
            DeviceRule d;
            d.type = S_ISBLK(st.st_mode) ? 'b' : 'c';
            d.major = major(st.st_rdev);
            d.minor = minor(st.st_rdev);
            d.access = access_of(e.substr(c + 1));
            r.devices.push_back(d);
            if (!d.access.empty()) r.devnodes.push_back(name);
        }
    return r;
}

}  // namespace vz
