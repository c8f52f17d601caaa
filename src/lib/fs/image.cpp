#include "fs/image.hpp"

#include <dirent.h>
#include <expat.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <linux/major.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <vector>

#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz::image {

namespace {

// ploop's constant GUID of the top image (lib/ploop.h TOPDELTA_UUID): since ploop 1.x a descriptor's TopGUID is
// always this one (ploop converts older descriptors to it), and the base image's parent is the null GUID.
constexpr const char* kTopGuid = "{5fbaabe3-6958-40ff-92a7-860e329aab41}";
constexpr const char* kNoneGuid = "{00000000-0000-0000-0000-000000000000}";
constexpr const char* kDescriptorName = "DiskDescriptor.xml";
constexpr size_t kMaxDescriptor = 1 << 20;
constexpr uint64_t kMaxSectors = UINT64_MAX / 512;
// The ioctl resize2fs uses on a mounted ext4 (fs/ext4/ext4.h; not in the uapi headers).
constexpr unsigned long kExt4IocResizeFs = _IOW('f', 16, uint64_t);

// ---- the descriptor ----

struct ParseState {
    XML_Parser parser = nullptr;
    std::vector<std::string> path;  // open elements below the root
    std::string text;               // character data of the open element
    std::string error;
    int disk_parameters = 0, storages = 0, images = 0, snapshots = 0, shots = 0, files = 0, guids = 0, sizes = 0;
    std::optional<uint64_t> sectors;
    std::string file, type = "Compressed";
    bool preallocated = false;
    // `chain`: an OpenVZ descriptor with ploop's snapshots is read too (several images and shots: delta_chain).
    bool chain = false;
    std::string guid, parent, top;                                // of the open Image or Shot; TopGUID
    std::vector<std::pair<std::string, std::string>> chain_files;  // GUID, File of each Image
    std::vector<std::pair<std::string, std::string>> chain_shots;  // GUID, ParentGUID of each Shot
};

void stop(ParseState& s, std::string why) {
    if (s.error.empty()) s.error = std::move(why);
    XML_StopParser(s.parser, XML_FALSE);
}

std::string trimmed(std::string_view t) {
    auto b = t.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    auto e = t.find_last_not_of(" \t\r\n");
    return std::string(t.substr(b, e - b + 1));
}

// Text of the input in a one-line message: control characters as '?', at most 64 characters.
std::string shown(std::string_view t) {
    std::string out(t.substr(0, 64));
    for (auto& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return t.size() > 64 ? out + "..." : out;
}

bool root_name(std::string_view n) { return n == "Parallels_disk_image" || n == "Virtuozzo_disk_image"; }

// The element path below the root, joined with '/'.
std::string joined(const std::vector<std::string>& path) {
    std::string out;
    for (size_t i = 1; i < path.size(); ++i) out += (i > 1 ? "/" : "") + path[i];
    return out;
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** /*attrs*/) {
    auto& s = *static_cast<ParseState*>(data);
    if (!s.error.empty()) return;
    if (s.path.empty() && !root_name(name)) return stop(s, fmt::format("<{}> is not a ploop disk descriptor", shown(name)));
    if (s.path.size() >= 16) return stop(s, "elements nested too deep");
    s.path.emplace_back(name);
    s.text.clear();
    auto p = joined(s.path);
    if (p == "Disk_Parameters") ++s.disk_parameters;
    else if (p == "Disk_Parameters/Encryption") stop(s, "encrypted images are not supported");
    else if (p == "StorageData/Volume") stop(s, "images with a parent volume are not supported");
    else if (p == "StorageData/Storage" && ++s.storages > 1) stop(s, "split images are not supported");
    else if (p == "StorageData/Storage/Image" && ++s.images > 1 && !s.chain)
        stop(s, "more than one image (ploop snapshots) is not supported");
    else if (p == "Snapshots") ++s.snapshots;
    else if (p == "Snapshots/Shot" && ++s.shots > 1 && !s.chain) stop(s, "more than one snapshot is not supported");
}

void XMLCALL on_text(void* data, const XML_Char* text, int len) {
    auto& s = *static_cast<ParseState*>(data);
    if (s.text.size() + static_cast<size_t>(len) > 4096) return stop(s, "an element's text is too long");
    s.text.append(text, static_cast<size_t>(len));
}

bool valid_file(const std::string& f) {
    if (f.empty() || f.front() == '/' || f.size() > PATH_MAX) return false;
    if (std::any_of(f.begin(), f.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return false;
    for (auto& part : split(f, "/"))
        if (part == "." || part == "..") return false;
    return f.find("//") == std::string::npos && f.back() != '/' && f != kDescriptorName;
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
    auto& s = *static_cast<ParseState*>(data);
    // Expat may still report the end of an element whose start stopped the parser (<x/>).
    if (!s.error.empty() || s.path.empty()) return;
    auto p = joined(s.path);
    auto t = trimmed(s.text);
    s.text.clear();
    if (p == "Disk_Parameters/Disk_size") {
        ++s.sizes;
        s.sectors = parse_uint(t, 0, kMaxSectors);
        if (!s.sectors) stop(s, fmt::format("bad Disk_size \"{}\"", shown(t)));
    } else if (p == "StorageData/Storage/Preallocated") {
        if (t != "0" && t != "1") stop(s, fmt::format("bad Preallocated \"{}\"", shown(t)));
        s.preallocated = t == "1";
    } else if (p == "StorageData/Storage/Image/File") {
        ++s.files;
        if (!valid_file(t)) stop(s, fmt::format("image file \"{}\" is not a path inside root.hdd/", shown(t)));
        s.file = t;
    } else if (p == "StorageData/Storage/Image/Type") {
        if (t != "Compressed" && t != "Plain") stop(s, fmt::format("unknown image type \"{}\"", shown(t)));
        s.type = t;
    } else if (p == "StorageData/Storage/Image/GUID") {
        ++s.guids;
        if (t.empty()) stop(s, "empty image GUID");
        s.guid = to_lower(t);
    } else if (p == "Snapshots/Shot/GUID") {
        s.guid = to_lower(t);
    } else if (p == "Snapshots/Shot/ParentGUID") {
        s.parent = to_lower(t);
    } else if (p == "Snapshots/TopGUID") {
        s.top = to_lower(t);
    } else if (p == "StorageData/Storage/Image") {
        s.chain_files.emplace_back(s.guid, s.file);
    } else if (p == "Snapshots/Shot") {
        s.chain_shots.emplace_back(s.guid, s.parent);
    }
    s.path.pop_back();
}

// No DTD: no entities to expand (billion laughs) and nothing from outside.
void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    stop(*static_cast<ParseState*>(data), "a DOCTYPE is not allowed");
}

struct ParserFree {
    void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

// ---- external programs ----

// The last non-empty line of what a program printed, for a one-line error.
std::string last_line(const ProgramResult& r) {
    auto lines = split(r.output, "\n");
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (auto t = trimmed(*it); !t.empty()) return t;
    return fmt::format("exit status {}", r.status);
}

ProgramResult run(const std::vector<std::string>& argv) {
    auto r = run_program(argv);
    if (r.status == 127 && r.output.empty()) r.output = argv[0] + ": not found";
    return r;
}

bool disk_full(int err) { return err == ENOSPC || err == EDQUOT; }

bool disk_full_text(const std::string& s) {
    return s.find("No space left") != std::string::npos || s.find("quota exceeded") != std::string::npos;
}

// ---- ext4 and the image file ----

// The little-endian number of `n` bytes at `off` in `b` (the on-disk formats: ext4's superblock, a GPT).
uint64_t le_at(std::string_view b, size_t off, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(static_cast<unsigned char>(b[off + i])) << (8 * i);
    return v;
}

// ext4's s_magic, 56 bytes into the superblock, which starts 1024 bytes into the file system.
constexpr size_t kExt4Super = 1024, kExt4MagicOffset = 56;
constexpr uint64_t kExt4Magic = 0xEF53;

struct Ext4Super {
    uint64_t blocks = 0;
    uint64_t block_size = 0;
    // What e2fsck -p looks at before it checks anything: not cleanly unmounted (or a journal to recover), errors
    // recorded, the mount count or the check interval reached.
    bool needs_check = true;
    bool quota = false;  // RO_COMPAT_QUOTA: usage kept in hidden quota inodes (second-level quota)
};

// The ext4 superblock of `path` (magic 0xEF53 at 1080), and that the file holds all its blocks; else
// Error(`code`) naming the file.
Ext4Super check_ext4(const std::string& path, Exit code) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) fail(errno == ENOENT ? Exit::ImageNotFound : code, "can't open the image {}: {}", path, errno_text(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) fail(code, "the image {} is not a regular file", path);
    char sb[1024];
    std::string_view b(sb, sizeof sb);
    if (::pread(fd.get(), sb, sizeof sb, kExt4Super) != static_cast<ssize_t>(sizeof sb) ||
        le_at(b, kExt4MagicOffset, 2) != kExt4Magic)
        fail(code, "the image {} holds no ext4 file system", path);
    auto le32 = [&](size_t off) { return static_cast<uint32_t>(le_at(b, off, 4)); };
    Ext4Super s;
    uint32_t log = le32(24);
    if (log > 6) fail(code, "the image {} has a bad ext4 superblock", path);
    s.block_size = 1024ULL << log;
    s.blocks = le32(4);
    if (le32(0x60) & 0x80) s.blocks |= uint64_t(le32(0x150)) << 32;  // INCOMPAT_64BIT: s_blocks_count_hi
    if (s.blocks > UINT64_MAX / s.block_size || static_cast<uint64_t>(st.st_size) < s.blocks * s.block_size)
        fail(code, "the image {} is truncated: {} bytes for a file system of {}", path, st.st_size,
             s.blocks * s.block_size);
    auto le16 = [&](size_t off) { return static_cast<uint16_t>(le_at(b, off, 2)); };
    uint16_t state = le16(0x3A);                                   // s_state: 1 valid (clean), 2 errors
    bool recover = le32(0x60) & 0x4;                               // INCOMPAT_RECOVER: the journal holds updates
    uint16_t mounts = le16(0x34);
    auto max_mounts = static_cast<int16_t>(le16(0x36));
    uint64_t last_check = le32(0x40), interval = le32(0x44);
    bool due = (max_mounts > 0 && mounts >= max_mounts) ||
               (interval && static_cast<uint64_t>(::time(nullptr)) >= last_check + interval);
    s.needs_check = !(state & 1) || (state & 2) || recover || due;
    s.quota = le32(0x64) & 0x100;
    return s;
}

struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino};
}

// The backing file of the loop device whose sysfs directory is `sys` (/sys/block/loopN), as its device and inode.
std::optional<FileId> loop_backing(const std::string& sys) {
    auto text = read_file(sys + "/loop/backing_file", PATH_MAX + 32);
    if (!text) return std::nullopt;
    auto path = trimmed(*text);
    if (path.ends_with(" (deleted)")) return std::nullopt;
    return file_id(path);
}

// Extends or shrinks `path` to `bytes`: allocated for plain and raw images, sparse for expanded ones. On failure the
// file has its old size again.
void set_file_size(const std::string& path, uint64_t bytes, Mode mode, Exit code) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) fail(code, "can't open the image {}: {}", path, errno_text(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail(code, "can't stat the image {}: {}", path, errno_text(errno));
    auto old = static_cast<uint64_t>(st.st_size);
    int err = 0;
    if (bytes > old && mode != Mode::Expanded) {
        if (::fallocate(fd.get(), 0, static_cast<off_t>(old), static_cast<off_t>(bytes - old)) != 0) err = errno;
    } else if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) {
        err = errno;
    }
    if (err == 0) return;
    // A failed fallocate may have extended the file part of the way.
    if (::ftruncate(fd.get(), static_cast<off_t>(old)) != 0)
        log::warn("can't give {} its size of {} bytes again: {}", path, old, errno_text(errno));
    if (disk_full(err)) fail(Exit::NoDiskSpace, "not enough disk space for the image {}: {}", path, errno_text(err));
    fail(code, "can't resize the image {} to {} bytes: {}", path, bytes, errno_text(err));
}

// ---- loop devices ----

struct Loop {
    Fd fd;  // closing it detaches the device (autoclear) unless something else holds it open (a mount)
    std::string dev;
};

// Direct I/O only on the block file systems known to do it right underneath a loop device. overlayfs over tmpfs
// (the test VM's /tmp) takes LO_FLAGS_DIRECT_IO and then reads zeros; buffered I/O is always correct.
bool direct_io_ok(int fd) {
    struct statfs sf {};
    if (::fstatfs(fd, &sf) != 0) return false;
    auto type = static_cast<unsigned long>(sf.f_type);
    return type == EXT4_SUPER_MAGIC || type == XFS_SUPER_MAGIC || type == BTRFS_SUPER_MAGIC;
}

Loop attach(const std::string& file, Exit code, bool read_only = false) {
    Fd backing(::open(file.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW));
    if (!backing) fail(code, "can't open the image {}: {}", file, errno_text(errno));
    Fd ctl(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (!ctl) fail(code, "can't attach {}: /dev/loop-control: {}", file, errno_text(errno));
    int err = 0;
    for (int attempt = 0; attempt < 64; ++attempt) {
        int n = ::ioctl(ctl.get(), LOOP_CTL_GET_FREE);
        if (n < 0) fail(code, "can't attach {}: no free loop device: {}", file, errno_text(errno));
        auto dev = "/dev/loop" + std::to_string(n);
        Fd fd(::open(dev.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
        if (!fd) {
            err = errno;
            if (err == ENOENT || err == ENXIO || err == EBUSY) continue;  // removed or taken meanwhile
            break;
        }
        loop_config cfg {};
        cfg.fd = static_cast<uint32_t>(backing.get());
        uint32_t flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
        cfg.info.lo_flags = flags | (direct_io_ok(backing.get()) ? LO_FLAGS_DIRECT_IO : 0);
        std::strncpy(reinterpret_cast<char*>(cfg.info.lo_file_name), file.c_str(), LO_NAME_SIZE - 1);
        int rc = ::ioctl(fd.get(), LOOP_CONFIGURE, &cfg);
        if (rc != 0 && errno == EINVAL && (cfg.info.lo_flags & LO_FLAGS_DIRECT_IO)) {
            // The host file system does not take direct I/O: buffered.
            cfg.info.lo_flags = flags;
            rc = ::ioctl(fd.get(), LOOP_CONFIGURE, &cfg);
        }
        if (rc == 0) return Loop{std::move(fd), dev};
        err = errno;
        if (err != EBUSY) break;  // EBUSY: another process configured it first
    }
    fail(code, "can't attach {} to a loop device: {}", file, errno_text(err));
}

// Whether `path` (a sysfs file of a loop device) is gone within `limit`.
bool gone_within(const std::string& path, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (path_exists(path)) {
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// e2fsck of `dev`; -p repairs what is safe, `force` checks a clean file system too (resize2fs demands it).
void fsck(const std::string& dev, const std::string& file, bool force, Exit code) {
    std::vector<std::string> argv{"e2fsck", "-p"};
    if (force) argv.emplace_back("-f");
    argv.push_back(dev);
    auto r = run(argv);
    // 1: errors corrected; 2: corrected, the system should be rebooted (a root fs only).
    if (r.status >= 4) fail(code, "e2fsck of the image {} ({}) failed: {}", file, dev, last_line(r));
    if (r.status != 0) log::verbose(1, "e2fsck repaired the image {}", file);
}

// The loop device that `mounted` is mounted from, if it backs `image`.
std::optional<std::string> mounted_loop(const std::string& mounted, const std::string& image) {
    struct stat st {};
    if (::stat(mounted.c_str(), &st) != 0) return std::nullopt;
    auto sys = fmt::format("/sys/dev/block/{}:{}", major(st.st_dev), minor(st.st_dev));
    auto want = file_id(image);
    if (!want || loop_backing(sys) != want) return std::nullopt;
    char buf[PATH_MAX];
    auto n = ::readlink(sys.c_str(), buf, sizeof buf - 1);
    if (n <= 0) return std::nullopt;
    return "/dev/" + base_name(std::string(buf, static_cast<size_t>(n)));
}

// MOUNT_OPTS: the generic flags as mount(2) flags, the rest for ext4.
std::pair<unsigned long, std::string> mount_options(const std::string& options) {
    static const std::pair<const char*, unsigned long> flags[] = {
        {"ro", MS_RDONLY},       {"nosuid", MS_NOSUID},         {"nodev", MS_NODEV},
        {"noexec", MS_NOEXEC},   {"sync", MS_SYNCHRONOUS},      {"dirsync", MS_DIRSYNC},
        {"noatime", MS_NOATIME}, {"nodiratime", MS_NODIRATIME}, {"relatime", MS_RELATIME},
        {"strictatime", MS_STRICTATIME}, {"lazytime", MS_LAZYTIME}, {"rw", 0UL}, {"defaults", 0UL},
    };
    unsigned long f = 0;
    std::vector<std::string> data;
    for (auto& o : split(options, ", \t")) {
        auto it = std::find_if(std::begin(flags), std::end(flags), [&](auto& p) { return o == p.first; });
        if (it != std::end(flags)) f |= it->second;
        else data.push_back(o);
    }
    return {f, join(data, ",")};
}

// The descriptor `d` written into the image directory `dir`.
void write_descriptor_in(const std::string& dir, const Descriptor& d, Exit code) {
    try {
        write_file_atomic(dir + "/" + kDescriptorName, render_descriptor(d), 0644);
    } catch (const Error& e) {
        fail(disk_full_text(e.what()) ? Exit::NoDiskSpace : code, "{}", e.what());
    }
}

void write_descriptor(const std::string& priv, const Descriptor& d, Exit code) {
    write_descriptor_in(image_dir(priv), d, code);
}

}  // namespace

std::optional<Mode> parse_mode(std::string_view name) {
    if (name == "expanded") return Mode::Expanded;
    if (name == "plain") return Mode::Plain;
    if (name == "raw") return Mode::Raw;
    return std::nullopt;
}

const char* mode_name(Mode mode) {
    switch (mode) {
        case Mode::Plain: return "plain";
        case Mode::Raw: return "raw";
        case Mode::Expanded: break;
    }
    return "expanded";
}

std::string image_dir(const std::string& priv) { return priv + "/root.hdd"; }
std::string descriptor_path(const std::string& priv) { return image_dir(priv) + "/" + kDescriptorName; }
std::string image_path(const std::string& priv) { return image_dir(priv) + "/" + read_descriptor(priv).file; }
bool has_image(const std::string& priv) { return path_exists(descriptor_path(priv)); }

namespace {

// Parses the descriptor text `xml` into `s`; Error(MountImage) naming `what` when it is not one.
void parse_into(ParseState& s, std::string_view xml, const std::string& what) {
    if (xml.size() > kMaxDescriptor) fail(Exit::MountImage, "{}: too long for a disk descriptor", what);
    std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate(nullptr));
    if (!parser) fail(Exit::MountImage, "{}: can't create an XML parser", what);
    s.parser = parser.get();
    XML_SetUserData(s.parser, &s);
    XML_SetElementHandler(s.parser, on_start, on_end);
    XML_SetCharacterDataHandler(s.parser, on_text);
    XML_SetStartDoctypeDeclHandler(s.parser, on_doctype);
    if (XML_Parse(s.parser, xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) {
        if (!s.error.empty()) fail(Exit::MountImage, "{}: invalid disk descriptor: {}", what, s.error);
        fail(Exit::MountImage, "{}: not XML: {} at line {}", what, XML_ErrorString(XML_GetErrorCode(s.parser)),
             XML_GetCurrentLineNumber(s.parser));
    }
    s.parser = nullptr;
}

}  // namespace

Descriptor parse_descriptor(std::string_view xml, const std::string& what) {
    ParseState s;
    parse_into(s, xml, what);
    auto bad = [&](std::string_view why) { fail(Exit::MountImage, "{}: invalid disk descriptor: {}", what, why); };
    if (s.disk_parameters != 1 || s.sizes != 1) bad("no (single) Disk_Parameters/Disk_size");
    if (*s.sectors / 2 == 0) bad("a disk size of 0");
    if (s.storages != 1 || s.images != 1) bad("no StorageData/Storage/Image");
    if (s.files != 1) bad("the image has no File");
    if (s.guids != 1) bad("the image has no GUID");
    if (s.snapshots != 1) bad("no Snapshots");
    if (s.preallocated && s.type == "Plain") bad("Preallocated with a Plain image");
    Descriptor d;
    d.size_kib = *s.sectors / 2;
    d.file = s.file;
    d.mode = s.type == "Plain" ? Mode::Raw : s.preallocated ? Mode::Plain : Mode::Expanded;
    return d;
}

DeltaChain delta_chain(const std::string& priv) {
    auto path = descriptor_path(priv);
    auto text = read_file(path, kMaxDescriptor);
    if (!text) fail(Exit::ImageNotFound, "image not found: {} does not exist", path);
    ParseState s;
    s.chain = true;
    parse_into(s, *text, path);
    auto bad = [&](std::string_view why) { fail(Exit::MountImage, "{}: invalid disk descriptor: {}", path, why); };
    if (s.disk_parameters != 1 || s.sizes != 1 || *s.sectors / 2 == 0) bad("no (single) Disk_Parameters/Disk_size");
    if (s.storages != 1 || s.chain_files.empty()) bad("no StorageData/Storage/Image");
    // From the top image (TopGUID; ploop's constant one where it is missing) down its parents to the null GUID.
    DeltaChain c;
    c.size_kib = *s.sectors / 2;
    auto guid = s.top.empty() ? std::string(kTopGuid) : s.top;
    while (guid != kNoneGuid) {
        auto file = std::find_if(s.chain_files.begin(), s.chain_files.end(), [&](auto& f) { return f.first == guid; });
        auto shot = std::find_if(s.chain_shots.begin(), s.chain_shots.end(), [&](auto& h) { return h.first == guid; });
        if (file == s.chain_files.end() || file->second.empty() || c.files.size() == s.chain_files.size())
            bad(fmt::format("the snapshot chain is broken at {}", shown(guid)));
        c.files.insert(c.files.begin(), file->second);
        if (shot == s.chain_shots.end()) {
            if (s.chain_files.size() == 1) break;  // a lone image needs no Shot
            bad(fmt::format("no Shot for {}", shown(guid)));
        }
        guid = shot->second;
    }
    return c;
}

std::string render_descriptor(const Descriptor& d) {
    // As ploop writes it (lib/xml.c): CHS geometry with 16 heads, the image type "Plain" for ploop's raw format,
    // "Compressed" with <Preallocated> for a preallocated image, one Storage of one Image, its snapshot the top one.
    uint64_t sectors = d.size_kib * 2;
    uint64_t cylinders = sectors / (16 * 63);
    uint64_t per_track = cylinders ? sectors / (cylinders * 16) : 0;
    std::string out = "<?xml version=\"1.0\"?>\n<Parallels_disk_image Version=\"1.0\">\n";
    out += fmt::format(
        "  <Disk_Parameters>\n    <Disk_size>{}</Disk_size>\n    <Cylinders>{}</Cylinders>\n    <Heads>16</Heads>\n"
        "    <Sectors>{}</Sectors>\n    <Padding>0</Padding>\n  </Disk_Parameters>\n",
        sectors, cylinders, per_track);
    out += fmt::format("  <StorageData>\n    <Storage>\n      <Start>0</Start>\n      <End>{}</End>\n"
                       "      <Blocksize>2048</Blocksize>\n",
                       sectors);
    if (d.mode == Mode::Plain) out += "      <Preallocated>1</Preallocated>\n";
    out += fmt::format("      <Image>\n        <GUID>{}</GUID>\n        <Type>{}</Type>\n        <File>{}</File>\n"
                       "      </Image>\n    </Storage>\n  </StorageData>\n",
                       kTopGuid, d.mode == Mode::Raw ? "Plain" : "Compressed", xml_escape(d.file));
    out += fmt::format("  <Snapshots>\n    <TopGUID>{}</TopGUID>\n    <Shot>\n      <GUID>{}</GUID>\n"
                       "      <ParentGUID>{}</ParentGUID>\n    </Shot>\n  </Snapshots>\n</Parallels_disk_image>\n",
                       kTopGuid, kTopGuid, kNoneGuid);
    return out;
}

Descriptor read_descriptor(const std::string& priv) {
    auto path = descriptor_path(priv);
    auto text = read_file(path, kMaxDescriptor);
    if (!text) fail(Exit::ImageNotFound, "image not found: {} does not exist", path);
    return parse_descriptor(*text, path);
}

void create(const std::string& priv, const CreateSpec& spec) {
    auto dir = image_dir(priv);
    if (spec.size_kib == 0 || spec.size_kib > kMaxSectors / 2)
        fail(Exit::CreateImage, "can't create the image in {}: bad size {}K", dir, spec.size_kib);
    if (::mkdir(dir.c_str(), 0700) != 0) fail(Exit::CreateImage, "can't create {}: {}", dir, errno_text(errno));
    ScopeGuard remove_dir([dir] { remove_tree(dir); });

    Descriptor d;
    d.size_kib = spec.size_kib;
    d.mode = spec.mode;
    auto file = dir + "/" + d.file;
    {
        Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) fail(disk_full(errno) ? Exit::NoDiskSpace : Exit::CreateImage, "can't create {}: {}", file,
                      errno_text(errno));
    }
    set_file_size(file, spec.size_kib * 1024, spec.mode, Exit::CreateImage);

    // 4K blocks as ploop's file systems; no blocks reserved for root (a container's root is not the host's, and
    // DISKSPACE is what the container can write); no discard (it would punch holes into a preallocated image);
    // lazy inode tables and journal, which the kernel initializes later.
    std::vector<std::string> argv{"mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-E",
                                  "lazy_itable_init=1,lazy_journal_init=1,nodiscard"};
    if (spec.inodes) {
        argv.emplace_back("-N");
        argv.push_back(std::to_string(spec.inodes));
    }
    argv.push_back(file);
    auto r = run(argv);
    if (r.status != 0)
        fail(disk_full_text(r.output) ? Exit::NoDiskSpace : Exit::CreateImage, "mkfs.ext4 of the image {} failed: {}",
             file, last_line(r));
    {
        // The image's data on disk before the descriptor that makes it an image.
        Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd || ::fsync(fd.get()) != 0)
            fail(disk_full(errno) ? Exit::NoDiskSpace : Exit::CreateImage, "can't sync {}: {}", file, errno_text(errno));
    }
    write_descriptor(priv, d, Exit::CreateImage);
    remove_dir.release();
}

namespace {

// The signatures of ploop's expanded format (ploop1_image.h: SIGNATURE_STRUCTURED_DISK_V1, _V2).
constexpr std::string_view kPloop1Sigs[] = {"WithoutFreeSpace", "WithouFreSpacExt"};
constexpr std::string_view kGptSig = "EFI PART";  // at LBA 1
constexpr size_t kSector = 512;

enum class DiskForm { Ext4, Ploop1, Gpt, Unknown };

// What the first bytes of a disk (or an image file) say it is.
DiskForm disk_form(std::string_view head) {
    for (auto sig : kPloop1Sigs)
        if (head.starts_with(sig)) return DiskForm::Ploop1;
    if (head.size() >= kSector + kGptSig.size() && head.substr(kSector, kGptSig.size()) == kGptSig) return DiskForm::Gpt;
    if (head.size() >= kExt4Super + kExt4MagicOffset + 2 && le_at(head, kExt4Super + kExt4MagicOffset, 2) == kExt4Magic)
        return DiskForm::Ext4;
    return DiskForm::Unknown;
}

std::string file_head(const std::string& file, size_t size) {
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    std::string head(size, '\0');
    auto n = fd ? ::pread(fd.get(), head.data(), size, 0) : -1;
    head.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return head;
}

// A file name in a qemu-img --image-opts value: its commas doubled.
std::string opts_escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        out += c;
        if (c == ',') out += ',';
    }
    return out;
}

}  // namespace

std::optional<std::string> foreign_format(const std::string& priv) {
    auto chain = delta_chain(priv);
    if (chain.files.size() > 1)
        return fmt::format("ploop's expanded format with {} snapshot delta{}", chain.files.size() - 1,
                           chain.files.size() > 2 ? "s" : "");
    auto file = image_dir(priv) + "/" + chain.files[0];
    switch (disk_form(file_head(file, 2 * kSector))) {
        case DiskForm::Ploop1: return "ploop's expanded format (ploop1)";
        case DiskForm::Gpt: return "a partitioned disk (GPT)";
        case DiskForm::Ext4: case DiskForm::Unknown: break;
    }
    return std::nullopt;
}

void import(const std::string& priv, const std::string& to) {
    auto chain = delta_chain(priv);
    auto dir = image_dir(priv);
    auto file = dir + "/" + chain.files[0];
    auto format_of = [](const std::string& f) {
        return disk_form(file_head(f, 2 * kSector)) == DiskForm::Ploop1 ? "parallels" : "raw";
    };
    std::string format = format_of(file);
    auto qemu_img = [&](const std::vector<std::string>& argv) {
        auto r = run(argv);
        if (r.status == 127 && r.output.find("not found") != std::string::npos)
            fail(Exit::ConvertImage, "can't import {}: qemu-img not found (Debian package qemu-utils)", file);
        if (r.status != 0)
            fail(disk_full_text(r.output) ? Exit::NoDiskSpace : Exit::ConvertImage, "qemu-img can't read {}: {}", file,
                 last_line(r));
        return r.output;
    };
    // Snapshots: the base disk as a sparse raw file, each delta's clusters laid over it from the bottom up (what
    // `qemu-img map` says each holds itself, copied from its place in the delta's file).
    std::string merged;
    if (chain.files.size() > 1) {
        merged = to + "/merged";
        qemu_img({"qemu-img", "convert", "-f", format, "-O", "raw", file, merged});
        Fd out(::open(merged.c_str(), O_WRONLY | O_CLOEXEC));
        if (!out) fail(Exit::ConvertImage, "can't open {}: {}", merged, errno_text(errno));
        for (size_t i = 1; i < chain.files.size(); ++i) {
            auto delta = dir + "/" + chain.files[i];
            if (disk_form(file_head(delta, 2 * kSector)) != DiskForm::Ploop1)
                fail(Exit::ConvertImage, "can't import {}: the delta is not in ploop's expanded format", delta);
            Fd in(::open(delta.c_str(), O_RDONLY | O_CLOEXEC));
            if (!in) fail(Exit::ConvertImage, "can't open {}: {}", delta, errno_text(errno));
            // One JSON object per extent: { "start": N, "length": N, "depth": 0, ..., "data": true, "offset": N }.
            static const std::regex object(R"(\{[^{}]*\})"), field(R"re("(\w+)": (\w+))re");
            auto map = qemu_img({"qemu-img", "map", "--output=json", "-f", "parallels", delta});
            for (std::sregex_iterator o(map.begin(), map.end(), object), end; o != end; ++o) {
                std::map<std::string, std::string> f;
                auto text = o->str();
                for (std::sregex_iterator m(text.begin(), text.end(), field); m != end; ++m) f[(*m)[1]] = (*m)[2];
                auto number = [&](const char* key) { return parse_uint(f[key]); };
                if (f["depth"] != "0" || f["data"] != "true" || !number("offset") || !number("start") ||
                    !number("length"))
                    continue;
                auto at = static_cast<off64_t>(*number("start")), from = static_cast<off64_t>(*number("offset"));
                for (auto left = *number("length"); left > 0;) {
                    auto n = ::copy_file_range(in.get(), &from, out.get(), &at, left, 0);
                    if (n <= 0)
                        fail(disk_full(errno) ? Exit::NoDiskSpace : Exit::ConvertImage, "can't copy {} into {}: {}",
                             delta, merged, n < 0 ? errno_text(errno) : "short file");
                    left -= static_cast<uint64_t>(n);
                }
            }
        }
        file = merged;
        format = "raw";
    }
    // The disk's first 34 sectors: a GPT's header (LBA 1) and its first partition entries.
    auto head_file = to + "/head";
    qemu_img({"qemu-img", "dd", "-f", format, "-O", "raw", "bs=512", "count=34", "if=" + file, "of=" + head_file});
    auto head = read_file(head_file, 34 * kSector).value_or("");
    ::unlink(head_file.c_str());
    uint64_t offset = 0, size = chain.size_kib * 1024;
    auto inner = disk_form(head);
    if (inner == DiskForm::Gpt) {
        // GPT header: partition entries' LBA at 72; entry: first LBA at 32, last LBA at 40.
        uint64_t entries = le_at(head, kSector + 72, 8) * kSector;
        if (entries + 48 > head.size())
            fail(Exit::ConvertImage, "can't import {}: its GPT's partition entries are not where they should be", file);
        uint64_t first = le_at(head, entries + 32, 8), last = le_at(head, entries + 40, 8);
        if (first == 0 || last < first || (last + 1) * kSector > size)
            fail(Exit::ConvertImage, "can't import {}: its GPT has no first partition inside the disk", file);
        offset = first * kSector;
        size = (last + 1 - first) * kSector;
    } else if (inner != DiskForm::Ext4) {
        fail(Exit::ConvertImage, "can't import {}: the disk holds neither a GPT nor an ext4 file system", file);
    }
    // The partition's bytes as a sparse raw file (qemu-img writes no zeros).
    auto out = to + "/" + Descriptor{}.file;
    qemu_img({"qemu-img", "convert", "-O", "raw", "--image-opts",
              fmt::format("driver=raw,offset={},size={},file.driver={},file.file.driver=file,file.file.filename={}",
                          offset, size, format, opts_escaped(file)),
              out});
    if (!merged.empty()) ::unlink(merged.c_str());
    check_ext4(out, Exit::ConvertImage);
    fsck(out, out, false, Exit::ConvertImage);
    Descriptor nd;
    nd.size_kib = size / 1024;
    nd.mode = Mode::Expanded;
    write_descriptor_in(to, nd, Exit::ConvertImage);
}

void mount(const std::string& priv, const std::string& target, const MountSpec& spec) {
    auto d = read_descriptor(priv);
    auto file = image_dir(priv) + "/" + d.file;
    if (!path_exists(file)) fail(Exit::ImageNotFound, "image not found: {} does not exist", file);
    auto super = check_ext4(file, Exit::MountImage);
    // One still going away after an unmount (autoclear) is waited for.
    auto attached = attached_device(priv);
    for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
         attached && std::chrono::steady_clock::now() < end; attached = attached_device(priv))
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (attached) fail(Exit::MountImage, "the image {} is already attached to {}", file, *attached);
    auto loop = attach(file, Exit::MountImage);
    // e2fsck -p returns at once for a clean file system: it is not even started then (25 ms of a start here).
    bool checked = spec.fsck && super.needs_check;
    if (checked) fsck(loop.dev, file, false, Exit::MountImage);
    // Second-level quota: ext4's quota feature (user and group usage kept by the file system in hidden inodes) on or
    // off as asked, then the limits enforced (usrquota,grpquota). tune2fs only when the feature has to change.
    bool has_quota = super.quota;
    auto quota_feature = [&](bool on) {
        auto r = run({"tune2fs", "-O", on ? "quota" : "^quota", loop.dev});
        if (r.status != 0)
            fail(Exit::SetUserQuota, "can't turn {} the quota feature of the image {} ({}): {}", on ? "on" : "off",
                 file, loop.dev, last_line(r));
        has_quota = on;
    };
    bool quota = spec.ugid_quota.value_or(has_quota);
    if (quota != has_quota) quota_feature(quota);
    // Not a structured binding: clang 14 (the fuzz build) can't capture one in a lambda.
    auto opts = mount_options(spec.options);
    unsigned long flags = opts.first;
    std::string data = opts.second;
    if (spec.ugid_quota.value_or(false)) data += std::string(data.empty() ? "" : ",") + "usrquota,grpquota";
    auto mount_it = [&] {
        return ::mount(loop.dev.c_str(), target.c_str(), "ext4", flags, data.empty() ? nullptr : data.c_str()) == 0;
    };
    bool mounted = mount_it();
    if (!mounted && errno == EUCLEAN && spec.fsck && !checked) {  // marked clean, yet damaged: e2fsck, once
        fsck(loop.dev, file, true, Exit::MountImage);
        mounted = mount_it();
    }
    if (!mounted && errno == EINVAL && spec.ugid_quota.value_or(false)) {
        // A kernel with quotactl(2) but no quota format (CONFIG_QFMT_V2) mounts no ext4 with the quota feature.
        quota_feature(false);
        data = opts.second;
        mounted = mount_it();
        if (mounted)
            log::warn("Second-level quota (QUOTAUGIDLIMIT) is not applied: this kernel mounts no ext4 with quota "
                      "(it needs CONFIG_QUOTA and CONFIG_QFMT_V2)");
    }
    if (!mounted)
        fail(Exit::MountImage, "can't mount the image {} ({}) on {}: {}", file, loop.dev, target, errno_text(errno));
    // loop.fd closes here: the mount holds the device, which detaches itself with the last unmount.
}

void umount(const std::string& target) {
    // The loop device under it, to see it gone: autoclear detaches it after the last close, asynchronously (since
    // Linux 5.17), and the next mount of the image must not find it still attached.
    struct stat st {};
    std::string backing;
    if (::stat(target.c_str(), &st) == 0 && major(st.st_dev) == LOOP_MAJOR)
        backing = fmt::format("/sys/dev/block/{}:{}/loop/backing_file", major(st.st_dev), minor(st.st_dev));
    if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) {
        if (!backing.empty() && !gone_within(backing, std::chrono::seconds(5)))
            log::warn("the loop device of {} is still attached after its unmount", target);
        return;
    }
    int err = errno;
    if (err == EBUSY && ::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
        log::warn("{} is busy: detached, it goes away when no longer used", target);
        return;
    }
    fail(Exit::UmountImage, "can't unmount {}: {}", target, errno_text(err));
}

std::optional<std::string> attached_device(const std::string& priv) {
    try {
        return device_of(image_path(priv));
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<std::string> device_of(const std::string& file) {
    auto want = file_id(file);
    if (!want) return std::nullopt;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/sys/block"), ::closedir);
    if (!dir) return std::nullopt;
    while (auto* e = ::readdir(dir.get())) {
        std::string name = e->d_name;
        if (!name.starts_with("loop")) continue;
        if (loop_backing("/sys/block/" + name) == want) return "/dev/" + name;
    }
    return std::nullopt;
}

void copy_file(const std::string& from, const std::string& to, Exit code) {
    Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!in) fail(code, "can't open the image {}: {}", from, errno_text(errno));
    struct stat st {};
    if (::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) fail(code, "the image {} is not a regular file", from);
    Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out) fail(code, "can't create {}: {}", to, errno_text(errno));
    ScopeGuard remove([&] { ::unlink(to.c_str()); });
    auto failed = [&](int err) {
        if (disk_full(err))
            fail(Exit::NoDiskSpace, "not enough disk space to copy {} to {}: {}", from, to, errno_text(err));
        fail(code, "can't copy {} to {}: {}", from, to, errno_text(err));
    };
    if (::ioctl(out.get(), FICLONE, in.get()) != 0) {
        if (::ftruncate(out.get(), st.st_size) != 0) failed(errno);
        for (off_t pos = 0; pos < st.st_size;) {
            off_t data = ::lseek(in.get(), pos, SEEK_DATA);
            if (data < 0 && errno == ENXIO) break;  // only a hole is left
            off_t hole = data < 0 ? -1 : ::lseek(in.get(), data, SEEK_HOLE);
            if (hole < 0) failed(errno);
            for (off_t at_in = data, at_out = data; at_in < hole;) {
                auto n = ::copy_file_range(in.get(), &at_in, out.get(), &at_out, static_cast<size_t>(hole - at_in), 0);
                if (n < 0) failed(errno);
                if (n == 0) failed(EIO);  // the file became shorter under us
            }
            pos = hole;
        }
    }
    if (::fsync(out.get()) != 0) failed(errno);
    remove.release();
}

void restore_file(const std::string& priv, const std::string& from, uint64_t size_kib, Exit code) {
    auto d = read_descriptor(priv);
    auto file = image_dir(priv) + "/" + d.file;
    auto staged = image_dir(priv) + "/." + d.file + ".restore";
    ::unlink(staged.c_str());  // what a killed command left
    copy_file(from, staged, code);
    ScopeGuard remove([&] { ::unlink(staged.c_str()); });
    if (d.mode != Mode::Expanded) {  // plain and raw images are allocated in full
        Fd fd(::open(staged.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0 || ::fallocate(fd.get(), 0, 0, st.st_size) != 0) {
            int err = errno;
            if (disk_full(err))
                fail(Exit::NoDiskSpace, "not enough disk space for the image {}: {}", file, errno_text(err));
            fail(code, "can't allocate {}: {}", staged, errno_text(err));
        }
    }
    if (::rename(staged.c_str(), file.c_str()) != 0)
        fail(code, "can't move {} to {}: {}", staged, file, errno_text(errno));
    remove.release();
    d.size_kib = size_kib;
    write_descriptor(priv, d, code);
}

void mount_read_only(const std::string& file, const std::string& target, Exit code) {
    check_ext4(file, code);
    if (auto dev = device_of(file)) fail(code, "the image {} is already attached to {}", file, *dev);
    auto loop = attach(file, code, true);
    if (::mount(loop.dev.c_str(), target.c_str(), "ext4", MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
        fail(code, "can't mount the image {} ({}) read-only on {}: {}", file, loop.dev, target, errno_text(errno));
}

FrozenFs::FrozenFs(const std::string& mounted, Exit code) {
    auto hold = make_pipe(), ready = make_pipe();
    Fd dir(::open(mounted.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) fail(code, "can't open {}: {}", mounted, errno_text(errno));
    child_ = ChildProcess(fork_or_throw());
    if (child_.pid() == 0) {
        // Only async-signal-safe calls here. A ^C to the command's process group must not end the holder while
        // the file system is frozen.
        for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
        ::close(hold.wr.get());
        int err = ::ioctl(dir.get(), FIFREEZE, 0) == 0 ? 0 : errno;
        (void)!::write(ready.wr.get(), &err, sizeof err);
        if (err) ::_exit(1);
        char byte;
        while (::read(hold.rd.get(), &byte, 1) < 0 && errno == EINTR) {
        }
        ::_exit(::ioctl(dir.get(), FITHAW, 0) == 0 ? 0 : 1);
    }
    ready.wr.reset();
    hold.rd.reset();
    int err = EIO;
    ssize_t n;
    do n = ::read(ready.rd.get(), &err, sizeof err);
    while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof err) || err != 0) {
        hold.wr.reset();
        child_.wait();
        fail(code, "can't freeze the file system on {}: {}", mounted, errno_text(n == sizeof err ? err : EIO));
    }
    hold_ = std::move(hold.wr);
}

FrozenFs::~FrozenFs() {
    hold_.reset();
    if (child_.wait() != 0) log::warn("can't thaw a frozen file system (FITHAW failed)");
}

void resize(const std::string& priv, uint64_t size_kib, const std::string& mounted) {
    auto d = read_descriptor(priv);
    auto file = image_dir(priv) + "/" + d.file;
    if (size_kib == 0 || size_kib > kMaxSectors / 2)
        fail(Exit::ResizeImage, "can't resize the image {} to {}K", file, size_kib);
    auto super = check_ext4(file, Exit::ResizeImage);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) fail(Exit::ResizeImage, "can't stat {}: {}", file, errno_text(errno));
    uint64_t old_bytes = static_cast<uint64_t>(st.st_size), bytes = size_kib * 1024;
    uint64_t blocks = bytes / super.block_size;

    if (!mounted.empty()) {
        auto dev = mounted_loop(mounted, file);
        if (!dev) fail(Exit::ResizeImage, "can't resize the image {}: {} is not mounted from it", file, mounted);
        // The size of the file, not the superblock on disk: that of a mounted file system may lag behind.
        if (bytes < old_bytes)
            fail(Exit::ResizeImage, "can't shrink the image {} while it is mounted: shrinking is offline only", file);
        if (bytes > old_bytes) {
            set_file_size(file, bytes, d.mode, Exit::ResizeImage);
            Fd loop(::open(dev->c_str(), O_RDONLY | O_CLOEXEC));
            auto refresh = [&] {
                if (!loop || ::ioctl(loop.get(), LOOP_SET_CAPACITY, 0) != 0)
                    fail(Exit::ResizeImage, "can't refresh the size of {} (image {}): {}", *dev, file,
                         errno_text(errno));
            };
            auto device_bytes = [&] {
                uint64_t n = 0;
                return ::ioctl(loop.get(), BLKGETSIZE64, &n) == 0 ? n : 0;
            };
            ScopeGuard back([&] {
                set_file_size(file, old_bytes, d.mode, Exit::ResizeImage);
                refresh();
            });
            refresh();
            if (device_bytes() < bytes)
                fail(Exit::ResizeImage, "can't grow the image {}: {} still has {} bytes", file, *dev, device_bytes());
            Fd dir(::open(mounted.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            uint64_t n = blocks;
            if (!dir || ::ioctl(dir.get(), kExt4IocResizeFs, &n) != 0) {
                int err = errno;
                fail(disk_full(err) ? Exit::NoDiskSpace : Exit::ResizeImage,
                     "can't grow the file system of the image {} on {}: {}{}", file, mounted, errno_text(err),
                     err == EPERM ? " (an online resize needs CAP_SYS_RESOURCE)" : "");
            }
            back.release();
        }
    } else {
        if (auto dev = attached_device(priv))
            fail(Exit::ResizeImage, "can't resize the image {} offline: it is attached to {}", file, *dev);
        bool grow = bytes > old_bytes;
        ScopeGuard back;
        if (grow) {
            set_file_size(file, bytes, d.mode, Exit::ResizeImage);
            back = ScopeGuard([&] { set_file_size(file, old_bytes, d.mode, Exit::ResizeImage); });
        }
        {
            auto loop = attach(file, Exit::ResizeImage);
            fsck(loop.dev, file, true, Exit::ResizeImage);
            auto r = run({"resize2fs", loop.dev, std::to_string(blocks * (super.block_size / 1024)) + "K"});
            if (r.status != 0)
                fail(Exit::ResizeImage, "resize2fs of the image {} ({}) to {}K failed: {}", file, loop.dev, size_kib,
                     last_line(r));
        }
        if (!grow && bytes < old_bytes) set_file_size(file, bytes, d.mode, Exit::ResizeImage);
        back.release();
    }
    d.size_kib = size_kib;
    write_descriptor(priv, d, Exit::ResizeImage);
}

uint64_t compact(const std::string& priv, const std::string& mounted) {
    auto file = image_path(priv);
    auto allocated = [&] {
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) fail(Exit::CompactImage, "can't stat {}: {}", file, errno_text(errno));
        return static_cast<uint64_t>(st.st_blocks) * 512;
    };
    if (!mounted_loop(mounted, file))
        fail(Exit::CompactImage, "can't compact the image {}: {} is not mounted from it", file, mounted);
    auto before = allocated();
    Fd dir(::open(mounted.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    fstrim_range range{0, UINT64_MAX, 0};
    if (!dir || ::ioctl(dir.get(), FITRIM, &range) != 0)
        fail(Exit::CompactImage, "can't compact the image {} (FITRIM on {}): {}", file, mounted, errno_text(errno));
    auto after = allocated();
    return before > after ? before - after : 0;
}

std::optional<Usage> usage(const std::string& mounted) {
    struct statfs s {};
    if (::statfs(mounted.c_str(), &s) != 0) return std::nullopt;
    auto bsize = static_cast<uint64_t>(s.f_bsize);
    Usage u;
    u.total_kib = s.f_blocks * bsize / 1024;
    u.used_kib = (s.f_blocks - s.f_bfree) * bsize / 1024;
    u.inodes_total = s.f_files;
    u.inodes_used = s.f_files - s.f_ffree;
    return u;
}

}  // namespace vz::image
