#include "ubc/collect.hpp"

#include <dirent.h>

#include <algorithm>
#include <map>
#include <string>

#include "config/units.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

// Reads each cgroup file at most once per container.
class Files {
public:
    explicit Files(std::string base) : base_(std::move(base)) {}
    const std::string& text(const std::string& rel) {
        auto it = cache_.find(rel);
        if (it != cache_.end()) return it->second;
        return cache_[rel] = read_file(base_ + "/" + rel).value_or("");
    }
    std::optional<uint64_t> number(const std::string& rel) {
        auto t = text(rel);
        while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
        return parse_uint(t);
    }
    // "key value" lines (memory.stat, memory.events, pids.events).
    std::optional<uint64_t> keyed(const std::string& rel, std::string_view key) {
        const auto& t = text(rel);
        size_t pos = 0;
        while (pos < t.size()) {
            auto nl = t.find('\n', pos);
            std::string_view line(t.data() + pos, (nl == std::string::npos ? t.size() : nl) - pos);
            pos = nl == std::string::npos ? t.size() : nl + 1;
            if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ')
                return parse_uint(line.substr(key.size() + 1));
        }
        return std::nullopt;
    }

    // The same summed over the cgroup and every cgroup below it: v1 records events (pids.events max,
    // oom_kill) in the cgroup where they happened, which is below the container's own level.
    std::optional<uint64_t> keyed_tree(const std::string& rel, std::string_view key) { return tree(base_, rel, key); }

private:
    static std::optional<uint64_t> tree(const std::string& dir, const std::string& rel, std::string_view key) {
        auto text = read_file(dir + "/" + rel);
        if (!text) return std::nullopt;
        Files here(dir);
        std::optional<uint64_t> sum = key.empty() ? here.number(rel) : here.keyed(rel, key);
        DIR* d = ::opendir(dir.c_str());
        if (!d) return sum;
        while (auto* e = ::readdir(d)) {
            if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
            if (auto more = tree(dir + "/" + e->d_name, rel, key)) sum = sum.value_or(0) + *more;
        }
        ::closedir(d);
        return sum;
    }

    std::string base_;
    std::map<std::string, std::string> cache_;
};

std::optional<uint64_t> pages(std::optional<uint64_t> bytes) {
    if (!bytes) return std::nullopt;
    return *bytes / page_size();
}

std::optional<uint64_t> minus(std::optional<uint64_t> a, std::optional<uint64_t> b) {
    if (!a || !b) return std::nullopt;
    return *a > *b ? *a - *b : 0;
}

// "TCP: inuse N ..." of the container's network namespace.
std::optional<uint64_t> sockstat(pid_t init, std::string_view proto) {
    auto t = read_file("/proc/" + std::to_string(init) + "/net/sockstat");
    if (!t) return std::nullopt;
    auto pos = t->find(std::string(proto) + ": inuse ");
    if (pos == std::string::npos) return std::nullopt;
    pos += proto.size() + 8;
    return parse_uint(std::string_view(*t).substr(pos, t->find_first_of(" \n", pos) - pos));
}

std::optional<uint64_t> open_ptys(pid_t init) {
    DIR* d = ::opendir(("/proc/" + std::to_string(init) + "/root/dev/pts").c_str());
    if (!d) return std::nullopt;
    uint64_t n = 0;
    while (auto* e = ::readdir(d))
        if (parse_uint(e->d_name)) ++n;
    ::closedir(d);
    return n;
}

}  // namespace

UbcStats collect_ubc(const CgroupLayout& layout, unsigned ctid, std::optional<pid_t> init,
                     const std::vector<bool>& wanted) {
    auto res = ubc_resources();
    UbcStats out(res.size());
    auto id = std::to_string(ctid);
    bool v2 = layout.mode == CgroupMode::V2;
    Files mem(v2 ? layout.root + "/" + layout.base + "/" + id : layout.root + "/memory/" + layout.base + "/" + id);
    Files pids(v2 ? layout.root + "/" + layout.base + "/" + id : layout.root + "/pids/" + layout.base + "/" + id);
    for (size_t i = 0; i < res.size(); ++i) {
        if (!wanted.empty() && !wanted[i]) continue;
        auto name = res[i].name;
        UbcCounters& c = out[i];
        if (name == "numproc") {
            c.held = pids.number("pids.current");
            c.maxheld = pids.number("pids.peak");
            c.failcnt = pids.keyed_tree("pids.events", "max");
        } else if (name == "physpages") {
            if (v2) {
                c.held = pages(mem.number("memory.current"));
                c.maxheld = pages(mem.number("memory.peak"));
                c.failcnt = mem.keyed("memory.events", "max");
            } else {
                c.held = pages(mem.number("memory.usage_in_bytes"));
                c.maxheld = pages(mem.number("memory.max_usage_in_bytes"));
                // Newer kernels no longer raise v1 memory.failcnt; an OOM kill is the failure they do count.
                auto fails = mem.number("memory.failcnt"), ooms = mem.keyed_tree("memory.oom_control", "oom_kill");
                if (fails || ooms) c.failcnt = std::max(fails.value_or(0), ooms.value_or(0));
            }
        } else if (name == "swappages") {
            if (v2) {
                c.held = pages(mem.number("memory.swap.current"));
                c.maxheld = pages(mem.number("memory.swap.peak"));
                c.failcnt = mem.keyed("memory.swap.events", "max");
            } else {
                c.held = pages(minus(mem.number("memory.memsw.usage_in_bytes"), mem.number("memory.usage_in_bytes")));
                c.maxheld = pages(minus(mem.number("memory.memsw.max_usage_in_bytes"),
                                        mem.number("memory.max_usage_in_bytes")));
                auto fails = mem.number("memory.memsw.failcnt"), ooms = mem.keyed_tree("memory.oom_control", "oom_kill");
                if (fails || ooms) c.failcnt = std::max(fails.value_or(0), ooms.value_or(0));
            }
        } else if (name == "kmemsize") {
            if (v2) {
                c.held = mem.keyed("memory.stat", "kernel");
            } else {
                c.held = mem.number("memory.kmem.usage_in_bytes");
                c.maxheld = mem.number("memory.kmem.max_usage_in_bytes");
                c.failcnt = mem.number("memory.kmem.failcnt");
            }
        } else if (name == "tcpsndbuf" || name == "tcprcvbuf") {
            if (v2) {
                c.held = mem.keyed("memory.stat", "sock");
            } else {
                c.held = mem.number("memory.kmem.tcp.usage_in_bytes");
                c.maxheld = mem.number("memory.kmem.tcp.max_usage_in_bytes");
                c.failcnt = mem.number("memory.kmem.tcp.failcnt");
            }
        } else if (name == "dcachesize") {
            c.held = v2 ? mem.keyed("memory.stat", "slab_reclaimable") : std::nullopt;
        } else if (name == "shmpages") {
            c.held = pages(mem.keyed("memory.stat", "shmem"));
        } else if (name == "lockedpages") {
            c.held = pages(mem.keyed("memory.stat", "unevictable"));
        } else if (init && name == "numtcpsock") {
            c.held = sockstat(*init, "TCP");
        } else if (init && name == "numothersock") {
            auto udp = sockstat(*init, "UDP"), raw = sockstat(*init, "RAW");
            if (udp && raw) c.held = *udp + *raw;
        } else if (init && name == "numpty") {
            c.held = open_ptys(*init);
        }
    }
    return out;
}

const char* ubc_support(const UbcResource& r, CgroupMode mode) {
    auto n = r.name;
    if (n == "physpages" || n == "swappages" || n == "numproc" || n == "numpty") return "enforced";
    if (n == "kmemsize" || n == "tcpsndbuf" || n == "tcprcvbuf" || n == "shmpages" || n == "lockedpages" ||
        n == "numtcpsock" || n == "numothersock")
        return "accounted";
    if (n == "dcachesize") return mode == CgroupMode::V2 ? "accounted" : "unavailable";
    return "unavailable";
}

}  // namespace vz
