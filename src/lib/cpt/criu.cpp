#include "cpt/criu.hpp"

#include <linux/seccomp.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "config/conf_file.hpp"
#include "cpt/criu_cgroup.pb-c.h"
#include "cpt/criu_files.pb-c.h"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace vz::cpt {
namespace {

// The first line of `text` that says something (with `last`, the last one: what `criu check` concludes with), for a
// one-line error.
std::string telling_line(std::string_view text, bool last = false) {
    std::string found = "no output";
    for (auto& line : split(text, "\n")) {
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        found = line;
        if (!last) break;
    }
    return found;
}

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// `name` in the directories of PATH (the standard ones when it is unset), as the shell would find it; empty if none.
std::string search_path(std::string_view name) {
    const char* env = std::getenv("PATH");
    for (auto& dir : split(env && *env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ":"))
        if (auto path = dir + "/" + std::string(name); executable(path)) return path;
    return {};
}

// The binary `setting` names, as a path; throws when there is none.
std::string locate(std::string_view setting) {
    constexpr std::string_view kHint = "install CRIU 4.2 or newer (scripts/setup) or set CRIU= in vz.conf";
    if (setting.empty()) {
        if (executable(std::string(kCriuWrapper))) return std::string(kCriuWrapper);
        if (auto path = search_path("criu"); !path.empty()) return path;
        fail(Exit::Checkpoint, "CRIU not found: no {} and no criu in PATH; {}", kCriuWrapper, kHint);
    }
    if (setting.find('/') == std::string_view::npos) {
        if (auto path = search_path(setting); !path.empty()) return path;
        fail(Exit::Checkpoint, "CRIU={}: not found in PATH; {}", setting, kHint);
    }
    std::string path(setting);
    if (::access(path.c_str(), F_OK) != 0) fail(Exit::Checkpoint, "CRIU={}: {}; {}", path, errno_text(errno), kHint);
    if (!executable(path)) fail(Exit::Checkpoint, "CRIU={}: not executable", path);
    return path;
}

// vz.conf's CRIU= (empty when unset).
std::string_view setting_of(const ConfFile& global) {
    auto* v = global.get("CRIU");
    return v ? std::string_view(*v) : std::string_view();
}

}  // namespace

std::string CriuVersion::str() const {
    return sublevel ? fmt::format("{}.{}.{}", major, minor, sublevel) : fmt::format("{}.{}", major, minor);
}

std::optional<CriuVersion> parse_criu_version(std::string_view output) {
    constexpr std::string_view kTag = "Version:";
    for (auto& line : split(output, "\n")) {
        std::string_view rest(line);
        if (!rest.starts_with(kTag)) continue;
        rest.remove_prefix(kTag.size());
        rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
        rest = rest.substr(0, rest.find_first_of(" \t"));
        auto parts = split(rest, ".");
        if (parts.size() < 2 || parts.size() > 3 || rest.find("..") != std::string_view::npos || rest.ends_with('.'))
            return std::nullopt;
        unsigned n[3] = {0, 0, 0};
        for (size_t i = 0; i < parts.size(); ++i) {
            auto v = parse_uint(parts[i], 0, 9999);
            if (!v) return std::nullopt;
            n[i] = static_cast<unsigned>(*v);
        }
        return CriuVersion{n[0], n[1], n[2]};
    }
    return std::nullopt;
}

CriuLookup::CriuLookup(std::string_view setting)
    : criu_{locate(setting), {}}, version_(start_program({criu_.path, "--version"})) {}

CriuLookup::CriuLookup(const ConfFile& global) : CriuLookup(setting_of(global)) {}

const Criu& CriuLookup::get() {
    if (checked_) return criu_;
    auto r = finish_program(version_);
    if (r.status != 0)
        fail(Exit::Checkpoint, "CRIU {}: `--version` failed (exit {}): {}", criu_.path, r.status,
             telling_line(r.output));
    auto version = parse_criu_version(r.output);
    if (!version)
        fail(Exit::Checkpoint, "CRIU {}: no version in `--version` output: {}", criu_.path, telling_line(r.output));
    if (*version < kCriuMinimum)
        fail(Exit::Checkpoint, "CRIU {} is version {}; checkpointing needs CRIU {} or newer", criu_.path,
             version->str(), kCriuMinimum.str());
    criu_.version = *version;
    checked_ = true;
    return criu_;
}

Criu find_criu(std::string_view setting) { return CriuLookup(setting).get(); }

Criu find_criu(const ConfFile& global) { return CriuLookup(global).get(); }

ProgramResult run_criu(const Criu& criu, const std::vector<std::string>& args) {
    std::vector<std::string> argv{criu.path};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
}

StartedCriu start_criu(const Criu& criu, const std::vector<std::string>& args) {
    std::vector<std::string> argv{criu.path};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--status-fd", "3"});
    auto status = make_pipe();
    StartedCriu s{ChildProcess(fork_or_throw())};
    if (s.child.pid() == 0) {
        // dup2 onto itself would keep close-on-exec.
        if (status.wr.get() == 3 ? ::fcntl(3, F_SETFD, 0) < 0 : ::dup2(status.wr.get(), 3) < 0) ::_exit(127);
        stdio_to_null();
        close_from_on_exec(4);
        exec_argv(argv, {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}, true);
        ::_exit(127);
    }
    status.wr.reset();
    char byte;
    ssize_t n;
    do n = ::read(status.rd.get(), &byte, 1);
    while (n < 0 && errno == EINTR);
    s.ready = n == 1;
    return s;
}

void criu_check(const Criu& criu) {
    auto r = run_criu(criu, {"check"});
    if (r.status != 0)
        fail(Exit::Checkpoint, "CRIU {} check failed (exit {}): {}", criu.path, r.status, telling_line(r.output, true));
}

std::string criu_log_error(const std::string& log_path) {
    auto text = read_file(log_path);
    if (!text) return {};
    // Not what failed: the rlimit CRIU can't raise without CAP_SYS_RESOURCE, and its probes for iptables tools.
    constexpr std::string_view kHarmless[] = {"rlimit:", "execvp(", " -V failed"};
    for (auto& line : split(*text, "\n")) {
        if (line.find("Error (criu/") == std::string::npos) continue;
        if (std::none_of(std::begin(kHarmless), std::end(kHarmless),
                         [&](std::string_view h) { return line.find(h) != std::string::npos; }))
            return line.substr(line.find("Error (criu/"));
    }
    return telling_line(*text, true);
}

namespace {

// A mountinfo line's fields that say what is mounted where (still escaped: blanks and backslashes as \ooo).
struct MountLine {
    std::string device, root, point, fstype;
};

std::vector<MountLine> mount_lines(std::string_view mountinfo) {
    std::vector<MountLine> out;
    for (auto& line : split(mountinfo, "\n")) {
        // id parent maj:min root mountpoint options [optional fields] - fstype source super-options
        auto fields = split(line, " ");
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || dash + 1 == fields.end()) continue;
        out.push_back({fields[2], fields[3], fields[4], *(dash + 1)});
    }
    return out;
}

// A path as mountinfo shows it.
std::string mountinfo_escaped(std::string_view path) {
    std::string out;
    for (char c : path) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
            out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
        else
            out += c;
    }
    return out;
}

}  // namespace

std::vector<ExternalMount> external_mounts(std::string_view mountinfo, std::string_view host_mountinfo,
                                           std::string_view root) {
    // The host's mounts strictly below the root, by their path in the container.
    std::map<std::string, MountLine> host;
    if (!root.empty()) {
        auto below = mountinfo_escaped(root) + "/";
        for (auto& m : mount_lines(host_mountinfo))
            if (m.point.starts_with(below)) host[m.point.substr(below.size() - 1)] = m;
    }
    std::vector<ExternalMount> out;
    std::set<std::string> hosts;
    for (auto& m : mount_lines(mountinfo)) {
        if (m.fstype == "devpts" && m.point.starts_with("/dev/") && terminal_of_key(m.point.substr(5))) {
            out.push_back({m.point, m.point.substr(5)});
            continue;
        }
        auto tag = std::find_if(std::begin(kExternalTags), std::end(kExternalTags),
                                [&](const ExternalTag& t) { return m.fstype == t.fstype; });
        if (tag != std::end(kExternalTags)) {
            out.push_back({m.point, std::string(tag->tag) + m.root});
            continue;
        }
        auto h = host.find(m.point);
        if (h != host.end() && h->second.device == m.device && h->second.root == m.root && hosts.insert(m.point).second)
            out.push_back({m.point, std::string(kHostMountTag) + m.point});
    }
    return out;
}

std::optional<size_t> terminal_of_key(std::string_view key) {
    if (key == kConsoleKey) return 0;
    if (!key.starts_with("tty")) return std::nullopt;
    auto n = parse_uint(key.substr(3), 1, 99);
    if (!n || key.substr(3) != std::to_string(*n)) return std::nullopt;
    return static_cast<size_t>(*n - 1);
}

std::optional<std::pair<std::string, std::string>> split_external_key(std::string_view key) {
    auto split_at = [&](std::string_view tag) -> std::optional<std::pair<std::string, std::string>> {
        if (key.starts_with(tag) && key.size() > tag.size() && key[tag.size()] == '/')
            return std::pair{std::string(tag), std::string(key.substr(tag.size()))};
        return std::nullopt;
    };
    for (auto& t : kExternalTags)
        if (auto parts = split_at(t.tag)) return parts;
    return split_at(kHostMountTag);
}

size_t disarm_user_notif(std::string& image) {
    // BPF_RET|BPF_K (0x0006), jt 0, jf 0, k: little-endian.
    constexpr char kNotify[8] = {0x06, 0, 0, 0, 0, 0, static_cast<char>(0xc0), 0x7f};
    constexpr char kAllow[8] = {0x06, 0, 0, 0, 0, 0, static_cast<char>(0xff), 0x7f};
    static_assert(SECCOMP_RET_USER_NOTIF == 0x7fc00000U && SECCOMP_RET_ALLOW == 0x7fff0000U);
    size_t n = 0;
    for (auto pos = image.find(std::string_view(kNotify, 8)); pos != std::string::npos;
         pos = image.find(std::string_view(kNotify, 8), pos + 8)) {
        image.replace(pos, 8, kAllow, 8);
        ++n;
    }
    return n;
}

namespace {

// The two magic numbers every CRIU image of a dump starts with (IMG_COMMON_MAGIC, then the image's own).
constexpr uint32_t kImageMagic = 0x54564319;
constexpr uint32_t kCgroupMagic = 0x59383330;
constexpr uint32_t kRemapFpathMagic = 0x59133954;
constexpr uint32_t kFilesMagic = 0x56303138;
constexpr std::string_view kSubtreeControl = "cgroup.subtree_control";
constexpr std::string_view kFreezerState = "freezer.state";
constexpr const char* kThawed = "THAWED";

uint32_t get_u32(std::string_view bytes, size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return v;
}

void put_u32(std::string& out, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Takes the non-empty "cgroup.subtree_control" properties out of `dir` (not of its children).
size_t drop_in(VzCriu__CgroupDirEntry& dir) {
    size_t dropped = 0, kept = 0;
    for (size_t i = 0; i < dir.n_properties; ++i) {
        auto* p = dir.properties[i];
        if (p->name == kSubtreeControl && p->value && *p->value) {
            vz_criu__cgroup_prop_entry__free_unpacked(p, nullptr);
            ++dropped;
        } else {
            dir.properties[kept++] = p;
        }
    }
    dir.n_properties = kept;
    return dropped;
}

// Makes a "freezer.state" of FROZEN in `dir` THAWED.
size_t thaw_in(VzCriu__CgroupDirEntry& dir) {
    size_t thawed = 0;
    for (size_t i = 0; i < dir.n_properties; ++i) {
        auto* p = dir.properties[i];
        if (p->name != kFreezerState || !p->value || std::string_view(p->value) == kThawed) continue;
        char* value = ::strdup(kThawed);  // freed by free_unpacked, with the allocator unpack used: malloc's
        if (!value) throw std::bad_alloc();
        std::free(p->value);
        p->value = value;
        ++thawed;
    }
    return thawed;
}

size_t edit_tree(VzCriu__CgroupDirEntry& dir, size_t (*edit)(VzCriu__CgroupDirEntry&)) {
    size_t n = edit(dir);
    for (size_t i = 0; i < dir.n_children; ++i) n += edit_tree(*dir.children[i], edit);
    return n;
}

// Each entry of the CRIU image `image` called `name` (after the image's two magic numbers, the second `magic`: one
// message each, its length first) given to `each`; vz::Error(what_fails) naming it when it is not such an image.
void for_each_entry(std::string_view image, const char* name, uint32_t magic, Exit what_fails,
                    const std::function<void(const uint8_t*, size_t)>& each) {
    if (image.size() < 8 || get_u32(image, 0) != kImageMagic || get_u32(image, 4) != magic)
        fail(what_fails, "{} of the dump is not the CRIU image it should be", name);
    for (size_t at = 8; at < image.size();) {
        if (image.size() - at < 4) fail(what_fails, "{} of the dump is truncated", name);
        auto len = get_u32(image, at);
        at += 4;
        if (image.size() - at < len) fail(what_fails, "{} of the dump is truncated", name);
        each(reinterpret_cast<const uint8_t*>(image.data() + at), len);
        at += len;
    }
}

// `edit` applied to every cgroup of the image, in the cgroup2 hierarchy only with `cgroup2_only`; the image is
// written again. Returns the sum of what `edit` returned. vz::Error(what_fails) naming the image when it is not a
// cgroup image CRIU wrote.
size_t edit_cgroup_image(std::string& image, bool cgroup2_only, size_t (*edit)(VzCriu__CgroupDirEntry&),
                         Exit what_fails) {
    std::string out = image.substr(0, 8);
    size_t edited = 0;
    for_each_entry(image, "cgroup.img", kCgroupMagic, what_fails, [&](const uint8_t* data, size_t len) {
        auto* entry = vz_criu__cgroup_entry__unpack(nullptr, len, data);
        if (!entry) fail(what_fails, "cgroup.img of the dump can't be read");
        std::unique_ptr<VzCriu__CgroupEntry, void (*)(VzCriu__CgroupEntry*)> owner(
            entry, [](VzCriu__CgroupEntry* e) { vz_criu__cgroup_entry__free_unpacked(e, nullptr); });
        for (size_t c = 0; c < entry->n_controllers; ++c) {
            auto& ctl = *entry->controllers[c];
            // The cgroup2 hierarchy is the one CRIU names "" (cgroup v2's, a hybrid host's unified).
            if (cgroup2_only && (ctl.n_cnames != 1 || *ctl.cnames[0])) continue;
            for (size_t d = 0; d < ctl.n_dirs; ++d) edited += edit_tree(*ctl.dirs[d], edit);
        }
        std::string packed(vz_criu__cgroup_entry__get_packed_size(entry), '\0');
        vz_criu__cgroup_entry__pack(entry, reinterpret_cast<uint8_t*>(packed.data()));
        put_u32(out, static_cast<uint32_t>(packed.size()));
        out += packed;
    });
    image = std::move(out);
    return edited;
}

}  // namespace

size_t drop_subtree_controls(std::string& image) { return edit_cgroup_image(image, true, drop_in, Exit::Restore); }

size_t thaw_freezer_state(std::string& image) { return edit_cgroup_image(image, false, thaw_in, Exit::Checkpoint); }

std::vector<std::string> linked_remaps(const std::string& dir) {
    auto remaps = read_file(dir + "/remap-fpath.img");
    if (!remaps) return {};
    std::set<uint32_t> ids;
    for_each_entry(*remaps, "remap-fpath.img", kRemapFpathMagic, Exit::Checkpoint, [&](const uint8_t* data,
                                                                                         size_t len) {
        auto* e = vz_criu__remap_file_path_entry__unpack(nullptr, len, data);
        if (!e) fail(Exit::Checkpoint, "remap-fpath.img of the dump can't be read");
        if (!e->has_remap_type || e->remap_type == 0) ids.insert(e->remap_id);
        vz_criu__remap_file_path_entry__free_unpacked(e, nullptr);
    });
    std::vector<std::string> paths;
    if (ids.empty()) return paths;
    auto files = read_file(dir + "/files.img");
    if (!files) fail(Exit::Checkpoint, "files.img of the dump can't be read");
    for_each_entry(*files, "files.img", kFilesMagic, Exit::Checkpoint, [&](const uint8_t* data, size_t len) {
        auto* e = vz_criu__file_entry__unpack(nullptr, len, data);
        if (!e) fail(Exit::Checkpoint, "files.img of the dump can't be read");
        if (e->reg && e->reg->name && ids.count(e->id)) paths.emplace_back(e->reg->name);
        vz_criu__file_entry__free_unpacked(e, nullptr);
    });
    return paths;
}

}  // namespace vz::cpt
