// THE vzlist field table (reference 4.2): one row per field name, with header, width, alignment, the data sources
// it needs and a getter returning a typed value. Text, JSON, sorting and -L use only this table.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "config/ctconfig.hpp"
#include "ct/disk.hpp"
#include "ct/probe.hpp"
#include "ct/state.hpp"
#include "ubc/collect.hpp"

namespace vzlist {

// A field's value: null, integer, float, string, list of strings, or boolean.
using StrList = std::vector<std::string>;
using Value = std::variant<std::monostate, int64_t, double, std::string, StrList, bool>;

// Data a field needs; the collector fetches the union over output, sort and filter fields.
enum Source : unsigned {
    kConfig = 1,  // <CTID>.conf over vz.conf
    kState = 2,   // private area, mount, cgroup, dump file
    kUbc = 4,     // beancounters of running containers, from their cgroups: usage and limits in force
    kInit = 8,    // the init process of running containers (uptime)
    kLoad = 16,   // load averages of running containers, kept by their monitors
    kNet = 32,    // venet addresses in force for running containers (the host's routes to them)
    kDisk = 64,   // disk use of mounted containers (their image's statfs, or their quota)
    kCpu = 128,   // CPU time used by running containers (metrics)
    kNetIo = 256, // traffic of running containers' network devices (metrics)
};

struct Record {
    unsigned ctid = 0;
    std::optional<vz::CtConfig> cfg;
    vz::CtState state;
    std::optional<vz::UbcStats> ubc;   // running containers, when a UBC column is asked for (with the limits in force)
    std::optional<double> uptime;      // seconds since the container's init started
    std::optional<std::array<double, 3>> load;  // 1, 5 and 15 minute load averages
    std::optional<StrList> ips;        // running containers: the venet addresses in force
    std::optional<vz::DiskUse> disk;   // mounted containers, when a disk field is asked for
    std::optional<double> cpu_seconds;  // running containers: CPU time used
    std::vector<vz::NetIo> net_io;      // running containers: their network devices' traffic
    // A config value (CT over global), or nullptr.
    const std::string* conf(std::string_view key) const { return cfg ? cfg->get(key) : nullptr; }
};

enum class Align { Left, Right };

using Getter = std::function<Value(const Record&)>;

// Every member has an initializer so that a row names only what differs from the defaults.
struct Field {
    std::string name{};
    // Further names of the same field; each is listed as a field of its own (-L, -o, -j).
    std::vector<std::string> aliases{};
    std::string header{};
    int width = 10;
    Align align = Align::Right;
    unsigned sources = 0;
    Getter get{};
    // Sort key when it differs from the value (status orders running < stopped < mounted < suspended).
    Getter sort_key{};
    // Text when the generic rendering of the value is not the original's (uptime, laverage).
    std::function<std::string(const Value&)> text{};
    // JSON text of the whole field when it is not the value's; only fields without a suffix appear in JSON.
    std::function<std::string(const Record&)> json{};
    std::string json_null = "null";  // JSON of a null value, where the original prints 0
    unsigned json_sources = 0;        // what `json` needs beyond `sources`
    bool in_json = true;              // has a JSON form (suffixed variants do not)
    bool never_trim = false;          // capability
    bool first_when_trimmed = false;  // ip, nameserver, searchdomain
    int ubc_index = -1;               // beancounter fields: index into vz::ubc_resources()
    unsigned ubc_parts = 0;           // and what of it the value reads of a running container (vz::UbcPart)

    // The field's JSON text for one container.
    std::string json_of(const Record& r) const;
};

std::span<const Field> fields();
const Field* find_field(std::string_view name);
// The rows of fields() generated from the beancounter table: resource x {held, m, b, l, f}.
std::vector<Field> beancounter_fields();

// JSON string literal with escaping.
std::string json_string(std::string_view s);
// Default JSON of a value.
std::string json_value(const Value& v);
// Default text of a value ("-" for null).
std::string text_value(const Field& f, const Value& v);

}  // namespace vzlist
