// One listing: which containers, which columns, filters and sort order; collecting only what those need; text
// and JSON rendering.
#pragma once

#include <string>
#include <vector>

#include "fields.hpp"

namespace vzlist {

enum class Which { Running, All, Stopped, Given };

struct Query {
    Which which = Which::Running;
    std::vector<unsigned> ctids;       // Which::Given
    std::vector<const Field*> columns;
    const Field* sort = nullptr;
    bool reverse = false;
    bool json = false;                 // rendered as JSON: beancounter columns show all five figures
    std::string hostname_glob, name_glob, description_glob;
    unsigned more_sources = 0;         // Sources read beyond what the columns need (metrics: kCpu, kNetIo)
};

std::vector<Record> collect(const vz::Paths& paths, const Query& q);
void sort_records(std::vector<Record>& records, const Field& f, bool reverse);

struct TextOptions {
    bool header = true;
    bool trim = true;
};
std::string render_text(const std::vector<Record>& records, const std::vector<const Field*>& columns,
                        const TextOptions& opt);
std::string render_json(const std::vector<Record>& records, const std::vector<const Field*>& columns);

// Metrics in the Prometheus text exposition format (prometheus.cpp): `metrics_query` sets in `q` what they need,
// `render_prometheus` writes them for the records collected with it.
void metrics_query(Query& q);
std::string render_prometheus(const std::vector<Record>& records);

}  // namespace vzlist
