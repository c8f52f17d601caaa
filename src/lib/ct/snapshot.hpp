// Snapshots of a ploop container (vzctl snapshot, snapshot-switch, snapshot-delete, snapshot-mount,
// snapshot-umount, snapshot-list; vzctl(8), "Snapshots"). On a mainline kernel ploop's deltas are not there, so a
// snapshot is a copy of the image file taken at that moment, beside it, sharing its extents where the host file
// system can (btrfs, XFS with reflink) and holding its data ranges only elsewhere:
//   <private>/root.hdd/root.hdd.{UUID}         the image as it was (ext4, consistent: frozen while copied)
//   <private>/root.hdd/root.hdd.{UUID}.conf    the container's config as it was (unless --skip-config)
//   <private>/root.hdd/root.hdd.{UUID}.dump/   a running container's memory as it was (CRIU's images)
//   <private>/root.hdd/snapshots               the list: the current snapshot, then one line per snapshot
// The list is written last and atomically, so a killed command leaves at most an unlisted copy, which the next
// snapshot command removes. Snapshots go where the private area goes (vzmigrate) and with it (destroy).
#pragma once

#include <string>

#include "config/ctconfig.hpp"
#include "ct/lifecycle.hpp"

namespace vz {

struct SnapshotOptions {
    std::string id;  // --id; generated when empty
    std::string name, description;
    bool skip_suspend = false;  // a running container's memory is not saved
    bool skip_config = false;
};
// A running container's memory is dumped (CRIU) into the snapshot too, unless skip_suspend: frozen, dumped, its
// image copied, thawed. Errors: 156 (a simfs container, an id in use or malformed, a name or description with
// control characters, the dump or the copy failing; the host's disk full: 46).
void snapshot_create(const Paths& p, unsigned ctid, const SnapshotOptions& o, const Tools& t,
                     const std::string& command);

struct SwitchOptions {
    std::string id;
    bool skip_resume = false;  // a container running before stays stopped
    bool must_resume = false;  // the memory must come back too: 159 when the snapshot has none or its restore fails
    bool skip_config = false;
};
// The container's image (and config) as the snapshot holds them; a running container is stopped first (its
// current state is lost, as the original's). Then, unless skip_resume: resumed from the snapshot's memory when it
// has one (started instead when that fails, unless must_resume), else started again when it was running. 159.
void snapshot_switch(const Paths& p, unsigned ctid, const SwitchOptions& o, const Tools& t,
                     const std::string& command);

// The snapshot's copy and config removed; its children's parent becomes its parent. Mounted: refused. 158.
void snapshot_delete(const Paths& p, unsigned ctid, const std::string& id, const std::string& command);

// Mounts the snapshot read-only on the existing directory `target` (160); unmounts it (161).
void snapshot_mount(const Paths& p, unsigned ctid, const std::string& id, const std::string& target,
                    const std::string& command);
void snapshot_umount(const Paths& p, unsigned ctid, const std::string& id, const std::string& command);

struct SnapshotListOptions {
    bool no_header = false;
    bool list_fields = false;  // -L: the field names, one a line
    std::string fields;        // -o; empty: parent_uuid,current,uuid,date,name
    std::string id;            // --id: that snapshot only
};
// Unmounts the container's mounted snapshots (destroy's, before the private area goes); warnings only.
void umount_snapshots(const CtConfig& cfg);

// Prints the list (167 for an unknown field or snapshot).
void snapshot_list(const Paths& p, unsigned ctid, const SnapshotListOptions& o, const std::string& command);

}  // namespace vz
