// The host's boot and shutdown of containers (the original's `vz` init script, here the vz-service program run by
// systemd's vz.service): which containers start at boot and in which order, the record of the containers that ran
// when the host went down, and running one vzctl per container, a bounded number at a time.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/ctconfig.hpp"

namespace vz {

// What the boot order and the boot decision need of one container's configuration.
struct BootEntry {
    unsigned ctid = 0;
    std::optional<bool> onboot;             // ONBOOT; nullopt when unset
    std::optional<uint64_t> bootorder;      // BOOTORDER; nullopt when unset
    std::string problem;                    // why its config could not be read or ONBOOT/BOOTORDER make no sense
};

// Every container of the configuration directory (CT 0 excepted), in boot order.
std::vector<BootEntry> boot_entries(const Paths& p, const std::shared_ptr<const ConfFile>& global);

// Boot order, as the init script's `vzlist -s-bootorder`: the highest BOOTORDER first, unset last, ties by
// ascending CTID. Shutdown is the exact reverse.
void sort_boot_order(std::vector<BootEntry>& entries);

// Why a container is not started at boot, or "" when it is: ONBOOT="no"; ONBOOT unset and it did not run when
// the host last went down (`ran_before`: the record of boot_record_path); a config problem.
std::string boot_skip_reason(const BootEntry& e, const std::set<unsigned>& ran_before);

// The record of the containers that ran when the host last went down: LOCKDIR/vz-service.running, one CTID a
// line. Written by the shutdown before it stops them; read and removed by the next boot.
std::string boot_record_path(const ConfFile& global);
std::set<unsigned> read_boot_record(const std::string& path);
void write_boot_record(const std::string& path, const std::vector<unsigned>& ctids);

// VE_PARALLEL of vz.conf, or the number of online CPUs when unset; a value that is no number from 1 to 1000 is
// exit 21 naming it.
unsigned ve_parallel(const ConfFile& global);

// One child process per job, started in the given order, at most `parallel` running at once. A job's standard
// output and error are kept (an unlinked file, so a talkative child never blocks) and handed to `done` with its
// exit status (128+signal when killed; 127 when it could not be run) as it ends.
struct Job {
    unsigned ctid = 0;
    std::vector<std::string> argv;
    std::vector<std::string> fallback;  // run when argv fails (suspend, else stop); empty: none
};
struct JobResult {
    unsigned ctid = 0;
    int status = 0;
    std::string output;
};
void run_jobs(const std::vector<Job>& jobs, unsigned parallel, const std::function<void(const JobResult&)>& done);

}  // namespace vz
