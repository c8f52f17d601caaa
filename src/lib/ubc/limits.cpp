#include "ubc/limits.hpp"

#include <algorithm>

#include "config/units.hpp"
#include "config/beancounters.hpp"

namespace vz {
namespace {

constexpr uint64_t kIntMax = 2147483647;

// What VSwap makes of the beancounters a config leaves unset (reference 2.6).
enum class Term { Ram, RamSwap, Overcommit, Unlimited };
struct Derivation {
    std::string_view resource;
    Term barrier, limit;
};
constexpr Derivation kVswap[] = {
    {"lockedpages", Term::Ram, Term::Ram},
    {"oomguarpages", Term::Ram, Term::Unlimited},
    {"vmguarpages", Term::RamSwap, Term::Unlimited},
    {"privvmpages", Term::Overcommit, Term::Overcommit},
};

const Derivation* derivation(std::string_view resource) {
    for (auto& d : kVswap)
        if (d.resource == resource) return &d;
    return nullptr;
}

size_t index_of(std::string_view name) {
    auto res = ubc_resources();
    return static_cast<size_t>(std::find_if(res.begin(), res.end(), [&](auto& r) { return r.name == name; }) -
                               res.begin());
}

const size_t kRam = index_of("physpages");
const size_t kSwap = index_of("swappages");

std::optional<UbcPair> configured(const CtConfig& cfg, const UbcResource& r) {
    const std::string* v = cfg.get(r.conf_key);
    if (!v && !r.conf_alias.empty()) v = cfg.get(r.conf_alias);
    if (!v || v->empty()) return std::nullopt;
    return parse_ubc_pair(*v, r.unit);
}

// The kernel enforces one number, the limit. A barrier equal to the configured limit (a single value in the
// config) follows it; a lower one stays, but never above the limit in force.
std::optional<UbcPair> with_kernel_limit(const std::optional<UbcPair>& conf, uint64_t kernel) {
    if (!conf) {
        if (ubc_is_unlimited(kernel)) return std::nullopt;
        return UbcPair{kernel, kernel};
    }
    return UbcPair{conf->barrier == conf->limit ? kernel : std::min(conf->barrier, kernel), kernel};
}

// Explicit or in force, without derivation.
std::optional<UbcPair> set_value(const CtConfig& cfg, size_t index, const UbcStats* live) {
    auto pair = configured(cfg, ubc_resources()[index]);
    if (live && index < live->size())
        if (auto& kernel = (*live)[index].limit) return with_kernel_limit(pair, *kernel);
    return pair;
}

std::optional<UbcPair> derive(const CtConfig& cfg, const Derivation& d, const UbcStats* live) {
    auto ram = set_value(cfg, kRam, live);
    if (!ram || ubc_is_unlimited(ram->limit)) return std::nullopt;  // not a VSwap config
    auto swap = set_value(cfg, kSwap, live);
    uint64_t ram_swap = ubc_add(ram->limit, swap ? swap->limit : 0);
    auto value = [&](Term t) -> uint64_t {
        switch (t) {
            case Term::Ram: return ram->limit;
            case Term::RamSwap: return ram_swap;
            case Term::Unlimited: return kUnlimited;
            case Term::Overcommit: break;
        }
        const std::string* text = cfg.get("VM_OVERCOMMIT");
        auto factor = text ? parse_double(*text) : std::nullopt;
        if (!factor || !(*factor > 0) || ram_swap == kUnlimited) return kUnlimited;
        // Truncated, as the original's unsigned long arithmetic did.
        double pages = static_cast<double>(ram_swap) * *factor;
        return pages >= static_cast<double>(kUnlimited) ? kUnlimited : static_cast<uint64_t>(pages);
    };
    return UbcPair{value(d.barrier), value(d.limit)};
}

}  // namespace

bool ubc_is_unlimited(uint64_t v) { return v == kUnlimited || v == kIntMax; }

uint64_t ubc_add(uint64_t a, uint64_t b) {
    if (ubc_is_unlimited(a) || ubc_is_unlimited(b) || a >= kUnlimited - b) return kUnlimited;
    return a + b;
}

uint64_t ubc_mul(uint64_t a, uint64_t k) {
    if (ubc_is_unlimited(a) || (k != 0 && a >= kUnlimited / k)) return kUnlimited;
    return a * k;
}

std::optional<UbcPair> ubc_limit(const CtConfig& cfg, size_t index, const UbcStats* live) {
    if (auto pair = set_value(cfg, index, live)) return pair;
    if (auto* d = derivation(ubc_resources()[index].name)) return derive(cfg, *d, live);
    return std::nullopt;
}

std::vector<std::optional<UbcPair>> ubc_limits(const CtConfig& cfg, const UbcStats* live) {
    std::vector<std::optional<UbcPair>> out(ubc_resources().size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = ubc_limit(cfg, i, live);
    return out;
}

void want_ubc_limit(std::vector<unsigned>& wanted, size_t index) {
    wanted[index] |= kUbcLimit;
    if (derivation(ubc_resources()[index].name)) {
        wanted[kRam] |= kUbcLimit;
        wanted[kSwap] |= kUbcLimit;
    }
}

}  // namespace vz
