#include "ubc/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <span>

#include "config/beancounters.hpp"
#include "ubc/limits.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

constexpr uint64_t KiB = 1024;

// How a check bounds one figure's own barrier and limit.
enum class Pair {
    Equal,           // barrier = limit (repair: both the larger)
    AtMost,          // barrier <= limit (repair: the limit the barrier)
    LimitUnlimited,  // limit unlimited: a guarantee has no limit (repair: unlimited)
    BarrierZero,     // barrier 0 (repair: 0)
    LimitRam,        // limit at most the host's RAM (repair: the host's)
    LimitSwap,       // limit at most the host's swap (repair: the host's)
};

struct PairCheck {
    std::string_view figure;
    Pair bound;
    CfgSeverity severity = CfgSeverity::Error;
    bool optional = false;  // a figure the configuration may leave unset
};

// A beancounter configuration, in the original's order: primary, secondary, then auxiliary parameters; the disk
// quota last, when set.
constexpr std::array kUbcPairs = {
    PairCheck{"numproc", Pair::Equal},
    PairCheck{"numtcpsock", Pair::Equal},
    PairCheck{"numothersock", Pair::Equal},
    PairCheck{"vmguarpages", Pair::LimitUnlimited},
    PairCheck{"kmemsize", Pair::AtMost},
    PairCheck{"tcpsndbuf", Pair::AtMost},
    PairCheck{"tcprcvbuf", Pair::AtMost},
    PairCheck{"othersockbuf", Pair::AtMost},
    PairCheck{"dgramrcvbuf", Pair::AtMost},
    PairCheck{"oomguarpages", Pair::LimitUnlimited},
    PairCheck{"privvmpages", Pair::AtMost},
    PairCheck{"lockedpages", Pair::AtMost},
    PairCheck{"shmpages", Pair::Equal},
    PairCheck{"physpages", Pair::BarrierZero},
    PairCheck{"physpages", Pair::LimitUnlimited},
    PairCheck{"numfile", Pair::Equal},
    PairCheck{"numflock", Pair::AtMost},
    PairCheck{"numpty", Pair::Equal},
    PairCheck{"numsiginfo", Pair::Equal},
    PairCheck{"dcachesize", Pair::AtMost},
    PairCheck{"numiptent", Pair::Equal},
    PairCheck{"diskspace", Pair::AtMost, CfgSeverity::Error, true},
    PairCheck{"diskinodes", Pair::AtMost, CfgSeverity::Error, true},
};

// A VSwap configuration has two figures: RAM and swap, limits only, no larger than the host has.
constexpr std::array kVswapPairs = {
    PairCheck{"physpages", Pair::BarrierZero},
    PairCheck{"physpages", Pair::LimitRam, CfgSeverity::Warning},
    PairCheck{"swappages", Pair::BarrierZero},
    PairCheck{"swappages", Pair::LimitSwap, CfgSeverity::Warning},
    PairCheck{"diskspace", Pair::AtMost, CfgSeverity::Error, true},
    PairCheck{"diskinodes", Pair::AtMost, CfgSeverity::Error, true},
};

// Which number of a figure a formula bounds from below. A repair of the barrier moves the limit by as much, so that
// the room between them stays; one of the room raises the limit.
enum class Side { Barrier, Limit, Room };

uint64_t barrier(const CfgFigures& f, std::string_view name) { return f.find(name)->second.barrier; }
uint64_t limit(const CfgFigures& f, std::string_view name) { return f.find(name)->second.limit; }

// The expected average number of processes: AVNUMPROC's barrier, else half numproc's.
uint64_t avnumproc(const CfgFigures& f) {
    auto av = f.find("avnumproc");
    if (av != f.end()) return av->second.barrier;
    uint64_t n = barrier(f, "numproc");
    return ubc_is_unlimited(n) ? kUnlimited : n / 2;
}

struct FormulaCheck {
    std::string_view figure;
    Side side;
    CfgSeverity severity;
    std::string_view formula;  // the bound as the message states it
    uint64_t (*least)(const CfgFigures&);
    bool unless_previous = false;  // only when the check before this one found nothing
};

// The UBC consistency check. Ordered so that a repair never breaks a check made before it: numfile is raised before
// the dcachesize limit it bounds, that before the kmemsize barrier it bounds; the barrier repairs of the buffers
// keep the room between barrier and limit their room checks asked for.
constexpr std::array kFormulas = {
    FormulaCheck{"numfile", Side::Barrier, CfgSeverity::Warning,
                 "max(32 x avnumproc, numtcpsock.bar + numothersock.bar + numpty.bar)",
                 [](const CfgFigures& f) {
                     return std::max(ubc_mul(avnumproc(f), 32),
                                     ubc_add(ubc_add(barrier(f, "numtcpsock"), barrier(f, "numothersock")),
                                             barrier(f, "numpty")));
                 }},
    FormulaCheck{"dcachesize", Side::Limit, CfgSeverity::Warning, "384 x numfile.bar",
                 [](const CfgFigures& f) { return ubc_mul(barrier(f, "numfile"), 384); }},
    FormulaCheck{"kmemsize", Side::Barrier, CfgSeverity::Error, "40 KiB x avnumproc + dcachesize.lim",
                 [](const CfgFigures& f) { return ubc_add(ubc_mul(avnumproc(f), 40 * KiB), limit(f, "dcachesize")); }},
    FormulaCheck{"privvmpages", Side::Barrier, CfgSeverity::Warning, "vmguarpages.bar",
                 [](const CfgFigures& f) { return barrier(f, "vmguarpages"); }},
    FormulaCheck{"tcpsndbuf", Side::Room, CfgSeverity::Error, "2.5 KiB x numtcpsock.bar",
                 [](const CfgFigures& f) { return ubc_mul(barrier(f, "numtcpsock"), 5 * KiB / 2); }},
    FormulaCheck{"othersockbuf", Side::Room, CfgSeverity::Error, "2.5 KiB x numothersock.bar",
                 [](const CfgFigures& f) { return ubc_mul(barrier(f, "numothersock"), 5 * KiB / 2); }},
    FormulaCheck{"tcprcvbuf", Side::Room, CfgSeverity::Warning, "2.5 KiB x numtcpsock.bar",
                 [](const CfgFigures& f) { return ubc_mul(barrier(f, "numtcpsock"), 5 * KiB / 2); }},
    FormulaCheck{"tcprcvbuf", Side::Barrier, CfgSeverity::Warning, "64 KiB",
                 [](const CfgFigures&) { return 64 * KiB; }},
    FormulaCheck{"tcpsndbuf", Side::Barrier, CfgSeverity::Warning, "64 KiB",
                 [](const CfgFigures&) { return 64 * KiB; }},
    FormulaCheck{"dgramrcvbuf", Side::Barrier, CfgSeverity::Warning, "32 KiB",
                 [](const CfgFigures&) { return 32 * KiB; }},
    FormulaCheck{"dgramrcvbuf", Side::Barrier, CfgSeverity::Recommendation, "129 KiB",
                 [](const CfgFigures&) { return 129 * KiB; }, true},
    FormulaCheck{"othersockbuf", Side::Barrier, CfgSeverity::Warning, "32 KiB",
                 [](const CfgFigures&) { return 32 * KiB; }},
    FormulaCheck{"othersockbuf", Side::Barrier, CfgSeverity::Recommendation, "129 KiB",
                 [](const CfgFigures&) { return 129 * KiB; }, true},
};

std::vector<CfgFigure> make_figures() {
    std::vector<CfgFigure> out;
    for (auto& r : ubc_resources()) out.push_back({r.name, r.conf_key, r.conf_alias, r.unit});
    out.push_back({"diskspace", "DISKSPACE", "", Unit::KiB});
    out.push_back({"diskinodes", "DISKINODES", "", Unit::Items});
    return out;
}

const std::vector<CfgFigure>& figures() {
    static const std::vector<CfgFigure> all = make_figures();
    return all;
}

uint64_t norm(uint64_t v) { return ubc_is_unlimited(v) ? kUnlimited : v; }

std::string value_text(uint64_t v) { return format_ubc_value(norm(v)); }

// The room between barrier and limit: unlimited above any barrier; none when the barrier is above the limit.
uint64_t room(const UbcPair& p) {
    if (ubc_is_unlimited(p.limit)) return kUnlimited;
    return p.limit > p.barrier ? p.limit - p.barrier : 0;
}

// The finding of a pair check, or nullopt when `p` meets it.
std::optional<CfgFinding> check_pair(const PairCheck& c, const UbcPair& p, const CfgHost& host) {
    auto pair_text = [&] { return fmt::format("{}:{}", value_text(p.barrier), value_text(p.limit)); };
    UbcPair fixed = p;
    std::string text;
    switch (c.bound) {
        case Pair::Equal:
            if (norm(p.barrier) == norm(p.limit)) return std::nullopt;
            fixed.barrier = fixed.limit = std::max(norm(p.barrier), norm(p.limit));
            text = fmt::format("barrier should be equal to limit for {} (currently, {})", c.figure, pair_text());
            break;
        case Pair::AtMost:
            if (norm(p.barrier) <= norm(p.limit)) return std::nullopt;
            fixed.limit = p.barrier;
            text = fmt::format("barrier should be <= limit for {} (currently, {})", c.figure, pair_text());
            break;
        case Pair::LimitUnlimited:
            if (ubc_is_unlimited(p.limit)) return std::nullopt;
            fixed.limit = kUnlimited;
            text = fmt::format("limit should be unlimited for {} (currently, {})", c.figure, value_text(p.limit));
            break;
        case Pair::BarrierZero:
            if (p.barrier == 0) return std::nullopt;
            fixed.barrier = 0;
            text = fmt::format("barrier should be 0 for {} (currently, {})", c.figure, value_text(p.barrier));
            break;
        case Pair::LimitRam:
        case Pair::LimitSwap: {
            bool ram = c.bound == Pair::LimitRam;
            uint64_t most = ram ? host.ram_pages : host.swap_pages;
            if (norm(p.limit) <= most) return std::nullopt;
            fixed.limit = most;
            text = fmt::format("{}.lim should be <= {}, this host's {} in pages (currently, {})", c.figure, most,
                               ram ? "RAM" : "swap", value_text(p.limit));
            break;
        }
    }
    return CfgFinding{c.severity, std::move(text), {{std::string(c.figure), fixed}}};
}

std::optional<CfgFinding> check_formula(const FormulaCheck& c, const CfgFigures& f) {
    const UbcPair& p = f.find(c.figure)->second;
    uint64_t least = norm(c.least(f));
    UbcPair fixed = p;
    std::string side, now;
    switch (c.side) {
        case Side::Barrier:
            if (norm(p.barrier) >= least) return std::nullopt;
            fixed.barrier = least;
            fixed.limit = ubc_add(p.limit, least - p.barrier);
            side = fmt::format("{}.bar", c.figure);
            now = value_text(p.barrier);
            break;
        case Side::Limit:
            if (norm(p.limit) >= least) return std::nullopt;
            fixed.limit = least;
            side = fmt::format("{}.lim", c.figure);
            now = value_text(p.limit);
            break;
        case Side::Room:
            if (room(p) >= least) return std::nullopt;
            fixed.limit = ubc_add(p.barrier, least);
            side = fmt::format("{0}.lim-{0}.bar", c.figure);
            now = fmt::format("{}-{}={}", value_text(p.limit), value_text(p.barrier), room(p));
            break;
    }
    auto text = fmt::format("{} should be >= {} = {} (currently, {})", side, c.formula, value_text(least), now);
    return CfgFinding{c.severity, std::move(text), {{std::string(c.figure), fixed}}};
}

}  // namespace

const CfgFigure* find_cfg_figure(std::string_view name) {
    auto& all = figures();
    auto it = std::find_if(all.begin(), all.end(), [&](auto& x) { return x.name == name; });
    return it == all.end() ? nullptr : &*it;
}

CfgFigures cfg_figures(const CtConfig& cfg) {
    const std::string* quota = cfg.get("DISK_QUOTA");
    bool disk = !quota || parse_yes_no(*quota).value_or(true);
    CfgFigures out;
    for (auto& x : figures()) {
        if (!disk && x.conf_key.starts_with("DISK")) continue;
        const std::string* v = cfg.get(x.conf_key);
        if (!v && !x.conf_alias.empty()) v = cfg.get(x.conf_alias);
        if (!v || v->empty()) continue;
        if (auto pair = parse_ubc_pair(*v, x.unit)) out.emplace(std::string(x.name), *pair);
    }
    return out;
}

bool cfg_is_vswap(const CfgFigures& f) {
    auto ram = f.find("physpages");
    return ram != f.end() && !ubc_is_unlimited(ram->second.limit);
}

std::vector<std::string_view> missing_for_start(const CfgFigures& f) {
    bool vswap = cfg_is_vswap(f);
    std::vector<std::string_view> out;
    for (auto& r : ubc_resources()) {
        bool needed = vswap ? r.name == "physpages" || r.name == "swappages" : ubc_listed(r) && r.name != "swappages";
        if (needed && !f.contains(r.name)) out.push_back(r.name);
    }
    return out;
}

std::vector<CfgFinding> check_cfg(CfgFigures& f, bool vswap, const CfgHost& host,
                                  const std::function<bool(const CfgFinding&)>& decide) {
    std::vector<CfgFinding> out;
    auto found = [&](CfgFinding finding) {
        if (decide(finding))
            for (auto& [name, value] : finding.fix) f[name] = value;
        out.push_back(std::move(finding));
    };
    std::span<const PairCheck> pairs = vswap ? std::span<const PairCheck>(kVswapPairs) : kUbcPairs;
    std::vector<std::string_view> missing;
    for (auto& c : pairs)
        if (!c.optional && !f.contains(c.figure) && std::ranges::find(missing, c.figure) == missing.end())
            missing.push_back(c.figure);
    for (auto name : missing) found({CfgSeverity::Error, fmt::format("parameter {} not found", name), {}});
    if (!out.empty()) return out;

    for (auto& c : pairs)
        if (auto it = f.find(c.figure); it != f.end())
            if (auto finding = check_pair(c, it->second, host)) found(std::move(*finding));
    if (vswap) return out;
    bool previous = false;
    for (auto& c : kFormulas) {
        if (c.unless_previous && previous) {
            previous = false;
            continue;
        }
        auto finding = check_formula(c, f);
        previous = finding.has_value();
        if (finding) found(std::move(*finding));
    }
    return out;
}

}  // namespace vz
