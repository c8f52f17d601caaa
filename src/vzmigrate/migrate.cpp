#include "migrate.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <future>

#include "ct/disk.hpp"
#include "ct/host.hpp"
#include "ct/ops.hpp"
#include "ct/scripts.hpp"
#include "ct/state.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/socket.hpp"
#include "util/strings.hpp"

namespace vzmigrate {

namespace {

// Ctrl-C (the terminal's whole process group) ends the ssh or rsync child as well, which fails its step; SIGTERM
// or SIGHUP to vzmigrate alone is noted and fails the next phase. Either way the undo stack unwinds instead of
// vzmigrate dying half-way. The children get the default actions again at exec.
volatile sig_atomic_t interrupted = 0;

void on_signal(int) { interrupted = 1; }

void catch_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

// This node's vzctl: beside vzmigrate (installed, both in sbin), in the build tree's src/vzctl, else from PATH.
std::string find_vzctl() {
    char buf[4096];
    auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        auto dir = vz::dir_name(std::string(buf, static_cast<size_t>(n)));
        for (auto candidate : {dir + "/vzctl", dir + "/../vzctl/vzctl"})
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "vzctl";
}

// The blank-separated words of a command's output.
std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> out;
    for (auto& w : vz::split(text, " \t\n"))
        if (!w.empty()) out.push_back(w);
    return out;
}

// The addresses of an IP_ADDRESS value or of vzlist's ip column, without their prefix lengths.
std::vector<std::string> addresses(const std::string& text) {
    std::vector<std::string> out;
    for (auto& w : words_of(text))
        if (w != "-") out.push_back(w.substr(0, w.find('/')));
    return out;
}

// A command's last non-empty line of output: what it said when it failed.
std::string last_line(const std::string& text) {
    auto lines = vz::split(text, "\n");
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (!it->empty()) return *it;
    return "(no output)";
}

// The value of KEY=value lines in a command's output; empty when the key is not there.
std::string value_of(const std::string& text, std::string_view key) {
    for (auto& line : vz::split(text, "\n"))
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == '=')
            return line.substr(key.size() + 1);
    return {};
}

// The port a `vzctl __migrate page-server` printed (PORT=N first); nullopt when none.
std::optional<unsigned> port_of(const vz::ProgramResult& r) {
    auto line = r.output.substr(0, r.output.find('\n'));
    if (!line.starts_with("PORT=")) return std::nullopt;
    auto port = vz::parse_uint(line.substr(5), 1, 65535);
    return port ? std::optional<unsigned>(static_cast<unsigned>(*port)) : std::nullopt;
}

// `argv` started in a process group of its own, so that it and what it runs end together (end_lazy_dump) and a
// Ctrl-C at the terminal does not reach them; stdin /dev/null, its standard output ours only with `show_output`.
vz::ChildProcess spawn_group(const std::vector<std::string>& argv, bool show_output) {
    vz::ChildProcess child(vz::fork_or_throw());
    if (child.pid() == 0) {
        ::setpgid(0, 0);
        int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || ::dup2(null, 0) < 0 || (!show_output && ::dup2(null, 1) < 0)) ::_exit(127);
        vz::close_from_on_exec(3);
        vz::CArgs a(argv);
        ::execvp(a.get()[0], a.get());
        ::_exit(127);
    }
    ::setpgid(child.pid(), child.pid());  // either of the two calls makes it, whichever runs first
    return child;
}

std::string seconds(std::chrono::steady_clock::duration d) {
    return fmt::format("{:.3f} s", std::chrono::duration<double>(d).count());
}

}  // namespace

void UndoStack::push(std::string what, std::function<void()> undo) {
    steps_.emplace_back(std::move(what), std::move(undo));
}

void UndoStack::unwind() {
    while (!steps_.empty()) {
        auto step = std::move(steps_.back());
        steps_.pop_back();
        vz::log::info("Rolling back: {}", step.first);
        try {
            step.second();
        } catch (const std::exception& e) {
            vz::log::error(fmt::format("rollback step '{}' failed: {}", step.first, e.what()));
        }
    }
}

Migration::Migration(Options o) : o_(std::move(o)), vzctl_(find_vzctl()) {}

int Migration::run() {
    // The error first, then the rollback it causes.
    try {
        return run_phases();
    } catch (const Failure& e) {
        vz::log::error(e.what());
        undo_.unwind();
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        vz::log::error(e.what());
        undo_.unwind();
        return static_cast<int>(Code::Usage);
    }
}

int Migration::run_phases() {
    catch_signals();
    lock_source();
    read_source_state();
    connect();
    check_checkpointing();
    check_destination();
    check_addresses();
    if (o_.check_only) {
        phase("Checks passed; --check-only: nothing was changed");
        end_ = Clock::now();
        return 0;
    }
    compact_source();
    snapshot_source();
    copy_config();
    sync_private("first");
    if (o_.online) {
        if (precopy_) pre_copy();
        if (lazy_)
            forward_lazy_pages();
        else
            page_server_ = start_page_server(false);
        checkpoint_source();
        copy_frozen();
        restore_destination();
        hand_over_addresses();
        if (lazy_) wait_lazy_dump();
    } else {
        stop_source();
        if (running_ || mounted_) sync_private("second");
        start_destination();
    }
    clean_source();
    end_ = Clock::now();
    if (o_.times) print_times();
    return 0;
}

void Migration::phase(const std::string& line) {
    if (interrupted) fail(Code::Usage, "interrupted");
    phases_.emplace_back(line, Clock::now());
    vz::log::info("{}", line);
}

int Migration::local_vzctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{vzctl_, "--skiplock"};
    if (o_.verbose >= 2) argv.push_back("--verbose");
    argv.insert(argv.end(), args.begin(), args.end());
    vz::log::verbose(2, "+ {}", vz::join(argv, " "));
    auto r = vz::run_command(argv);
    if (!r.output.empty()) vz::log::verbose(2, "{}", r.output);
    return r.status;
}

vz::ProgramResult Migration::remote_vzctl(const std::vector<std::string>& args) const {
    std::vector<std::string> words{"vzctl"};
    if (o_.verbose >= 2) words.push_back("--verbose");
    words.insert(words.end(), args.begin(), args.end());
    return transport_->run(words);
}

void Migration::lock_source() {
    try {
        paths_ = vz::paths();
        auto global = vz::load_global(paths_);
        auto id = vz::parse_ctid(o_.ct);
        if (!id) id = vz::name_target(paths_, o_.ct);
        if (!id) fail(Code::NoCt, "CT {} does not exist", o_.ct);
        ctid_ = *id;
        ctid_s_ = std::to_string(ctid_);
        lock_.emplace(vz::lock_dir(global), ctid_, "vzmigrate " + o_.destination + " " + ctid_s_);
    } catch (const vz::Error& e) {
        if (e.code() == vz::Exit::Locked) fail(Code::Locked, "CT {}: {}", o_.ct, e.what());
        fail(Code::NoCt, "{}", e.what());
    }
}

void Migration::read_source_state() {
    vz::CtState st;
    try {
        cfg_.emplace(vz::load_ct(paths_, ctid_, false));
        if (cfg_->exists()) {
            st = vz::ct_state(*cfg_, vz::MountTable::read());
            ploop_ = vz::ct_layout(*cfg_) == vz::Layout::Ploop;
        }
    } catch (const vz::Error& e) {
        fail(Code::NoCt, "CT {}: {}", ctid_, e.what());
    }
    if (!cfg_->exists() || !st.exists) fail(Code::NoCt, "CT {} does not exist", ctid_);
    running_ = st.running;
    mounted_ = !st.running && st.mounted;
    if (o_.online && !running_) fail(Code::NotRunning, "CT {} is not running: --online needs a running CT", ctid_);
    // Its dump would have to move too and be restored under the destination's paths: the live path's work.
    if (st.suspended)
        fail(Code::Unsupported, "CT {} is suspended ({}): resume it (vzctl resume), then migrate it", ctid_,
             vz::dump_file(*cfg_));
    phase(fmt::format("Starting {} migration of CT {} to {} ({}, {})", o_.online ? "online" : "offline", ctid_,
                      o_.destination, running_ ? "running" : mounted_ ? "mounted" : "stopped",
                      ploop_ ? "ploop" : "simfs"));
}

void Migration::connect() {
    transport_ = std::make_unique<Transport>(TransportOptions{
        .destination = o_.destination, .ssh = o_.ssh, .rsync = o_.rsync, .mux = o_.ssh_mux, .verbose = o_.verbose,
        .ctid = ctid_});
    phase(fmt::format("Checking the connection to {}", transport_->host()));
    if (!transport_->open_master()) fail(Code::Connect, "can't open the ssh master connection to {}", o_.destination);
    auto r = transport_->run({"true"});
    if (r.status != 0) fail(Code::Connect, "can't connect to {} over ssh (status {})", o_.destination, r.status);
}

void Migration::check_checkpointing() {
    if (!o_.online) return;
    phase(fmt::format("Checking CRIU here and on {}", transport_->host()));
    if (!cfg_->get_or("NETDEV", "").empty())
        fail(Code::Unsupported, "CT {} has NETDEV: its checkpoint is not supported yet; migrate without --online",
             ctid_);
    // `vzctl __migrate criu` on each node: its CRIU= found and checked, "Version: X.Y" (criu --version's form).
    std::vector<std::string> argv{vzctl_, vz::kMigrateCommand, "criu", ctid_s_};
    auto here = vz::run_command(argv);
    auto mine = vz::criu_report_version(here.output);
    if (here.status != 0 || !mine) fail(Code::Unsupported, "no usable CRIU here: {}", last_line(here.output));
    auto there = remote_vzctl({vz::kMigrateCommand, "criu", ctid_s_});
    if (there.status == 255) fail(Code::Connect, "lost the connection to {}", o_.destination);
    auto theirs = vz::criu_report_version(there.output);
    if (there.status != 0 || !theirs)
        fail(Code::Unsupported, "no usable CRIU on {}: {}", o_.destination, last_line(there.output));
    // Images of a newer CRIU may hold what an older one can't restore.
    if (*theirs < *mine)
        fail(Code::CptVersion, "CRIU {} on {} is older than CRIU {} here: it may not restore this node's images",
             theirs->str(), o_.destination, mine->str());
    // Pre-copy where this kernel tracks dirty memory (PRECOPY=): the memory crosses while the CT runs, and while it
    // is frozen only what changed since. Else post-copy where the destination's kernel gives CRIU's restorer a
    // userfaultfd in this CT (LAZY=, ct/ops.hpp): only the images that are not memory cross while it is frozen.
    precopy_ = value_of(here.output, "PRECOPY") == "yes";
    if (precopy_) {
        vz::log::info("The memory of CT {} is copied while it runs ({} passes, pre-copy); what changes meanwhile "
                      "moves while it is frozen",
                      ctid_, kPreCopyPasses);
        return;
    }
    auto lazy = value_of(there.output, "LAZY");
    std::string why;
    if (o_.no_lazy)
        why = "--no-lazy";
    else if (lazy != "all" && lazy != "privileged")
        why = fmt::format("CRIU on {} has no userfaultfd", o_.destination);
    else if (lazy == "privileged" && vz::ct_idmap(*cfg_))
        why = fmt::format("the CT is unprivileged and {} has vm.unprivileged_userfaultfd=0", o_.destination);
    else if (value_of(here.output, "LAZY_SERVE") != "yes")
        why = "a dump here can't serve its pages: fs.pipe-max-size is below 4 MiB and vzctl lacks CAP_SYS_RESOURCE";
    lazy_ = why.empty();
    if (lazy_)
        vz::log::info("The memory of CT {} moves after its restore (post-copy)", ctid_);
    else
        vz::log::info("The memory of CT {} moves while it is frozen ({})", ctid_, why);
}

void Migration::check_destination() {
    phase(fmt::format("Checking the destination {}", transport_->host()));
    auto status = remote_vzctl({"status", ctid_s_});
    if (status.status == 127) fail(Code::Unsupported, "no vzctl on {}", o_.destination);
    if (status.status == 255) fail(Code::Connect, "lost the connection to {}", o_.destination);
    auto words = words_of(status.output);
    if (status.status != 0 || words.size() < 3 || words[0] != "CTID")
        fail(Code::RemoteConfig, "can't read the state of CT {} on {}: {}", ctid_, o_.destination,
             vz::join(words, " "));
    auto where = remote_vzctl({vz::kMigrateCommand, "paths", ctid_s_});
    auto kv = [&](std::string_view key) { return value_of(where.output, key); };
    remote_ = RemotePaths{kv("VE_PRIVATE"), kv("VE_ROOT"), kv("DUMPDIR"), kv("LOCKDIR"), kv("CONFDIR")};
    if (where.status != 0 || remote_.private_dir.empty() || remote_.root.empty() || remote_.confdir.empty())
        fail(Code::RemoteConfig, "can't read where {} keeps CT {} (its vz.conf; vzctl status {})", o_.destination,
             ctid_, where.status);
    // Only the private area an earlier try kept (--keep-dst) is no CT there: the copy takes it up.
    if (words[2] == "exist" && kv("KEPT") != "yes")
        fail(Code::ExistsThere, "CT {} already exists on {}", ctid_, o_.destination);
    vz::log::verbose(1, "Destination: private {}, root {}, config {}", remote_.private_dir, remote_.root,
                     remote_.confdir);
}

void Migration::check_addresses() {
    auto mine = addresses(cfg_->get_or("IP_ADDRESS", ""));
    if (mine.empty()) return;
    if (o_.ignores("ip")) {
        vz::log::info("Not checking the addresses on {} (--nodeps)", o_.destination);
        return;
    }
    phase(fmt::format("Checking that {} does not use the addresses of CT {}", o_.destination, ctid_));
    auto listed = transport_->run({"vzlist", "-H", "-o", "ip"});
    if (listed.status != 0)
        fail(Code::RemoteConfig, "can't list the running containers of {} (vzlist: status {})", o_.destination,
             listed.status);
    auto theirs = addresses(listed.output);
    for (auto& a : mine)
        if (std::find(theirs.begin(), theirs.end(), a) != theirs.end())
            fail(Code::IpInUse, "address {} of CT {} is in use on {} (-f skips this check)", a, ctid_,
                 o_.destination);
}

void Migration::compact_source() {
    if (!o_.compact) return;
    if (!ploop_) {
        vz::log::info("CT {} is not on ploop: nothing to compact", ctid_);
        return;
    }
    phase("Compacting the image");
    if (local_vzctl({"compact", ctid_s_}) != 0) vz::log::warn("compacting CT {} failed; copying it as it is", ctid_);
}

void Migration::snapshot_source() {
    if (!o_.snapshot) return;
    if (!ploop_) {
        vz::log::info("CT {} is not on ploop: no snapshot", ctid_);
        return;
    }
    phase("Taking a snapshot of the image");
    if (local_vzctl({"snapshot", ctid_s_, "--skip-suspend"}) != 0)
        fail(Code::Copy, "vzctl snapshot {} failed: nothing was copied", ctid_);
}

void Migration::copy_config() {
    phase(fmt::format("Preparing {}: private area, root, config", o_.destination));
    auto prepared = remote_vzctl({vz::kMigrateCommand, "prepare", ctid_s_});
    if (prepared.status != 0)
        fail(Code::Copy, "can't make the private area {} on {}", remote_.private_dir, o_.destination);
    std::vector<std::string> discard{vz::kMigrateCommand, "discard", ctid_s_};
    if (o_.keep_dst) discard.push_back("--keep-private");
    undo_.push(fmt::format("remove CT {} from {}", ctid_, o_.destination), [this, discard] {
        if (remote_vzctl(discard).status != 0)
            vz::log::error(fmt::format("can't remove CT {} from {}: remove it there by hand", ctid_, o_.destination));
    });
    auto conf = remote_.confdir + "/" + ctid_s_ + ".conf";
    if (transport_->copy_file(paths_.ct_conf(ctid_), conf) != 0)
        fail(Code::Copy, "can't copy the config of CT {} to {}:{}", ctid_, o_.destination, conf);
    for (auto* script : vz::kCtScripts) {  // its action scripts go with it, as the original's
        auto local = vz::script_path(paths_, ctid_, script, false);
        auto remote = remote_.confdir + "/" + ctid_s_ + "." + script;
        if (vz::path_exists(local) && transport_->copy_file(local, remote) != 0)
            fail(Code::Copy, "can't copy the {} script of CT {} to {}:{}", script, ctid_, o_.destination, remote);
    }
    if (remote_vzctl({"set", ctid_s_, "--private", remote_.private_dir, "--root", remote_.root, "--save"}).status != 0)
        fail(Code::Copy, "can't set the private area and root of CT {} on {}", ctid_, o_.destination);
    if (auto* name = cfg_->get("NAME"); name && !name->empty())
        if (remote_vzctl({"set", ctid_s_, "--applyconfig_map", "name", "--save"}).status != 0)
            fail(Code::SetName, "can't give CT {} its name {} on {}", ctid_, *name, o_.destination);
}

void Migration::sync_private(const char* pass) {
    phase(fmt::format("Copying the private area ({} pass)", pass));
    copy_private(std::string_view(pass) == "first");  // the long one: a line on a terminal
}

void Migration::copy_private(bool progress) {
    int status = transport_->sync(cfg_->ve_private(), remote_.private_dir, {"--sparse"}, progress);
    if (status != 0)
        fail(Code::Copy, "copying the private area of CT {} to {} failed (rsync status {})", ctid_, o_.destination,
             status);
}

void Migration::ensure_not_on_destination() const {
    // Never both running: if the destination runs it (a start or restore that failed late), this node leaves it
    // there; so it does when one was tried there and the destination can't say any more.
    auto there = remote_vzctl({"status", ctid_s_});
    if (there.status == 0 && there.output.find(" running") != std::string::npos)
        vz::fail(vz::Exit::Running, "CT {} runs on {}: not starting it here", ctid_, o_.destination);
    if (there.status != 0 && started_there_)
        vz::fail(vz::Exit::Running,
                 "can't tell whether CT {} runs on {}: not starting it here; check there, then start it on one host "
                 "by hand",
                 ctid_, o_.destination);
}

void Migration::stop_source() {
    if (running_) {
        phase(fmt::format("Stopping CT {}", ctid_));
        down_since_ = Clock::now();
        undo_.push(fmt::format("start CT {} here again", ctid_), [this] {
            ensure_not_on_destination();
            if (local_vzctl({"start", ctid_s_}) != 0) vz::fail(vz::Exit::EnvCreate, "can't start CT {}", ctid_);
        });
        if (local_vzctl({"stop", ctid_s_}) != 0) fail(Code::SourceStop, "can't stop CT {}", ctid_);
    } else if (mounted_) {
        phase(fmt::format("Unmounting CT {}", ctid_));
        undo_.push(fmt::format("mount CT {} here again", ctid_), [this] {
            if (local_vzctl({"mount", ctid_s_}) != 0) vz::fail(vz::Exit::CantMount, "can't mount CT {}", ctid_);
        });
        if (local_vzctl({"umount", ctid_s_}) != 0) fail(Code::SourceStop, "can't unmount CT {}", ctid_);
    }
}

// The frozen part of a live migration, as the original's: freeze here with the network locked (vzctl chkpnt
// --suspend), dump and leave it frozen (--dump), the second copy of the private area meanwhile (nothing changes
// it once the CT is frozen), then the dump's copy and the restore there; only then is it killed here (--kill, after
// the commit). Until then the way back is a thaw here (--resume lifts the lock): the processes never stopped, and
// as nothing reached them meanwhile their connections carry on.
void Migration::checkpoint_source() {
    phase(fmt::format("Checkpointing CT {} and copying the private area (second pass)", ctid_));
    auto dir = vz::dump_file(*cfg_);
    if (vz::path_exists(dir)) fail(Code::SourceStop, "dump {} of CT {} exists already: remove it first", dir, ctid_);
    down_since_ = Clock::now();
    if (local_vzctl({"chkpnt", ctid_s_, "--suspend"}) != 0) fail(Code::SourceStop, "can't freeze CT {}", ctid_);
    undo_.push(fmt::format("thaw CT {} here", ctid_), [this] {
        ensure_not_on_destination();
        vz::remove_dump(vz::dump_file(*cfg_));
        if (handed_over_ && local_vzctl({vz::kMigrateCommand, "takeback", ctid_s_}) != 0)
            vz::fail(vz::Exit::Checkpoint,
                     "can't take the addresses of CT {} back here: try vzctl __migrate takeback {}, then vzctl "
                     "chkpnt {} --resume",
                     ctid_, ctid_, ctid_);
        if (local_vzctl({"chkpnt", ctid_s_, "--resume"}) != 0)
            vz::fail(vz::Exit::Checkpoint, "can't thaw CT {} here: try vzctl chkpnt {} --resume", ctid_, ctid_);
    });
    // copy_frozen takes its result; a rollback before that waits for it first.
    second_pass_ = std::async(std::launch::async, [this] { copy_private(); });
    undo_.push("let the private area's second pass end", [this] {
        if (second_pass_.valid()) second_pass_.wait();
    });
    if (!lazy_) {
        if (local_vzctl({"chkpnt", ctid_s_, "--dump", "--page-server", page_server_}) != 0)
            fail(Code::SourceStop, "can't checkpoint CT {}", ctid_);
        return;
    }
    // Post-copy: the dump writes every image but the memory, then serves the memory pages on lazy_port_ until the
    // destination has them all; the CT stays frozen here meanwhile.
    std::vector<std::string> argv{vzctl_, "--skiplock"};
    if (o_.verbose >= 2) argv.push_back("--verbose");
    argv.insert(argv.end(), {"chkpnt", ctid_s_, "--dump", "--lazy-pages", fmt::format("127.0.0.1:{}", lazy_port_)});
    vz::log::verbose(2, "+ {} &", vz::join(argv, " "));
    lazy_dump_ = spawn_group(argv, o_.verbose >= 2);
    undo_.push(fmt::format("end the dump of CT {} here", ctid_), [this] { end_lazy_dump(); });
    // The images are complete once the dump directory is there (vzctl renames it from .partial).
    auto dump = vz::open_pidfd(lazy_dump_.pid());
    while (!vz::is_dir(dir)) {
        if (interrupted) fail(Code::Usage, "interrupted");
        if (dump && vz::exits_within(dump, std::chrono::milliseconds(5))) {
            int status = lazy_dump_.wait();
            fail(Code::SourceStop, "can't checkpoint CT {} (vzctl chkpnt: status {})", ctid_, status);
        }
    }
}

void Migration::end_lazy_dump() {
    if (!lazy_dump_) return;
    ::kill(-lazy_dump_.pid(), SIGKILL);  // vzctl and its CRIU: the CT stays frozen, for the thaw that follows
    lazy_dump_.wait();
}

unsigned Migration::start_remote_criu(const std::vector<std::string>& action, const std::string& what, Code code) {
    phase(fmt::format("Starting a {} on {}", what, o_.destination));
    std::vector<std::string> args{vz::kMigrateCommand};
    args.insert(args.end(), action.begin(), action.end());
    args.push_back(ctid_s_);
    auto r = remote_vzctl(args);
    auto port = port_of(r);
    if (r.status == 255) fail(Code::Connect, "lost the connection to {}", o_.destination);
    if (r.status != 0 || !port)
        fail(code, "can't start CRIU's {} on {}: {}", what, o_.destination, last_line(r.output));
    return *port;
}

// Before the freeze, so that nothing of it is left for the frozen part: the port of this host's loopback where the
// dump will serve the memory pages, and one of the destination's forwarded to it, for the lazy-pages daemon that
// the restore there starts.
void Migration::forward_lazy_pages() {
    phase(fmt::format("Forwarding a port of {} to this host for the memory of CT {}", o_.destination, ctid_));
    auto port = vz::free_loopback_port();
    if (!port) fail(Code::SourceStop, "no free TCP port on 127.0.0.1 for the dump of CT {}", ctid_);
    lazy_port_ = *port;
    auto there = transport_->forward_back(lazy_port_);
    if (!there)
        fail(Code::Connect, "can't forward a port of 127.0.0.1 on {} to the dump of CT {} here", o_.destination,
             ctid_);
    remote_lazy_port_ = *there;
}

// The CT runs on the destination, taking its memory pages from the dump here as it touches them and the rest in
// the background; a transfer that fails is rolled back (stopped there, thawed here).
void Migration::wait_lazy_dump() {
    phase(fmt::format("Copying the rest of the memory of CT {} (post-copy)", ctid_));
    auto dump = vz::open_pidfd(lazy_dump_.pid());
    while (dump && !vz::exits_within(dump, std::chrono::milliseconds(100)))
        if (interrupted) fail(Code::Usage, "interrupted");
    int status = lazy_dump_.wait();
    if (status != 0)
        fail(Code::DestinationStart, "the memory of CT {} did not all reach {} (vzctl chkpnt: status {})", ctid_,
             o_.destination, status);
    // The dump ends well also when the daemon there went away half-way: only the destination can tell.
    auto done = remote_vzctl({vz::kMigrateCommand, "lazy-done", ctid_s_});
    if (done.status == 255) fail(Code::Connect, "lost the connection to {}", o_.destination);
    if (done.status != 0)
        fail(Code::DestinationStart, "the memory of CT {} did not all reach {}: {}", ctid_, o_.destination,
             last_line(done.output));
}

// Before the freeze: a CRIU page server on the destination, writing into the CT's dump directory there, reached
// through an ssh forward of a port of this host's loopback. The dump sends it the memory pages while it dumps, so
// they cross once, and no copy of them is made here: the way back is a thaw, which needs none. (discard, pushed
// with the config's copy, ends it and removes what it wrote.)
std::string Migration::start_page_server(bool pre) {
    std::vector<std::string> action{"page-server"};
    if (pre) action.push_back("--pre");
    auto port = start_remote_criu(action, "page server", Code::Unsupported);
    auto local = vz::free_loopback_port();
    if (!local || !transport_->forward(*local, port))
        fail(Code::Connect, "can't forward a port of 127.0.0.1 to the page server on {}", o_.destination);
    return fmt::format("127.0.0.1:{}", *local);
}

// Pre-copy: kPreCopyPasses pre-dumps while the CT runs, each sending what changed since the one before (the first:
// all of it) to a page server of its own on the destination, into the CT's pre-dumps there; the frozen dump after
// them sends only what changed since the last. (discard removes those there; the pre-dumps here, without their
// pages, go with the dump.)
void Migration::pre_copy() {
    vz::remove_dump(vz::dump_file(*cfg_));
    undo_.push(fmt::format("remove the pre-dumps of CT {} here", ctid_),
               [this] { vz::remove_dump(vz::dump_file(*cfg_)); });
    for (unsigned pass = 1; pass <= kPreCopyPasses; ++pass) {
        auto server = start_page_server(true);
        phase(fmt::format("Copying the memory of CT {} while it runs (pass {})", ctid_, pass));
        if (local_vzctl({"chkpnt", ctid_s_, "--pre-dump", "--page-server", server}) != 0)
            fail(Code::SourceStop, "can't pre-dump the memory of CT {}", ctid_);
    }
}

// While the CT is frozen, after the dump: the end of the private area's second pass (begun with the dump), and the
// dump's copy.
void Migration::copy_frozen() {
    phase("Copying the dump");
    second_pass_.get();
    auto there = remote_.dumpdir + "/Dump." + ctid_s_;
    // Added to the pages the page server wrote there.
    int dump_status = transport_->add(vz::dump_file(*cfg_), there, {});
    if (dump_status != 0)
        fail(Code::Copy, "copying the dump of CT {} to {}:{} failed (rsync status {})", ctid_, o_.destination, there,
             dump_status);
}

void Migration::restore_destination() {
    phase(fmt::format("Restoring CT {} on {}", ctid_, o_.destination));
    undo_.push(fmt::format("stop CT {} on {}", ctid_, o_.destination), [this] {
        remote_vzctl({"stop", ctid_s_, "--fast"});
    });
    started_there_ = true;
    std::vector<std::string> restore{"restore", ctid_s_};
    if (lazy_) restore.insert(restore.end(), {"--lazy-pages", fmt::format("127.0.0.1:{}", remote_lazy_port_)});
    auto r = remote_vzctl(restore);
    if (r.status != 0)
        fail(Code::DestinationStart, "can't restore CT {} on {}: {}", ctid_, o_.destination, last_line(r.output));
    down_until_ = Clock::now();
}

void Migration::hand_over_addresses() {
    if (addresses(cfg_->get_or("IP_ADDRESS", "")).empty()) return;
    phase(fmt::format("Handing the addresses of CT {} over to {}", ctid_, o_.destination));
    handed_over_ = true;
    if (local_vzctl({vz::kMigrateCommand, "handover", ctid_s_}) != 0)
        vz::log::warn("can't give up the addresses of CT {} here: they reach its copy on {} once it is killed here",
                      ctid_, o_.destination);
}

void Migration::start_destination() {
    if (!running_ && !mounted_) return;
    const char* action = running_ ? "start" : "mount";
    phase(fmt::format("{} CT {} on {}", running_ ? "Starting" : "Mounting", ctid_, o_.destination));
    // A start that fails late may leave it half up there: taken down before the rest is removed.
    undo_.push(fmt::format("stop CT {} on {}", ctid_, o_.destination), [this] {
        remote_vzctl({"stop", ctid_s_, "--fast"});
    });
    started_there_ = true;
    if (remote_vzctl({action, ctid_s_}).status != 0)
        fail(Code::DestinationStart, "can't {} CT {} on {}", action, ctid_, o_.destination);
    down_until_ = Clock::now();
}

void Migration::clean_source() {
    // The CT is the destination's now: nothing below is rolled back.
    undo_.commit();
    if (o_.online) {
        phase(fmt::format("Killing the frozen CT {} here", ctid_));
        if (local_vzctl({"chkpnt", ctid_s_, "--kill"}) != 0)
            vz::log::warn("can't kill the frozen CT {} here; it runs on {} now: vzctl chkpnt {} --kill", ctid_,
                          o_.destination, ctid_);
        vz::remove_dump(vz::dump_file(*cfg_));
    }
    if (o_.remove_area == "yes") {
        phase(fmt::format("Removing CT {} here", ctid_));
        if (local_vzctl({"destroy", ctid_s_}) != 0)
            vz::log::warn("can't destroy CT {} here; it runs on {} now: remove it by hand", ctid_, o_.destination);
    } else {
        auto conf = paths_.ct_conf(ctid_);
        phase(fmt::format("Keeping CT {} here as {}.migrated", ctid_, conf));
        for (auto* script : vz::kCtScripts) {
            auto path = vz::script_path(paths_, ctid_, script, false);
            if (vz::path_exists(path) && ::rename(path.c_str(), (path + ".migrated").c_str()) != 0)
                vz::log::warn("can't rename {}: {}", path, vz::errno_text(errno));
        }
        if (::rename(conf.c_str(), (conf + ".migrated").c_str()) != 0)
            vz::log::warn("can't rename {}: {}", conf, vz::errno_text(errno));
        if (auto* name = cfg_->get("NAME"); name && !name->empty() && vz::name_target(paths_, *name) == ctid_)
            ::unlink(paths_.name_link(*name).c_str());
    }
    phase(fmt::format("CT {} migrated to {}", ctid_, o_.destination));
}

void Migration::print_times() const {
    std::puts("Times:");
    for (size_t i = 0; i + 1 < phases_.size(); ++i)
        std::printf("  %-60s %s\n", phases_[i].first.c_str(),
                    seconds(phases_[i + 1].second - phases_[i].second).c_str());
    if (down_since_ && down_until_)
        std::printf("  %-60s %s\n", o_.online ? "Container frozen for" : "Container stopped for",
                    seconds(*down_until_ - *down_since_).c_str());
    if (!phases_.empty())
        std::printf("  %-60s %s\n", "Total", seconds(end_ - phases_.front().second).c_str());
}

}  // namespace vzmigrate
