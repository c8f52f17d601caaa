// The destination's side of vzmigrate, run by it through ssh: the hidden command `vzctl __migrate ACTION CTID`.
//   paths    prints where this node keeps the CT (KEY=value lines: VE_PRIVATE, VE_ROOT, DUMPDIR, LOCKDIR, CONFDIR),
//            from this node's vz.conf (VZ_CONFDIR respected), so vzmigrate never guesses the other side's layout,
//            and KEPT=yes when only the private area a failed migration kept (--keep-dst) is here
//   prepare  makes the empty, marked private area and the root directory the copy goes to
//   discard  removes what a failed migration left here (--keep-private: all but the private area), its dump too
//   page-server  starts a CRIU page server on this node's loopback that writes what a dump sends it into the CT's
//            dump directory, in the background until that dump is done; prints PORT=N (vzmigrate forwards a port
//            of the source's loopback to it through ssh); with --pre, the page server of the source's next pre-dump
//            (pre-copy), into the CT's next pre-dump here; either way the last pre-dump here is CRIU's parent
//   lazy-done  waits until the lazy-pages daemon of `vzctl restore --lazy-pages` here has ended (after the source's
//            dump did); fails (17) unless it
//            had every page: the dump there counts a connection closed half-way as done
//   handover  (on the source, once the destination runs the copy of a live migration's frozen CT) gives up the
//            CT's venet addresses here: host routes, proxy entries and the lock's rules for them go, so that this
//            host and its neighbours reach the copy at once instead of after the kill here; 16 unless its network
//            is locked (chkpnt --suspend)
//   takeback (the rollback's, before chkpnt --resume) the addresses handover gave up are back here, locked
//   criu     finds and checks this node's CRIU (vz.conf's CRIU=) for a live migration: prints CRIU=PATH and
//            "Version: X.Y.Z", PRECOPY=yes|no (whether this kernel tracks dirty memory, for pre-dumps), and
//            LAZY=all|privileged|no (which CTs a
//            restore here can give their memory after they run again: post-copy); fails as suspend does when it is missing or too old
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "ct/lifecycle.hpp"
#include "ct/ops.hpp"
#include "util/error.hpp"

namespace vzctl {

Handler setup_migrate_target(CLI::App& sub, bool) {
    struct Words {
        std::string action, ctid;
        bool keep_private = false;
        bool pre = false;
    };
    auto words = std::make_shared<Words>();
    sub.add_option("action", words->action)
        ->required()
        ->check(CLI::IsMember(
            {"paths", "prepare", "discard", "criu", "page-server", "lazy-done", "handover", "takeback"}));
    sub.add_option("ctid", words->ctid)->required();
    sub.add_flag("--keep-private", words->keep_private);
    sub.add_flag("--pre", words->pre);
    return [words](const Context& c) {
        if (words->action == "paths") {
            auto t = vz::migration_target(c.paths, c.ctid);
            std::printf("VE_PRIVATE=%s\nVE_ROOT=%s\nDUMPDIR=%s\nLOCKDIR=%s\nCONFDIR=%s\nKEPT=%s\n",
                        t.private_dir.c_str(), t.root.c_str(), t.dumpdir.c_str(), t.lockdir.c_str(),
                        t.confdir.c_str(), t.kept ? "yes" : "no");
        } else if (words->action == "page-server") {
            std::printf("PORT=%u\n", vz::start_page_server(c.paths, c.ctid, words->pre));
        } else if (words->action == "lazy-done") {
            vz::wait_lazy_pages(c.paths, c.ctid);
        } else if (words->action == "criu") {
            std::fputs(vz::criu_report(c.paths).c_str(), stdout);
        } else if (words->action == "handover" || words->action == "takeback") {
            vz::hand_over_addresses(c.paths, c.ctid, words->action == "handover", c.tools());
        } else if (words->action == "prepare") {
            vz::prepare_migration_target(c.paths, c.ctid);
        } else {
            vz::discard_migration_target(c.paths, c.ctid, words->keep_private);
        }
        return 0;
    };
}

}  // namespace vzctl
