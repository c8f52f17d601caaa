#include "fields.hpp"

#include <fmt/format.h>

#include <array>
#include <tuple>

#include "config/conf_file.hpp"
#include "config/units.hpp"
#include "ubc/limits.hpp"
#include "config/beancounters.hpp"

namespace vzlist {
namespace {

using vz::parse_uint;

Value opt_string(const std::string* s) {
    if (!s || s->empty()) return std::monostate{};
    return *s;
}

Value opt_uint(const std::string* s) {
    if (!s) return std::monostate{};
    auto v = parse_uint(*s);
    if (!v) return std::monostate{};
    return static_cast<int64_t>(*v);
}

Value opt_bool(const std::string* s) {
    if (!s) return std::monostate{};
    auto v = vz::parse_yes_no(*s);
    if (!v) return std::monostate{};
    return *v;
}

Value list_of(const std::string* s) {
    if (!s) return StrList{};
    return vz::split(*s, " ");
}

std::string yes_no(const Value& v) {
    if (auto* b = std::get_if<bool>(&v)) return *b ? "yes" : "no";
    return "-";
}

// name:on|off entries of FEATURES / CAPABILITY.
std::vector<std::pair<std::string, bool>> onoff_entries(const std::string* s) {
    std::vector<std::pair<std::string, bool>> out;
    if (!s) return out;
    for (auto& e : vz::split(*s, " ,")) {
        auto c = e.find(':');
        if (c == std::string::npos) continue;
        out.emplace_back(vz::to_lower(e.substr(0, c)), e.substr(c + 1) == "on");
    }
    return out;
}

Value onoff_text(const std::string* s) {
    auto entries = onoff_entries(s);
    if (entries.empty()) return std::monostate{};
    std::vector<std::string> parts;
    for (auto& [n, on] : entries) parts.push_back(n + (on ? ":on" : ":off"));
    return vz::join(parts, ",");
}

std::string onoff_json(const std::string* s) {
    auto entries = onoff_entries(s);
    if (entries.empty()) return "null";
    std::string out = "{";
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += ", ";
        out += json_string(entries[i].first) + ": " + (entries[i].second ? "true" : "false");
    }
    return out + "}";
}

// The barrier:limit shown: the limit in force for a running container, else configured, else VSwap-derived.
std::optional<vz::UbcPair> ubc_limit(const Record& r, size_t index) {
    if (!r.cfg) return std::nullopt;
    return vz::ubc_limit(*r.cfg, index, r.ubc ? &*r.ubc : nullptr);
}

// soft:hard of DISKSPACE (KiB, suffixes allowed) / DISKINODES.
std::optional<std::pair<int64_t, int64_t>> disk_limits(const Record& r, const char* key) {
    const std::string* v = r.conf(key);
    if (!v) return std::nullopt;
    auto unit = std::string_view(key) == "DISKSPACE" ? vz::Unit::KiB : vz::Unit::Items;
    auto c = v->find(':');
    auto s = vz::parse_ubc_value(std::string_view(*v).substr(0, c), unit);
    auto h = c == std::string::npos ? s : vz::parse_ubc_value(std::string_view(*v).substr(c + 1), unit);
    if (!s || !h) return std::nullopt;
    return std::pair{static_cast<int64_t>(*s), static_cast<int64_t>(*h)};
}

Field make(std::string name, std::string header, int width, Align align, unsigned sources,
           std::function<Value(const Record&)> get) {
    Field f;
    f.name = std::move(name);
    f.header = std::move(header);
    f.width = width;
    f.align = align;
    f.sources = sources;
    f.get = std::move(get);
    return f;
}

std::string_view layout_of(const Record& r) {
    const std::string* v = r.conf("VE_LAYOUT");
    if (v && (*v == "simfs" || *v == "ploop")) return *v;
    return v ? "???" : "simfs";
}

std::string format_uptime(double secs) {
    auto s = static_cast<uint64_t>(secs);
    return fmt::format("{:03}d{:02}h:{:02}m:{:02}s", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
}

std::vector<Field> build() {
    std::vector<Field> t;
    auto add = [&](Field f) -> Field& { return t.emplace_back(std::move(f)); };

    for (auto* id : {"ctid", "veid", "vpsid"}) {
        add(make(id, "CTID", 10, Align::Right, 0, [](const Record& r) { return Value(int64_t{r.ctid}); }));
    }
    auto conf_str = [&](const char* name, const char* header, int width, const char* key, bool expand) {
        return add(make(name, header, width, Align::Left, kConfig, [key, expand](const Record& r) {
            const std::string* v = r.conf(key);
            if (!v || v->empty()) return Value(std::monostate{});
            return Value(expand ? vz::expand_veid(*v, r.ctid) : *v);
        }));
    };
    conf_str("private", "PRIVATE", 32, "VE_PRIVATE", true);
    conf_str("root", "ROOT", 32, "VE_ROOT", true);
    conf_str("mount_opts", "MOUNT_OPTS", 16, "MOUNT_OPTS", false);
    conf_str("origin_sample", "ORIGIN_SAMPLE", 32, "ORIGIN_SAMPLE", false);
    conf_str("hostname", "HOSTNAME", 32, "HOSTNAME", false);
    conf_str("name", "NAME", 32, "NAME", false);
    add(make("smart_name", "SMARTNAME", 10, Align::Right, kConfig, [](const Record& r) {
        const std::string* n = r.conf("NAME");
        if (n && !n->empty()) return Value(*n);
        return Value(int64_t{r.ctid});
    }));
    conf_str("description", "DESCRIPTION", 32, "DESCRIPTION", false);
    conf_str("ostemplate", "OSTEMPLATE", 32, "OSTEMPLATE", false);
    for (auto [name, header, key] : {std::array<const char*, 3>{"ip", "IP_ADDR", "IP_ADDRESS"},
                                     std::array<const char*, 3>{"nameserver", "NAMESERVER", "NAMESERVER"},
                                     std::array<const char*, 3>{"searchdomain", "SEARCHDOMAIN", "SEARCHDOMAIN"}}) {
        auto& f = add(make(name, header, 15, Align::Left, kConfig,
                           [key = std::string(key)](const Record& r) { return list_of(r.conf(key)); }));
        f.first_when_trimmed = true;
    }
    {
        auto& f = add(make("status", "STATUS", 9, Align::Left, kState, [](const Record& r) {
            return Value(std::string(vz::run_status_name(r.state.status())));
        }));
        f.sort_key = [](const Record& r) { return Value(int64_t(r.state.status())); };
    }

    // Beancounters: resource x {held, maxheld, barrier, limit, failcnt}. held, maxheld and failcnt exist only for
    // a running container; barrier and limit come from the config (or VSwap), or are the limits in force.
    struct Variant {
        const char* suffix;
        const char* header_suffix;
        std::optional<uint64_t> vz::UbcCounters::*counter;  // null: barrier or limit
        bool barrier;
    };
    const Variant kVariants[] = {{"", "", &vz::UbcCounters::held, false},
                                 {".m", ".M", &vz::UbcCounters::maxheld, false},
                                 {".b", ".B", nullptr, true},
                                 {".l", ".L", nullptr, false},
                                 {".f", ".F", &vz::UbcCounters::failcnt, false}};
    auto resources = vz::ubc_resources();
    for (size_t ri = 0; ri < resources.size(); ++ri) {
        const auto& res = resources[ri];
        if (!vz::ubc_listed(res)) continue;
        for (auto& v : kVariants) {
            auto& f = add(make(std::string(res.name) + v.suffix, std::string(res.header) + v.header_suffix, 10,
                               Align::Right, v.counter ? kState | kUbc : kConfig | kUbc,
                               [ri, v](const Record& r) -> Value {
                                   if (!v.counter) {
                                       auto pair = ubc_limit(r, ri);
                                       if (!pair) return std::monostate{};
                                       return static_cast<int64_t>(v.barrier ? pair->barrier : pair->limit);
                                   }
                                   if (!r.ubc) return std::monostate{};
                                   auto& x = (*r.ubc)[ri].*v.counter;
                                   if (!x) return std::monostate{};
                                   return static_cast<int64_t>(*x);
                               }));
            f.ubc_index = static_cast<int>(ri);
            f.ubc_parts = v.counter ? vz::kUbcCounters : vz::kUbcLimit;
            if (*v.suffix) {
                f.in_json = false;
                continue;
            }
            f.json_sources = kConfig;  // the barrier and limit members
            f.json = [ri](const Record& r) -> std::string {
                auto pair = ubc_limit(r, ri);
                const vz::UbcCounters* c = r.ubc ? &(*r.ubc)[ri] : nullptr;
                if (!pair && !c) return "null";
                auto n = [](const std::optional<uint64_t>& x) { return x ? *x : 0; };
                return fmt::format("{{\"held\": {}, \"maxheld\": {}, \"barrier\": {}, \"limit\": {}, \"failcnt\": {}}}",
                                   c ? n(c->held) : 0, c ? n(c->maxheld) : 0, pair ? pair->barrier : vz::kUnlimited,
                                   pair ? pair->limit : vz::kUnlimited, c ? n(c->failcnt) : 0);
            };
        }
    }

    // Disk quota: usage needs a quota we do not have on simfs; limits come from the config.
    for (auto [name, header, key] : {std::array<const char*, 3>{"diskspace", "DSPACE", "DISKSPACE"},
                                     std::array<const char*, 3>{"diskinodes", "DINODES", "DISKINODES"}}) {
        std::string key_s = key;
        add(make(name, header, 10, Align::Right, kConfig, [](const Record&) { return Value(std::monostate{}); }))
            .json = [key_s](const Record& r) -> std::string {
            auto lim = disk_limits(r, key_s.c_str());
            if (!lim) return "null";
            return fmt::format("{{\"usage\": 0, \"softlimit\": {}, \"hardlimit\": {}}}", lim->first, lim->second);
        };
        for (auto [suffix, hsuffix, soft] : {std::tuple{".s", ".S", true}, std::tuple{".h", ".H", false}}) {
            add(make(std::string(name) + suffix, std::string(header) + hsuffix, 10, Align::Right, kConfig,
                     [key_s, soft = soft](const Record& r) -> Value {
                         auto lim = disk_limits(r, key_s.c_str());
                         if (!lim) return std::monostate{};
                         return soft ? lim->first : lim->second;
                     }))
                .in_json = false;
        }
    }

    {
        // "1.00/0.50/0.25"; sorted by the 1, then 5, then 15 minute figure.
        auto& f = add(make("laverage", "LAVERAGE", 14, Align::Right, kState | kLoad, [](const Record& r) -> Value {
            if (!r.load) return std::monostate{};
            StrList l;
            for (double v : *r.load) l.push_back(fmt::format("{:.2f}", v));
            return l;
        }));
        f.sort_key = [](const Record& r) -> Value {
            if (!r.load) return std::monostate{};
            StrList l;  // zero-padded: text order is number order
            for (double v : *r.load) l.push_back(fmt::format("{:015.2f}", v));
            return l;
        };
        f.text = [](const Value& v) {
            auto* l = std::get_if<StrList>(&v);
            return l && l->size() == 3 ? (*l)[0] + "/" + (*l)[1] + "/" + (*l)[2] : std::string("-");
        };
        f.json = [](const Record& r) {
            return r.load ? fmt::format("[{:.2f}, {:.2f}, {:.2f}]", (*r.load)[0], (*r.load)[1], (*r.load)[2])
                          : std::string("null");
        };
    }
    {
        auto& f = add(make("uptime", "UPTIME", 15, Align::Right, kState | kInit, [](const Record& r) -> Value {
            if (!r.uptime) return std::monostate{};
            return *r.uptime;
        }));
        f.text = [](const Value& v) {
            if (auto* d = std::get_if<double>(&v)) return format_uptime(*d);
            return std::string("-");
        };
        f.json = [](const Record& r) { return fmt::format("{:.3f}", r.uptime.value_or(0.0)); };
    }
    auto conf_uint = [&](const char* name, const char* header, int width, const char* key, int64_t min_shown,
                         bool json_zero) -> Field& {
        std::string k = key;
        auto& f = add(make(name, header, width, Align::Right, kConfig, [k, min_shown](const Record& r) -> Value {
            auto v = opt_uint(r.conf(k));
            if (auto* i = std::get_if<int64_t>(&v); i && *i < min_shown) return std::monostate{};
            return v;
        }));
        if (json_zero)
            f.json = [g = f.get](const Record& r) {
                auto v = g(r);
                return std::holds_alternative<std::monostate>(v) ? std::string("0") : json_value(v);
            };
        return f;
    };
    conf_uint("cpulimit", "CPULIM", 7, "CPULIMIT", 0, false);
    conf_uint("cpuunits", "CPUUNI", 7, "CPUUNITS", 0, false);
    conf_uint("cpus", "CPUS", 5, "CPUS", 1, true);
    conf_uint("ioprio", "IOP", 3, "IOPRIO", 0, true);
    conf_uint("iolimit", "IOLIMIT", 10, "IOLIMIT", 1, true);
    conf_uint("iopslimit", "IOPS", 4, "IOPSLIMIT", 1, true);
    {
        auto& f = add(make("onboot", "ONBOOT", 6, Align::Right, kConfig,
                           [](const Record& r) { return opt_bool(r.conf("ONBOOT")); }));
        f.text = yes_no;
    }
    conf_uint("bootorder", "BOOTORDER", 10, "BOOTORDER", 0, false);
    add(make("layout", "LAYOUT", 6, Align::Left, kConfig,
             [](const Record& r) { return Value(std::string(layout_of(r))); }));
    {
        auto& f = add(make("features", "FEATURES", 15, Align::Left, kConfig,
                           [](const Record& r) { return onoff_text(r.conf("FEATURES")); }));
        f.json = [](const Record& r) { return onoff_json(r.conf("FEATURES")); };
    }
    {
        // A property of the config: the physpages limit it sets, not the one in force.
        auto& f = add(make("vswap", "VSWAP", 5, Align::Right, kConfig, [](const Record& r) -> Value {
            static const auto physpages = static_cast<size_t>(vz::find_ubc("physpages") - vz::ubc_resources().data());
            auto pair = r.cfg ? vz::ubc_limit(*r.cfg, physpages) : std::nullopt;
            return pair && !vz::ubc_is_unlimited(pair->limit);
        }));
        f.text = yes_no;
    }
    {
        auto& f = add(make("disabled", "DISABL", 6, Align::Right, kConfig, [](const Record& r) -> Value {
            auto v = opt_bool(r.conf("DISABLED"));
            return std::holds_alternative<bool>(v) ? v : Value(false);
        }));
        f.text = yes_no;
    }
    {
        auto& f = add(make("vm_overcommit", "VM_OVC", 6, Align::Right, kConfig, [](const Record& r) -> Value {
            const std::string* s = r.conf("VM_OVERCOMMIT");
            auto d = s ? vz::parse_double(*s) : std::nullopt;
            if (!d || *d == 0) return std::monostate{};
            return *d;
        }));
        f.json = [g = f.get](const Record& r) {
            auto v = g(r);
            auto* d = std::get_if<double>(&v);
            return d ? fmt::format("{:g}", *d) : std::string("0");
        };
    }
    add(make("netfilter", "NETFILTER", 9, Align::Left, kConfig,
             [](const Record& r) { return opt_string(r.conf("NETFILTER")); }));
    {
        auto& f = add(make("capability", "CAPABILITY", 15, Align::Left, kConfig,
                           [](const Record& r) { return onoff_text(r.conf("CAPABILITY")); }));
        f.never_trim = true;
        f.json = [](const Record& r) { return onoff_json(r.conf("CAPABILITY")); };
    }
    return t;
}

}  // namespace

std::span<const Field> fields() {
    static const std::vector<Field> table = build();
    return table;
}

const Field* find_field(std::string_view name) {
    for (auto& f : fields())
        if (f.name == name) return &f;
    return nullptr;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) out += fmt::format("\\u{:04x}", c);
                else out += ch;
        }
    }
    return out + "\"";
}

std::string json_value(const Value& v) {
    return std::visit(
        [](auto&& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) return "null";
            else if constexpr (std::is_same_v<T, int64_t>) return std::to_string(x);
            else if constexpr (std::is_same_v<T, double>) return fmt::format("{:g}", x);
            else if constexpr (std::is_same_v<T, std::string>) return json_string(x);
            else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
            else {
                std::string out = "[";
                for (size_t i = 0; i < x.size(); ++i) out += (i ? ", " : "") + json_string(x[i]);
                return out + "]";
            }
        },
        v);
}

std::string text_value(const Field& f, const Value& v) {
    if (f.text) return f.text(v);
    return std::visit(
        [](auto&& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) return "-";
            else if constexpr (std::is_same_v<T, int64_t>) return std::to_string(x);
            else if constexpr (std::is_same_v<T, double>) return fmt::format("{:g}", x);
            else if constexpr (std::is_same_v<T, std::string>) return x.empty() ? "-" : x;
            else if constexpr (std::is_same_v<T, bool>) return x ? "yes" : "no";
            else return x.empty() ? "-" : vz::join(x, " ");
        },
        v);
}

}  // namespace vzlist
