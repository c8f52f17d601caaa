// vzcpucheck: the CPU power of this host against the CPU units of the running containers and of the host itself,
// in the original's output (the lines panels parse: "Current CPU utilization: N", "Power of the node: N").
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "config/ctconfig.hpp"
#include "ct/probe.hpp"
#include "ct/resources.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace {

// The original's status for a command line it does not take.
constexpr int kUsageStatus = 2;

constexpr const char* kUsage =
    "Usage: vzcpucheck [-v]\n"
    "\n"
    "Prints the sum of the CPU units (CPUUNITS) of the running containers and of the host (VE0CPUUNITS), and the\n"
    "CPU power of this host in the same units (25 per BogoMIPS of its CPUs); warns when the sum is larger.\n"
    "\n"
    "  -v          also the units of each running container (the host as 0)\n"
    "  -h, --help  this text\n";

struct Options {
    bool help = false, verbose = false;
};

void define(CLI::App& app, Options& o) {
    app.set_help_flag();
    app.add_flag("-h,--help", o.help);
    app.add_flag("-v", o.verbose);
}

std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option&) { return vzcli::Values{}; }

// 25 units per BogoMIPS of each CPU (the "bogomips" lines of x86, "BogoMIPS" of arm), truncated.
uint64_t node_power() {
    auto cpuinfo = vz::read_file("/proc/cpuinfo");
    if (!cpuinfo) vz::fail(vz::Exit::Failure, "Can't read /proc/cpuinfo");
    double sum = 0;
    bool found = false;
    for (auto& line : vz::split(*cpuinfo, "\n")) {
        auto words = vz::split(line, " \t:");  // "bogomips\t: 4192.09"
        if (words.size() != 2 || (words[0] != "bogomips" && words[0] != "BogoMIPS")) continue;
        auto value = vz::parse_double(words[1]);
        if (!value) continue;
        sum += *value;
        found = true;
    }
    if (!found) vz::fail(vz::Exit::Failure, "No BogoMIPS in /proc/cpuinfo: the CPU power of this host is unknown");
    return static_cast<uint64_t>(sum * 25);
}

int run(const std::vector<std::string>& args) {
    Options o;
    CLI::App app{"vzcpucheck", "vzcpucheck"};
    define(app, o);
    if (auto done = vzcli::parse_or_answer(app, args, kUsage, o.help, completion_hint))
        return *done == 0 ? 0 : kUsageStatus;
    auto p = vz::paths();
    auto global = std::make_shared<const vz::ConfFile>(vz::load_global(p));
    auto power = node_power();
    // The host: what `vzctl set 0 --cpuunits N --save` stored, else vz.conf's VE0CPUUNITS, else 1000.
    auto host = vz::load_ct(p, global, 0, false, false);
    uint64_t host_units = vz::parse_uint(host.get_or("CPUUNITS", global->get("VE0CPUUNITS")
                                                                   ? *global->get("VE0CPUUNITS") : "1000"))
                              .value_or(1000);
    std::string out = o.verbose ? fmt::format("VEID\t\tCPUUNITS\n{:-<25}\n0\t\t{}\n", "", host_units) : "";
    uint64_t sum = host_units;
    vz::Probe probe(*global);
    for (unsigned ctid : probe.running_ids()) {
        auto units = vz::resources_from_config(vz::load_ct(p, global, ctid, false, false)).cpuunits;
        sum += units;
        if (o.verbose) out += fmt::format("{}\t\t{}\n", ctid, units);
    }
    out += fmt::format("Current CPU utilization: {}\nPower of the node: {}\n", sum, power);
    // The original's words, which scripts may look for.
    if (sum > power) out += "Warning: hardware node is overcommited\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return vzcli::run_tool(argc, argv, run); }
