#include "fields.hpp"

#include <fmt/format.h>

#include "config/conf_file.hpp"
#include "config/units.hpp"
#include "ubc/limits.hpp"
#include "config/beancounters.hpp"

namespace vzlist {
namespace {

using vz::parse_uint;

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

Value ctid_of(const Record& r) { return int64_t{r.ctid}; }

// A config string; null when unset or empty. `expand`: $VEID in a path is the CTID.
Getter conf_text(const char* key, bool expand = false) {
    return [key, expand](const Record& r) -> Value {
        const std::string* v = r.conf(key);
        if (!v || v->empty()) return std::monostate{};
        return expand ? vz::expand_veid(*v, r.ctid) : *v;
    };
}

Getter conf_list(const char* key) {
    return [key](const Record& r) { return list_of(r.conf(key)); };
}

// A config number; null below `min_shown`, where the original shows nothing.
Getter conf_uint(const char* key, int64_t min_shown = 0) {
    return [key, min_shown](const Record& r) -> Value {
        auto v = opt_uint(r.conf(key));
        if (auto* i = std::get_if<int64_t>(&v); i && *i < min_shown) return std::monostate{};
        return v;
    };
}

Getter conf_onoff(const char* key) {
    return [key](const Record& r) { return onoff_text(r.conf(key)); };
}

std::function<std::string(const Record&)> conf_onoff_json(const char* key) {
    return [key](const Record& r) { return onoff_json(r.conf(key)); };
}

// What a mounted container uses (KiB for DISKSPACE, inodes for DISKINODES); null when not mounted or not known.
Value disk_usage(const Record& r, const char* key) {
    if (!r.disk) return std::monostate{};
    if (std::string_view(key) == "DISKSPACE") return static_cast<int64_t>(r.disk->space_kib);
    if (r.disk->inodes) return static_cast<int64_t>(*r.disk->inodes);
    return std::monostate{};
}

std::function<std::string(const Record&)> disk_json(const char* key) {
    return [key](const Record& r) -> std::string {
        auto lim = disk_limits(r, key);
        if (!lim) return "null";
        return fmt::format("{{\"usage\": {}, \"softlimit\": {}, \"hardlimit\": {}}}",
                           json_value(disk_usage(r, key)), lim->first, lim->second);
    };
}

Getter disk_limit(const char* key, bool soft) {
    return [key, soft](const Record& r) -> Value {
        auto lim = disk_limits(r, key);
        if (!lim) return std::monostate{};
        return soft ? lim->first : lim->second;
    };
}

std::string_view layout_of(const Record& r) {
    const std::string* v = r.conf("VE_LAYOUT");
    if (v && (*v == "simfs" || *v == "ploop")) return *v;
    if (v && !v->empty()) return "???";
    return r.cfg ? vz::layout_name(vz::ct_layout(*r.cfg)) : "simfs";
}

std::string format_uptime(double secs) {
    auto s = static_cast<uint64_t>(secs);
    return fmt::format("{:03}d{:02}h:{:02}m:{:02}s", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
}

// The 1, 5 and 15 minute load averages; `padded` for sorting, where text order must be number order.
Value load_figures(const Record& r, bool padded) {
    if (!r.load) return std::monostate{};
    StrList l;
    for (double v : *r.load) l.push_back(padded ? fmt::format("{:015.2f}", v) : fmt::format("{:.2f}", v));
    return l;
}

std::vector<Field> head_rows() {
    return {
        Field{.name = "ctid", .aliases = {"veid", "vpsid"}, .header = "CTID", .get = ctid_of},
        Field{.name = "private", .header = "PRIVATE", .width = 32, .align = Align::Left, .sources = kConfig,
              .get = conf_text("VE_PRIVATE", true)},
        Field{.name = "root", .header = "ROOT", .width = 32, .align = Align::Left, .sources = kConfig,
              .get = conf_text("VE_ROOT", true)},
        Field{.name = "mount_opts", .header = "MOUNT_OPTS", .width = 16, .align = Align::Left, .sources = kConfig,
              .get = conf_text("MOUNT_OPTS")},
        Field{.name = "origin_sample", .header = "ORIGIN_SAMPLE", .width = 32, .align = Align::Left,
              .sources = kConfig, .get = conf_text("ORIGIN_SAMPLE")},
        Field{.name = "hostname", .header = "HOSTNAME", .width = 32, .align = Align::Left, .sources = kConfig,
              .get = conf_text("HOSTNAME")},
        Field{.name = "name", .header = "NAME", .width = 32, .align = Align::Left, .sources = kConfig,
              .get = conf_text("NAME")},
        Field{.name = "smart_name", .header = "SMARTNAME", .sources = kConfig,
              .get = [](const Record& r) {
                  const std::string* n = r.conf("NAME");
                  return n && !n->empty() ? Value(*n) : ctid_of(r);
              }},
        Field{.name = "description", .header = "DESCRIPTION", .width = 32, .align = Align::Left, .sources = kConfig,
              .get = conf_text("DESCRIPTION")},
        Field{.name = "ostemplate", .header = "OSTEMPLATE", .width = 32, .align = Align::Left, .sources = kConfig,
              .get = conf_text("OSTEMPLATE")},
        // A running container's addresses in force (those of its config first, in their order), a stopped one's
        // configured addresses.
        Field{.name = "ip", .header = "IP_ADDR", .width = 15, .align = Align::Left, .sources = kConfig | kNet,
              .get = [](const Record& r) -> Value {
                  if (!r.ips) return list_of(r.conf("IP_ADDRESS"));
                  StrList out;
                  auto in_force = [&](const std::string& a) {
                      return std::find(r.ips->begin(), r.ips->end(), a) != r.ips->end();
                  };
                  auto configured = r.conf("IP_ADDRESS") ? vz::split(*r.conf("IP_ADDRESS"), " ") : StrList{};
                  for (auto& entry : configured)
                      if (auto a = entry.substr(0, entry.find('/')); in_force(a) &&
                          std::find(out.begin(), out.end(), a) == out.end())
                          out.push_back(a);
                  for (auto& a : *r.ips)
                      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
                  return out;
              },
              .first_when_trimmed = true},
        Field{.name = "nameserver", .header = "NAMESERVER", .width = 15, .align = Align::Left, .sources = kConfig,
              .get = conf_list("NAMESERVER"), .first_when_trimmed = true},
        Field{.name = "searchdomain", .header = "SEARCHDOMAIN", .width = 15, .align = Align::Left,
              .sources = kConfig, .get = conf_list("SEARCHDOMAIN"), .first_when_trimmed = true},
        Field{.name = "status", .header = "STATUS", .width = 9, .align = Align::Left, .sources = kState,
              .get = [](const Record& r) { return Value(std::string(vz::run_status_name(r.state.status()))); },
              .sort_key = [](const Record& r) { return Value(int64_t(r.state.status())); }},
    };
}

// A disk quota: the whole (JSON only: usage, which needs a quota we do not have on simfs, and both limits), and its
// soft and hard limits from the config.
std::vector<Field> quota_rows(const std::string& name, const std::string& header, const char* key) {
    return {
        Field{.name = name, .header = header, .sources = kConfig | kState | kDisk,
              .get = [key](const Record& r) { return disk_usage(r, key); }, .json = disk_json(key)},
        Field{.name = name + ".s", .header = header + ".S", .sources = kConfig, .get = disk_limit(key, true),
              .in_json = false},
        Field{.name = name + ".h", .header = header + ".H", .sources = kConfig, .get = disk_limit(key, false),
              .in_json = false},
    };
}

std::vector<Field> tail_rows() {
    return {
        // "1.00/0.50/0.25"; sorted by the 1, then 5, then 15 minute figure.
        Field{.name = "laverage", .header = "LAVERAGE", .width = 14, .sources = kState | kLoad,
              .get = [](const Record& r) { return load_figures(r, false); },
              .sort_key = [](const Record& r) { return load_figures(r, true); },
              .text = [](const Value& v) {
                  auto* l = std::get_if<StrList>(&v);
                  return l && l->size() == 3 ? (*l)[0] + "/" + (*l)[1] + "/" + (*l)[2] : std::string("-");
              },
              .json = [](const Record& r) {
                  return r.load ? fmt::format("[{:.2f}, {:.2f}, {:.2f}]", (*r.load)[0], (*r.load)[1], (*r.load)[2])
                                : std::string("null");
              }},
        Field{.name = "uptime", .header = "UPTIME", .width = 15, .sources = kState | kInit,
              .get = [](const Record& r) { return r.uptime ? Value(*r.uptime) : Value(std::monostate{}); },
              .text = [](const Value& v) {
                  auto* d = std::get_if<double>(&v);
                  return d ? format_uptime(*d) : std::string("-");
              },
              .json = [](const Record& r) {
                  return r.uptime ? fmt::format("{:.3f}", *r.uptime) : std::string("null");
              }},
        Field{.name = "cpulimit", .header = "CPULIM", .width = 7, .sources = kConfig, .get = conf_uint("CPULIMIT")},
        Field{.name = "cpuunits", .header = "CPUUNI", .width = 7, .sources = kConfig, .get = conf_uint("CPUUNITS")},
        Field{.name = "cpus", .header = "CPUS", .width = 5, .sources = kConfig, .get = conf_uint("CPUS", 1),
              .json_null = "0"},
        Field{.name = "ioprio", .header = "IOP", .width = 3, .sources = kConfig, .get = conf_uint("IOPRIO"),
              .json_null = "0"},
        Field{.name = "iolimit", .header = "IOLIMIT", .sources = kConfig, .get = conf_uint("IOLIMIT", 1),
              .json_null = "0"},
        Field{.name = "iopslimit", .header = "IOPS", .width = 4, .sources = kConfig,
              .get = conf_uint("IOPSLIMIT", 1), .json_null = "0"},
        Field{.name = "onboot", .header = "ONBOOT", .width = 6, .sources = kConfig,
              .get = [](const Record& r) { return opt_bool(r.conf("ONBOOT")); }},
        Field{.name = "bootorder", .header = "BOOTORDER", .sources = kConfig, .get = conf_uint("BOOTORDER")},
        Field{.name = "layout", .header = "LAYOUT", .width = 6, .align = Align::Left, .sources = kConfig,
              .get = [](const Record& r) { return Value(std::string(layout_of(r))); }},
        Field{.name = "features", .header = "FEATURES", .width = 15, .align = Align::Left, .sources = kConfig,
              .get = conf_onoff("FEATURES"), .json = conf_onoff_json("FEATURES")},
        // A property of the config: the physpages limit it sets, not the one in force.
        Field{.name = "vswap", .header = "VSWAP", .width = 5, .sources = kConfig,
              .get = [](const Record& r) -> Value {
                  static const size_t physpages = *vz::ubc_index("physpages");
                  auto pair = r.cfg ? vz::ubc_limit(*r.cfg, physpages) : std::nullopt;
                  return pair && !vz::ubc_is_unlimited(pair->limit);
              }},
        Field{.name = "disabled", .header = "DISABL", .width = 6, .sources = kConfig,
              .get = [](const Record& r) {
                  auto v = opt_bool(r.conf("DISABLED"));
                  return std::holds_alternative<bool>(v) ? v : Value(false);
              }},
        Field{.name = "vm_overcommit", .header = "VM_OVC", .width = 6, .sources = kConfig,
              .get = [](const Record& r) -> Value {
                  const std::string* s = r.conf("VM_OVERCOMMIT");
                  auto d = s ? vz::parse_double(*s) : std::nullopt;
                  if (!d || *d == 0) return std::monostate{};
                  return *d;
              },
              .json_null = "0"},
        Field{.name = "netfilter", .header = "NETFILTER", .width = 9, .align = Align::Left, .sources = kConfig,
              .get = conf_text("NETFILTER")},
        Field{.name = "capability", .header = "CAPABILITY", .width = 15, .align = Align::Left, .sources = kConfig,
              .get = conf_onoff("CAPABILITY"), .json = conf_onoff_json("CAPABILITY"), .never_trim = true},
    };
}

// The groups of rows in order, each alias a row of its own right after its field.
std::vector<Field> rows_of(std::initializer_list<std::vector<Field>> groups) {
    std::vector<Field> out;
    for (auto& group : groups) {
        for (auto& f : group) {
            out.push_back(f);
            for (auto& alias : f.aliases) out.emplace_back(f).name = alias;
        }
    }
    return out;
}

}  // namespace

std::span<const Field> fields() {
    static const std::vector<Field> table =
        rows_of({head_rows(), beancounter_fields(), quota_rows("diskspace", "DSPACE", "DISKSPACE"),
                 quota_rows("diskinodes", "DINODES", "DISKINODES"), tail_rows()});
    return table;
}

const Field* find_field(std::string_view name) {
    for (auto& f : fields())
        if (f.name == name) return &f;
    return nullptr;
}

std::string Field::json_of(const Record& r) const {
    if (json) return json(r);
    auto v = get(r);
    return std::holds_alternative<std::monostate>(v) ? json_null : json_value(v);
}

namespace {

// The length of the well-formed UTF-8 character at s[i] (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), or 0.
size_t utf8_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    unsigned c = byte(0), lo = 0x80, hi = 0xBF;
    size_t n = 0;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    for (size_t k = 1; k < n; ++k, lo = 0x80, hi = 0xBF)
        if (byte(k) < lo || byte(k) > hi) return 0;
    return n;
}

}  // namespace

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
        char ch = s[i];
        auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80) {
            // JSON text is UTF-8 (RFC 8259, 8.1). A byte that starts no UTF-8 character is read as Latin-1, the
            // likely encoding of a config written by hand before UTF-8, and written as that character.
            if (auto n = utf8_length(s, i)) {
                out.append(s.substr(i, n));
                i += n - 1;
            } else {
                out += static_cast<char>(0xC0 | (c >> 6));
                out += static_cast<char>(0x80 | (c & 0x3F));
            }
            continue;
        }
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
