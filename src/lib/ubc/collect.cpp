#include "ubc/collect.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <map>
#include <string>

#include <fmt/format.h>

#include "config/units.hpp"
#include "ubc/memview.hpp"
#include "util/dir.hpp"
#include "util/fd.hpp"

namespace vz {
namespace {

std::string_view trimmed(std::string_view t) {
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
    return t;
}

// The text of `name` in the directory `dir` (or AT_FDCWD); nullopt when it can't be read (missing, or its cgroup
// or process went away while the listing ran).
std::optional<std::string> read_at(int dir, const char* name) {
    Fd fd(::openat(dir, name, O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

// Adds the `key` lines of `rel` in every cgroup below the directory `dir` to `sum`. A cgroup directory's link
// count is 2 plus its subdirectories (kernfs), so a leaf is not listed.
void add_below(int dir, const char* rel, std::string_view key, std::optional<uint64_t>& sum) {
    struct stat st;
    if (::fstat(dir, &st) != 0 || st.st_nlink == 2) return;
    Dir d = Dir::of(dir);
    while (auto* e = d.next()) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        Fd sub(::openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!sub) continue;
        if (auto t = read_at(sub.get(), rel))
            if (auto v = cgroup_keyed(*t, key)) sum = sum.value_or(0) + *v;
        add_below(sub.get(), rel, key, sum);
    }
}

// The files of one cgroup directory, each read at most once, relative to the directory opened once.
class Files {
public:
    explicit Files(std::string dir) : path_(std::move(dir)) {}
    const std::optional<std::string>& text(const char* rel) {
        auto it = cache_.find(rel);
        if (it != cache_.end()) return it->second;
        return cache_[rel] = dir() < 0 ? std::nullopt : read_at(dir(), rel);
    }
    std::optional<uint64_t> number(const char* rel) {
        auto& t = text(rel);
        return t ? parse_uint(trimmed(*t)) : std::nullopt;
    }
    std::optional<uint64_t> keyed(const char* rel, std::string_view key) {
        auto& t = text(rel);
        return t ? cgroup_keyed(*t, key) : std::nullopt;
    }
    // A limit file: a number, or "max" (v2, v1 pids) for none.
    std::optional<uint64_t> limit(const char* rel) {
        auto& t = text(rel);
        if (t && trimmed(*t) == "max") return kUnlimited;
        return number(rel);
    }
    // keyed() summed over the cgroup and every cgroup below it: v1 records events (pids.events max, oom_kill)
    // in the cgroup where they happened, which is below the container's own level.
    std::optional<uint64_t> keyed_tree(const char* rel, std::string_view key) {
        auto sum = keyed(rel, key);
        if (text(rel)) add_below(dir(), rel, key, sum);
        return sum;
    }

private:
    int dir() {
        if (!opened_) {
            opened_ = true;
            dir_ = Fd(::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        }
        return dir_.get();
    }

    std::string path_;
    bool opened_ = false;
    Fd dir_;
    std::map<std::string, std::optional<std::string>, std::less<>> cache_;
};

std::optional<uint64_t> pages(std::optional<uint64_t> bytes) {
    if (!bytes) return std::nullopt;
    return *bytes / page_size();
}

// A byte limit in pages. v1 memory shows "no limit" as the largest page multiple up to LONG_MAX.
std::optional<uint64_t> limit_pages(std::optional<uint64_t> bytes) {
    if (!bytes) return std::nullopt;
    if (*bytes > kUnlimited - page_size()) return kUnlimited;
    return *bytes / page_size();
}

std::optional<uint64_t> minus(std::optional<uint64_t> a, std::optional<uint64_t> b) {
    if (!a || !b) return std::nullopt;
    return *a > *b ? *a - *b : 0;
}

// "TCP: inuse N ..." of the container's network namespace.
std::optional<uint64_t> sockstat(pid_t init, std::string_view proto) {
    auto t = read_at(AT_FDCWD, ("/proc/" + std::to_string(init) + "/net/sockstat").c_str());
    if (!t) return std::nullopt;
    auto pos = t->find(std::string(proto) + ": inuse ");
    if (pos == std::string::npos) return std::nullopt;
    pos += proto.size() + 8;
    return parse_uint(std::string_view(*t).substr(pos, t->find_first_of(" \n", pos) - pos));
}

std::optional<uint64_t> open_ptys(pid_t init) {
    Dir d("/proc/" + std::to_string(init) + "/root/dev/pts");
    if (!d) return std::nullopt;
    uint64_t n = 0;
    while (auto* e = d.next())
        if (parse_uint(e->d_name)) ++n;
    return n;
}

// The max= option of the devpts on the container's /dev/pts (the kernel omits it at its default, 1048576,
// which is no limit).
std::optional<uint64_t> pty_limit(pid_t init) {
    auto t = read_at(AT_FDCWD, ("/proc/" + std::to_string(init) + "/mountinfo").c_str());
    if (!t) return std::nullopt;
    std::optional<uint64_t> found;
    for (auto& line : split(*t, "\n")) {
        // id parent dev root mountpoint options [tags] - fstype source super-options
        auto words = split(line, " ");
        auto dash = std::find(words.begin(), words.end(), "-");
        if (words.size() < 5 || words[4] != "/dev/pts" || words.end() - dash < 4 || dash[1] != "devpts") continue;
        found = kUnlimited;  // the last mount on /dev/pts is the one in use
        for (auto& opt : split(dash[3], ","))
            if (opt.starts_with("max=")) found = parse_uint(std::string_view(opt).substr(4));
    }
    return found;
}

// Where a container's figures come from.
struct Sources {
    Files mem, pids;
    bool v2;
    std::optional<pid_t> init;
};

// How one resource is measured and enforced. Resources without a row are unavailable.
struct Collector {
    std::string_view resource;
    const char* support_v1;
    const char* support_v2;
    bool needs_init;  // its figures come from the init's /proc
    void (*counters)(Sources&, UbcCounters&);
    std::optional<uint64_t> (*limit)(Sources&);  // null: not enforced
};

constexpr const char* kEnforced = "enforced";
constexpr const char* kAccounted = "accounted";
constexpr const char* kUnavailable = "unavailable";

// Newer kernels no longer raise v1 memory.failcnt; an OOM kill is the failure they do count.
std::optional<uint64_t> v1_fails(Sources& s, const char* failcnt) {
    auto fails = s.mem.number(failcnt), ooms = s.mem.keyed_tree("memory.oom_control", "oom_kill");
    if (!fails && !ooms) return std::nullopt;
    return std::max(fails.value_or(0), ooms.value_or(0));
}

// Kernel memory: v2 accounts it in memory.stat (`v2_key`), v1 in its own counters (memory.kmem<v1_part>.*).
void kernel_memory(Sources& s, UbcCounters& c, const char* v2_key, std::string_view v1_part) {
    if (s.v2) {
        c.held = s.mem.keyed("memory.stat", v2_key);
        return;
    }
    auto file = [&](const char* leaf) { return fmt::format("memory.kmem{}.{}", v1_part, leaf); };
    c.held = s.mem.number(file("usage_in_bytes").c_str());
    c.maxheld = s.mem.number(file("max_usage_in_bytes").c_str());
    c.failcnt = s.mem.number(file("failcnt").c_str());
}

void socket_buffers(Sources& s, UbcCounters& c) { kernel_memory(s, c, "sock", ".tcp"); }

const std::array kCollectors = {
    Collector{"numproc", kEnforced, kEnforced, false,
              [](Sources& s, UbcCounters& c) {
                  c.held = s.pids.number("pids.current");
                  c.maxheld = s.pids.number("pids.peak");
                  c.failcnt = s.pids.keyed_tree("pids.events", "max");
              },
              [](Sources& s) { return s.pids.limit("pids.max"); }},
    Collector{"physpages", kEnforced, kEnforced, false,
              [](Sources& s, UbcCounters& c) {
                  c.held = pages(s.mem.number(mem_files(s.v2).usage));
                  if (s.v2) {
                      c.maxheld = pages(s.mem.number("memory.peak"));
                      c.failcnt = s.mem.keyed("memory.events", "max");
                  } else {
                      c.maxheld = pages(s.mem.number("memory.max_usage_in_bytes"));
                      c.failcnt = v1_fails(s, "memory.failcnt");
                  }
              },
              [](Sources& s) { return limit_pages(s.mem.limit(mem_files(s.v2).limit)); }},
    Collector{"swappages", kEnforced, kEnforced, false,
              [](Sources& s, UbcCounters& c) {
                  auto f = mem_files(s.v2);
                  if (s.v2) {
                      c.held = pages(s.mem.number(f.swap_usage));
                      c.maxheld = pages(s.mem.number("memory.swap.peak"));
                      c.failcnt = s.mem.keyed("memory.swap.events", "max");
                  } else {
                      c.held = pages(minus(s.mem.number(f.swap_usage), s.mem.number(f.usage)));
                      c.maxheld = pages(minus(s.mem.number("memory.memsw.max_usage_in_bytes"),
                                              s.mem.number("memory.max_usage_in_bytes")));
                      c.failcnt = v1_fails(s, "memory.memsw.failcnt");
                  }
              },
              [](Sources& s) -> std::optional<uint64_t> {
                  auto f = mem_files(s.v2);
                  if (s.v2) return limit_pages(s.mem.limit(f.swap_limit));
                  // memsw caps RAM and swap together: swap may use what the RAM limit leaves of it.
                  auto both = limit_pages(s.mem.number(f.swap_limit));
                  auto ram = limit_pages(s.mem.number(f.limit));
                  if (!both || *both == kUnlimited) return both;
                  return ram && *ram != kUnlimited ? minus(both, ram) : both;
              }},
    Collector{"kmemsize", kAccounted, kAccounted, false,
              [](Sources& s, UbcCounters& c) { kernel_memory(s, c, "kernel", ""); },
              nullptr},
    Collector{"tcpsndbuf", kAccounted, kAccounted, false, socket_buffers, nullptr},
    Collector{"tcprcvbuf", kAccounted, kAccounted, false, socket_buffers, nullptr},
    Collector{"dcachesize", kUnavailable, kAccounted, false,
              [](Sources& s, UbcCounters& c) {
                  if (s.v2) c.held = s.mem.keyed("memory.stat", "slab_reclaimable");
              },
              nullptr},
    Collector{"shmpages", kAccounted, kAccounted, false,
              [](Sources& s, UbcCounters& c) { c.held = pages(s.mem.keyed("memory.stat", "shmem")); }, nullptr},
    Collector{"lockedpages", kAccounted, kAccounted, false,
              [](Sources& s, UbcCounters& c) { c.held = pages(s.mem.keyed("memory.stat", "unevictable")); },
              nullptr},
    Collector{"numtcpsock", kAccounted, kAccounted, true,
              [](Sources& s, UbcCounters& c) { c.held = sockstat(*s.init, "TCP"); }, nullptr},
    Collector{"numothersock", kAccounted, kAccounted, true,
              [](Sources& s, UbcCounters& c) {
                  auto udp = sockstat(*s.init, "UDP"), raw = sockstat(*s.init, "RAW");
                  if (udp && raw) c.held = *udp + *raw;
              },
              nullptr},
    Collector{"numpty", kEnforced, kEnforced, true,
              [](Sources& s, UbcCounters& c) { c.held = open_ptys(*s.init); },
              [](Sources& s) { return pty_limit(*s.init); }},
};

// The collector of each resource, indexed like ubc_resources(); null where the resource is unavailable.
const std::vector<const Collector*>& collectors() {
    static const std::vector<const Collector*> table = [] {
        std::vector<const Collector*> t;
        for (auto& r : ubc_resources()) {
            auto it = std::find_if(kCollectors.begin(), kCollectors.end(),
                                   [&](auto& c) { return c.resource == r.name; });
            t.push_back(it == kCollectors.end() ? nullptr : &*it);
        }
        return t;
    }();
    return table;
}

}  // namespace

UbcStats collect_ubc(const CgroupLayout& layout, unsigned ctid, std::optional<pid_t> init,
                     const std::vector<unsigned>& wanted) {
    auto& table = collectors();
    UbcStats out(table.size());
    // v2: one directory; v1: the container's directory in the memory and the pids hierarchy.
    Sources s{Files(layout.ct_dir("memory", ctid)), Files(layout.ct_dir("pids", ctid)),
              layout.mode == CgroupMode::V2, init};
    for (size_t i = 0; i < table.size(); ++i) {
        unsigned parts = wanted.empty() ? kUbcAll : wanted[i];
        auto* c = table[i];
        if (!parts || !c || (c->needs_init && !init)) continue;
        if (parts & kUbcCounters) c->counters(s, out[i]);
        if ((parts & kUbcLimit) && c->limit) out[i].limit = c->limit(s);
    }
    return out;
}

bool ubc_needs_init(const std::vector<unsigned>& wanted) {
    auto& table = collectors();
    for (size_t i = 0; i < table.size(); ++i)
        if (table[i] && table[i]->needs_init && (wanted.empty() || wanted[i])) return true;
    return false;
}

const char* ubc_support(const UbcResource& r, CgroupMode mode) {
    auto res = ubc_resources();
    auto& table = collectors();
    for (size_t i = 0; i < res.size(); ++i)
        if (res[i].name == r.name && table[i])
            return mode == CgroupMode::V2 ? table[i]->support_v2 : table[i]->support_v1;
    return kUnavailable;
}

}  // namespace vz
