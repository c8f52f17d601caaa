// vzcfgvalidate's checks: the interdependencies of a configuration's beancounters that the OpenVZ documentation
// calls the UBC consistency check, and for a VSwap configuration the two figures VSwap has. Each check is a row of
// one table (validate.cpp) naming the figure it bounds, the bound, how bad a miss is and how it is repaired.
//
// Where the original's arithmetic went wrong, this one does not: "unlimited" (LONG_MAX, or INT_MAX of 32-bit kernels)
// stays unlimited through sums and products instead of wrapping (the original's `40 KiB x avnumproc` of an unlimited
// numproc wrapped to a small number); a bound is met when the figure is at least it (the original's messages said
// "should be >" of a check for ">="); a repair of several figures is made in an order in which a later repair can't
// break an earlier check (numfile before the dcachesize bound it feeds, that before kmemsize's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/ctconfig.hpp"
#include "config/units.hpp"

namespace vz {

// The figures checked, barrier:limit by name: the beancounters of ubc_resources() ("kmemsize") and the disk quota
// ("diskspace", "diskinodes"). A figure the configuration does not set is absent.
using CfgFigures = std::map<std::string, UbcPair, std::less<>>;

// One figure the checks read or repair: its name, its config key and the unit of its values.
struct CfgFigure {
    std::string_view name, conf_key, conf_alias;
    Unit unit;
};
// The figures checked (every beancounter and the two disk quota figures); nullptr for an unknown name.
const CfgFigure* find_cfg_figure(std::string_view name);

// The figures `cfg` sets (its own file over vz.conf; the beancounters' older key spellings too). The disk quota
// figures only when DISK_QUOTA is not "no". Values are assumed valid (validate_config).
CfgFigures cfg_figures(const CtConfig& cfg);

// A VSwap configuration: PHYSPAGES is set and its limit is not unlimited (reference 2.5).
bool cfg_is_vswap(const CfgFigures& f);

// The beancounters a start needs that `f` lacks, as the original's start checked (its exit 28): of a VSwap
// configuration physpages and swappages, of another every beancounter the kernel had but swappages.
std::vector<std::string_view> missing_for_start(const CfgFigures& f);

enum class CfgSeverity { Error, Warning, Recommendation };

struct CfgFinding {
    CfgSeverity severity;
    std::string text;  // "barrier should be <= limit for kmemsize (currently, 20:10)"
    // The repair: the new values of the figures it changes (empty when there is none, as for a missing figure).
    std::vector<std::pair<std::string, UbcPair>> fix;
};

// What the VSwap checks bound the RAM and swap limits by: this host's, in pages.
struct CfgHost {
    uint64_t ram_pages = 0, swap_pages = 0;
};

// Runs the checks of a VSwap (`vswap`) or a beancounter configuration on `f` in order. `decide` sees each finding
// as it is made and says whether to make its fix, which changes `f` before the next check. Returns the findings.
// The figures a check needs that `f` lacks are each an Error without a fix, and then no check is made.
std::vector<CfgFinding> check_cfg(CfgFigures& f, bool vswap, const CfgHost& host,
                                  const std::function<bool(const CfgFinding&)>& decide);

// Whether a finding makes the configuration invalid (Error and Warning; a Recommendation does not).
inline bool cfg_fails(const CfgFinding& f) { return f.severity != CfgSeverity::Recommendation; }

}  // namespace vz
