// The image layout (VE_LAYOUT=ploop) on a mainline kernel: ploop's directory layout holding ploop's raw format.
//   <private>/root.hdd/DiskDescriptor.xml   as ploop writes it: disk size in sectors, the image file, its format
//   <private>/root.hdd/root.hdd             the image: one ext4 file system, sparse (expanded) or preallocated
//                                           (plain, raw)
// An image is attached to a loop device (LOOP_CONFIGURE with autoclear, direct I/O where the host file system takes
// it) only to be mounted: the loop device goes away with the last unmount, and also when the process that attached
// it dies before mounting, so a killed command leaks no device.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/process.hpp"

namespace vz::image {

// ploop[:expanded|plain|raw] of `vzctl create --layout` and `convert`.
enum class Mode { Expanded, Plain, Raw };
std::optional<Mode> parse_mode(std::string_view name);
const char* mode_name(Mode mode);

struct Descriptor {
    uint64_t size_kib = 0;        // <Disk_size> (512-byte sectors) / 2
    std::string file = "root.hdd";  // the image, relative to root.hdd/
    // As ploop marks it: <Type>Compressed</Type> (expanded), the same with <Preallocated>1</Preallocated> in
    // <Storage> (plain), <Type>Plain</Type> (raw). The file itself is raw in all three; they differ in allocation.
    Mode mode = Mode::Expanded;
};

std::string image_dir(const std::string& priv);        // <priv>/root.hdd
std::string descriptor_path(const std::string& priv);  // <priv>/root.hdd/DiskDescriptor.xml
std::string image_path(const std::string& priv);       // <priv>/root.hdd/<file of the descriptor>
// The layout's autodetection, as the original's: `priv` holds root.hdd/DiskDescriptor.xml.
bool has_image(const std::string& priv);

// The text of a DiskDescriptor.xml. Parsing is strict: not XML, not ploop's document, a size of 0, an image path
// that leaves root.hdd/, more than one image (ploop snapshots) -> Error(MountImage) naming `what`.
Descriptor parse_descriptor(std::string_view xml, const std::string& what);
std::string render_descriptor(const Descriptor& d);
// The descriptor of `priv`; Error(ImageNotFound) when there is none, as parse_descriptor when it is malformed.
Descriptor read_descriptor(const std::string& priv);

struct CreateSpec {
    uint64_t size_kib = 0;  // the file system's size
    uint64_t inodes = 0;    // inode count for mkfs; 0: mkfs.ext4's default
    // As ploop marks it: <Type>Compressed</Type> (expanded), the same with <Preallocated>1</Preallocated> in
    // <Storage> (plain), <Type>Plain</Type> (raw). The file itself is raw in all three; they differ in allocation.
    Mode mode = Mode::Expanded;
};
// Makes root.hdd/ in the existing empty directory `priv`: the image file (sparse, or fallocated for plain/raw),
// ext4 in it, the descriptor last (written atomically). Errors: Error(NoDiskSpace) when the host's disk is full,
// else Error(CreateImage); whatever was made is removed first.
void create(const std::string& priv, const CreateSpec& spec);

// The images an OpenVZ descriptor lists, from the base to the top delta (ploop's snapshots: Snapshots/Shot parents
// from TopGUID down; one file for a descriptor of this version's), relative to root.hdd/, and the disk's size.
// Error(MountImage) when the descriptor is malformed or the chain broken.
struct DeltaChain {
    std::vector<std::string> files;
    uint64_t size_kib = 0;
};
DeltaChain delta_chain(const std::string& priv);

// OpenVZ's own forms of a ploop image that this version does not mount: ploop's expanded format (ploop1, the
// Parallels disk format: a "WithoutFreeSpace" or "WithouFreSpacExt" header and a block table; OpenVZ's default) or
// a disk with a GPT partition table in front of its ext4 (what ploop made, in every format), or a base image with
// snapshot deltas over it. What the image of `priv` is in words ("ploop's expanded format (ploop1)", "a
// partitioned disk (GPT)", "ploop's expanded format with 2 snapshot deltas"), or nullopt.
std::optional<std::string> foreign_format(const std::string& priv);
// Imports the image of `priv` (foreign_format) into the new directory `to` (made by the caller on the same file
// system) as an image of this version's: the ext4 of the disk's first partition (or the whole disk where it has
// none) as a sparse raw file, checked with e2fsck -p, and its descriptor; with deltas, the disk as the top one
// shows it (each delta's clusters over those below). qemu-img reads ploop's format. The images of `priv` are not
// touched. Error(ConvertImage) (qemu-img missing or failing, no partition with an ext4),
// Error(NoDiskSpace) when the host's disk fills.
void import(const std::string& priv, const std::string& to);

struct MountSpec {
    std::string options;  // MOUNT_OPTS, added to the ext4 mount's data
    bool fsck = true;     // e2fsck -p first unless the superblock says clean (start --skip-fsck: never)
    // Second-level quota (QUOTAUGIDLIMIT): true turns ext4's quota feature on (tune2fs) and enforces the limits of
    // users and groups; false turns the feature off where an earlier mount turned it on; nullopt leaves it as it is.
    std::optional<bool> ugid_quota;
};
// Attaches the image of `priv` and mounts its ext4 on `target` (an existing directory). A missing image ->
// Error(ImageNotFound); a malformed descriptor, a file that is not ext4, truncated, or whose e2fsck finds errors it
// can't repair -> Error(MountImage). Nothing stays attached or mounted on failure.
void mount(const std::string& priv, const std::string& target, const MountSpec& spec = {});
// Unmounts `target` (its loop device detaches itself). Error(UmountImage) when it can't.
void umount(const std::string& target);
// The loop device ("/dev/loopN") that has the image of `priv` attached, if any (the image's device and inode
// against /sys/block/loop*/loop/backing_file).
std::optional<std::string> attached_device(const std::string& priv);

// Resizes the image of `priv` to `size_kib` and records it in the descriptor. `mounted`: where its file system is
// mounted now (a grow happens online: file extended, loop capacity refreshed, ext4 resized in place); empty when it
// is not mounted (offline: resize2fs, grow or shrink). Shrinking while mounted, or below what the data needs ->
// Error(ResizeImage), the image as before; the host's disk full -> Error(NoDiskSpace), the image as before. An online
// grow needs CAP_SYS_RESOURCE (ext4's resize ioctl, as resize2fs uses it); without it Error(ResizeImage), as before.
void resize(const std::string& priv, uint64_t size_kib, const std::string& mounted);

// Gives the free blocks of the image of `priv`, mounted on `mounted`, back to the host (FITRIM; the loop device
// punches holes in the file). Returns the bytes freed (allocated size of the image before minus after).
// Error(CompactImage).
uint64_t compact(const std::string& priv, const std::string& mounted);

// ---- what snapshots (ct/snapshot.hpp) do with image files ----

// Copies the image file `from` to `to`, which must not exist: sharing its extents where the host file system can
// (FICLONE: btrfs, XFS with reflink), else its data ranges only (SEEK_DATA/SEEK_HOLE, copy_file_range), so a
// sparse image stays sparse; then synced. On failure `to` is removed: Error(NoDiskSpace) when the host's disk is
// full, else Error(`code`) naming both files.
void copy_file(const std::string& from, const std::string& to, Exit code);
// Makes `from` (a copy of an image) the image of `priv` with the size `size_kib` in its descriptor: copied beside
// it (copy_file; allocated in full for plain and raw), then renamed over it, then the descriptor written. On
// failure the image and descriptor are as before.
void restore_file(const std::string& priv, const std::string& from, uint64_t size_kib, Exit code);
// Mounts the ext4 image file `file` read-only (through a read-only loop device) on the directory `target`.
// Error(`code`); nothing attached or mounted then.
void mount_read_only(const std::string& file, const std::string& target, Exit code);
// The loop device ("/dev/loopN") that has the file `file` attached, if any.
std::optional<std::string> device_of(const std::string& file);

// The file system mounted on `mounted` frozen (FIFREEZE: its journal flushed, so what is on the disk is consistent,
// and writers wait) while this lives. A child process holds the freeze: it thaws when this ends, and also when the
// process that made it dies (kill -9 included), so no command leaves a container's file system frozen.
class FrozenFs {
public:
    FrozenFs(const std::string& mounted, Exit code);
    ~FrozenFs();
    FrozenFs(const FrozenFs&) = delete;
    FrozenFs& operator=(const FrozenFs&) = delete;

private:
    ChildProcess child_;
    Fd hold_;  // the pipe's write end: its close tells the child to thaw
};

// Use of a mounted file system (statfs), what `df` and vzlist show.
struct Usage {
    uint64_t total_kib = 0, used_kib = 0;
    uint64_t inodes_total = 0, inodes_used = 0;
};
std::optional<Usage> usage(const std::string& mounted);

}  // namespace vz::image
