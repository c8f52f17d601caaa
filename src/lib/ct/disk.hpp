// A container's disk: its layout (simfs or ploop), where its files are on the host, mounting it on VE_ROOT, and its
// limits (DISKSPACE, DISKINODES, QUOTATIME) in force. vzctl(8), "Disk".
//   simfs  VE_PRIVATE is a directory, bind-mounted (through the idmap of an unprivileged container) on VE_ROOT;
//          limits come from the file system under it (fs/quota.hpp): a btrfs subvolume's qgroup, or project quota
//          on ext4/XFS. DISK_QUOTA=yes requires one (60 at mount, 61 at create), no limits at all; unset uses one
//          when there is one.
//   ploop  VE_PRIVATE holds root.hdd/ (fs/image.hpp); its ext4 is mounted on a directory of the host's own
//          (/run/vz/fs/CTID-HASH, outside every container) and that is bind-mounted on VE_ROOT, as a simfs private
//          area is. The image's size is DISKSPACE's soft part; DISKINODES' soft part its inode count at create.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/ctconfig.hpp"

namespace vz {

enum class Layout { Simfs, Ploop };
// VE_LAYOUT; unset (a config from before the layouts), what the private area holds.
Layout ct_layout(const CtConfig& cfg);
const char* layout_name(Layout l);

// Where the container's files are on the host, for the host's own writes into them (resolv.conf, hosts, ...):
// VE_PRIVATE for simfs, the image's mount for ploop (mounted only while the container is).
std::string ct_tree(const CtConfig& cfg);

// VE_ROOT is a mount point.
bool root_mounted(const CtConfig& cfg);
// Mounts the private area on VE_ROOT (the image first for ploop, checked with e2fsck -p when `fsck`; `report`: the
// notice of limits not enforced is printed) and puts its limits in force; false when it was
// mounted already. Nothing stays mounted when it fails.
bool mount_private(const CtConfig& cfg, bool fsck = true, bool report = true);
// Whether the mount of `cfg` gets second-level quota (QUOTAUGIDLIMIT not 0, the ploop layout, a kernel with quota
// support); with `report`, a warning says why not where QUOTAUGIDLIMIT asks for it.
bool ugid_quota(const CtConfig& cfg, bool report = false);
// Unmounts VE_ROOT and then the image, each when mounted (also the image alone, left by a killed command).
void umount_private(const CtConfig& cfg);

struct DiskLimits {
    uint64_t space_soft_kib = 0, space_hard_kib = 0;
    uint64_t inodes_soft = 0, inodes_hard = 0;
    uint64_t grace_seconds = 0;
};
// DISKSPACE, DISKINODES, QUOTATIME (0 = unset).
DiskLimits disk_limits(const CtConfig& cfg);

// create's part: makes the private area `priv` for the layout (ploop: `mode` of --layout ploop:MODE, "" for the
// default) and unpacks the template into it through `unpack(dir)`. DISKSPACE is required for ploop (63). On
// failure the area is removed.
void create_private(const CtConfig& cfg, const std::string& priv, const std::string& mode,
                    const std::function<void(const std::string&)>& unpack);
// Removes the private area, moved aside to `aside` by destroy (a btrfs subvolume with its qgroup).
void remove_private(const std::string& aside);

// `set --diskspace/--diskinodes/--quotatime` with the new config `cfg`: simfs limits changed at once when mounted;
// a ploop image resized (online when mounted, offline when not).
void apply_disk(const CtConfig& cfg);

// `vzctl compact`: ploop only (simfs: a message, 0); the image mounted for the time of it when it is not; says
// how many bytes went back to the host. 166 when it fails.
void compact_ct(const Paths& p, unsigned ctid, const std::string& command);

// `vzctl quotaon|quotaoff|quotainit`: the simfs area's limits put in force, lifted, or set up (project IDs on the
// tree, then the limits). DISK_QUOTA other than yes: a message and 60/66/61; ploop: a message and 0.
enum class QuotaOp { On, Off, Init };
void quota_ct(const Paths& p, unsigned ctid, QuotaOp op, const std::string& command);

// `vzctl convert`'s part: an image made beside the stopped, unmounted simfs area `cfg` names (DISKSPACE's size,
// `mode`), the tree copied into it with owners, modes, times, ACLs, xattrs, hard links and device nodes, then the
// two swapped (in one step, renameat2 RENAME_EXCHANGE, where the file system can). Returns where the old tree was
// moved (.NAME.convert.*, or .NAME.converted.* after two renames; the caller removes it once the config says
// ploop; undo_convert puts it back). Any failure before the swap leaves the area untouched and nothing behind. 155.
std::string convert_to_image(const CtConfig& cfg, const std::string& mode, bool progress);
void undo_convert(const CtConfig& cfg, const std::string& old_tree);
// `vzctl convert --layout ploop` of a stopped ploop container whose image is OpenVZ's own (image::foreign_format,
// checked by the caller): the image imported (image::import) into a directory beside root.hdd/, the two swapped,
// the old removed. A failure or a kill before the swap leaves the old image as it was (a kill leaves the directory
// .root.hdd.import.*, which the next import removes). 155, or 46 when the host's disk fills.
void import_image(const CtConfig& cfg);

// What vzlist shows: use and limits in force of a mounted container; nullopt when unmounted or not known.
struct DiskUse {
    uint64_t space_kib = 0;
    std::optional<uint64_t> inodes;
};
std::optional<DiskUse> disk_use(const CtConfig& cfg, bool mounted);

}  // namespace vz
