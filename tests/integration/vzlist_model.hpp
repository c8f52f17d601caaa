// The test's own idea of what each vzlist field shows for a stopped container, worked out from the config values
// (reference 4.2): the oracle the generated sort test orders containers by. Beancounter and disk fields are
// generated from the resource table; the others are written out once here.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/conf_file.hpp"
#include "config/units.hpp"
#include "fields.hpp"
#include "config/ctconfig.hpp"
#include "ubc/limits.hpp"
#include "config/beancounters.hpp"

namespace vztest {

// One container's config over vz.conf, as the test wrote them.
struct ConfigView {
    unsigned ctid = 0;
    const vz::ConfFile* ct = nullptr;
    const vz::ConfFile* global = nullptr;
    const std::string* get(const std::string& key) const {
        auto* v = ct->get(key);
        return v ? v : global->get(key);
    }
    vz::CtConfig config() const { return vz::CtConfig(ctid, std::make_shared<const vz::ConfFile>(*global), *ct); }
};

using FieldModel = std::function<vzlist::Value(const ConfigView&)>;

namespace model_detail {

using vzlist::Value;

inline int64_t number(const std::string& s) {
    return s == "unlimited" ? INT64_MAX : static_cast<int64_t>(std::stoull(s));
}

// barrier:limit (or one value for both), as saved.
inline std::pair<int64_t, int64_t> pair_of(const std::string& s) {
    auto c = s.find(':');
    if (c == std::string::npos) return {number(s), number(s)};
    return {number(s.substr(0, c)), number(s.substr(c + 1))};
}

inline FieldModel text(std::string key, bool expand = false) {
    return [key, expand](const ConfigView& v) -> Value {
        auto* s = v.get(key);
        if (!s || s->empty()) return std::monostate{};
        return expand ? vz::expand_veid(*s, v.ctid) : *s;
    };
}

inline FieldModel list(std::string key) {
    return [key](const ConfigView& v) -> Value {
        vzlist::StrList out;
        if (auto* s = v.get(key)) out = vz::split(*s, " ");
        return out;
    };
}

// An integer; values below `min_shown` are shown as "-".
inline FieldModel integer(std::string key, int64_t min_shown) {
    return [key, min_shown](const ConfigView& v) -> Value {
        auto* s = v.get(key);
        if (!s || s->empty() || number(*s) < min_shown) return std::monostate{};
        return number(*s);
    };
}

inline FieldModel yes_no(std::string key, std::optional<bool> missing) {
    return [key, missing](const ConfigView& v) -> Value {
        auto* s = v.get(key);
        if (s) return *s == "yes";
        if (missing) return *missing;
        return std::monostate{};
    };
}

// "NAME:on NAME:off" shown as "name:on,name:off".
inline FieldModel onoff(std::string key) {
    return [key](const ConfigView& v) -> Value {
        auto* s = v.get(key);
        if (!s || s->empty()) return std::monostate{};
        auto shown = vz::to_lower(*s);
        std::replace(shown.begin(), shown.end(), ' ', ',');
        return shown;
    };
}

inline FieldModel nothing() {
    return [](const ConfigView&) -> Value { return std::monostate{}; };
}

}  // namespace model_detail

inline std::map<std::string, FieldModel> field_models() {
    namespace d = model_detail;
    using vzlist::Value;
    std::map<std::string, FieldModel> m;
    for (auto* id : {"ctid", "veid", "vpsid"})
        m[id] = [](const ConfigView& v) -> Value { return int64_t{v.ctid}; };
    m["private"] = d::text("VE_PRIVATE", true);
    m["root"] = d::text("VE_ROOT", true);
    for (auto [field, key] : {std::pair{"mount_opts", "MOUNT_OPTS"}, {"origin_sample", "ORIGIN_SAMPLE"},
                              {"hostname", "HOSTNAME"}, {"name", "NAME"}, {"description", "DESCRIPTION"},
                              {"ostemplate", "OSTEMPLATE"}, {"netfilter", "NETFILTER"}})
        m[field] = d::text(key);
    m["smart_name"] = [](const ConfigView& v) -> Value {
        auto* n = v.get("NAME");
        if (n && !n->empty()) return *n;
        return int64_t{v.ctid};
    };
    m["ip"] = d::list("IP_ADDRESS");
    m["nameserver"] = d::list("NAMESERVER");
    m["searchdomain"] = d::list("SEARCHDOMAIN");
    m["status"] = [](const ConfigView&) -> Value { return std::string("stopped"); };

    // Stopped: no usage figures, only the configured barrier and limit, or what VSwap derives for an unset one
    // (vz::ubc_limit; its rules have their own unit tests, tests/unit/ubc_limits_test.cpp).
    auto resources = vz::ubc_resources();
    for (size_t i = 0; i < resources.size(); ++i) {
        if (!vz::ubc_listed(resources[i])) continue;
        std::string name(resources[i].name);
        for (auto* usage : {"", ".m", ".f"}) m[name + usage] = d::nothing();
        for (bool barrier : {true, false})
            m[name + (barrier ? ".b" : ".l")] = [i, barrier](const ConfigView& v) -> Value {
                auto p = vz::ubc_limit(v.config(), i);
                if (!p) return std::monostate{};
                return static_cast<int64_t>(barrier ? p->barrier : p->limit);
            };
    }
    for (auto [name, key] : {std::pair{"diskspace", "DISKSPACE"}, {"diskinodes", "DISKINODES"}}) {
        m[name] = d::nothing();
        for (bool soft : {true, false})
            m[std::string(name) + (soft ? ".s" : ".h")] = [key = std::string(key), soft](const ConfigView& v) -> Value {
                auto* s = v.get(key);
                if (!s) return std::monostate{};
                auto p = d::pair_of(*s);
                return soft ? p.first : p.second;
            };
    }
    m["laverage"] = d::nothing();
    m["uptime"] = d::nothing();
    m["cpulimit"] = d::integer("CPULIMIT", 0);
    m["cpuunits"] = d::integer("CPUUNITS", 0);
    m["cpus"] = d::integer("CPUS", 1);
    m["ioprio"] = d::integer("IOPRIO", 0);
    m["iolimit"] = d::integer("IOLIMIT", 1);
    m["iopslimit"] = d::integer("IOPSLIMIT", 1);
    m["bootorder"] = d::integer("BOOTORDER", 0);
    m["onboot"] = d::yes_no("ONBOOT", std::nullopt);
    m["disabled"] = d::yes_no("DISABLED", false);
    m["layout"] = d::text("VE_LAYOUT");
    m["features"] = d::onoff("FEATURES");
    m["capability"] = d::onoff("CAPABILITY");
    m["vswap"] = [](const ConfigView& v) -> Value {
        auto* s = v.get("PHYSPAGES");
        if (!s) return false;
        auto limit = d::pair_of(*s).second;
        return limit != INT64_MAX && limit != 2147483647;
    };
    m["vm_overcommit"] = [](const ConfigView& v) -> Value {
        auto* s = v.get("VM_OVERCOMMIT");
        if (!s || std::stod(*s) == 0) return std::monostate{};
        return std::stod(*s);
    };
    return m;
}

}  // namespace vztest
