// vzctl set/create on a loaded config (config/edit, the parameter table): a config that loads, changed by any
// parameters with any values, either is refused with vz::Error or gives a config that the next load accepts, with
// every key reading back as it was set.
#include <fuzzer/FuzzedDataProvider.h>

#include <optional>

#include "config/conf_file.hpp"
#include "config/edit.hpp"
#include "config/params.hpp"
#include "fuzz.hpp"
#include "util/error.hpp"

namespace {

using vz::ConfFile;
using vzfuzz::require;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    std::optional<ConfFile> conf;
    try {
        conf = ConfFile::parse(in.ConsumeRandomLengthString(4096), "fuzz");
        // As vzctl set: a CT config that does not load is refused before any change.
        vz::validate_config(*conf);
    } catch (const vz::Error&) {
        return 0;
    }

    auto rows = vz::params();
    std::vector<vz::Change> changes;
    auto count = in.ConsumeIntegralInRange<size_t>(1, 8);
    for (size_t i = 0; i < count && in.remaining_bytes() > 0; ++i) {
        const vz::ParamDef* p = &rows[in.ConsumeIntegralInRange<size_t>(0, rows.size() - 1)];
        changes.push_back(vz::Change{p, in.ConsumeRandomLengthString(128)});
    }
    vz::EditContext ctx;
    ctx.ctid = in.ConsumeIntegralInRange<unsigned>(1, 2147483644);
    ctx.ncpus = in.ConsumeIntegralInRange<unsigned>(1, 64);
    ctx.host_id = "fuzz";
    ctx.dev_root = "/dev";
    try {
        vz::apply_changes(*conf, changes, ctx);
    } catch (const vz::Error&) {
        return 0;
    }

    // What --save writes, the next command loads.
    std::optional<ConfFile> saved;
    try {
        saved = ConfFile::parse(conf->render(), "saved");
    } catch (const vz::Error& e) {
        vzfuzz::broken("a saved config does not parse", e.what());
    }
    try {
        vz::validate_config(*saved);
    } catch (const vz::Error& e) {
        vzfuzz::broken("a saved config is refused by the next load", e.what());
    }
    require(saved->keys() == conf->keys(), "the saved config has other keys");
    for (auto& k : conf->keys()) require(*saved->get(k) == *conf->get(k), "a saved value reads back changed", k);
    return 0;
}
