#include "cpt/criu.hpp"

#include <linux/seccomp.h>

#include <algorithm>

#include <unistd.h>

#include <cstdlib>

#include "config/conf_file.hpp"
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

Criu find_criu(std::string_view setting) {
    Criu criu{locate(setting), {}};
    auto r = run_program({criu.path, "--version"});
    if (r.status != 0)
        fail(Exit::Checkpoint, "CRIU {}: `--version` failed (exit {}): {}", criu.path, r.status,
             telling_line(r.output));
    auto version = parse_criu_version(r.output);
    if (!version)
        fail(Exit::Checkpoint, "CRIU {}: no version in `--version` output: {}", criu.path, telling_line(r.output));
    if (*version < kCriuMinimum)
        fail(Exit::Checkpoint, "CRIU {} is version {}; checkpointing needs CRIU {} or newer", criu.path, version->str(),
             kCriuMinimum.str());
    criu.version = *version;
    return criu;
}

Criu find_criu(const ConfFile& global) {
    auto* v = global.get("CRIU");
    return find_criu(v ? std::string_view(*v) : std::string_view());
}

ProgramResult run_criu(const Criu& criu, const std::vector<std::string>& args) {
    std::vector<std::string> argv{criu.path};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
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

std::vector<ExternalMount> external_mounts(std::string_view mountinfo) {
    std::vector<ExternalMount> out;
    for (auto& line : split(mountinfo, "\n")) {
        // id parent maj:min root mountpoint options [optional fields] - fstype source super-options
        auto fields = split(line, " ");
        auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || dash + 1 == fields.end()) continue;
        for (auto& t : kExternalTags)
            if (*(dash + 1) == t.fstype) out.push_back({std::string(fields[4]), std::string(t.tag) + std::string(fields[3])});
    }
    return out;
}

std::optional<std::pair<std::string, std::string>> split_external_key(std::string_view key) {
    for (auto& t : kExternalTags)
        if (key.starts_with(t.tag) && key.size() > t.tag.size() && key[t.tag.size()] == '/')
            return std::pair{std::string(t.tag), std::string(key.substr(t.tag.size()))};
    return std::nullopt;
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

}  // namespace vz::cpt
