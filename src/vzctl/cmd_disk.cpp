// vzctl compact, convert, quotaon, quotaoff, quotainit: the container's disk (vzctl(8), "Disk").
#include <memory>

#include "command.hpp"
#include "ct/disk.hpp"
#include "ct/ops.hpp"
#include "util/log.hpp"

namespace vzctl {

Handler setup_compact(CLI::App&, bool) {
    return [](const Context& c) {
        vz::compact_ct(c.paths, c.ctid, c.command_line);
        return 0;
    };
}

Handler setup_convert(CLI::App& sub, bool) {
    auto layout = std::make_shared<std::string>("ploop");
    sub.add_option("--layout,--velayout,--ve_layout", *layout, "ploop[:expanded|plain|raw] (the default: ploop)");
    return [layout](const Context& c) {
        vz::convert_ct(c.paths, c.ctid, *layout, c.command_line, vz::log::level() >= 0);  // util/progress
        return 0;
    };
}

namespace {
Handler quota_command(vz::QuotaOp op) {
    return [op](const Context& c) {
        vz::quota_ct(c.paths, c.ctid, op, c.command_line);
        return 0;
    };
}
}  // namespace

Handler setup_quotaon(CLI::App&, bool) { return quota_command(vz::QuotaOp::On); }
Handler setup_quotaoff(CLI::App&, bool) { return quota_command(vz::QuotaOp::Off); }
Handler setup_quotainit(CLI::App&, bool) { return quota_command(vz::QuotaOp::Init); }

}  // namespace vzctl
