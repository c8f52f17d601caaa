// vzmigrate: moves a container to another host over ssh and rsync (reference 5). Parses, runs the phases of
// migrate.hpp, and exits with the original's codes.
#include <cstdio>

#include "cli/completion.hpp"
#include "cli/syntax.hpp"
#include "migrate.hpp"
#include "options.hpp"
#include "util/log.hpp"

namespace {

// The destination is a host name: nothing to offer; the CT is one of this node's.
std::optional<vzcli::Values> completion_hint(const CLI::App&, const CLI::Option& opt) {
    if (!opt.nonpositional() && opt.get_name() == "ct") return vzcli::containers();
    return std::nullopt;
}

int run(const std::vector<std::string>& args) {
    vzmigrate::Options o;
    if (vzcli::completion_requested(args)) {
        CLI::App app{"vzmigrate", "vzmigrate"};
        vzmigrate::define(app, o);
        return vzcli::print_completion(app, "vzmigrate", completion_hint);
    }
    try {
        o = vzmigrate::parse(args);
    } catch (const CLI::ParseError& e) {
        return vzcli::refuse(e, vzmigrate::kUsage);
    }
    if (o.help) {
        std::fputs(vzmigrate::kUsage, stdout);
        return 0;
    }
    vz::log::set_level(o.verbose);
    vzmigrate::Migration m(std::move(o));
    return m.run();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const vzmigrate::Failure& e) {
        vz::log::error(e.what());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        return static_cast<int>(vzmigrate::Code::Usage);
    }
}
