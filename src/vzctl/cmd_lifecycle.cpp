// vzctl status, mount, umount, start, stop, restart, and the monitor's call back into vzctl.
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "ct/state.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace vzctl {

namespace {

void add_start_flags(CLI::App& sub, vz::StartOptions& o) {
    sub.add_flag("--force", o.force, "start even if DISABLED=\"yes\"");
    sub.add_flag("--wait", o.wait, "wait until the container finished booting");
    sub.add_flag("--skip-remount", o.skip_remount,
                 "keep the root's mount when it is mounted already (else it is unmounted and mounted again, its "
                 "umount and mount scripts run)");
    sub.add_flag("--skip-fsck", o.skip_fsck, "mount a ploop image without checking its file system first");
}

void add_stop_flags(CLI::App& sub, vz::StopOptions& o) {
    sub.add_flag("--fast", o.fast, "kill at once instead of halting cleanly");
    sub.add_flag("--skip-umount", o.skip_umount, "leave the root mounted");
}

void add_checkpoint_flags(CLI::App& sub, vz::CheckpointOptions& o) {
    sub.add_option("--dumpfile", o.dumpfile, "the dump's directory (default: DUMPDIR/Dump.CTID)");
    sub.add_flag("--skip_arpdetect")->description("accepted for compatibility");
}

void add_suspend_flags(CLI::App& sub, vz::CheckpointOptions& o) {
    add_checkpoint_flags(sub, o);
    sub.add_option("--page-server", o.page_server,
                   "send the memory pages to this CRIU page server (ADDR:PORT) instead of the dump directory (or the "
                   "pre-dump's)");
    sub.add_option("--lazy-pages", o.lazy_pages,
                   "with --dump: serve the memory pages on ADDR:PORT to a CRIU lazy-pages daemon (post-copy) until "
                   "it has them all");
    using Step = vz::CheckpointStep;
    struct Flag {
        const char* name;
        Step step;
        const char* help;
    };
    static constexpr Flag kSteps[] = {
        {"--suspend", Step::Suspend, "only freeze the container and lock its network"},
        {"--dump", Step::Dump, "only dump it, leaving it as it is (frozen and locked after --suspend)"},
        {"--kill", Step::Kill, "only kill it and release what the host holds for it"},
        {"--resume", Step::Resume, "only unlock its network and thaw it (after --suspend or --dump)"},
        {"--pre-dump", Step::PreDump,
         "only copy its memory while it runs into the next pre-dump (before --suspend; the kernel must track dirty "
         "memory): the dump after holds only what changed since"},
    };
    std::vector<CLI::Option*> made;
    for (auto& f : kSteps)
        made.push_back(sub.add_flag_callback(f.name, [&o, step = f.step] { o.step = step; }, f.help));
    for (auto* a : made)
        for (auto* b : made)
            if (a != b) a->excludes(b);
}

void add_resume_flags(CLI::App& sub, vz::CheckpointOptions& o) {
    add_checkpoint_flags(sub, o);
    sub.add_option("--lazy-pages", o.lazy_pages,
                   "take the memory pages after the processes run again, through a CRIU lazy-pages daemon, from the "
                   "dump serving them on ADDR:PORT (chkpnt --dump --lazy-pages)");
}

// A command that is one call of libvz.
Handler acting(void (*act)(const vz::Paths&, unsigned, const vz::Tools&)) {
    return [act](const Context& c) {
        act(c.paths, c.ctid, c.tools());
        return 0;
    };
}

// The same, with options of its own.
template <typename Options>
Handler acting_with(CLI::App& sub, void (*add)(CLI::App&, Options&),
                    void (*act)(const vz::Paths&, unsigned, const Options&, const vz::Tools&)) {
    auto opts = std::make_shared<Options>();
    add(sub, *opts);
    return [opts, act](const Context& c) {
        act(c.paths, c.ctid, *opts, c.tools());
        return 0;
    };
}

}  // namespace

Handler setup_status(CLI::App&, bool) {
    return [](const Context& c) {
        vz::log::set_level(-1);
        try {
            // The values unchecked: a bad one (an edit since the start) does not make the container unknown.
            auto cfg = vz::load_ct(c.paths, std::make_shared<const vz::ConfFile>(vz::load_global(c.paths)), c.ctid,
                                   false, false);
            std::puts(vz::status_line(c.ctid, vz::ct_state(cfg, vz::MountTable::read())).c_str());
        } catch (const vz::Error& e) {
            // status always answers; a config it can't read says what is known: nothing runs from it.
            vz::log::error(e.what());
            std::puts(vz::status_line(c.ctid, vz::CtState{}).c_str());
        }
        return 0;
    };
}

Handler setup_mount(CLI::App&, bool) { return acting(vz::mount_ct); }

Handler setup_umount(CLI::App&, bool) { return acting(vz::umount_ct); }

Handler setup_start(CLI::App& sub, bool) { return acting_with(sub, add_start_flags, vz::start_ct); }

Handler setup_stop(CLI::App& sub, bool) { return acting_with(sub, add_stop_flags, vz::stop_ct); }

Handler setup_suspend(CLI::App& sub, bool) { return acting_with(sub, add_suspend_flags, vz::suspend_ct); }

Handler setup_resume(CLI::App& sub, bool) { return acting_with(sub, add_resume_flags, vz::resume_ct); }

Handler setup_restart(CLI::App& sub, bool) {
    auto start = std::make_shared<vz::StartOptions>();
    auto stop = std::make_shared<vz::StopOptions>();
    add_start_flags(sub, *start);
    add_stop_flags(sub, *stop);
    return [start, stop](const Context& c) {
        // A config the start would refuse (a bad value) is refused before the stop: the container stays up.
        (void)vz::load_ct(c.paths, c.ctid, true);
        vz::log::info("Restarting container");
        auto tools = c.tools();
        vz::stop_ct(c.paths, c.ctid, *stop, tools);
        vz::start_ct(c.paths, c.ctid, *start, tools);
        return 0;
    };
}

Handler setup_monitor(CLI::App& sub, bool) {
    struct Words {
        std::string action, ctid;
    };
    auto words = std::make_shared<Words>();
    sub.add_option("action", words->action)->required();
    sub.add_option("ctid", words->ctid)->required();
    return [words](const Context& c) {
        vz::monitor_event(c.paths, c.ctid, words->action, c.tools());
        return 0;
    };
}

}  // namespace vzctl
