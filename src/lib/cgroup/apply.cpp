#include "cgroup/apply.hpp"

#include "cgroup/driver.hpp"
#include "config/units.hpp"
#include "util/strings.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace vz {
namespace {

using namespace cgroup_io;

constexpr int kSetUbc = static_cast<int>(Exit::SetUbc);
constexpr int kSetCpu = static_cast<int>(Exit::SetCpu);

// Writes a CPU limit to the container's cgroup `d` and, where `inner` or v1 asks, to its inner level. LXCFS counts
// a container's CPUs from its init's cgroup, the inner level, which therefore gets the same quota.
void write_levels(const LimitFiles& f, const std::string& d, const char* file, const std::string& value, bool inner) {
    auto in = d + "/" + CgroupDriver::kInner;
    if (!f.nested_levels) {
        write(d, file, value, kSetCpu);
        if (inner) write(in, file, value, kSetCpu);
        return;
    }
    // A parent must hold its child's CPUs and quota: shrinking writes the inner level first, growing the outer
    // first. The inner level exists only once a process has joined.
    bool has_inner = is_dir(in);
    if (has_inner && try_write(in, file, value)) {
        write(d, file, value, kSetCpu);
    } else {
        write(d, file, value, kSetCpu);
        if (has_inner) write(in, file, value, kSetCpu);
    }
}

void apply_cpu(const LimitFiles& f, const std::string& d, const Resources& r) {
    auto period = f.cpu_period ? parse_uint(read(d, f.cpu_period)).value_or(kCpuPeriod) : kCpuPeriod;
    write_levels(f, d, f.cpu_quota, f.quota_text(cpu_quota_us(r.cpu_quota_pct, period), period), true);
    write(d, f.cpu_weight, std::to_string(f.weight(r.cpuunits)), kSetCpu);
}

// A CPU or memory node the host does not have online: said in words, not as the kernel's ERANGE or EINVAL.
void check_online(const char* key, const char* unit, const std::string& wanted, const char* sysfs_dir) {
    auto online = read(sysfs_dir, "online");
    auto want = parse_bitmap(wanted, 4096), have = parse_bitmap(online, 4096);
    if (online.empty() || !want || !have) return;
    for (size_t i = 0; i < want->size(); ++i)
        if ((*want)[i] && !(i < have->size() && (*have)[i]))
            fail(Exit::SetCpu, "{} {}: {} {} is not online on this host (online: {})", key, wanted, unit, i, online);
}

void apply_cpuset(const LimitFiles& f, const std::string& d, const Resources& r) {
    if (r.cpuset_cpus) check_online("CPUMASK", "CPU", *r.cpuset_cpus, "/sys/devices/system/cpu");
    if (r.cpuset_mems) check_online("NODEMASK", "node", *r.cpuset_mems, "/sys/devices/system/node");
    auto parent = d.substr(0, d.rfind('/'));
    for (auto [file, wanted] : {std::pair{"cpuset.cpus", &r.cpuset_cpus}, std::pair{"cpuset.mems", &r.cpuset_mems}}) {
        std::string value;
        if (wanted->has_value()) value = **wanted;
        else if (f.cpuset_from_parent) value = read(parent, file);
        // "all" on v2: empty (as the parent) where nothing was set yet; once set, the kernel refuses to empty the
        // file of a cgroup with tasks (ENOSPC), so the parent's CPUs in force are written.
        else if (!read(d, file).empty()) value = read(parent, std::string(file) + ".effective");
        write_levels(f, d, file, value, false);
    }
}

void apply_memory(const LimitFiles& f, const std::string& d, unsigned ctid, const Resources& r,
                  std::vector<std::string>& warnings) {
    auto no_swap = [&] { fail(Exit::SetUbc, "can't limit swappages of CT {}: {}", ctid, f.no_swap); };
    bool has_swap = path_exists(d + "/" + f.swap);
    auto unlimited_or = [&](const std::optional<uint64_t>& v, uint64_t plus) {
        return v ? std::to_string(*v + plus) : std::string(f.unlimited);
    };
    std::string ram = unlimited_or(r.ram_bytes, 0);
    std::string swap = unlimited_or(r.swap_bytes, f.swap_counts_ram ? r.ram_bytes.value_or(0) : 0);
    if (f.swap_counts_ram) {
        if (!has_swap && r.swap_bytes) no_swap();
        if (r.swap_bytes && !r.ram_bytes)
            fail(Exit::SetUbc, "can't limit swappages of CT {} on cgroup v1 without a physpages limit "
                               "(memsw counts RAM and swap together)", ctid);
        // memsw must stay >= memory: raising it first lets a growing memory limit in; when it shrinks this
        // fails, and the writes below lower memory first.
        if (has_swap) try_write(d, f.swap, swap);
    }
    write(d, f.ram, ram, kSetUbc);
    if (has_swap)
        write(d, f.swap, swap, kSetUbc);
    else if (r.swap_bytes)
        no_swap();
    // Newer v1 kernels accept a kmem limit and ignore it: only a value that reads back counts as enforced.
    if (r.kmem_bytes && !(f.kmem && try_write(d, f.kmem, std::to_string(*r.kmem_bytes)) &&
                          parse_uint(read(d, f.kmem)) == r.kmem_bytes))
        warnings.push_back(fmt::format("kmemsize is accounted, not enforced, on {}", f.kmem_scope));
}

void apply_io(const LimitFiles& f, const std::string& d, unsigned ctid, const Resources& r,
              const std::string& private_dir, std::vector<std::string>& warnings) {
    // Written also for the default 4, so that a change back takes effect.
    auto weight = std::to_string(ioprio_weight(r.ioprio));
    if (!try_write(d, f.io_weight[0], weight) && !try_write(d, f.io_weight[1], weight) && r.ioprio != 4)
        warnings.push_back(fmt::format("ioprio is not enforced: {}", f.no_io_weight));
    auto dev = block_device_of(private_dir);
    if (dev.empty()) {
        if (r.iolimit_bps || r.iopslimit)
            fail(Exit::SetIo, "can't limit I/O of CT {}: {} is not on a block device", ctid, private_dir);
        return;
    }
    for (auto& [file, value] : f.throttle(dev, r.iolimit_bps, r.iopslimit))
        write(d, file, value, static_cast<int>(Exit::SetIo));
}

std::vector<DeviceRule> allowed_devices(const Resources& r) {
    std::vector<DeviceRule> rules;
    for (auto* set : {&base_devices(), &r.devices})
        for (auto& rule : *set)
            if (!rule.access.empty()) rules.push_back(rule);
    return rules;
}

}  // namespace

std::optional<uint64_t> cpu_quota_us(std::optional<uint64_t> pct, uint64_t period) {
    // pct x period / 100, without the product overflowing first.
    if (!pct) return std::nullopt;
    return *pct * (period / 100) + *pct * (period % 100) / 100;
}

uint64_t ioprio_weight(unsigned ioprio) { return 100 + ioprio * 900 / 7; }

std::vector<std::string> apply_limits(const LimitFiles& f, const CgroupLayout& layout, unsigned ctid,
                                      const Resources& r, unsigned groups, const std::string& private_dir) {
    // The controller names are v1's hierarchies; on v2 every limit is in the one directory.
    std::vector<std::string> warnings;
    if (groups & kResCpu) apply_cpu(f, layout.ct_dir("cpu", ctid), r);
    if (groups & kResCpuset) apply_cpuset(f, layout.ct_dir("cpuset", ctid), r);
    if (groups & kResMemory) apply_memory(f, layout.ct_dir("memory", ctid), ctid, r, warnings);
    if (groups & kResPids)
        write(layout.ct_dir("pids", ctid), "pids.max", r.numproc ? std::to_string(*r.numproc) : "max", kSetUbc);
    if (groups & kResIo) apply_io(f, layout.ct_dir("blkio", ctid), ctid, r, private_dir, warnings);
    if (groups & kResDevices) f.allow_devices(layout.ct_dir("devices", ctid), allowed_devices(r));
    return warnings;
}

}  // namespace vz
