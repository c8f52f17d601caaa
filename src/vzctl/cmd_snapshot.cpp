// vzctl snapshot, snapshot-switch, snapshot-delete, snapshot-mount, snapshot-umount, snapshot-list: copies of a
// ploop container's image (vzctl(8), "Snapshots"; ct/snapshot.hpp).
#include <memory>

#include "command.hpp"
#include "ct/snapshot.hpp"

namespace vzctl {

namespace {

void add_id(CLI::App& sub, std::string& id, bool required) {
    auto* opt = sub.add_option("--id,--uuid", id, "the snapshot's UUID");
    if (required) opt->required();
}

// A command that names one snapshot and nothing else.
using OnId = void (*)(const vz::Paths&, unsigned, const std::string&, const std::string&);
Handler id_command(CLI::App& sub, OnId act) {
    auto id = std::make_shared<std::string>();
    add_id(sub, *id, true);
    return [id, act](const Context& c) {
        act(c.paths, c.ctid, *id, c.command_line);
        return 0;
    };
}

}  // namespace

Handler setup_snapshot(CLI::App& sub, bool) {
    auto o = std::make_shared<vz::SnapshotOptions>();
    sub.add_option("--id,--uuid", o->id, "the new snapshot's UUID (default: a new one)");
    sub.add_option("--name", o->name, "a name for it");
    sub.add_option("--description", o->description, "a description of it");
    sub.add_flag("--skip-suspend", o->skip_suspend, "do not save a running container's memory");
    sub.add_flag("--skip-config", o->skip_config, "do not save the container's config with it");
    return [o](const Context& c) {
        vz::snapshot_create(c.paths, c.ctid, *o, c.tools(), c.command_line);
        return 0;
    };
}

Handler setup_snapshot_switch(CLI::App& sub, bool) {
    auto o = std::make_shared<vz::SwitchOptions>();
    add_id(sub, o->id, true);
    auto* skip = sub.add_flag("--skip-resume", o->skip_resume, "leave a container that was running stopped");
    sub.add_flag("--must-resume", o->must_resume, "fail unless the snapshot's memory comes back too")
        ->excludes(skip);
    sub.add_flag("--skip-config", o->skip_config, "keep the current config");
    sub.add_flag("--skip_arpdetect")->description("accepted for compatibility");
    return [o](const Context& c) {
        vz::snapshot_switch(c.paths, c.ctid, *o, c.tools(), c.command_line);
        return 0;
    };
}

Handler setup_snapshot_delete(CLI::App& sub, bool) { return id_command(sub, vz::snapshot_delete); }

Handler setup_snapshot_mount(CLI::App& sub, bool) {
    struct Words {
        std::string id, target;
    };
    auto w = std::make_shared<Words>();
    add_id(sub, w->id, true);
    sub.add_option("--target", w->target, "an existing directory to mount it on (read-only)")->required();
    return [w](const Context& c) {
        vz::snapshot_mount(c.paths, c.ctid, w->id, w->target, c.command_line);
        return 0;
    };
}

Handler setup_snapshot_umount(CLI::App& sub, bool) { return id_command(sub, vz::snapshot_umount); }

Handler setup_snapshot_list(CLI::App& sub, bool) {
    auto o = std::make_shared<vz::SnapshotListOptions>();
    sub.add_flag("-H,--no-header", o->no_header, "no header line");
    sub.add_option("-o,--output", o->fields,
                   "fields, comma-separated: uuid parent_uuid current date name desc device target");
    add_id(sub, o->id, false);
    sub.add_flag("-L,--list", o->list_fields, "print the field names");
    return [o](const Context& c) {
        vz::snapshot_list(c.paths, c.ctid, *o, c.command_line);
        return 0;
    };
}

}  // namespace vzctl
