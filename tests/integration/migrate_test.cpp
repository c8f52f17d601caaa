// vzmigrate between two nodes on one machine. The source is the runtime fixture's node (its VZ_CONFDIR, CT 101 on
// the busybox template). The destination is a second node: a network namespace (PeerLan's, 198.51.100.1, reached
// from the host's 198.51.100.254) with its own sshd on a test port, test host and client keys made for the test, and
// `SetEnv VZ_CONFDIR=... PATH=...` in its sshd_config, so that vzctl there (the build's) sees that node's own
// vz.conf: its private, root, lock and dump paths and its CGROUP_BASE. SHLVL=1 there too: Debian's bash reads
// ~/.bashrc for every command sshd runs unless it is a nested shell, and the test machines' root .bashrc (pyenv
// init) takes 0.57 s, which would be counted as vzmigrate's in -t (a host's plain .bashrc takes milliseconds). sshd runs with nsenter --net only (ip netns
// exec would also give it a mount namespace of its own, hiding the destination's mounts from the test).
// Everything (sshd, the destination's CTs, the namespace, the keys) is removed after each test, also on failure.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <regex>

#include "../support/debian_template.hpp"
#include "../support/runtime_fixture.hpp"
#include "../support/runtime_pty.hpp"
#include "../support/test_net.hpp"

namespace vztest {
namespace {

constexpr int kPort = 2222;
constexpr int kClosedPort = 2223;

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

// The destination's VZ_CONFDIR and paths: a runtime fixture of its own (its vz.conf, temporary directory and
// CGROUP_BASE), whose destructor removes whatever CT 101 the test left there, its processes and cgroups.
class DestinationNode : public RuntimeTest {
public:
    void TestBody() override {}
    using CliTest::conf_path;
    using CliTest::private_path;
    using RuntimeTest::root_path;
    using RuntimeTest::record_at_restore;
    using RuntimeTest::wrap_criu;
    const std::string& confdir() const { return confdir_; }
    std::string dir(const std::string& leaf) const { return tmp_ / leaf; }
};

// sshd in the destination's namespace, in the foreground (-D), its pid ours to end.
class Sshd {
public:
    Sshd(const PeerLan& lan, const DestinationNode& node) : node_(node) {
        auto d = node.dir("ssh");
        std::filesystem::create_directories(d);
        std::filesystem::create_directories(node.dir("shim"));
        net_must("ssh-keygen -q -t ed25519 -N '' -f " + d + "/host_key");
        net_must("ssh-keygen -q -t ed25519 -N '' -f " + d + "/client_key");
        std::filesystem::copy_file(d + "/client_key.pub", d + "/authorized_keys");
        auto host_key = read_text(d + "/host_key.pub");
        write_text(d + "/known_hosts", "[" + std::string(PeerLan::kPeer4) + "]:" + std::to_string(kPort) + " " +
                                           host_key + "[" + PeerLan::kPeer6 + "]:" + std::to_string(kPort) + " " +
                                           host_key);
        // The shim directory comes first in the destination's PATH: a test puts a failing vzctl there.
        auto path = node.dir("shim") + ":" + dir_of(VZCTL_BIN) + ":" + dir_of(VZLIST_BIN) +
                    ":/usr/sbin:/usr/bin:/sbin:/bin";
        write_text(d + "/sshd_config", "Port " + std::to_string(kPort) + "\n" +
                                           "ListenAddress " + PeerLan::kPeer4 + "\n" +
                                           "ListenAddress [" + PeerLan::kPeer6 + "]\n" +
                                           "HostKey " + d + "/host_key\n" +
                                           "AuthorizedKeysFile " + d + "/authorized_keys\n" +
                                           "PidFile " + d + "/sshd.pid\n" +
                                           "PermitRootLogin prohibit-password\n"
                                           "PasswordAuthentication no\n"
                                           "KbdInteractiveAuthentication no\n"
                                           "UsePAM no\n"
                                           "StrictModes no\n"
                                           "SetEnv SHLVL=1 VZ_CONFDIR=" + node.confdir() + " PATH=" + path + "\n");
        // sshd's privilege separation directory; made (and removed again) when the host has none.
        made_run_dir_ = ::mkdir("/run/sshd", 0755) == 0;
        pid_ = ::fork();
        if (pid_ == 0) {
            auto ns = "--net=/run/netns/" + lan.ns();
            auto log = d + "/sshd.log";
            auto cfg = d + "/sshd_config";
            ::execlp("nsenter", "nsenter", ns.c_str(), "/usr/sbin/sshd", "-D", "-f", cfg.c_str(), "-E", log.c_str(),
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
        if (pid_ < 0) throw std::runtime_error("fork failed");
        bool up = eventually([&] { return net_run(ssh_command() + " true").status == 0; }, 10s);
        if (!up) {
            auto why = try_read(d + "/sshd.log").value_or("(no log)") + net_run(ssh_command() + " true").out;
            stop();  // no destructor runs for an object whose constructor throws
            throw std::runtime_error("the destination's sshd does not answer: " + why);
        }
    }
    Sshd(const Sshd&) = delete;
    Sshd& operator=(const Sshd&) = delete;
    ~Sshd() { stop(); }

    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        if (made_run_dir_) ::rmdir("/run/sshd");
        made_run_dir_ = false;
    }

    // The --ssh options vzmigrate needs for this destination: port, key, its host key and no user config.
    std::string ssh_options(int port = kPort) const {
        auto d = node_.dir("ssh");
        return "-F /dev/null -p " + std::to_string(port) + " -i " + d + "/client_key -o UserKnownHostsFile=" + d +
               "/known_hosts -o StrictHostKeyChecking=yes";
    }
    std::string ssh_command() const { return "ssh -o BatchMode=yes " + ssh_options() + " root@" + PeerLan::kPeer4; }

private:
    const DestinationNode& node_;
    pid_t pid_ = -1;
    bool made_run_dir_ = false;
};

// A file of /proc/sys or /sys set for the length of a test, put back as it was (a selection such as
// "always [madvise] never" to its bracketed word) if set() changed it.
class SysctlFile {
public:
    explicit SysctlFile(std::string path) : path_(std::move(path)) {
        auto text = trim(try_read(path_).value_or(""));
        auto open = text.find('['), close = text.find(']');
        was_ = open != std::string::npos && close > open ? text.substr(open + 1, close - open - 1) : text;
    }
    ~SysctlFile() {
        if (changed_) write_text(path_, was_ + "\n");
    }
    SysctlFile(const SysctlFile&) = delete;
    SysctlFile& operator=(const SysctlFile&) = delete;
    bool readable() const { return !was_.empty(); }  // so it can be put back
    const std::string& was() const { return was_; }
    void set(const std::string& value) {
        if (!readable()) return;
        write_text(path_, value + "\n");
        changed_ = true;
    }

private:
    std::string path_, was_;
    bool changed_ = false;
};

bool has_cap_sys_resource() {
    for (auto& line : lines(read_text("/proc/self/status")))
        if (line.starts_with("CapEff:")) return (std::stoull(trim(line.substr(7)), nullptr, 16) >> 24) & 1;
    return false;
}

class NetMigrate : public RuntimeTest {
protected:
    NetRanges ranges_;
    PeerLan lan_;
    DestinationNode dst_;
    std::optional<Sshd> sshd_;
    std::vector<std::string> dst_extra_;  // more CTs the test made on the destination

    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped()) return;
        for (auto* tool : {"ssh", "rsync", "nsenter"})
            ASSERT_EQ(net_run(std::string("command -v ") + tool).status, 0) << tool << " is missing (scripts/setup)";
        ASSERT_TRUE(std::filesystem::exists("/usr/sbin/sshd")) << "sshd is missing (scripts/setup: openssh-server)";
        sshd_.emplace(lan_, dst_);
        write_text(private_path(kCt) + "/marker", "moved with its files\n");
    }

    void TearDown() override {
        // The destination's CT first (its monitor is in the destination's namespace), then sshd.
        dst_vzctl("stop " + ct() + " --fast");
        for (auto& id : dst_extra_) {
            dst_vzctl("stop " + id + " --fast");
            dst_vzctl("destroy " + id);
        }
        sshd_.reset();
        RuntimeTest::TearDown();
    }

    Result migrate(const std::vector<std::string>& extra, int port = kPort,
                   const std::string& destination = PeerLan::kPeer4) {
        std::vector<std::string> args{"--ssh=" + sshd_->ssh_options(port)};
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), {destination, ct()});
        return run(args, {}, 180s, VZMIGRATE_BIN);
    }

    // vzctl of the destination node, in its namespace, as its sshd's sessions run it.
    NetCmd dst_vzctl(const std::string& args) {
        return net_run("nsenter --net=/run/netns/" + lan_.ns() + " env VZ_CONFDIR=" + dst_.confdir() + " " +
                       VZCTL_BIN + " " + args);
    }
    std::string dst_status() { return trim(dst_vzctl("status " + ct()).out); }

    // A process of the CT's own (its session, its stdio inside: a dump fails on a file of the host's) that counts
    // into /tmp/n every 0.1 s; its pid, as the CT sees it, is in /tmp/worker. Returns that pid.
    // The CT made again on an image (ploop layout, 200 MB) and started.
    ::testing::AssertionResult start_on_image() {
        if (auto r = run({"destroy", ct()}); r.status != 0) return ::testing::AssertionFailure() << r.out << r.err;
        auto made = run({"create", ct(), "--ostemplate", "busybox", "--config", "vswap-256m", "--layout", "ploop",
                         "--diskspace", "200M"});
        if (made.status != 0) return ::testing::AssertionFailure() << made.out << made.err;
        if (!start_ct()) return ::testing::AssertionFailure() << "it does not start";
        return ::testing::AssertionSuccess();
    }

    std::string start_counter() {
        auto r = sh("setsid sh -c 'echo $$ > /tmp/worker; n=0; while :; do n=$((n+1)); echo $n > /tmp/n.new; "
                    "mv /tmp/n.new /tmp/n; sleep 0.1; done' > /dev/null 2>&1 < /dev/null &");
        if (r.status != 0 || !eventually([&] { return sh("cat /tmp/n").status == 0; }, 10s)) return {};
        return trim(sh("cat /tmp/worker").out);
    }

    // The CT runs here (again) with start_counter's process, the same one (its pid `worker`), counting on.
    ::testing::AssertionResult counts_here(const std::string& worker) {
        if (auto st = status_line(); st != "CTID 101 exist mounted running") return ::testing::AssertionFailure() << st;
        if (auto w = trim(sh("cat /tmp/worker").out); w != worker)
            return ::testing::AssertionFailure() << "the counter is " << w << ", not " << worker;
        auto count = [&] { return std::stoul("0" + trim(sh("cat /tmp/n").out)); };
        auto n = count();
        if (!eventually([&] { return count() > n + 2; }, 10s))
            return ::testing::AssertionFailure() << "the counter stays at " << count();
        return ::testing::AssertionSuccess();
    }

    // 4/3 * `mb` MB of anonymous memory (base64 of `mb` MB of random bytes) in a process of the CT's that, once it
    // has written their md5sum into /tmp/sum.before, only waits, writing it into /tmp/sum again whenever /tmp/check
    // appears (check_memory): most of the pages a migration moves, unchanged while it moves them. It waits with the
    // shell's own `read -t 1` on a FIFO, not `sleep`: a fork of it caught by a dump is a process of its own that
    // holds all of that memory, and new, so no pre-dump has its pages. Returns the first sum (empty when it did not
    // start).
    std::string hold_memory(unsigned mb = 48) {
        auto r = sh("setsid sh -c 'x=$(head -c " + std::to_string(mb) + "000000 /dev/urandom | base64); "
                    "echo \"$x\" | md5sum > /tmp/sum.new; mv /tmp/sum.new /tmp/sum.before; mkfifo /tmp/hold.fifo; "
                    "exec 3<> /tmp/hold.fifo; while :; do read -t 1 _ <&3; "
                    "if [ -e /tmp/check ]; then echo \"$x\" | md5sum > /tmp/sum.new; mv /tmp/sum.new /tmp/sum; "
                    "rm -f /tmp/check; fi; done' > /dev/null 2>&1 < /dev/null &");
        if (r.status != 0 || !eventually([&] { return sh("cat /tmp/sum.before").status == 0; }, 90s)) return {};
        return trim(sh("cat /tmp/sum.before").out);
    }
    // The sum hold_memory's process takes of its memory now, through `exec` (a command in the CT); empty when it
    // does not answer.
    static std::string check_memory(const std::function<std::string(const std::string&)>& exec) {
        exec("rm -f /tmp/sum");  // one command a call: the destination's runs through a shell of the host
        exec("touch /tmp/check");
        std::string sum;
        eventually([&] { return (sum = trim(exec("cat /tmp/sum"))).ends_with("  -"); }, 30s);  // md5sum's line
        return sum;
    }

    // Nothing of CT 101 on the destination: config, private area, its mark, root, name link.
    ::testing::AssertionResult destination_empty() {
        std::string found;
        for (auto& p : {dst_.conf_path(kCt), dst_.private_path(kCt), dst_.root_path(),
                        dir_of(dst_.private_path(kCt)) + "/." + ct() + ".vzctl-mark",
                        dst_.confdir() + "/conf/101.start"})
            if (std::filesystem::exists(p)) found += p + " ";
        if (found.empty()) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "left on the destination: " << found;
    }
};

TEST_F(NetMigrate, RunningCtMovesAndRunsThereWithItsFiles) {
    ASSERT_TRUE(start_ct());
    auto r = migrate({"-t", "--ssh-mux", "-s"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "CT 101 is not on ploop: no snapshot")) << r.out;  // -s is for images only
    EXPECT_TRUE(contains(r.out, "Copying the private area (second pass)")) << r.out;
    EXPECT_TRUE(contains(r.out, "Container stopped for")) << r.out;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    auto inside = dst_vzctl("exec2 " + ct() + " cat /marker");
    EXPECT_EQ(inside.out, "moved with its files\n");
    // The source no longer has it (--remove-area yes by default).
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_FALSE(std::filesystem::exists(conf_path(kCt)));
    EXPECT_TRUE(nothing_left_within());
    // It is a CT of the destination like any other: it stops and is destroyed there.
    EXPECT_EQ(dst_vzctl("stop " + ct()).status, 0);
    auto destroyed = dst_vzctl("destroy " + ct());
    EXPECT_EQ(destroyed.status, 0) << destroyed.out;
}

TEST_F(NetMigrate, RunningPloopCtMovesWithItsImage) {
    ASSERT_TRUE(start_on_image());
    ASSERT_EQ(sh("echo written inside > /marker").status, 0);
    auto r = migrate({"--ssh-mux", "--compact", "--snapshot"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Compacting the image")) << r.out;
    EXPECT_TRUE(contains(r.out, "Taking a snapshot of the image")) << r.out;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    EXPECT_EQ(dst_vzctl("exec2 " + ct() + " cat /marker").out, "written inside\n");
    // The snapshot went with the image.
    auto snaps = dst_vzctl("snapshot-list " + ct() + " -H -o current");
    EXPECT_EQ(snaps.out, "*\n") << snaps.out;
    EXPECT_TRUE(std::filesystem::exists(dst_.private_path(kCt) + "/root.hdd/DiskDescriptor.xml"));
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// Online with the image layout: the image file is copied while the CT is frozen and its ext4 still mounted here, so
// what the CT wrote just before, still only in this host's page cache (ext4 commits every 5 s and allocates data
// later still), must reach the image first: chkpnt --suspend syncs the CT's file system once it is frozen.
TEST_F(NetMigrate, OnlinePloopCtKeepsWhatItWroteJustBefore) {
    ASSERT_TRUE(start_on_image());
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    ASSERT_EQ(sh("seq 1 20000 > /written; echo done >> /written").status, 0);
    auto r = migrate({"--online", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    auto there = [&](const std::string& cmd) { return dst_vzctl("exec2 " + ct() + " " + cmd).out; };
    EXPECT_EQ(trim(there("cat /tmp/worker")), worker);
    EXPECT_EQ(trim(there("tail -n 1 /written")), "done");
    EXPECT_EQ(trim(there("wc -l /written")), "20001 /written");
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// A file the CT holds open under a name it no longer has, its inode linked elsewhere: CRIU's dump links it into the
// CT's tree again (link_remap.N, --link-remap) for the restore to open, and removes that link again before vzmigrate
// copies the tree (the CT stays, frozen, for a rollback). The dump keeps a copy of it (vzctl as CRIU's action
// script, post-dump), which the restore there puts back; without it the restore fails ("Can't get owner of link
// remap").
TEST_F(NetMigrate, OnlineMovesAFileOpenUnderANameItNoLongerHas) {
    ASSERT_TRUE(start_ct());
    auto holder = hold_removed_name();
    ASSERT_FALSE(holder.empty());
    ASSERT_EQ(trim(sh("cat /proc/" + holder + "/fd/3").out), "kept");
    auto r = migrate({"--online", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    EXPECT_EQ(trim(dst_vzctl("exec2 " + ct() + " cat /proc/" + holder + "/fd/3").out), "kept");
    EXPECT_EQ(trim(dst_vzctl("exec2 " + ct() + " ls /").out).find("link_remap"), std::string::npos);
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// A mount script's bind mount of a host directory is left out of the dump and bound again on the destination, where
// the copied script mounted it: the process that had a file open there goes on writing to it.
TEST_F(NetMigrate, OnlineBindsAMountScriptsMountAgainThere) {
    auto data = host_data();
    write_text(confdir_ + "/conf/101.mount", "#!/bin/sh\n. \"$VE_CONFFILE\"\nmount -n --bind " + data +
                                                  " \"$VE_ROOT/mnt/data\"\n");
    ::chmod((confdir_ + "/conf/101.mount").c_str(), 0755);
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(start_appending(data));
    auto r = migrate({"--online", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    EXPECT_TRUE(appends_on(data));
    write_text(data + "/file", "from the host\n");
    EXPECT_EQ(dst_vzctl("exec2 " + ct() + " cat /mnt/data/file").out, "from the host\n");
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

// To the destination's IPv6 address, in rsync's brackets.
TEST_F(NetMigrate, StoppedCtStaysStoppedAndRemoveAreaNoKeepsConfigAsMigrated) {
    ASSERT_EQ(run({"set", ct(), "--name", "mover", "--save"}).status, 0);
    write_text(confdir_ + "/conf/101.mount", "#!/bin/sh\necho its mount script\n");  // action scripts go with it
    ::chmod((confdir_ + "/conf/101.mount").c_str(), 0755);
    auto r = migrate({"--remove-area", "no", "--ssh-mux"}, kPort, std::string("root@[") + PeerLan::kPeer6 + "]");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(contains(r.out, "second pass")) << r.out;
    EXPECT_FALSE(contains(r.out + r.err, "to-chk")) << "rsync's progress line without a terminal";
    EXPECT_EQ(dst_status(), "CTID 101 exist unmounted down");
    EXPECT_EQ(read_text(dst_.private_path(kCt) + "/marker"), "moved with its files\n");
    // The destination's own paths, not the source's.
    auto conf = read_text(dst_.conf_path(kCt));
    EXPECT_TRUE(contains(conf, "VE_PRIVATE=\"" + dst_.private_path(kCt) + "\"")) << conf;
    EXPECT_TRUE(std::filesystem::exists(conf_path(kCt) + ".migrated"));
    EXPECT_FALSE(std::filesystem::exists(conf_path(kCt)));
    EXPECT_TRUE(std::filesystem::exists(private_path(kCt) + "/marker"));
    EXPECT_EQ(read_text(dst_.confdir() + "/conf/101.mount"), "#!/bin/sh\necho its mount script\n");
    EXPECT_EQ(::access((dst_.confdir() + "/conf/101.mount").c_str(), X_OK), 0) << "it must stay executable there";
    EXPECT_TRUE(std::filesystem::exists(confdir_ + "/conf/101.mount.migrated"));
    EXPECT_FALSE(std::filesystem::exists(confdir_ + "/conf/101.mount"));
    // Its name went with it.
    EXPECT_EQ(trim(dst_vzctl("status mover").out), "CTID 101 exist unmounted down");
    EXPECT_FALSE(std::filesystem::is_symlink(names_dir() + "/mover"));
    // No ssh master left behind.
    EXPECT_EQ(net_run("ls /tmp/.vzmigrate-ssh-* 2>/dev/null").out, "");
    ASSERT_EQ(std::rename((conf_path(kCt) + ".migrated").c_str(), conf_path(kCt).c_str()), 0);  // for the clean-up
}

// At a terminal, the first copy of the private area shows rsync's line for the whole transfer, on stderr (without
// one, a script sees nothing of it: StoppedCtStaysStoppedAndRemoveAreaNoKeepsConfigAsMigrated).
TEST_F(NetMigrate, FirstCopyShowsItsProgressOnATerminal) {
    vztest::PtySession s({VZMIGRATE_BIN, "--ssh=" + sshd_->ssh_options(kPort), "--remove-area", "no", PeerLan::kPeer4,
                          ct()},
                         {"VZ_CONFDIR=" + confdir_}, 24, 200);
    auto status = s.wait(std::chrono::seconds(120));
    ASSERT_TRUE(status) << s.screen();
    ASSERT_EQ(*status, 0) << s.screen();
    std::regex rsync_line("\\r +[0-9,]+ +[0-9]+% .*\\(xfr#[0-9]+, to-chk=0/[0-9]+\\)");  // the transfer's end
    EXPECT_TRUE(std::regex_search(s.screen(), rsync_line)) << s.screen();
    EXPECT_EQ(dst_status(), "CTID 101 exist unmounted down");
    ASSERT_EQ(std::rename((conf_path(kCt) + ".migrated").c_str(), conf_path(kCt).c_str()), 0);  // for the clean-up
}

// --check-only changes nothing; nor does --online of a stopped CT (2).
TEST_F(NetMigrate, CheckOnlyAndOnlineTouchNothing) {
    auto stopped = migrate({"--online"});
    EXPECT_EQ(stopped.status, 2) << stopped.out << stopped.err;
    ASSERT_TRUE(start_ct());
    auto online = migrate({"--live", "--check-only"});
    EXPECT_EQ(online.status, 0) << online.out << online.err;
    EXPECT_TRUE(contains(online.out, "Checking CRIU here and on")) << online.out;
    auto r = migrate({"--check-only", "-vv"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    // -vv: the commands, and where the destination keeps the CT.
    EXPECT_TRUE(contains(r.out, "+ ssh ")) << r.out;
    EXPECT_TRUE(contains(r.out, "Destination: private " + dst_.private_path(kCt))) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_TRUE(destination_empty());
    EXPECT_EQ(dst_status(), "CTID 101 deleted unmounted down");
}

// --online: the running processes move (same PIDs, their counting goes on there), frozen only for the dump, the
// second copy, the dump's copy and the restore; -t prints that time. The dumps are gone on both nodes.
TEST_F(NetMigrate, OnlineMovesTheRunningProcesses) {
    auto r = migrate({"--online", "--check-only"});
    EXPECT_EQ(r.status, 2) << "not running: " << r.out << r.err;
    ASSERT_TRUE(start_ct());

    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    r = migrate({"--online", "-t", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    for (auto* line : {"Checking CRIU here and on", "Starting a page server on",
                       "Checkpointing CT 101 and copying the private area (second pass)", "Copying the dump",
                       "Restoring CT 101 on", "Container frozen for"})
        EXPECT_TRUE(contains(r.out, line)) << line << " in: " << r.out;
    // The default CT is unprivileged: no post-copy into it while the kernel keeps userfaultfd from its user namespace.
    if (trim(read_text("/proc/sys/vm/unprivileged_userfaultfd")) == "0") {
        EXPECT_TRUE(contains(r.out, "The memory of CT 101 moves while it is frozen (the CT is unprivileged and "
                                    "198.51.100.1 has vm.unprivileged_userfaultfd=0)"))
            << r.out;
    }
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    auto there = [&](const std::string& cmd) { return dst_vzctl("exec2 " + ct() + " " + cmd).out; };
    EXPECT_EQ(trim(there("cat /tmp/worker")), worker);
    auto n = std::stoul("0" + trim(there("cat /tmp/n")));
    EXPECT_TRUE(eventually([&] { return std::stoul("0" + trim(there("cat /tmp/n"))) > n + 2; }, 10s));
    EXPECT_EQ(there("cat /marker"), "moved with its files\n");
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_TRUE(nothing_left_within());
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101"));
    EXPECT_FALSE(std::filesystem::exists(dst_.dir("dump/Dump.101")));
}

// Post-copy: a privileged CT (the restorer of an unprivileged one may not open a userfaultfd while the destination
// has vm.unprivileged_userfaultfd=0, as here) is restored there before its memory pages have crossed; they follow
// from the dump here, which keeps it frozen until the last one is taken. The counter carries on from its value.
TEST_F(NetMigrate, OnlinePostCopyMovesThePagesAfterTheRestore) {
    ASSERT_TRUE(make_privileged());
    // The dump serves the pages through a 4 MiB pipe, which root without CAP_SYS_RESOURCE (as on these machines)
    // gets only up to fs.pipe-max-size: first the fallback, then that raised for the test.
    SysctlFile pipes("/proc/sys/fs/pipe-max-size");
    if (!pipes.readable()) GTEST_SKIP() << "can't read fs.pipe-max-size";
    ASSERT_TRUE(start_ct());
    if (std::stoul(pipes.was()) < (4u << 20) && !has_cap_sys_resource()) {
        auto r = migrate({"--online", "--check-only"});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        EXPECT_TRUE(contains(r.out, "The memory of CT 101 moves while it is frozen (a dump here can't serve its "
                                    "pages: fs.pipe-max-size is below 4 MiB and vzctl lacks CAP_SYS_RESOURCE)"))
            << r.out;
        pipes.set(std::to_string(4u << 20));
    }
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    auto sum = hold_memory();
    ASSERT_FALSE(sum.empty());
    auto n = std::stoul("0" + trim(sh("cat /tmp/n").out));
    auto r = migrate({"--online", "-t", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    for (auto* line : {"The memory of CT 101 moves after its restore (post-copy)", "Checkpointing CT 101",
                       "Forwarding a port of 198.51.100.1 to this host for the memory of CT 101", "Restoring CT 101 on",
                       "Copying the rest of the memory of CT 101 (post-copy)", "Container frozen for"})
        EXPECT_TRUE(contains(r.out, line)) << line << " in: " << r.out;
    EXPECT_FALSE(contains(r.out, "Starting a page server")) << r.out;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    // Read on the host first: a vzctl exec into a frozen CT would wait with it.
    auto count = [&] { return std::stoul("0" + trim(read_text(dst_.private_path(kCt) + "/tmp/n"))); };
    EXPECT_GE(count(), n);
    auto there_n = count();
    ASSERT_TRUE(eventually([&] { return count() > there_n + 3; }, 10s)) << "it does not run there";
    auto there = [&](const std::string& cmd) { return dst_vzctl("exec2 " + ct() + " " + cmd).out; };
    EXPECT_EQ(trim(there("cat /tmp/worker")), worker);
    // The sum of the same memory, taken again there.
    EXPECT_EQ(check_memory(there), sum);
    EXPECT_EQ(status_line(), "CTID 101 deleted unmounted down");
    EXPECT_TRUE(nothing_left_within());
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101"));
    EXPECT_FALSE(std::filesystem::exists(dst_.dir("dump/Dump.101")));
    EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(dst_.dir("dump/Dump.101.lazy")); }, 10s));
}

// Post-copy that breaks half-way: the destination's lazy-pages daemon is killed as soon as CRIU's restore there
// returns (by a watcher that a wrapper of its CRIU starts), with most of 64 MB still to cross. The dump here may
// count the closed connection as the end of the transfer, so the destination is asked too (vzctl __migrate
// lazy-done, MigrateTarget.LazyDone...): vzmigrate fails (7) and rolls back. The copy there, which would read
// zeros where its pages did not come, is stopped; the address handed over comes back here, and the CT thaws here
// with its memory whole, the counter carrying on; nothing is left there.
TEST_F(NetMigrate, PostCopyThatBreaksHalfWayRollsBack) {
    ASSERT_TRUE(make_privileged());
    SysctlFile pipes("/proc/sys/fs/pipe-max-size");
    if (!pipes.readable()) GTEST_SKIP() << "can't read fs.pipe-max-size";
    if (std::stoul(pipes.was()) < (4u << 20) && !has_cap_sys_resource()) pipes.set(std::to_string(4u << 20));
    ASSERT_EQ(run({"set", ct(), "--ipadd", "198.51.100.10", "--save"}).status, 0);
    ASSERT_TRUE(start_ct());
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    auto sum = hold_memory();
    ASSERT_FALSE(sum.empty());
    // CRIU stays the restore's process ($$ through its exec: the restored init becomes its parent's child).
    dst_.wrap_criu("case \" $* \" in *\" restore \"*) (while kill -0 $$; do sleep 0.01; done; "
                   "pkill -KILL -f 'lazy-pages --page-server.*" + dst_.dir("dump") +
                   "/') < /dev/null > /dev/null 2>&1 &;; esac\n");

    auto r = migrate({"--online", "--ssh-mux"});
    EXPECT_EQ(r.status, 7) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "The memory of CT 101 moves after its restore (post-copy)")) << r.out;
    EXPECT_TRUE(contains(r.out, "Handing the addresses of CT 101 over to")) << r.out;
    // Here the dump saw it too (a reset through ssh's forward); a clean close needs the destination's word.
    EXPECT_TRUE(contains(r.err, "the memory of CT 101 did not all reach 198.51.100.1")) << r.err;
    EXPECT_TRUE(contains(r.out, "Rolling back: stop CT 101 on")) << r.out;
    EXPECT_TRUE(contains(r.out, "Rolling back: thaw CT 101 here")) << r.out;
    EXPECT_TRUE(counts_here(worker));
    EXPECT_EQ(check_memory([&](const std::string& cmd) { return sh(cmd).out; }), sum);
    EXPECT_TRUE(contains(net_run("ip route show dev venet101").out, "198.51.100.10"))
        << net_run("ip route show dev venet101").out;
    EXPECT_EQ(net_run("ip rule list pref 999").out, "");
    EXPECT_NE(dst_status(), "CTID 101 exist mounted running");
    EXPECT_TRUE(destination_empty());
    EXPECT_FALSE(std::filesystem::exists(dst_.dir("dump/Dump.101.lazy")));
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101"));
}

// Pre-copy, where the source's kernel tracks dirty memory (soft-dirty: Debian's kernel in the VM run, v2.*; not this
// host's, whose report says so and where the memory moves after the restore or while frozen, as the tests above
// show): two pre-dumps while the CT runs, each to a page server of its own there, then the frozen dump with only
// what changed since the last. At the restore there (a wrapper of its CRIU records the pages each holds), the first
// pre-dump holds the 32 MB a process of the CT keeps in memory and the dump a small part of that; the CT runs
// there with that memory whole, and nothing of the dumps is left on either side.
TEST_F(NetMigrate, OnlinePreCopyMovesTheMemoryWhileItRuns) {
    ASSERT_TRUE(start_ct());
    auto report = run({"__migrate", "criu", ct()});
    ASSERT_EQ(report.status, 0) << report.out << report.err;
    if (contains(report.out, "PRECOPY=no")) {
        auto r = migrate({"--online", "--check-only"});
        ASSERT_EQ(r.status, 0) << r.out << r.err;
        EXPECT_FALSE(contains(r.out, "pre-copy")) << r.out;
        return;
    }
    ASSERT_TRUE(contains(report.out, "PRECOPY=yes")) << report.out;
    // khugepaged, collapsing the held pages into huge ones at a moment of its choosing, makes them dirty again:
    // transparent huge pages only where asked for (madvise) while the test runs.
    SysctlFile thp("/sys/kernel/mm/transparent_hugepage/enabled");
    thp.set("madvise");
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    auto sum = hold_memory(24);  // 32 MB: the VM's emulated CPU makes it slowly
    ASSERT_FALSE(sum.empty()) << sh("cat /tmp/sum; free").out;
    auto pages = dst_.dir("pages-at-restore");
    dst_.record_at_restore("cd " + dst_.dir("dump") + " && for d in Dump.101.pre/1 Dump.101.pre/2 Dump.101; do "
                                                      "cat $d/pages-*.img | wc -c; done",
                           pages);
    auto r = migrate({"--online", "-t", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    for (auto* line : {"The memory of CT 101 is copied while it runs (2 passes, pre-copy)",
                       "Copying the memory of CT 101 while it runs (pass 1)",
                       "Copying the memory of CT 101 while it runs (pass 2)", "Starting a page server on",
                       "Checkpointing CT 101", "Restoring CT 101 on", "Container frozen for"})
        EXPECT_TRUE(contains(r.out, line)) << line << " in: " << r.out;
    auto sizes = lines(read_text(pages));
    ASSERT_EQ(sizes.size(), 3u) << read_text(pages);
    auto first = std::stoull(sizes[0]), last = std::stoull(sizes[2]);
    EXPECT_GT(first, 30'000'000u) << read_text(pages);
    EXPECT_LT(last * 4, first) << read_text(pages);
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    auto there = [&](const std::string& cmd) { return dst_vzctl("exec2 " + ct() + " " + cmd).out; };
    EXPECT_EQ(trim(there("cat /tmp/worker")), worker);
    EXPECT_EQ(check_memory(there), sum);
    for (auto* dir : {"dump/Dump.101", "dump/Dump.101.pre"}) {
        EXPECT_FALSE(std::filesystem::exists(tmp_ / dir)) << dir;
        EXPECT_FALSE(std::filesystem::exists(dst_.dir(dir))) << dir;
    }
}

// vzctl __migrate lazy-done, which vzmigrate runs on the destination once the dump here has served its last page
// (that dump counts a connection its daemon closed half-way as done): 0 once the daemon's keeper has removed its
// copy of the dump (it had every page), 17 naming the daemon's exit status and its log's error where the keeper kept
// the copy with that status.
using MigrateTarget = CliTest;
TEST_F(MigrateTarget, LazyDoneTellsWhetherTheDaemonHadEveryPage) {
    auto r = vzctl({"__migrate", "lazy-done", "101"});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    auto copy = tmp_ / "dump/Dump.101.lazy";
    std::filesystem::create_directories(copy);
    write_text(copy + "/lazy-pages.exit", "137");
    write_text(copy + "/lazy-pages.log", "(00.512) Error (criu/uffd.c:1131): lost the page server\n");
    r = vzctl({"__migrate", "lazy-done", "101"});
    EXPECT_EQ(r.status, 17) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "CRIU lazy-pages daemon of CT 101 failed (exit 137)")) << r.err;
    EXPECT_TRUE(contains(r.err, "lost the page server")) << r.err;
}

// --no-lazy, and an unprivileged CT where the destination has vm.unprivileged_userfaultfd=0: all the memory moves
// while the CT is frozen, through the destination's page server.
// The privileged CT runs there, not frozen: chkpnt --suspend froze it for the dump, and the freezer state CRIU
// recorded is made THAWED (a privileged CT's restore puts it back).
TEST_F(NetMigrate, OnlineWithoutPostCopySaysWhy) {
    ASSERT_TRUE(make_privileged());
    ASSERT_TRUE(start_ct());
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    auto r = migrate({"--online", "--no-lazy", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "The memory of CT 101 moves while it is frozen (--no-lazy)")) << r.out;
    EXPECT_TRUE(contains(r.out, "Starting a page server on")) << r.out;
    EXPECT_FALSE(contains(r.out, "lazy-pages daemon")) << r.out;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    // Read on the host: a vzctl exec into a frozen CT would wait with it.
    auto count = [&] { return std::stoul("0" + trim(read_text(dst_.private_path(kCt) + "/tmp/n"))); };
    auto n = count();
    EXPECT_TRUE(eventually([&] { return count() > n + 2; }, 10s)) << "it does not run there";
}

// A restore that fails on the destination: the CT, frozen here since the dump, is thawed (the same processes carry
// on counting), and the destination holds nothing of it, its copy of the dump included.
TEST_F(NetMigrate, OnlineRestoreThatFailsResumesItHere) {
    ASSERT_TRUE(start_ct());
    auto worker = start_counter();
    write_text(dst_.dir("shim") + "/vzctl",
               std::string("#!/bin/sh\nfor a; do [ \"$a\" = restore ] && { echo 'Error: restore refused by the test' "
                           ">&2; exit 17; }; done\nexec ") +
                   VZCTL_BIN + " \"$@\"\n");
    ::chmod(dst_.dir("shim/vzctl").c_str(), 0755);
    auto r = migrate({"--online", "--ssh-mux"});
    EXPECT_EQ(r.status, 7) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "restore refused by the test")) << r.err;
    EXPECT_TRUE(contains(r.out, "Rolling back: thaw CT 101 here")) << r.out;
    EXPECT_TRUE(counts_here(worker));
    EXPECT_TRUE(destination_empty());
    EXPECT_FALSE(std::filesystem::exists(dst_.dir("dump/Dump.101")));
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101"));
    std::filesystem::remove(dst_.dir("shim/vzctl"));
}

// The live migration of a CT with a venet address, a TCP client on the host holding a connection to it: before,
// the host reaches it over venet101 here; after, through the destination (its proxy ARP entry on its uplink, the
// peer LAN). The same connection goes on, nothing lost: CRIU's established-connection repair, the network inside
// locked from the dump to the restore, so the client only sees a pause.
TEST_F(NetMigrate, OnlineKeepsAnEstablishedConnection) {
    // The destination host forwards between its uplink and its CTs' venet ends, as a hosting node does.
    net_must("ip netns exec " + lan_.ns() + " sysctl -qw net.ipv4.conf.eth0.forwarding=1");
    // The host's route to the CT gets the host's address on the peer LAN as its source (the one the destination
    // routes back to).
    replace_text(confdir_ + "/vz.conf", read_text(confdir_ + "/vz.conf") + "VE_ROUTE_SRC_DEV=\"" + lan_.host_dev() + "\"\n");
    ASSERT_EQ(run({"set", ct(), "--ipadd", "198.51.100.10", "--save"}).status, 0);
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(sh(held_listener_command(7004)).status, 0);
    ASSERT_TRUE(eventually([&] { return contains(sh("netstat -ltn").out, ":7004"); }, 5s)) << sh("netstat -ltn").out;
    TcpClient client(tmp_ / "client.in", "198.51.100.10", 7004);
    client.send("before");
    ASSERT_TRUE(eventually([&] { return contains(sh("cat /tmp/got").out, "before"); }, 5s));

    auto r = migrate({"--online", "-t", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Handing the addresses of CT 101 over to 198.51.100.1")) << r.out;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    client.send("after");
    auto got = [&] { return dst_vzctl("exec2 " + ct() + " cat /tmp/got").out; };
    EXPECT_TRUE(eventually([&] { return contains(got(), "after"); }, 20s)) << "the connection did not survive: " << got();
    EXPECT_EQ(got(), "before\nafter\n");
    EXPECT_TRUE(client.alive()) << "the client ended";
}

TEST_F(NetMigrate, CtThatExistsOnTheDestinationIsRefused) {
    auto made = dst_vzctl("create " + ct() + " --ostemplate busybox");
    ASSERT_EQ(made.status, 0) << made.out;
    auto r = migrate({});
    EXPECT_EQ(r.status, 9) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "already exists")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(std::filesystem::exists(private_path(kCt) + "/marker"));
    EXPECT_EQ(dst_vzctl("destroy " + ct()).status, 0);
}

TEST_F(NetMigrate, AddressInUseOnTheDestinationIsExit12UnlessNodeps) {
    // CT 102 runs on the destination with 198.51.100.77 (in the destination's namespace); CT 101 has it too.
    dst_extra_.push_back("102");
    auto made = dst_vzctl("create 102 --ostemplate busybox --ipadd 198.51.100.77");
    ASSERT_EQ(made.status, 0) << made.out;
    auto started = dst_vzctl("start 102");
    ASSERT_EQ(started.status, 0) << started.out;
    auto set = run({"set", ct(), "--ipadd", "198.51.100.77/24", "--save"});
    ASSERT_EQ(set.status, 0) << set.err;
    auto r = migrate({"--ssh-mux"});
    EXPECT_EQ(r.status, 12) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "198.51.100.77")) << r.err;
    EXPECT_TRUE(destination_empty());
    auto forced = migrate({"--ssh-mux", "--nodeps", "--check-only"});
    EXPECT_EQ(forced.status, 0) << forced.out << forced.err;
    // A stopped CT's address is no conflict.
    ASSERT_EQ(dst_vzctl("stop 102").status, 0);
    auto free = migrate({"--ssh-mux", "--check-only"});
    EXPECT_EQ(free.status, 0) << free.out << free.err;
}

TEST_F(NetMigrate, StartThatFailsLateNeverLeavesItRunningOnBoth) {
    ASSERT_TRUE(start_ct());
    // The destination's start starts it and then reports a failure; its stop fails: the CT runs there for good.
    write_text(dst_.dir("shim") + "/vzctl",
               std::string("#!/bin/sh\nfor a; do\n  [ \"$a\" = stop ] && exit 1\n  [ \"$a\" = start ] && { ") +
                   VZCTL_BIN + " \"$@\"; exit 7; }\ndone\nexec " + VZCTL_BIN + " \"$@\"\n");
    ::chmod(dst_.dir("shim/vzctl").c_str(), 0755);
    write_text(confdir_ + "/conf/101.start", "true\n");  // copied with the config, and removed with it
    auto r = migrate({"--ssh-mux"});
    EXPECT_EQ(r.status, 7) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "not starting it here")) << r.err;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    std::filesystem::remove(dst_.dir("shim/vzctl"));
}

TEST_F(NetMigrate, FailedCopyRollsBackAndKeepDstKeepsTheAreaForTheNextTry) {
    // The destination's rsync (its server side, found first in its PATH) fails.
    write_text(dst_.dir("shim") + "/rsync", "#!/bin/sh\necho 'rsync refused by the test' >&2\nexit 1\n");
    ::chmod(dst_.dir("shim/rsync").c_str(), 0755);
    auto failed = migrate({"--ssh-mux"});
    EXPECT_EQ(failed.status, 6) << failed.out << failed.err;
    EXPECT_TRUE(destination_empty());
    auto kept = migrate({"--ssh-mux", "--keep-dst"});
    EXPECT_EQ(kept.status, 6) << kept.out << kept.err;
    EXPECT_FALSE(std::filesystem::exists(dst_.conf_path(kCt)));
    EXPECT_TRUE(std::filesystem::is_directory(dst_.private_path(kCt)));
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    // The next try takes the kept area up.
    std::filesystem::remove(dst_.dir("shim/rsync"));
    auto again = migrate({"--ssh-mux"});
    ASSERT_EQ(again.status, 0) << again.out << again.err;
    EXPECT_EQ(read_text(dst_.private_path(kCt) + "/marker"), "moved with its files\n");
    EXPECT_EQ(dst_status(), "CTID 101 exist unmounted down");
}

// Online, the private area's second pass runs beside the dump; when it fails (the destination's rsync refuses the
// second copy into the private area), the migration waits for it, rolls back (6) and the CT runs on here, its
// counter going on.
TEST_F(NetMigrate, OnlineSecondPassThatFailsThawsItHere) {
    ASSERT_TRUE(start_ct());
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());
    auto ran = dst_.dir("rsync-ran");
    write_text(dst_.dir("shim") + "/rsync",
               "#!/bin/sh\ncase \"$*\" in *" + dst_.private_path(kCt) + "*)\n  [ -e " + ran +
                   " ] && { echo 'rsync refused by the test' >&2; exit 1; }\n  touch " + ran +
                   ";;\nesac\nexec /usr/bin/rsync \"$@\"\n");
    ::chmod(dst_.dir("shim/rsync").c_str(), 0755);
    auto r = migrate({"--online", "--ssh-mux"});
    EXPECT_EQ(r.status, 6) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "copying the private area of CT 101")) << r.err;
    EXPECT_TRUE(contains(r.out, "Rolling back: thaw CT 101 here")) << r.out;
    EXPECT_TRUE(counts_here(worker));
    EXPECT_TRUE(destination_empty());
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101"));
}

TEST_F(NetMigrate, UnreachableDestinationIsExit4) {
    auto r = migrate({}, kClosedPort);
    EXPECT_EQ(r.status, 4) << r.out << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(destination_empty());
}

TEST_F(NetMigrate, FailedStartOnTheDestinationRollsBack) {
    ASSERT_TRUE(start_ct());
    // The destination's vzctl refuses to start anything (its PATH finds this one first).
    write_text(dst_.dir("shim") + "/vzctl",
               std::string("#!/bin/sh\nfor a; do [ \"$a\" = start ] && { echo 'Error: start refused by the test' >&2; "
                           "exit 7; }; done\nexec ") +
                   VZCTL_BIN + " \"$@\"\n");
    ::chmod(dst_.dir("shim/vzctl").c_str(), 0755);
    write_text(confdir_ + "/conf/101.start", "true\n");  // copied with the config, and removed with it
    auto r = migrate({"--ssh-mux"});
    EXPECT_EQ(r.status, 7) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Rolling back")) << r.out;
    // Running here again, with its files; nothing of it there.
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_TRUE(wait_booted());
    EXPECT_EQ(sh("cat /marker").out, "moved with its files\n");
    EXPECT_TRUE(destination_empty());
    EXPECT_EQ(dst_status(), "CTID 101 deleted unmounted down");
}

// --online of a CT with a veth device: the destination makes its host end on the bridge of that name there, and the
// device keeps its address and MAC inside. Without --ssh-mux: the page server's forward opens a master connection
// of its own, which ends with vzmigrate.
// A neighbour on the destination's bridge (vzcl1 in its namespace, 203.0.113.22) whose cache still names another MAC
// for the CT's address learns the CT's from the announcement after the restore (nothing else makes the CT talk to it).
TEST_F(NetMigrate, OnlineMovesAVethDevice) {
    PeerBridge br;
    auto in_dst = [&](const std::string& cmd) { net_must("ip netns exec " + lan_.ns() + " " + cmd); };
    in_dst("ip link add " + br.name() + " type bridge stp_state 0 forward_delay 0");
    in_dst("ip link set " + br.name() + " up");
    in_dst("ip link add vzcl0 type veth peer name vzcl1");
    in_dst("ip link set vzcl0 master " + br.name() + " up");
    in_dst("ip addr add 203.0.113.22/24 dev vzcl1");
    in_dst("ip link set vzcl1 up");
    in_dst("ip neigh replace 203.0.113.21 lladdr 02:00:00:00:00:01 dev vzcl1 nud stale");
    ASSERT_EQ(run({"set", ct(), "--netif_add", "eth0,,,," + br.name(), "--save"}).status, 0);
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(sh("ip addr add 203.0.113.21/24 dev eth0 && ip link set eth0 up").status, 0);
    auto mac = trim(sh("cat /sys/class/net/eth0/address").out);
    auto worker = start_counter();
    ASSERT_FALSE(worker.empty());

    auto r = migrate({"--online"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    auto there = [&](const std::string& cmd) { return dst_vzctl("exec2 " + ct() + " " + cmd).out; };
    EXPECT_EQ(trim(there("cat /tmp/worker")), worker);
    EXPECT_TRUE(contains(there("ip addr show dev eth0"), "inet 203.0.113.21/24")) << there("ip addr");
    EXPECT_EQ(trim(there("cat /sys/class/net/eth0/address")), mac);
    auto port = net_run("ip netns exec " + lan_.ns() + " ip -br link show master " + br.name()).out;
    EXPECT_TRUE(contains(port, "veth101.0")) << port;
    std::string neigh;
    EXPECT_TRUE(eventually([&] {
        neigh = net_run("ip netns exec " + lan_.ns() + " ip neigh show 203.0.113.21 dev vzcl1").out;
        return contains(neigh, "lladdr " + mac);
    }, 5s)) << neigh;
    EXPECT_TRUE(host_links_matching("veth101.").empty()) << joined(host_links_matching("veth101."));
    EXPECT_EQ(net_run("ls /tmp/.vzmigrate-ssh-* 2>/dev/null").out, "") << "a master connection is left";
}

// --online of a booted Debian CT with systemd as its init (what Incus' live migration leaves out): systemd and its
// services carry on at the destination under the same pids, and it answers there.
TEST_F(NetMigrate, OnlineMovesABootedSystemdCt) {
    auto made = make_debian_template();
    ASSERT_EQ(made.status, 0) << "scripts/mktemplate-debian failed:\n" << made.out;
    ASSERT_EQ(run({"destroy", ct()}).status, 0);
    auto r = run({"create", ct(), "--ostemplate", debian_template_name(), "--config", "vswap-256m"}, {}, 300s);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    r = run({"start", ct(), "--wait"}, {}, 180s);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto journald = trim(sh("pidof systemd-journald").out);
    ASSERT_FALSE(journald.empty());

    r = migrate({"--online", "--ssh-mux"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(dst_status(), "CTID 101 exist mounted running");
    auto there = [&](const std::string& cmd) { return dst_vzctl("exec2 " + ct() + " " + cmd).out; };
    EXPECT_EQ(trim(there("cat /proc/1/comm")), "systemd");
    EXPECT_EQ(trim(there("pidof systemd-journald")), journald);
    std::string state;
    EXPECT_TRUE(eventually(
        [&] {
            state = trim(there("systemctl is-system-running"));
            return state == "running";
        },
        30s))
        << state << "; failed units: " << there("systemctl --failed --plain --no-legend --no-pager");
}

}  // namespace
}  // namespace vztest
