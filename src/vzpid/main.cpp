// vzpid: which container a host process belongs to (the original's script, from the containers' cgroups instead of
// the OpenVZ kernel's envID).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "config/ctconfig.hpp"
#include "ct/probe.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace {

constexpr int kFailure = static_cast<int>(vz::Exit::Failure);

constexpr const char* kUsage =
    "Usage: vzpid [-p] PID [PID ...]\n"
    "       vzpid [-p] -\n"
    "\n"
    "Prints the container (CTID; 0: the host) each process belongs to, and its name.\n"
    "\n"
    "  -p          also the process's pid inside its container (column VPid)\n"
    "  -           read the PIDs from standard input (separated by white space)\n"
    "  -h, --help  this text\n";

struct Options {
    bool help = false, vpid = false;
    std::vector<std::string> pids;
};

void define(CLI::App& app, Options& o) {
    app.set_help_flag();
    app.add_flag("-h,--help", o.help);
    app.add_flag("-p", o.vpid);
    app.add_option("pids", o.pids);
}

// PIDs are numbers only: nothing to offer.
std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option&) { return vzcli::Values{}; }

int run(const std::vector<std::string>& args) {
    Options o;
    CLI::App app{"vzpid", "vzpid"};
    define(app, o);
    if (auto done = vzcli::parse_or_answer(app, args, kUsage, o.help, completion_hint)) return *done;
    std::vector<std::string> words;
    for (auto& w : o.pids) {
        if (w != "-") {
            words.push_back(w);
            continue;
        }
        std::string in(std::istreambuf_iterator<char>(std::cin), {});
        for (auto& p : vz::split(in, " \t\n")) words.push_back(p);
    }
    if (o.pids.empty()) {
        vz::log::error("no PID given");
        std::fputs(kUsage, stderr);
        return kFailure;
    }
    vz::Probe probe(vz::load_global(vz::paths()));
    // The header and each row: tab-separated, the VPid column with -p only.
    auto row = [&](const auto& pid, const auto& ctid, const auto& vpid, const auto& name) {
        return o.vpid ? fmt::format("{}\t{}\t{}\t{}\n", pid, ctid, vpid, name)
                      : fmt::format("{}\t{}\t{}\n", pid, ctid, name);
    };
    std::string out = row("Pid", "CTID", "VPid", "Name");
    int status = 0;
    for (auto& w : words) {
        auto pid = vz::parse_uint(w, 1, INT32_MAX);
        auto info = pid ? probe.process(static_cast<pid_t>(*pid)) : std::nullopt;
        if (!info) {
            vz::log::error(pid ? fmt::format("no process {}", w) : fmt::format("not a PID: '{}'", w));
            status = kFailure;
            continue;
        }
        out += row(*pid, info->ctid, info->vpid, info->name);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return status;
}

}  // namespace

int main(int argc, char** argv) { return vzcli::run_tool(argc, argv, run); }
