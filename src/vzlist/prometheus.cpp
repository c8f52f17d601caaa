// Metrics in the Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector. Every
// figure is a field of the vzlist table (or, for CPU time and traffic, a record member of the same collection);
// the beancounter families are the rows of the beancounter table that vzubc shows.
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "config/beancounters.hpp"
#include "listing.hpp"
#include "ubc/limits.hpp"
#include "ubc/report.hpp"

namespace vzlist {
namespace {

// One sample of a container: labels beyond the container's own ("" or `resource="..."`...) and the value.
struct Sample {
    std::string labels;
    std::string value;
};

struct Family {
    std::string name;
    const char* type;  // "gauge", "counter"
    std::string help;
    std::function<std::vector<Sample>(const Record&)> samples;
};

std::string label_value(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string label(std::string_view name, std::string_view value) {
    return fmt::format("{}=\"{}\"", name, label_value(value));
}

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
}

// A field's value times `scale`; a limit field's "unlimited" as +Inf. Nothing for a null value.
std::optional<std::string> field_number(const Record& r, const Field& f, double scale, bool limit) {
    auto v = f.get(r);
    if (auto* i = std::get_if<int64_t>(&v)) {
        if (limit && vz::ubc_is_unlimited(static_cast<uint64_t>(*i))) return "+Inf";
        if (scale == 1) return std::to_string(*i);
        return number(static_cast<double>(*i) * scale);
    }
    if (auto* d = std::get_if<double>(&v)) return number(*d * scale);
    if (auto* b = std::get_if<bool>(&v)) return *b ? "1" : "0";
    return std::nullopt;
}

const Field& field(const std::string& name) {
    auto* f = find_field(name);
    if (!f) throw std::logic_error("metrics: no vzlist field " + name);
    return *f;
}

// A family of one sample per container from one field.
Family of_field(std::string name, const char* type, std::string help, const std::string& field_name,
                double scale = 1, bool limit = false) {
    const Field& f = field(field_name);
    return {std::move(name), type, std::move(help), [&f, scale, limit](const Record& r) {
                auto v = field_number(r, f, scale, limit);
                return v ? std::vector<Sample>{{"", *v}} : std::vector<Sample>{};
            }};
}

// A number only where it is above zero (CPULIMIT 0 and an unset one both mean no limit).
Family positive(Family fam) {
    return {fam.name, fam.type, fam.help, [inner = fam.samples](const Record& r) {
                auto s = inner(r);
                if (!s.empty() && (s[0].value == "0" || s[0].value.starts_with('-'))) s.clear();
                return s;
            }};
}

const char* unit_name(vz::Unit u) {
    switch (u) {
        case vz::Unit::Items: return "items";
        case vz::Unit::Pages: return "pages";
        case vz::Unit::Bytes: return "bytes";
        case vz::Unit::KiB: return "kibibytes";
    }
    return "items";
}

// The beancounter families: one per figure of a running container's beancounter block (ubc/report.hpp, the rows
// vzubc and /proc/user_beancounters show: every resource of the beancounter table, unavailable figures 0, no limit
// unlimited), one sample per resource, in the resource's unit.
std::vector<Family> beancounter_families() {
    struct Part {
        const char* metric;
        uint64_t vz::UbcRecord::*figure;
        const char* type;
        const char* help;
    };
    static constexpr Part kParts[] = {
        {"held", &vz::UbcRecord::held, "gauge", "what the container holds now, in the resource's unit"},
        {"maxheld", &vz::UbcRecord::maxheld, "gauge", "the most it held, in the resource's unit"},
        {"barrier", &vz::UbcRecord::barrier, "gauge", "the barrier, in the resource's unit (+Inf: none)"},
        {"limit", &vz::UbcRecord::limit, "gauge", "the limit, in the resource's unit (+Inf: none)"},
        {"failcnt_total", &vz::UbcRecord::failcnt, "counter", "allocations refused at the limit"},
    };
    std::vector<Family> out;
    for (auto& part : kParts) {
        out.push_back({fmt::format("vz_ct_beancounter_{}", part.metric), part.type,
                       fmt::format("Beancounters: {}", part.help), [figure = part.figure](const Record& r) {
                           std::vector<Sample> s;
                           if (!r.ubc) return s;
                           for (auto& row : vz::ubc_block(r.ctid, *r.ubc, r.cfg ? &*r.cfg : nullptr).rows) {
                               auto* res = vz::find_ubc(row.resource);
                               auto v = row.*figure;
                               s.push_back({label("resource", row.resource) + "," +
                                                label("unit", unit_name(res ? res->unit : vz::Unit::Items)),
                                            vz::ubc_is_unlimited(v) ? "+Inf" : std::to_string(v)});
                           }
                           return s;
                       }});
    }
    return out;
}

Family state_family() {
    return {"vz_ct_state", "gauge", "1 for the container's state (running, stopped, mounted, suspended), 0 for the others",
            [](const Record& r) {
                std::vector<Sample> s;
                for (auto st : {vz::RunStatus::Running, vz::RunStatus::Stopped, vz::RunStatus::Mounted,
                                vz::RunStatus::Suspended})
                    s.push_back({label("state", vz::run_status_name(st)), r.state.status() == st ? "1" : "0"});
                return s;
            }};
}

// Traffic of the container's devices as the container sees it: what its host end received, the container sent.
Family net_family(const char* direction, uint64_t vz::NetIo::*host_counter) {
    return {fmt::format("vz_ct_network_{}_bytes_total", direction), "counter",
            fmt::format("Bytes the container's network device {} (counted at its host end)",
                        std::string_view(direction) == "receive" ? "received" : "sent"),
            [host_counter](const Record& r) {
                std::vector<Sample> s;
                for (auto& io : r.net_io)
                    s.push_back({label("device", io.ct_dev) + "," + label("host_device", io.host_dev),
                                 std::to_string(io.*host_counter)});
                return s;
            }};
}

const std::vector<Family>& families() {
    static const std::vector<Family> table = [] {
        const double page = static_cast<double>(vz::page_size());
        std::vector<Family> t{
            state_family(),
            of_field("vz_ct_uptime_seconds", "gauge", "Seconds since the container's init started", "uptime"),
            {"vz_ct_cpu_usage_seconds_total", "counter", "CPU time the container's processes used",
             [](const Record& r) {
                 return r.cpu_seconds ? std::vector<Sample>{{"", number(*r.cpu_seconds)}} : std::vector<Sample>{};
             }},
            positive(of_field("vz_ct_cpu_limit_cpus", "gauge", "CPU limit (CPULIMIT) in CPUs", "cpulimit", 0.01)),
            of_field("vz_ct_cpus", "gauge", "CPUs the container may use (CPUS)", "cpus"),
            of_field("vz_ct_cpu_units", "gauge", "CPU weight (CPUUNITS)", "cpuunits"),
            of_field("vz_ct_processes", "gauge", "Processes of the container", "numproc"),
            of_field("vz_ct_memory_bytes", "gauge", "RAM the container uses (physpages)", "physpages", page),
            of_field("vz_ct_memory_limit_bytes", "gauge", "RAM limit (physpages; +Inf: none)", "physpages.l", page,
                     true),
            of_field("vz_ct_swap_bytes", "gauge", "Swap the container uses (swappages)", "swappages", page),
            of_field("vz_ct_swap_limit_bytes", "gauge", "Swap limit (swappages; +Inf: none)", "swappages.l", page,
                     true),
            of_field("vz_ct_disk_space_bytes", "gauge", "Disk space the mounted container uses", "diskspace", 1024),
            of_field("vz_ct_disk_space_soft_limit_bytes", "gauge", "Disk space soft limit (DISKSPACE; +Inf: none)",
                     "diskspace.s", 1024, true),
            of_field("vz_ct_disk_space_hard_limit_bytes", "gauge", "Disk space hard limit (DISKSPACE; +Inf: none)",
                     "diskspace.h", 1024, true),
            of_field("vz_ct_disk_inodes", "gauge", "Inodes the mounted container uses", "diskinodes"),
            of_field("vz_ct_disk_inodes_soft_limit", "gauge", "Inode soft limit (DISKINODES; +Inf: none)",
                     "diskinodes.s", 1, true),
            of_field("vz_ct_disk_inodes_hard_limit", "gauge", "Inode hard limit (DISKINODES; +Inf: none)",
                     "diskinodes.h", 1, true),
            net_family("receive", &vz::NetIo::host_tx_bytes),
            net_family("transmit", &vz::NetIo::host_rx_bytes),
        };
        for (auto& f : beancounter_families()) t.push_back(std::move(f));
        return t;
    }();
    return table;
}

// ctid, and name and hostname where set.
std::string ct_labels(const Record& r) {
    std::string out = label("ctid", std::to_string(r.ctid));
    for (auto [name, key] : {std::pair{"name", "NAME"}, std::pair{"hostname", "HOSTNAME"}})
        if (auto* v = r.conf(key); v && !v->empty()) out += "," + label(name, *v);
    return out;
}

}  // namespace

void metrics_query(Query& q) {
    q.columns.clear();
    for (auto& f : fields()) q.columns.push_back(&f);
    q.json = true;  // every part of every beancounter
    q.more_sources = kCpu | kNetIo | kConfig | kState;
}

std::string render_prometheus(const std::vector<Record>& records) {
    std::string out;
    for (auto& fam : families()) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", fam.name, fam.help, fam.name, fam.type);
        for (auto& r : records) {
            auto labels = ct_labels(r);
            for (auto& s : fam.samples(r))
                out += fmt::format("{}{{{}{}{}}} {}\n", fam.name, labels, s.labels.empty() ? "" : ",", s.labels,
                                   s.value);
        }
    }
    return out;
}

}  // namespace vzlist
