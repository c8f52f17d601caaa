// vzctl create, set, destroy: the commands that write a container's configuration or private area.
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "command.hpp"
#include "config/params.hpp"
#include "ct/ops.hpp"
#include "options.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace vzctl {

namespace {

struct CreateArgs {
    ParamOptions params;
    std::string config;
};

struct SetArgs {
    ParamOptions params;
    vz::SetRequest req;
    std::string setmode, applyconfig, applyconfig_map;
    bool skip_arpdetect = false, offline_resize = false;
};

void add_set_options(CLI::App& sub, SetArgs& a) {
    sub.add_flag("--save", a.req.save, "write the changes to <ctid>.conf");
    sub.add_flag("--force", a.req.force, "with --save: save even what can't be applied here");
    sub.add_flag("--reset_ub", a.req.reset_ub, "apply every beancounter of the config to the running container");
    sub.add_option("--setmode", a.setmode, "restart-only parameters of a running container: restart or ignore")
        ->check(CLI::IsMember({"restart", "ignore"}))
        ->type_name("restart|ignore");
    sub.add_option("--applyconfig", a.applyconfig, "take parameters from ve-<name>.conf-sample")->type_name("NAME");
    sub.add_option("--applyconfig_map", a.applyconfig_map, "recreate the name link from NAME (value: name)")
        ->check(CLI::IsMember({"name"}))
        ->type_name("name");
    sub.add_flag("--skip_arpdetect", a.skip_arpdetect, "skip the duplicate address probe");
    sub.add_flag("--offline-resize,--offline", a.offline_resize,
                 "with --diskspace: resize a ploop image offline; the container must be stopped and unmounted");
}

}  // namespace

Handler setup_create(CLI::App& sub, bool invoked) {
    auto args = std::make_shared<CreateArgs>();
    if (invoked) args->params.add_to(sub, vz::kCreate);
    sub.add_option("--config", args->config, "sample configuration ve-<name>.conf-sample")->type_name("NAME");
    return [args, app = &sub](const Context& c) {
        vz::CreateRequest req;
        req.changes = args->params.changes(*app);
        std::erase_if(req.changes, [&](const vz::Change& ch) {
            if (ch.def->option != "ostemplate") return false;
            req.ostemplate = ch.value;
            return true;
        });
        req.config = args->config;
        req.progress = vz::log::level() >= 0;  // drawn only on a terminal (util/progress)
        req.command = c.command_line;
        vz::create_ct(c.paths, c.ctid, req);
        return 0;
    };
}

Handler setup_destroy(CLI::App& sub, bool) {
    auto force = std::make_shared<bool>(false);
    sub.add_flag("--force", *force, "destroy a private area that vzctl create did not mark (made by an older build)");
    return [force](const Context& c) {
        vz::destroy_ct(c.paths, c.ctid, c.command_line, *force);
        return 0;
    };
}

Handler setup_set(CLI::App& sub, bool invoked) {
    auto args = std::make_shared<SetArgs>();
    if (invoked) args->params.add_to(sub, vz::kSet);
    add_set_options(sub, *args);
    return [args, app = &sub](const Context& c) {
        vz::SetRequest req = args->req;
        req.changes = args->params.changes(*app);
        req.setmode = args->setmode == "restart"  ? vz::SetMode::Restart
                      : args->setmode == "ignore" ? vz::SetMode::Ignore
                                                  : vz::SetMode::Default;
        if (!args->applyconfig.empty()) req.applyconfig = args->applyconfig;
        req.applyconfig_map = !args->applyconfig_map.empty();
        req.skiplock = c.skiplock;
        req.command = c.command_line;
        if (args->offline_resize && std::none_of(req.changes.begin(), req.changes.end(), [](const vz::Change& ch) {
                return ch.def->kind == vz::Kind::DiskSpace;
            }))
            vz::fail(vz::Exit::InvalidSyntax, "--offline-resize can only be used with --diskspace");
        req.offline_resize = args->offline_resize;
        vz::set_ct(c.paths, c.ctid, req, c.tools());
        return 0;
    };
}

}  // namespace vzctl
