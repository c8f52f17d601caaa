#include <unistd.h>

#include "command.hpp"
#include "ct/ops.hpp"
#include "util/file.hpp"

namespace vzctl {

namespace {

// This binary, for the monitor's hand-over, and our helpers (vzmonitor, vzubcfs) beside it (build tree) or in
// libexec (installed).
std::string self_path() {
    char buf[4096];
    auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("vzctl");
}

std::string helper_path(const std::string& name) {
    auto beside = vz::dir_name(self_path()) + "/" + name;
    return vz::path_exists(beside) ? beside : std::string(VZ_LIBEXECDIR "/") + name;
}

}  // namespace

vz::Tools Context::tools() const {
    return vz::Tools{self_path(), helper_path("vzmonitor"), command_line, helper_path("vzubcfs")};
}

std::span<const Command> commands() {
    static const Command table[] = {
        {.name = "create", .help = "create a container from an OS template and a sample config", .setup = setup_create},
        {.name = "destroy",
         .alias = "delete",
         .help = "remove the private area and the config of a stopped container",
         .setup = setup_destroy},
        {.name = "status", .help = "print the state of a container", .setup = setup_status, .opens_log = false},
        {.name = "mount", .help = "mount the private area on the root", .setup = setup_mount},
        {.name = "umount", .help = "unmount the root of a stopped container", .setup = setup_umount},
        {.name = "start", .help = "start a container", .setup = setup_start},
        {.name = "stop", .help = "stop a container: halt inside, then kill after STOP_TIMEOUT", .setup = setup_stop},
        {.name = "restart", .help = "stop (if running), then start", .setup = setup_restart},
        {.name = "suspend",
         .alias = "chkpnt",
         .help = "checkpoint a running container into a dump (CRIU), then stop it",
         .setup = setup_suspend},
        {.name = "resume",
         .alias = "restore",
         .help = "bring a suspended container back from its dump",
         .setup = setup_resume},
        {.name = "exec",
         .help = "run a command through the container's shell; non-zero -> exit 8",
         .setup = setup_exec,
         .verbatim_tail = true},
        {.name = "exec2",
         .help = "as exec, exit with the command's own status",
         .setup = setup_exec2,
         .verbatim_tail = true},
        {.name = "exec3",
         .help = "run argv directly (no shell), exit with its status",
         .setup = setup_exec3,
         .verbatim_tail = true},
        {.name = "enter", .help = "open a root shell on a terminal inside the container", .setup = setup_enter},
        {.name = "console", .help = "attach to the container's console or a tty (ESC . detaches)", .setup = setup_console},
        {.name = "runscript",
         .help = "run a host script inside the container through its shell",
         .setup = setup_runscript},
        {.name = vz::kMonitorCommand, .help = "", .setup = setup_monitor, .hidden = true},
        {.name = vz::kMigrateCommand, .help = "", .setup = setup_migrate_target, .hidden = true},
        {.name = "set",
         .help = "change parameters; --save writes them to the container config",
         .setup = setup_set,
         .host_ok = true},
        {.name = "convert",
         .help = "move a stopped simfs container into a ploop image, or import an OpenVZ ploop image",
         .setup = setup_convert},
        {.name = "compact", .help = "give the free blocks of a ploop image back to the host", .setup = setup_compact},
        {.name = "quotaon", .help = "put the disk limits of a simfs container in force", .setup = setup_quotaon},
        {.name = "quotaoff", .help = "lift the disk limits of a simfs container", .setup = setup_quotaoff},
        {.name = "quotainit", .help = "set up the disk quota of a simfs container", .setup = setup_quotainit},
        {.name = "snapshot",
         .help = "copy a ploop container's image, config and memory as a snapshot",
         .setup = setup_snapshot},
        {.name = "snapshot-switch",
         .help = "bring a ploop container back to a snapshot (its current state is lost)",
         .setup = setup_snapshot_switch},
        {.name = "snapshot-delete", .help = "remove a snapshot", .setup = setup_snapshot_delete},
        {.name = "snapshot-mount", .help = "mount a snapshot read-only on a directory", .setup = setup_snapshot_mount},
        {.name = "snapshot-umount", .help = "unmount a mounted snapshot", .setup = setup_snapshot_umount},
        {.name = "snapshot-list", .help = "list a ploop container's snapshots", .setup = setup_snapshot_list},
    };
    return table;
}

}  // namespace vzctl
