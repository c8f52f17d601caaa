// vzlist -j (src/vzlist: the field table's JSON forms, render_json): records built from the input (container
// configs over a vz.conf, state, beancounters, uptime, load) rendered as JSON always parse with a strict RFC 8259
// reader (tests/support/json.hpp): an array of one object per container, the columns as keys in order. The text
// rendering and the sort take the same records without a crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <memory>

#include "../tests/support/json.hpp"
#include "config/conf_file.hpp"
#include "fuzz.hpp"
#include "listing.hpp"
#include "util/error.hpp"

namespace {

using vzfuzz::require;

std::optional<uint64_t> counter(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0: return std::nullopt;
        case 1: return vz::kUnlimited;
        case 2: return in.ConsumeIntegral<uint64_t>();
        default: return in.ConsumeIntegralInRange<uint64_t>(0, 1 << 20);
    }
}

vz::ConfFile conf(FuzzedDataProvider& in, const char* origin) {
    try {
        return vz::ConfFile::parse(in.ConsumeRandomLengthString(1024), origin);
    } catch (const vz::Error&) {
        return {};
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    auto global = std::make_shared<const vz::ConfFile>(conf(in, "vz.conf"));
    std::vector<vzlist::Record> records(in.ConsumeIntegralInRange<size_t>(0, 3));
    for (auto& r : records) {
        r.ctid = in.ConsumeIntegralInRange<unsigned>(0, 2147483644);
        // vzlist reads the configs unchecked; without a config column it reads none, and a CT may have none.
        if (in.ConsumeBool())
            r.cfg.emplace(r.ctid, global, in.ConsumeBool() ? std::optional(conf(in, "ct.conf")) : std::nullopt);
        r.state.exists = in.ConsumeBool();
        r.state.mounted = in.ConsumeBool();
        r.state.running = in.ConsumeBool();
        r.state.suspended = in.ConsumeBool();
        if (in.ConsumeBool()) {
            r.ubc.emplace(vz::ubc_resources().size());
            for (auto& c : *r.ubc) c = vz::UbcCounters{counter(in), counter(in), counter(in), counter(in)};
        }
        if (in.ConsumeBool()) r.uptime = in.ConsumeFloatingPointInRange<double>(0, 1e12);
        if (in.ConsumeBool())
            r.load = {in.ConsumeFloatingPointInRange<double>(0, 1e6), in.ConsumeFloatingPointInRange<double>(0, 1e6),
                      in.ConsumeFloatingPointInRange<double>(0, 1e6)};
    }

    // vzlist -j: every field with a JSON form; or -o with some of them.
    std::vector<const vzlist::Field*> columns;
    auto fields = vzlist::fields();
    bool all = in.ConsumeBool();
    for (auto& f : fields)
        if (f.in_json && (all || in.ConsumeIntegralInRange(0, 15) == 0)) columns.push_back(&f);
    if (columns.empty()) columns.push_back(vzlist::find_field("ctid"));

    auto text = vzlist::render_json(records, columns);
    auto doc = vztest::parse_json(text);
    require(doc.has_value(), "vzlist -j printed what is not JSON", text);
    require(doc->type == vztest::Json::Type::Array && doc->items.size() == records.size(), "not one object per CT");
    for (auto& o : doc->items) {
        require(o.type == vztest::Json::Type::Object && o.keys.size() == columns.size(), "not one member per column");
        for (size_t i = 0; i < columns.size(); ++i) require(o.keys[i] == columns[i]->name, "members out of order");
    }

    // The text listing and -s of any field with the same records.
    std::vector<const vzlist::Field*> text_columns;
    for (size_t i = 0; i < 6; ++i)
        text_columns.push_back(&fields[in.ConsumeIntegralInRange<size_t>(0, fields.size() - 1)]);
    vzlist::sort_records(records, fields[in.ConsumeIntegralInRange<size_t>(0, fields.size() - 1)], in.ConsumeBool());
    vzlist::render_text(records, text_columns, {in.ConsumeBool(), in.ConsumeBool()});
    return 0;
}
