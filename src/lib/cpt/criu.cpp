#include "cpt/criu.hpp"

#include <unistd.h>

#include <cstdlib>

#include "config/conf_file.hpp"
#include "util/error.hpp"
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

}  // namespace vz::cpt
