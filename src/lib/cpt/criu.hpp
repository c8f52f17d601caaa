// CRIU, the program that checkpoints and restores containers: which binary (vz.conf CRIU=), whether it is new enough
// for this kernel, and running it. The rest of cpt/ (dump, restore, pre-dump) goes through here.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/process.hpp"

namespace vz {
class ConfFile;
}

namespace vz::cpt {

struct CriuVersion {
    unsigned major = 0, minor = 0, sublevel = 0;
    auto operator<=>(const CriuVersion&) const = default;
    // "4.2.1"; "4.2" when the sublevel is 0.
    std::string str() const;
};

// The oldest CRIU that works on the kernels we run on (DESIGN.md, "CRIU"): 3.17 fails `criu check` on 6.18 ("Unexpected
// rt vDSO area bounds"), 4.1 passes it but hangs in dump.
inline constexpr CriuVersion kCriuMinimum{4, 2, 0};
// The wrapper scripts/setup installs (Debian's CRIU 4.2 in a root of its own): CRIU's default when it is there.
inline constexpr std::string_view kCriuWrapper = "/usr/local/sbin/vz-criu";

// The version `criu --version` prints ("Version: 4.2.1", "Version: 4.0", followed by a GitID line in builds from
// git); nullopt when the output has none.
std::optional<CriuVersion> parse_criu_version(std::string_view output);

// A CRIU binary found and checked: it runs and is kCriuMinimum or newer.
struct Criu {
    std::string path;
    CriuVersion version;
};

// The CRIU `setting` names (vz.conf CRIU=): a path, or a program name searched in PATH; empty: kCriuWrapper when it
// exists, else `criu` in PATH. Missing, not runnable, no version or older than kCriuMinimum: vz::Error(Checkpoint),
// one line naming the binary, and the version found and needed.
Criu find_criu(std::string_view setting);
// The CRIU of vz.conf's CRIU=.
Criu find_criu(const ConfFile& global);

// `criu <args...>` run to its end (run_program: stdin /dev/null, output captured).
ProgramResult run_criu(const Criu& criu, const std::vector<std::string>& args);

// `criu check`: whether this kernel has what CRIU needs to checkpoint and restore; when not, vz::Error(Checkpoint)
// naming what CRIU reported.
void criu_check(const Criu& criu);

}  // namespace vz::cpt
