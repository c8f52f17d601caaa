// The value grammars (config/units, config/kinds, util/strings): sizes, barrier:limit, bitmaps, addresses, and the
// validator of every Kind, with the value an option of the parameter table is given ("option NUL value"). Parsers
// refuse or accept without undefined behaviour; what a parser accepts, its formatter writes in a form it reads back the
// same; a canonical form is canonical (stable); and what `vzctl set --save` stores, a load accepts.
#include <string>

#include "config/ctconfig.hpp"
#include "config/edit.hpp"
#include "config/kinds.hpp"
#include "config/params.hpp"
#include "config/units.hpp"
#include "fuzz.hpp"
#include "util/error.hpp"

namespace {

using vzfuzz::require;

template <typename F>
void stable(F canonical, std::string_view v, const char* what) {
    if (auto c = canonical(v)) {
        auto again = canonical(*c);
        require(again && *again == *c, what, std::string(v) + " -> " + *c);
    }
}

void grammars(std::string_view v) {
    for (auto unit : {vz::Unit::Items, vz::Unit::Pages, vz::Unit::Bytes, vz::Unit::KiB}) {
        bool clamped = false;
        auto pair = vz::parse_ubc_pair(v, unit, &clamped);
        if (!pair) continue;
        require(pair->barrier <= vz::kUnlimited && pair->limit <= vz::kUnlimited, "a beancounter value past LONG_MAX",
                v);
        auto text = vz::format_ubc_pair(*pair);
        auto back = vz::parse_ubc_pair(text, unit);
        require(back && *back == *pair, "format_ubc_pair does not read back", std::string(v) + " -> " + text);
    }
    for (uint64_t plain : {uint64_t{1}, uint64_t{1024}, uint64_t{1} << 20}) {
        vz::parse_size(v, plain);
        vz::parse_size(v, plain, false);
    }
    for (unsigned bits : {vz::kCpumaskBits, vz::kNodemaskBits, 1u}) {
        auto map = vz::parse_bitmap(v, bits);
        if (!map) continue;
        require(map->size() == bits, "a bitmap of the wrong size", v);
        auto text = vz::format_bitmap(*map);
        if (text.empty()) continue;
        auto back = vz::parse_bitmap(text, bits);
        require(back && *back == *map, "format_bitmap does not read back", std::string(v) + " -> " + text);
    }
    vz::parse_uint(v);
    vz::parse_double(v);
    vz::parse_yes_no(v);
    if (auto id = vz::parse_ctid(v)) require(std::to_string(*id) == v, "parse_ctid accepts a non-canonical CTID", v);
    stable(vz::canonical_ip, v, "canonical_ip is not stable");
    stable(vz::canonical_mac, v, "canonical_mac is not stable");
    stable(vz::canonical_pci, v, "canonical_pci is not stable");
    stable([](std::string_view s) { return vz::disk_pair(s, vz::Unit::KiB); }, v, "disk_pair (KiB) is not stable");
    stable([](std::string_view s) { return vz::disk_pair(s, vz::Unit::Items); }, v, "disk_pair is not stable");
    vz::valid_ifname(v);
    vz::netif_spec_fields(v);
    vz::loop_device(v);
    vz::expand_veid(v, 2147483644);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // "option NUL value": the row of --option (an unknown name: the grammars alone).
    auto text = vzfuzz::as_text(data, size);
    auto z = text.find('\0');
    auto v = z == std::string_view::npos ? text : text.substr(z + 1);
    const vz::ParamDef* row = z == std::string_view::npos ? nullptr : vz::find_param(text.substr(0, z));
    grammars(v);
    if (!row) return 0;
    const vz::ParamDef& p = *row;

    vz::valid_value(p, v);
    vz::valid_stored(p, v);
    require(!vz::accepted_form(p).empty(), "a kind without an accepted form");

    // `vzctl set CTID --<option> v --save` on an empty config, then the next load.
    if (p.conf_key.empty()) return 0;
    vz::ConfFile conf;
    vz::EditContext ctx;
    ctx.ctid = 101;
    ctx.ncpus = 2;
    ctx.host_id = "fuzz";
    vz::Change change{&p, std::string(v)};
    try {
        vz::apply_changes(conf, {&change, 1}, ctx);
    } catch (const vz::Error&) {
        return 0;
    }
    // --ram/--swap: the pages that hold the size, rounded up.
    if (p.kind == vz::Kind::VswapSize && v != "unlimited") {
        uint64_t bytes = *vz::parse_size(v, 1), ps = vz::page_size();
        auto want = "0:" + std::to_string(bytes / ps + (bytes % ps != 0));
        require(*conf.get(p.conf_key) == want, "--ram/--swap stored another number of pages",
                std::string(v) + " -> " + *conf.get(p.conf_key) + ", not " + want);
    }
    try {
        auto saved = vz::ConfFile::parse(conf.render(), "saved");
        vz::validate_config(saved);
    } catch (const vz::Error& e) {
        vzfuzz::broken("what set --save stores, a load refuses", std::string(p.option) + " " + std::string(v) +
                                                                      ": " + e.what());
    }
    return 0;
}
