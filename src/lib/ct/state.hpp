// What state a container is in, from the kernel's point of view (never from a cache of ours): its private area
// exists, its root is a mount point, its cgroup holds processes, a dump file waits for it.
#pragma once

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cgroup/layout.hpp"
#include "config/ctconfig.hpp"

namespace vz {

// Mount points of this mount namespace, read once.
class MountTable {
public:
    static MountTable read();
    bool is_mount_point(const std::string& path) const { return points_.contains(path); }
    // The mount points whose source is `source` (a loop device, "/dev/loopN").
    std::vector<std::string> points_of(const std::string& source) const;

private:
    std::unordered_set<std::string> points_;
    std::vector<std::pair<std::string, std::string>> sources_;  // source, mount point
};

enum class RunStatus { Running, Stopped, Mounted, Suspended };
const char* run_status_name(RunStatus s);

struct CtState {
    bool exists = false;     // private area present
    bool mounted = false;
    bool running = false;
    bool suspended = false;  // stopped with a dump file
    RunStatus status() const;
};

CgroupLayout ct_cgroup_layout(const CtConfig& cfg);
std::string dump_file(const CtConfig& cfg);
// DUMPDIR/Dump.CTID for a DUMPDIR: dump_file's path where only the directory is known (a migration's destination).
std::string dump_path(const std::string& dumpdir, unsigned ctid);
// The pre-dumps before the dump `dump` (chkpnt --pre-dump, vzmigrate's pre-copy): `dump`.pre/1, /2, ..., each the
// memory that changed since the one before, CRIU's parent of the next and the last the dump's parent (relative
// links, the same on both hosts). Their directory, the Nth of them, and how many there are (the number of the
// last, 0 for none).
std::string pre_dumps_dir(const std::string& dump);
std::string pre_dump_dir(const std::string& dump, unsigned n);
unsigned pre_dump_count(const std::string& dump);
// CRIU's --prev-images-dir for the next directory of the chain, relative to it: for the next pre-dump
// (`for_pre_dump`) "../N", for the dump "../Dump.CTID.pre/N", N the last pre-dump; empty when there is none.
std::string pre_dump_parent(const std::string& dump, bool for_pre_dump);
// The dump and its pre-dumps removed.
void remove_dump(const std::string& dump);
CtState ct_state(const CtConfig& cfg, const MountTable& mounts);
// The same with the cgroup layout already known (listings detect it once).
CtState ct_state(const CtConfig& cfg, const MountTable& mounts, const CgroupLayout& layout);
// "CTID 101 exist mounted running" (vzctl status).
std::string status_line(unsigned ctid, const CtState& st);

}  // namespace vz
