// One migration as a sequence of phases (reference 5.2), each a member function that prints one progress line, and
// an undo stack: every phase that changes something on either node pushes the step that takes it back, and any
// failure after the checks unwinds the stack in reverse (the CT runs on the source again, the destination holds
// nothing of it), so the CT is never running on both nodes and never on neither.
// The online (live) path has phases of its own between the copy and the end: checkpoint instead of stop, the dump
// copied, restore instead of start, with their undo steps on the same stack.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/ctconfig.hpp"
#include "ct/lock.hpp"
#include "options.hpp"
#include "transport.hpp"

namespace vzmigrate {

// Steps that take back what was done, run in reverse order by unwind() (or by the destructor, unless committed).
class UndoStack {
public:
    UndoStack() = default;
    UndoStack(const UndoStack&) = delete;
    UndoStack& operator=(const UndoStack&) = delete;
    ~UndoStack() { unwind(); }

    void push(std::string what, std::function<void()> undo);
    // Everything done stays done.
    void commit() { steps_.clear(); }
    // Runs every step, newest first; a step that fails is reported and the others still run.
    void unwind();

private:
    std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

// Where the destination keeps the CT (its vzctl __migrate paths).
struct RemotePaths {
    std::string private_dir, root, dumpdir, lockdir, confdir;
};

// Pre-copy's passes while the CT runs: the first moves all its memory, the second what changed during the first,
// so that the frozen dump moves only what changed during the second.
inline constexpr unsigned kPreCopyPasses = 2;

class Migration {
public:
    explicit Migration(Options o);
    // Runs every phase; on a failure reports it, rolls back and returns its exit status.
    int run();

private:
    using Clock = std::chrono::steady_clock;

    int run_phases();

    // The checks: nothing is changed until they pass.
    void lock_source();
    void read_source_state();
    void connect();
    void check_checkpointing();
    void check_destination();
    void check_addresses();
    // The copy and the switch-over (offline).
    void compact_source();
    void snapshot_source();
    void copy_config();
    void sync_private(const char* pass);
    void stop_source();
    void start_destination();
    // Online.
    void checkpoint_source();
    // A CRIU page server on the destination (`pre`: a pre-dump's), its port forwarded from one of this host's
    // loopback; that address.
    std::string start_page_server(bool pre);
    void pre_copy();
    void copy_frozen();
    // Post-copy (lazy_): before the freeze, the forward from the destination to the port of the dump here (the
    // restore there starts the lazy-pages daemon that takes the pages through it); after the restore, the wait
    // until the dump here has served the last page; end_lazy_dump kills that dump (a rollback).
    void forward_lazy_pages();
    // `vzctl __migrate ACTION` on the destination, which starts a CRIU `what` there and prints its port; the port,
    // `code` when it fails.
    unsigned start_remote_criu(const std::vector<std::string>& action, const std::string& what, Code code);
    void wait_lazy_dump();
    void end_lazy_dump();
    // The rsync of the private area (`progress`: Transport::sync's); 6 when it fails.
    void copy_private(bool progress = false);
    void restore_destination();
    // Once the copy runs there: this host gives up the CT's venet addresses (vzctl __migrate handover), so that
    // its clients reach the copy before the memory has all crossed and the kill here; the thaw of a rollback takes
    // them back first.
    void hand_over_addresses();
    // Before the CT runs here again: throws when it runs (or may run) on the destination.
    void ensure_not_on_destination() const;
    void clean_source();

    // vzctl on this node (with --skiplock: we hold the lock); its status.
    int local_vzctl(const std::vector<std::string>& args) const;
    // vzctl on the destination; its result.
    vz::ProgramResult remote_vzctl(const std::vector<std::string>& args) const;
    void phase(const std::string& line);
    void print_times() const;

    Options o_;
    vz::Paths paths_;
    unsigned ctid_ = 0;
    std::string ctid_s_;
    std::string page_server_;  // --online: 127.0.0.1:PORT, forwarded to the destination's page server
    bool lazy_ = false;        // --online with post-copy: the memory follows the restore
    bool precopy_ = false;     // --online with pre-copy: the memory goes ahead of the freeze
    unsigned lazy_port_ = 0;   // where the dump here serves it (127.0.0.1), forwarded from the destination's
    unsigned remote_lazy_port_ = 0;  // ... 127.0.0.1:remote_lazy_port_
    vz::ChildProcess lazy_dump_;  // vzctl chkpnt --dump --lazy-pages, in a process group of its own
    std::future<void> second_pass_;  // --online: the private area's second pass, beside the dump
    std::optional<vz::CtConfig> cfg_;
    std::optional<vz::CtLock> lock_;
    bool running_ = false, mounted_ = false, ploop_ = false;
    bool started_there_ = false;  // a start (or mount) on the destination was tried
    bool handed_over_ = false;    // this host gave up the CT's addresses (or tried to)
    std::unique_ptr<Transport> transport_;
    RemotePaths remote_;
    UndoStack undo_;
    std::string vzctl_;  // this node's vzctl

    std::vector<std::pair<std::string, Clock::time_point>> phases_;
    std::optional<Clock::time_point> down_since_, down_until_;
    Clock::time_point end_{};
};

}  // namespace vzmigrate
