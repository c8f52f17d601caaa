// What the tools learn about running containers: which run, their init, how long they have run, their load and
// beancounters. The one place that reads cgroups, /proc and the monitors for that; vzlist, vzubc and vzubcfs ask
// here and touch none of them themselves.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/layout.hpp"
#include "config/ctconfig.hpp"
#include "ct/state.hpp"
#include "ubc/collect.hpp"
#include "ubc/report.hpp"

namespace vz {

class CgroupDriver;
namespace net {
struct Link;
}

// One network device of a container, counted at its host end (the venet or veth peer on the host): what the host
// end received is what the container sent.
struct NetIo {
    std::string host_dev, ct_dev;  // the host end's name, the device's name inside
    uint64_t host_rx_bytes = 0, host_tx_bytes = 0;
};

// The cgroup layout of the containers of vz.conf `global` (its CGROUP_BASE), detected now.
CgroupLayout cgroup_layout(const ConfFile& global);

// The host pid of the container's init (pid 1 in its namespace), or nullopt when it does not run.
std::optional<pid_t> find_init(const CgroupDriver& cg, unsigned ctid);

// For what failed inside a running container (exec, enter, runscript): when its init is no longer `init`, it
// failed because the container stopped meanwhile, and this throws "Container is not running" (NotRunning, 31).
// `killed`: it ended by a signal or could not get in; a stop kills the container's processes in no set order, so
// init is given a moment to go too before the answer is no, and while a stop holds the container's lock (LOCKDIR
// `lockdir`), as long as that stop takes, up to 30 s.
void check_still_running(const CgroupDriver& cg, unsigned ctid, pid_t init, bool killed,
                         const std::string& lockdir = {});

// A host process as vzpid shows it.
struct ProcessInfo {
    unsigned ctid = 0;  // the container whose cgroup holds it; 0: the host (or a cgroup of another manager)
    pid_t vpid = 0;     // its pid in the container's pid namespace, the one below this process's; its own on the host
    std::string name;   // its command name (Name: of /proc/<pid>/status)
};

// One probe serves many questions about the containers of one vz.conf: the cgroup layout is detected once, the
// host's uptime read once.
class Probe {
public:
    explicit Probe(const ConfFile& global);
    ~Probe();
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;

    const CgroupLayout& layout() const { return layout_; }
    // The CTIDs whose cgroup holds processes, ascending.
    std::vector<unsigned> running_ids() const;
    bool running(unsigned ctid) const;
    CtState state(const CtConfig& cfg, const MountTable& mounts) const;
    std::optional<pid_t> init(unsigned ctid) const;
    // Seconds since the container's init started.
    std::optional<double> uptime(pid_t init) const;
    // The 1, 5 and 15 minute load averages its monitor keeps; nullopt when no monitor answers.
    std::optional<std::array<double, 3>> loadavg(unsigned ctid) const;
    // CPU time its processes used, in seconds (v1 cpuacct.usage, v2 cpu.stat usage_usec); nullopt when unknown.
    std::optional<double> cpu_seconds(unsigned ctid) const;
    // Its network devices' traffic at their host ends (one dump of the host's links serves every container).
    std::vector<NetIo> net_io(const CtConfig& cfg) const;
    // The process `pid` of the host's pid namespace (vzpid); nullopt when there is none.
    std::optional<ProcessInfo> process(pid_t pid) const;
    // Its beancounters (ubc/collect.hpp: `wanted` parts of each resource; `init` where ubc_needs_init says so).
    UbcStats ubc(unsigned ctid, std::optional<pid_t> init, const std::vector<unsigned>& wanted = {}) const;

private:
    CgroupLayout layout_;
    mutable std::unique_ptr<CgroupDriver> driver_;
    mutable std::optional<double> host_uptime_;
    mutable std::unique_ptr<std::vector<net::Link>> links_;
};

// Live blocks of running containers, ascending; `ctids` empty means every running one. The given containers
// that do not run are returned in `not_running`.
struct LiveUbc {
    std::vector<UbcBlock> blocks;
    std::vector<unsigned> not_running;
};
LiveUbc collect_live_ubc(const Paths& paths, std::vector<unsigned> ctids);

// What the container's user_beancounters file says: its block of the raw beancounter file; nullopt when it does
// not run.
std::optional<std::string> ubc_proc_text(const Paths& p, unsigned ctid);

// The venet addresses in force for every running container (its host routes), by routed_key: one listing for
// all.
std::map<std::string, std::vector<std::string>> routed_addresses();
// Which entry of routed_addresses() is the container's.
std::string routed_key(const CtConfig& cfg);

}  // namespace vz
