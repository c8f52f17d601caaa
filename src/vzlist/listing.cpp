#include "listing.hpp"

#include <fnmatch.h>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <cstdlib>
#include <memory>

#include "config/units.hpp"
#include "ct/probe.hpp"
#include "ubc/limits.hpp"
#include "util/file.hpp"

namespace vzlist {
namespace {

bool glob_match(const std::string& glob, const std::string* value) {
    if (glob.empty()) return true;
    return value && ::fnmatch(glob.c_str(), value->c_str(), 0) == 0;
}

// Three-way order of two values: null first, then by value; values of different types by type.
int compare(const Value& a, const Value& b) {
    if (a.index() != b.index()) return a.index() < b.index() ? -1 : 1;
    return std::visit(
        [&](auto&& x) -> int {
            using T = std::decay_t<decltype(x)>;
            const T& y = std::get<T>(b);
            if constexpr (std::is_same_v<T, std::monostate>) return 0;
            else return x < y ? -1 : (y < x ? 1 : 0);
        },
        a);
}

std::string pad(const std::string& s, int width, Align align) {
    auto w = static_cast<size_t>(width);
    if (s.size() >= w) return s;
    return align == Align::Left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

// Byte length of the first `n` UTF-8 characters.
size_t utf8_prefix(const std::string& s, size_t n) {
    size_t i = 0;
    for (size_t chars = 0; i < s.size() && chars < n; ++chars) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    }
    return i;
}

void rstrip(std::string& s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
}

// What the listing must read: what its columns, sort key and filters need.
unsigned sources_of(const Query& q) {
    unsigned sources = q.more_sources;
    for (auto* f : q.columns) sources |= f->sources | (q.json ? f->json_sources : 0);
    if (q.sort) sources |= q.sort->sources;
    bool filters = !q.hostname_glob.empty() || !q.name_glob.empty() || !q.description_glob.empty();
    // Which containers exist or run needs their configs and states in every mode but "running".
    if (q.which != Which::Running || filters) sources |= kConfig;
    if (q.which != Which::All) sources |= kState;
    return sources;
}

// Beancounters: only the resources, and of them only the parts, that the columns and the sort key show
// (JSON shows all five figures of a resource).
std::vector<unsigned> wanted_ubc(const Query& q) {
    std::vector<unsigned> wanted(vz::ubc_resources().size(), 0);
    auto want = [&](const Field* f, unsigned parts) {
        if (!f || f->ubc_index < 0) return;
        auto i = static_cast<size_t>(f->ubc_index);
        if (parts & vz::kUbcCounters) wanted[i] |= vz::kUbcCounters;
        if (parts & vz::kUbcLimit) vz::want_ubc_limit(wanted, i);
    };
    for (auto* f : q.columns) want(f, q.json ? vz::kUbcAll : f->ubc_parts);
    if (q.sort) want(q.sort, q.sort->ubc_parts);
    return wanted;
}

}  // namespace

std::vector<Record> collect(const vz::Paths& paths, const Query& q) {
    auto sources = sources_of(q);

    auto global = std::make_shared<const vz::ConfFile>(vz::load_global(paths));
    vz::Probe probe(*global);

    std::vector<unsigned> ids;
    // The containers with processes, when this listing finds them anyway (sorted).
    std::optional<std::vector<unsigned>> running;
    switch (q.which) {
        case Which::Running: ids = *(running = probe.running_ids()); break;
        case Which::Given: ids = q.ctids; break;
        case Which::All:
        case Which::Stopped: {
            ids = vz::list_ct_ids(paths);
            running = probe.running_ids();
            ids.insert(ids.end(), running->begin(), running->end());
        }
    }
    // Base order is ascending CTID, each container once, also for CTIDs and names given as arguments.
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    auto is_running = [&](unsigned id) {
        if (running) return std::binary_search(running->begin(), running->end(), id);
        return probe.running(id);
    };

    std::optional<vz::MountTable> mounts;
    if (sources & kState) mounts = vz::MountTable::read();
    auto wanted = wanted_ubc(q);
    bool need_init = (sources & kInit) || ((sources & kUbc) && vz::ubc_needs_init(wanted));
    std::optional<std::map<std::string, std::vector<std::string>>> routed;  // fetched once, when a running CT needs it
    std::vector<Record> out;
    out.reserve(ids.size());
    for (unsigned id : ids) {
        Record r;
        r.ctid = id;
        if (sources & kConfig) {
            r.cfg = vz::load_ct(paths, global, id, false, false);
            if (q.which == Which::Given && !r.cfg->exists()) continue;
        }
        if ((sources & kState) && r.cfg) r.state = probe.state(*r.cfg, *mounts);
        else if (sources & (kState | kUbc | kInit | kLoad | kNet | kCpu | kNetIo)) r.state.running = is_running(id);
        if (q.which == Which::Stopped && r.state.running) continue;
        if (r.state.running && (sources & (kUbc | kInit))) {
            auto init = need_init ? probe.init(id) : std::nullopt;
            if (sources & kUbc) r.ubc = probe.ubc(id, init, wanted);
            if ((sources & kInit) && init) r.uptime = probe.uptime(*init);
        }
        if (r.state.running && (sources & kCpu)) r.cpu_seconds = probe.cpu_seconds(id);
        if (r.state.running && (sources & kNetIo) && r.cfg) r.net_io = probe.net_io(*r.cfg);
        if (r.state.running && (sources & kLoad)) r.load = probe.loadavg(id);
        if (r.state.running && (sources & kNet)) {
            if (!routed) routed = vz::routed_addresses();
            auto it = r.cfg ? routed->find(vz::routed_key(*r.cfg)) : routed->end();
            r.ips = it == routed->end() ? StrList{} : it->second;
        }
        if ((sources & kDisk) && r.cfg && r.state.mounted) r.disk = vz::disk_use(*r.cfg, true);
        // Listing everything shows containers that exist: a config and a private area, or processes.
        if ((q.which == Which::All || q.which == Which::Stopped) && !r.state.running) {
            if (!r.cfg || !r.cfg->exists()) continue;
            if (sources & kState) {
                if (!r.state.exists) continue;
            } else {
                auto* priv = r.cfg->get("VE_PRIVATE");
                if (!priv || !vz::is_dir(vz::expand_veid(*priv, id))) continue;
            }
        }
        if (!glob_match(q.hostname_glob, r.conf("HOSTNAME")) || !glob_match(q.name_glob, r.conf("NAME")) ||
            !glob_match(q.description_glob, r.conf("DESCRIPTION")))
            continue;
        out.push_back(std::move(r));
    }
    if (q.sort) sort_records(out, *q.sort, q.reverse);
    return out;
}

void sort_records(std::vector<Record>& records, const Field& f, bool reverse) {
    auto& key = f.sort_key ? f.sort_key : f.get;
    std::vector<std::pair<Value, size_t>> keys;
    keys.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) keys.emplace_back(key(records[i]), i);
    std::stable_sort(keys.begin(), keys.end(), [&](auto& a, auto& b) {
        int c = compare(a.first, b.first);
        if (c != 0) return reverse ? c > 0 : c < 0;
        return records[a.second].ctid < records[b.second].ctid;
    });
    std::vector<Record> sorted;
    sorted.reserve(records.size());
    for (auto& k : keys) sorted.push_back(std::move(records[k.second]));
    records = std::move(sorted);
}

std::string render_text(const std::vector<Record>& records, const std::vector<const Field*>& columns,
                        const TextOptions& opt) {
    std::string out;
    if (opt.header) {
        std::string line;
        for (size_t i = 0; i < columns.size(); ++i) {
            if (i) line += ' ';
            line += pad(columns[i]->header, columns[i]->width, columns[i]->align);
        }
        rstrip(line);
        out += line + '\n';
    }
    for (auto& r : records) {
        std::string line;
        for (size_t i = 0; i < columns.size(); ++i) {
            const Field& f = *columns[i];
            bool last = i + 1 == columns.size();
            Value v = f.get(r);
            std::string cell;
            if (auto* list = std::get_if<StrList>(&v); list && opt.trim && !last && f.first_when_trimmed)
                cell = list->empty() ? "-" : list->front();
            else
                cell = text_value(f, v);
            // Strings are cut to the column; numbers never are (a cut number is a wrong number).
            bool is_text = std::holds_alternative<std::string>(v) || std::holds_alternative<StrList>(v);
            auto width = static_cast<size_t>(f.width);
            if (opt.trim && !last && !f.never_trim && is_text) cell.resize(utf8_prefix(cell, width));
            if (i) line += ' ';
            line += pad(cell, f.width, f.align);
        }
        rstrip(line);
        out += line + '\n';
    }
    return out;
}

std::string render_json(const std::vector<Record>& records, const std::vector<const Field*>& columns) {
    if (records.empty()) return "[]\n";
    std::string out = "[\n";
    for (size_t r = 0; r < records.size(); ++r) {
        out += "  {\n";
        for (size_t i = 0; i < columns.size(); ++i) {
            const Field& f = *columns[i];
            out += "    " + json_string(f.name) + ": " + f.json_of(records[r]);
            out += i + 1 < columns.size() ? ",\n" : "\n";
        }
        out += r + 1 < records.size() ? "  },\n" : "  }\n";
    }
    return out + "]\n";
}

}  // namespace vzlist
