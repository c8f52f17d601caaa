#include "options.hpp"

#include <algorithm>

#include "cli/syntax.hpp"
#include "util/strings.hpp"

namespace vzmigrate {

const char* const kUsage =
    "Usage: vzmigrate [option ...] DESTINATION CTID|name\n"
    "\n"
    "Moves a container (its config, action scripts and private area) to the host DESTINATION ([user@]host;\n"
    "user root by default) over ssh and rsync.\n"
    "On a terminal, rsync's progress line for the first copy of the private area is shown on stderr.\n"
    "\n"
    "  -r, --remove-area yes|no  remove the container here after success (default yes); no: rename its\n"
    "                            config to CTID.conf.migrated, its action scripts to CTID.NAME.migrated\n"
    "      --ssh=OPTIONS         more ssh options (e.g. --ssh=\"-p 2222 -i KEY\")\n"
    "      --ssh-mux             one ssh connection for every step (a ControlMaster)\n"
    "      --rsync=OPTIONS       more rsync options (always: -aHAX --delete --numeric-ids)\n"
    "      --keep-dst            on failure, leave the copied private area on the destination\n"
    "      --online, --live      live migration: checkpoint here, restore there (CRIU on both hosts);\n"
    "                            the memory follows the restore (post-copy) where the destination allows it\n"
    "      --no-lazy             with --online: copy all the memory while the container is frozen\n"
    "  -c, --compact             compact a ploop image before the copy\n"
    "  -s, --snapshot            snapshot a ploop image before the copy (vzctl snapshot)\n"
    "      --check-only, --dry-run  run the checks only, change nothing\n"
    "  -f, --nodeps[=all|cpu|ipv6]  go on when a check fails (the address conflict check: all)\n"
    "  -t, --times               print how long each phase took\n"
    "  -v                        more messages (repeatable; -vv shows the commands and their output)\n"
    "  -h, --help, --usage       this text\n";

namespace {

constexpr const char* kNodeps[] = {"all", "cpu", "cpu_check", "ipv6"};

std::vector<std::string> words_of(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (auto& v : values)
        for (auto& w : vz::split(v, " "))
            if (!w.empty()) out.push_back(w);
    return out;
}

}  // namespace

bool Options::ignores(const std::string& check) const {
    for (auto& w : vz::split(nodeps, ","))
        if (w == "all" || w == check || (w == "cpu_check" && check == "cpu")) return true;
    return false;
}

void define(CLI::App& app, Options& o) {
    app.set_help_flag();
    app.add_flag("-h,--help,--usage", o.help, "this text");
    app.add_option("-r,--remove-area", o.remove_area, "remove the container here after success")
        ->check(CLI::IsMember({"yes", "no"}));
    app.add_option("--ssh", o.ssh, "more ssh options")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--ssh-mux", o.ssh_mux, "one ssh connection for every step");
    app.add_option("--rsync", o.rsync, "more rsync options")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--keep-dst", o.keep_dst, "leave the copied private area on the destination on failure");
    app.add_flag("--online,--live", o.online, "live migration");
    app.add_flag("--no-lazy", o.no_lazy, "copy all the memory while frozen (no post-copy)");
    app.add_flag("-c,--compact", o.compact, "compact a ploop image first");
    app.add_flag("-s,--snapshot", o.snapshot, "snapshot a ploop image first");
    app.add_flag("--check-only,--dry-run", o.check_only, "run the checks only");
    app.add_flag("-f{all},--nodeps{all}", o.nodeps, "go on when a check fails");
    app.add_flag("-t,--times", o.times, "print how long each phase took");
    app.add_flag("-v", o.verbose, "more messages");
    app.add_option("destination", o.destination, "[user@]host")->required();
    app.add_option("ct", o.ct, "container id or name")->required();
}

Options parse(const std::vector<std::string>& args) {
    Options o;
    CLI::App app{"vzmigrate", "vzmigrate"};
    define(app, o);
    // --help wins over missing positionals, as in the original.
    for (auto& a : args)
        if (a == "-h" || a == "--help" || a == "--usage") {
            o.help = true;
            return o;
        }
    vzcli::parse(app, args);
    o.ssh = words_of(o.ssh);
    o.rsync = words_of(o.rsync);
    for (auto& w : vz::split(o.nodeps, ","))
        if (!w.empty() && std::find(std::begin(kNodeps), std::end(kNodeps), w) == std::end(kNodeps))
            fail(Code::Usage, "--nodeps: unknown check '{}' (all, cpu, ipv6)", w);
    if (o.destination.empty() || o.destination.find_first_of(" \t/") != std::string::npos ||
        o.destination.front() == '-' || o.destination.back() == '@')
        fail(Code::Usage, "bad destination '{}': [user@]host", o.destination);
    if (o.verbose > 0) o.times = true;
    return o;
}

}  // namespace vzmigrate
