// vzlist: list containers and their parameters.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "config/ctconfig.hpp"
#include "config/units.hpp"
#include "listing.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace {

constexpr int kFailure = static_cast<int>(vz::Exit::Failure);
constexpr const char* kDefaultColumns = "ctid,numproc,status,ip,hostname";
constexpr const char* kNameColumns = "smart_name,numproc,status,ip,hostname";

constexpr const char* kUsage =
    "Usage: vzlist [-a | -S] [-n] [-H] [-t] [-o field[,field...] | -1] [-s [-]field]\n"
    "              [-h pattern] [-N pattern] [-d pattern] [-j] [CTID|name ...]\n"
    "       vzlist --prometheus[=FILE] [-a | -S] [-h|-N|-d pattern] [CTID|name ...]\n"
    "       vzlist -L | --list\n"
    "\n"
    "  -a, --all                 list all containers\n"
    "  -S, --stopped             list containers that are not running\n"
    "  -o, --output F[,F...]     columns to show (vzlist -L lists them)\n"
    "  -n, --name                columns smart_name,numproc,status,ip,hostname\n"
    "  -1                        only the CTIDs, one per line (-H -o ctid)\n"
    "  -H, --no-header           no header line\n"
    "  -t, --no-trim             do not cut long values to the column width\n"
    "  -s, --sort [-]F           sort by field F; -F sorts in reverse\n"
    "  -h, --hostname PATTERN    only host names matching the shell pattern\n"
    "  -N, --name_filter PATTERN only names matching the shell pattern\n"
    "  -d, --description PATTERN only descriptions matching the shell pattern\n"
    "  -j, --json                JSON output\n"
    "      --prometheus[=FILE]   metrics of every container (or of those given, -S) in the Prometheus\n"
    "                            text format; FILE is replaced atomically (node_exporter's textfile collector)\n"
    "  -L, --list                list every field name with its header\n"
    "      --help                this text\n";

std::vector<const vzlist::Field*> parse_columns(const std::string& spec) {
    std::vector<const vzlist::Field*> cols;
    for (auto& name : vz::split(spec, ",")) {
        auto* f = name.size() < 32 ? vzlist::find_field(vz::to_lower(name)) : nullptr;
        if (!f) throw vz::Error(vz::Exit::Failure, "Unknown field: " + name);
        cols.push_back(f);
    }
    if (cols.empty()) throw vz::Error(vz::Exit::Failure, "No fields given to -o");
    return cols;
}

struct Args {
    bool help = false, all = false, stopped = false, names = false, one = false, no_header = false, no_trim = false,
         json = false, list = false;
    std::string output, sort, host_glob, name_glob, desc_glob, prometheus_file;
    std::vector<std::string> ids;
};

void define(CLI::App& app, Args& a) {
    app.set_help_flag();
    app.add_flag("--help", a.help);
    app.add_flag("-a,--all", a.all);
    app.add_flag("-S,--stopped", a.stopped);
    app.add_option("-o,--output", a.output);
    app.add_flag("-n,--name", a.names);
    app.add_flag("-1", a.one);
    app.add_flag("-H,--no-header", a.no_header);
    app.add_flag("-t,--no-trim", a.no_trim);
    app.add_flag("-j,--json", a.json);
    app.add_flag("-L,--list", a.list);
    // A flag that takes its FILE only as --prometheus=FILE: `vzlist --prometheus 101` lists CT 101 (an option with
    // an optional value took 101 for the file). Alone it is "-": stdout.
    app.add_flag("--prometheus{-}", a.prometheus_file);
    app.add_option("-s,--sort", a.sort);
    app.add_option("-h,--hostname", a.host_glob);
    app.add_option("-N,--name_filter", a.name_glob);
    app.add_option("-d,--description", a.desc_glob);
    app.add_option("ctids", a.ids);
}

// -o takes a list of field names, -s one with an optional -, the positionals containers.
std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option& opt) {
    if (!opt.nonpositional()) return vzcli::containers();
    std::vector<std::string> names;
    for (auto& f : vzlist::fields()) names.push_back(f.name);
    if (opt.check_lname("output")) return vzcli::Values{.words = names, .separator = ','};
    if (opt.check_lname("sort")) return vzcli::Values{.words = names, .prefix = "-"};
    return std::nullopt;
}

// Columns, sort key, filters and format; which containers is for the caller, who knows the paths.
vzlist::Query query_of(const CLI::App& app, Args& a) {
    // The last of -o, -n and -1 sets the columns (as the original, which let each overwrite the list).
    std::string columns = kDefaultColumns;
    for (auto* opt : app.parse_order()) {
        if (opt->check_lname("output")) columns = a.output;
        else if (opt->check_lname("name")) columns = kNameColumns;
        else if (opt->check_sname("1")) columns = "ctid", a.no_header = true;
    }

    vzlist::Query q;
    q.columns = parse_columns(columns);
    q.hostname_glob = a.host_glob;
    q.name_glob = a.name_glob;
    q.description_glob = a.desc_glob;
    if (!a.sort.empty()) {
        q.reverse = a.sort.front() == '-';
        q.sort = parse_columns(q.reverse ? a.sort.substr(1) : a.sort).front();
    }
    q.json = a.json;
    if (a.json) {
        if (a.output.empty() && columns == kDefaultColumns) {
            q.columns.clear();
            for (auto& f : vzlist::fields())
                if (f.in_json) q.columns.push_back(&f);
        }
        for (auto* f : q.columns)
            if (!f->in_json) throw vz::Error(vz::Exit::Failure, "Field " + f->name + " can't be used with -j");
    }
    return q;
}

void choose_cts(const vz::Paths& paths, const Args& a, vzlist::Query& q) {
    if (!a.ids.empty()) {
        q.which = vzlist::Which::Given;
        for (auto& word : a.ids) {
            auto id = vz::parse_ctid(word);
            if (!id) id = vz::name_target(paths, word);
            if (!id) throw vz::Error(vz::Exit::Failure, "CT ID " + word + " is invalid");
            q.ctids.push_back(*id);
        }
    } else if (a.all) {
        q.which = vzlist::Which::All;
    } else if (a.stopped) {
        q.which = vzlist::Which::Stopped;
    }
}

// --prometheus: the metrics of every container unless -S or CTIDs say otherwise, with the filters.
vzlist::Query metrics_query_of(const CLI::App& app, const Args& a) {
    for (const char* other : {"-o", "-n", "-1", "-H", "-t", "-j", "-s"})
        if (app.count(other))
            throw vz::Error(vz::Exit::Failure, fmt::format("--prometheus can't be used with {}", other));
    vzlist::Query q;
    q.which = vzlist::Which::All;
    q.hostname_glob = a.host_glob;
    q.name_glob = a.name_glob;
    q.description_glob = a.desc_glob;
    vzlist::metrics_query(q);
    return q;
}

int run(const std::vector<std::string>& args) {
    CLI::App app{"vzlist", "vzlist"};
    Args a;
    define(app, a);
    if (auto done = vzcli::parse_or_answer(app, args, kUsage, a.help, completion_hint)) return *done;
    if (a.list) {
        // The original's "%-15s %-15s", without the trailing blanks.
        for (auto& f : vzlist::fields()) std::printf("%-15s %s\n", f.name.c_str(), f.header.c_str());
        return 0;
    }

    bool prometheus = app.count("--prometheus") > 0;
    vzlist::Query q = prometheus ? metrics_query_of(app, a) : query_of(app, a);
    auto paths = vz::paths();
    choose_cts(paths, a, q);
    auto records = vzlist::collect(paths, q);
    if (records.empty() && q.which == vzlist::Which::Given) {
        vz::log::write_err("Container(s) not found");
        return kFailure;
    }
    std::string text = prometheus ? vzlist::render_prometheus(records)
                       : a.json   ? vzlist::render_json(records, q.columns)
                                  : vzlist::render_text(records, q.columns, {!a.no_header, !a.no_trim});
    // FILE is replaced atomically: a reader (node_exporter) sees the old file or the new one, never half of one.
    if (prometheus && a.prometheus_file != "-") vz::write_file_atomic(a.prometheus_file, text, 0644);
    else std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return vzcli::run_tool(argc, argv, run); }
