// The beancounter rows of the field table: resource x {held, maxheld, barrier, limit, failcnt}, from one row template.
#include <fmt/format.h>

#include "config/beancounters.hpp"
#include "fields.hpp"
#include "ubc/limits.hpp"

namespace vzlist {
namespace {

// held, maxheld and failcnt exist only for a running container; barrier and limit come from the config (or VSwap),
// or are the limits in force.
struct UbcVariant {
    const char* suffix;
    const char* header_suffix;
    std::optional<uint64_t> vz::UbcCounters::*counter;  // null: barrier or limit
    bool barrier;
};

constexpr UbcVariant kVariants[] = {{"", "", &vz::UbcCounters::held, false},
                                    {".m", ".M", &vz::UbcCounters::maxheld, false},
                                    {".b", ".B", nullptr, true},
                                    {".l", ".L", nullptr, false},
                                    {".f", ".F", &vz::UbcCounters::failcnt, false}};

// The barrier:limit shown: the limit in force for a running container, else configured, else VSwap-derived.
std::optional<vz::UbcPair> ubc_limit(const Record& r, size_t index) {
    if (!r.cfg) return std::nullopt;
    return vz::ubc_limit(*r.cfg, index, r.ubc ? &*r.ubc : nullptr);
}

Getter ubc_value(size_t ri, const UbcVariant& v) {
    return [ri, v](const Record& r) -> Value {
        if (!v.counter) {
            auto pair = ubc_limit(r, ri);
            if (!pair) return std::monostate{};
            return static_cast<int64_t>(v.barrier ? pair->barrier : pair->limit);
        }
        if (!r.ubc) return std::monostate{};
        auto& x = (*r.ubc)[ri].*v.counter;
        if (!x) return std::monostate{};
        return static_cast<int64_t>(*x);
    };
}

std::string ubc_json(const Record& r, size_t ri) {
    auto pair = ubc_limit(r, ri);
    const vz::UbcCounters* c = r.ubc ? &(*r.ubc)[ri] : nullptr;
    if (!pair && !c) return "null";
    // A counter that is not known (a stopped container: the text column prints "-") is null, not 0.
    auto n = [c](std::optional<uint64_t> vz::UbcCounters::*x) {
        return c && (c->*x) ? std::to_string(*(c->*x)) : std::string("null");
    };
    return fmt::format("{{\"held\": {}, \"maxheld\": {}, \"barrier\": {}, \"limit\": {}, \"failcnt\": {}}}",
                       n(&vz::UbcCounters::held), n(&vz::UbcCounters::maxheld), pair ? pair->barrier : vz::kUnlimited,
                       pair ? pair->limit : vz::kUnlimited, n(&vz::UbcCounters::failcnt));
}

// Only the unsuffixed field has a JSON form, holding every part.
Field ubc_field(size_t ri, const UbcVariant& v) {
    const auto& res = vz::ubc_resources()[ri];
    bool whole = !*v.suffix;
    return Field{.name = std::string(res.name) + v.suffix,
                 .header = std::string(res.header) + v.header_suffix,
                 .sources = v.counter ? kState | kUbc : kConfig | kUbc,
                 .get = ubc_value(ri, v),
                 .json = whole ? [ri](const Record& r) { return ubc_json(r, ri); }
                               : std::function<std::string(const Record&)>{},
                 .json_sources = whole ? unsigned{kConfig} : 0u,  // the barrier and limit members
                 .in_json = whole,
                 .ubc_index = static_cast<int>(ri),
                 .ubc_parts = v.counter ? unsigned{vz::kUbcCounters} : unsigned{vz::kUbcLimit}};
}

}  // namespace

std::vector<Field> beancounter_fields() {
    std::vector<Field> out;
    auto resources = vz::ubc_resources();
    for (size_t ri = 0; ri < resources.size(); ++ri) {
        if (!vz::ubc_listed(resources[ri])) continue;
        for (auto& v : kVariants) out.push_back(ubc_field(ri, v));
    }
    return out;
}

}  // namespace vzlist
