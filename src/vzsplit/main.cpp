// vzsplit: a sample configuration that gives each of N containers an equal share of this host (the original's
// options; a VSwap sample, the only kind a mainline kernel's memory cgroup enforces).
#include <sys/statvfs.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "config/areas.hpp"
#include "config/ctconfig.hpp"
#include "config/units.hpp"
#include "ubc/meminfo.hpp"
#include "ubc/split.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: vzsplit [-n NUMBER] [-f NAME] [-s SWAP] [-v yes|no]\n"
    "\n"
    "Divides this host's RAM, swap and free disk space into equal shares for NUMBER containers and prints the\n"
    "sample configuration of one share.\n"
    "\n"
    "  -n NUMBER   the number of containers (asked for when not given)\n"
    "  -f NAME     write the sample to ve-NAME.conf-sample in the config directory instead of standard output\n"
    "  -s SWAP     the swap to divide, in KiB (a K, M, G or T suffix also works); default: the host's SwapTotal\n"
    "  -v yes|no   a VSwap sample (yes, the default); no is refused: a mainline kernel enforces memory by RAM and\n"
    "              swap limits only\n"
    "  -h, --help  this text\n";

struct Options {
    bool help = false;
    std::string number, name, swap, vswap;
};

void define(CLI::App& app, Options& o) {
    app.set_help_flag();
    app.add_flag("-h,--help", o.help);
    app.add_option("-n", o.number);
    app.add_option("-f", o.name);
    app.add_option("-s", o.swap);
    app.add_option("-v", o.vswap);
}

std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option& opt) {
    if (opt.check_sname("v")) return vzcli::Values{.words = {"yes", "no"}};
    return vzcli::Values{};
}

// The number of containers, from -n or the answer to the prompt (white space around it ignored).
unsigned parse_number(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    text.remove_prefix(std::min(text.size(), text.find_first_not_of(kSpace)));
    text.remove_suffix(text.size() - std::min(text.size(), text.find_last_not_of(kSpace) + 1));
    auto n = vz::parse_uint(text, 1, 100000);
    if (!n) vz::fail(vz::Exit::Failure, "Invalid number of containers: '{}' (1 to 100000)", text);
    return static_cast<unsigned>(*n);
}

// A sample's name: a file name of the config directory, and a word of the sample's first comment line.
void check_name(const std::string& name) {
    bool ok = !name.empty() && name[0] != '.' && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+';
    });
    if (!ok)
        vz::fail(vz::Exit::Failure, "Invalid sample name '{}': letters, digits, '.', '_', '-' and '+', not first '.'",
                 name);
}

// The host's figures: RAM and swap from /proc/meminfo, the free space and inodes of the nearest existing directory
// of the one vz.conf's VE_PRIVATE keeps the containers' private areas in.
vz::SplitHost host_figures(const vz::ConfFile& global, const std::string& swap) {
    vz::SplitHost h;
    auto mem = vz::live_host_mem();
    h.ram = mem.ram;
    h.swap = mem.swap;
    if (!swap.empty()) {
        auto bytes = vz::parse_size(swap, 1024, false);
        if (!bytes) vz::fail(vz::Exit::Failure, "Invalid swap size: '{}' (KiB, or a K, M, G or T suffix)", swap);
        h.swap = *bytes;
    }
    auto* priv = global.get("VE_PRIVATE");
    std::filesystem::path dir = vz::areas_parent(priv ? *priv : "").value_or("/vz/private");
    std::error_code ec;
    while (!std::filesystem::is_directory(dir, ec) && dir.has_relative_path()) dir = dir.parent_path();
    h.area = dir.string();
    struct statvfs sv {};
    if (::statvfs(h.area.c_str(), &sv) != 0)
        vz::fail(vz::Exit::Failure, "Can't read the free space of {}: {}", h.area, vz::errno_text(errno));
    h.disk_free = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
    h.inodes_free = sv.f_files > 0 ? sv.f_favail : 0;
    return h;
}

int run(const std::vector<std::string>& args) {
    Options o;
    CLI::App app{"vzsplit", "vzsplit"};
    define(app, o);
    if (auto done = vzcli::parse_or_answer(app, args, kUsage, o.help, completion_hint)) return *done;
    if (!o.vswap.empty()) {
        auto yes = vz::parse_yes_no(o.vswap);
        if (!yes) vz::fail(vz::Exit::Failure, "Invalid -v value: '{}' (yes or no)", o.vswap);
        if (!*yes)
            vz::fail(vz::Exit::Failure, "Non-VSwap samples are not made: a mainline kernel enforces a container's "
                     "memory by its RAM and swap limits only (-v yes)");
    }
    if (!o.name.empty()) check_name(o.name);
    auto p = vz::paths();
    auto global = vz::load_global(p);
    auto host = host_figures(global, o.swap);
    if (o.number.empty()) {
        // On stderr: standard output holds the sample only.
        std::fputs("Enter the number of containers: ", stderr);
        if (!std::getline(std::cin, o.number)) vz::fail(vz::Exit::Failure, "No number of containers given");
    }
    auto n = parse_number(o.number);
    auto share = vz::split_host(host, n);
    auto text = vz::split_sample(host, share, n, o.name);
    if (o.name.empty()) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    }
    auto path = p.sample(o.name);
    vz::write_file_atomic(path, text, 0644);
    fmt::print("Sample configuration for {} container{} written to {}\n", n, n == 1 ? "" : "s", path);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return vzcli::run_tool(argc, argv, run); }
