#include "ubc/meminfo.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cgroup/layout.hpp"
#include "config/units.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

constexpr uint64_t kKiB = 1024;

// A line of the container's meminfo that memory.stat gives: the sum of its keys (bytes), v1's hierarchical total_*
// keys or v2's; a line without keys for a version is 0 there (v1 has no slab or kernel stack figures per cgroup).
struct StatLine {
    std::string_view name;
    std::array<std::string_view, 2> v1, v2;
};

constexpr std::array kStatLines = {
    StatLine{"Cached", {"total_cache"}, {"file"}},
    StatLine{"Active", {"total_active_anon", "total_active_file"}, {"active_anon", "active_file"}},
    StatLine{"Inactive", {"total_inactive_anon", "total_inactive_file"}, {"inactive_anon", "inactive_file"}},
    StatLine{"Active(anon)", {"total_active_anon"}, {"active_anon"}},
    StatLine{"Inactive(anon)", {"total_inactive_anon"}, {"inactive_anon"}},
    StatLine{"Active(file)", {"total_active_file"}, {"active_file"}},
    StatLine{"Inactive(file)", {"total_inactive_file"}, {"inactive_file"}},
    StatLine{"Unevictable", {"total_unevictable"}, {"unevictable"}},
    StatLine{"Zswap", {}, {"zswap"}},
    StatLine{"Zswapped", {}, {"zswapped"}},
    StatLine{"Dirty", {"total_dirty"}, {"file_dirty"}},
    StatLine{"Writeback", {"total_writeback"}, {"file_writeback"}},
    StatLine{"AnonPages", {"total_rss"}, {"anon"}},
    StatLine{"Mapped", {"total_mapped_file"}, {"file_mapped"}},
    StatLine{"Shmem", {"total_shmem"}, {"shmem"}},
    StatLine{"KReclaimable", {}, {"slab_reclaimable"}},
    StatLine{"Slab", {}, {"slab_reclaimable", "slab_unreclaimable"}},
    StatLine{"SReclaimable", {}, {"slab_reclaimable"}},
    StatLine{"SUnreclaim", {}, {"slab_unreclaimable"}},
    StatLine{"KernelStack", {}, {"kernel_stack"}},
    StatLine{"PageTables", {}, {"pagetables"}},
    StatLine{"SecPageTables", {}, {"sec_pagetables"}},
    StatLine{"AnonHugePages", {"total_rss_huge"}, {"anon_thp"}},
    StatLine{"ShmemHugePages", {}, {"shmem_thp"}},
    StatLine{"FileHugePages", {}, {"file_thp"}},
};

// Lines of the host's meminfo that count the host's own use and have no figure per cgroup: a container can't have
// them, so its meminfo leaves them out (a prefix ending in '*' names a family: DirectMap4k, DirectMap2M, ...).
constexpr std::array<std::string_view, 8> kHostOnlyLines = {
    "Mlocked", "Committed_AS", "VmallocUsed", "VmallocChunk", "Percpu", "HardwareCorrupted", "Balloon", "DirectMap*",
};

bool host_only(std::string_view name) {
    return std::any_of(kHostOnlyLines.begin(), kHostOnlyLines.end(), [&](std::string_view h) {
        return h.back() == '*' ? name.substr(0, h.size() - 1) == h.substr(0, h.size() - 1) : name == h;
    });
}

// The reclaimable file cache (the file LRU lists), counted in MemAvailable.
constexpr StatLine kFileCache{"", {"total_active_file", "total_inactive_file"}, {"active_file", "inactive_file"}};

uint64_t stat_sum(const StatLine& l, bool v2, std::string_view stat) {
    uint64_t sum = 0;
    for (auto key : v2 ? l.v2 : l.v1)
        if (!key.empty()) sum += cgroup_keyed(stat, key).value_or(0);
    return sum;
}

// The lines of a text, without their newlines.
std::vector<std::string_view> text_lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    return out;
}

// The number of meminfo's line `key` (kB); 0 when it has none.
uint64_t meminfo_kb(std::string_view text, std::string_view key) {
    for (auto line : text_lines(text)) {
        if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
        auto value = line.substr(key.size() + 1);
        auto from = value.find_first_not_of(' ');
        if (from == std::string_view::npos) return 0;
        value.remove_prefix(from);
        return parse_uint(value.substr(0, value.find(' '))).value_or(0);
    }
    return 0;
}

unsigned digits(uint64_t n) {
    unsigned d = 1;
    while (n >= 10) {
        n /= 10;
        ++d;
    }
    return d;
}

// The width of the container's numbers: the kernel's 8, or wider when its largest possible figure needs it (every
// figure is bounded by its RAM plus its swap, CommitLimit, so a reading's length does not change with its use).
unsigned number_width(const MemView& v) { return std::max(8U, digits((v.ram + v.swap) / kKiB)); }

}  // namespace

MemHost host_mem(std::string_view meminfo) {
    MemHost h;
    h.ram = meminfo_kb(meminfo, "MemTotal") * kKiB;
    h.swap = meminfo_kb(meminfo, "SwapTotal") * kKiB;
    auto free = meminfo_kb(meminfo, "SwapFree") * kKiB;
    h.swap_used = h.swap > free ? h.swap - free : 0;
    return h;
}

MemHost live_host_mem() {
    auto meminfo = read_file("/proc/meminfo");
    if (!meminfo) fail(Exit::Failure, "Can't read /proc/meminfo");
    return host_mem(*meminfo);
}

std::string ct_meminfo(std::string_view host_meminfo, const MemCgroup& cg, std::string_view memory_stat) {
    auto v = mem_view(cg, host_mem(host_meminfo));
    // A figure of memory.stat can't be more than the container uses (the statistics lag its use a little, and a
    // limit lowered below the use cuts the use shown).
    auto in_use = [&](const StatLine& l) { return std::min(stat_sum(l, cg.v2, memory_stat), v.ram_used); };
    std::vector<std::pair<std::string_view, uint64_t>> figures = {
        {"MemTotal", v.ram / kKiB},
        {"MemFree", v.ram_free() / kKiB},
        {"MemAvailable", std::min(v.ram_free() + in_use(kFileCache), v.ram) / kKiB},
        {"Buffers", 0},
        {"SwapCached", 0},
        {"SwapTotal", v.swap / kKiB},
        {"SwapFree", v.swap_free() / kKiB},
        // What the container can hold at most, its RAM and swap (the host's formula, swap plus a share of RAM,
        // counts memory the container can't have).
        {"CommitLimit", (v.ram + v.swap) / kKiB},
    };
    for (auto& l : kStatLines) figures.emplace_back(l.name, in_use(l) / kKiB);

    auto width = number_width(v);
    std::string out;
    out.reserve(host_meminfo.size() + 64);
    for (auto line : text_lines(host_meminfo)) {
        auto name = line.substr(0, line.find(':'));
        if (host_only(name)) continue;
        auto it = std::find_if(figures.begin(), figures.end(), [&](auto& f) { return f.first == name; });
        if (it == figures.end()) out.append(line).push_back('\n');
        else out += fmt::format("{:<16}{:>{}} kB\n", fmt::format("{}:", name), it->second, width);
    }
    return out;
}

std::string ct_swaps(std::string_view host_meminfo, const MemCgroup& cg) {
    auto v = mem_view(cg, host_mem(host_meminfo));
    std::string out = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
    if (v.swap / kKiB == 0) return out;
    // The kernel's columns (the name padded to 40, tab stops), with Size and Used padded to a fixed width where the
    // kernel adds a second tab to short numbers; -2 is the priority the kernel gives the first swap area.
    auto width = number_width(v);
    out += fmt::format("{:<40}{}\t\t{:<{}}\t{:<{}}\t{}\n", "none", "virtual", v.swap / kKiB, width,
                       v.swap_used / kKiB, width, -2);
    return out;
}

std::optional<MemCgroup> read_mem_cgroup(const std::string& dir, bool v2) {
    auto files = mem_files(v2);
    auto number = [&](const char* name, uint64_t& out) {
        auto text = read_file(dir + "/" + name);
        return text && mem_number(text->c_str(), out);
    };
    MemCgroup cg;
    cg.v2 = v2;
    if (!number(files.limit, cg.limit) || !number(files.usage, cg.usage)) return std::nullopt;
    cg.has_swap = number(files.swap_limit, cg.swap_limit) && number(files.swap_usage, cg.swap_usage);
    return cg;
}

std::optional<std::string> live_ct_meminfo(const std::string& dir, bool v2) {
    auto cg = read_mem_cgroup(dir, v2);
    auto stat = cg ? read_file(dir + "/memory.stat") : std::nullopt;
    if (!stat) return std::nullopt;
    return ct_meminfo(read_file("/proc/meminfo").value_or(""), *cg, *stat);
}

std::optional<std::string> live_ct_swaps(const std::string& dir, bool v2) {
    auto cg = read_mem_cgroup(dir, v2);
    if (!cg) return std::nullopt;
    return ct_swaps(read_file("/proc/meminfo").value_or(""), *cg);
}

}  // namespace vz
