// vzctl suspend / resume (chkpnt / restore, src/lib/ct/suspend.cpp) with the real CRIU (scripts/setup's): the
// default (unprivileged) busybox container is dumped and stopped, `status` says suspended, and resume brings the same
// processes back under a fresh monitor, still answered by it (busybox free from a restored process shows the
// container's RAM, a fresh procfs mount is still refused), limits in force. A failed dump leaves it running; a
// failed restore keeps the dump and starts nothing; `start` of a suspended container resumes it.
#include <sys/stat.h>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class Suspend : public RuntimeTest {
protected:

    std::string dump() const { return tmp_ / ("dump/Dump." + ct()); }

    // A restored process of the container's own (not a vzctl exec: that joins with a filter of its own) that every
    // 0.1 s counts on, writes busybox free's output and tries a fresh procfs, into /tmp files.
    void start_worker() {
        auto r = sh("setsid sh -c 'n=0; while :; do n=$((n+1)); echo $n > /tmp/n.new; mv /tmp/n.new /tmp/n; "
                    "free > /tmp/free.new; mv /tmp/free.new /tmp/free; "
                    "mount -t proc proc /mnt 2> /tmp/mount.new; mv /tmp/mount.new /tmp/mount; sleep 0.1; done' "
                    "> /dev/null 2>&1 < /dev/null &");
        ASSERT_EQ(r.status, 0) << r.err;
        ASSERT_TRUE(eventually([&] { return sh("cat /tmp/n").status == 0; }, 10s));
    }
    unsigned long count() { return std::stoul("0" + trim(sh("cat /tmp/n").out)); }
    // After a restore that failed: still suspended, with no process or cgroup of its left.
    ::testing::AssertionResult left_suspended() {
        if (auto st = status_line(); st != "CTID 101 exist unmounted down suspended")
            return ::testing::AssertionFailure() << st;
        if (!ct_procs().empty()) return ::testing::AssertionFailure() << "processes are left";
        if (auto left = ct_cgroups_left(); !left.empty()) return ::testing::AssertionFailure() << "cgroups are left";
        return ::testing::AssertionSuccess();
    }
    // vz.conf put back as `conf`, and the next `command` (resume or restore) restores it.
    ::testing::AssertionResult resumes_with(const std::string& conf, const std::string& command = "resume") {
        replace_text(confdir_ + "/vz.conf", conf);
        auto r = run({command, ct()});
        if (r.status != 0) return ::testing::AssertionFailure() << r.status << ": " << r.out << r.err;
        if (auto st = status_line(); st != "CTID 101 exist mounted running") return ::testing::AssertionFailure() << st;
        return ::testing::AssertionSuccess();
    }
    std::string worker_pid() { return trim(sh("pidof sh | tr ' ' '\\n' | sort -n | head -1").out); }
    void resumed_processes_carry_on();
};

TEST_F(Suspend, ResumedProcessesCarryOnUnderAFreshMonitor) { resumed_processes_carry_on(); }

// The same for a privileged container (LOCAL_UID=0): the monitor answers its restored processes too.
TEST_F(Suspend, ResumedProcessesOfAPrivilegedContainerCarryOn) {
    ASSERT_TRUE(make_privileged());
    resumed_processes_carry_on();
}

void Suspend::resumed_processes_carry_on() {
    ASSERT_TRUE(start_ct());
    start_worker();
    auto pid = worker_pid();
    auto before = count();
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Checkpointing completed successfully"), std::string::npos) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
    EXPECT_TRUE(ct_procs().empty());
    EXPECT_TRUE(std::filesystem::is_directory(dump()));
    auto l = vzlist_run({"-H", "-a", "-o", "ctid,status"});
    EXPECT_NE(l.out.find("suspended"), std::string::npos) << l.out;
    // What the worker writes from here on is written after the restore.
    for (auto* f : {"free", "mount"}) std::filesystem::remove(tmp_ / ("private/101/tmp/" + std::string(f)));

    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Restoring completed successfully"), std::string::npos) << r.out;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_FALSE(std::filesystem::exists(dump()));
    auto init = init_pid();
    ASSERT_TRUE(init);
    EXPECT_EQ(comm_of(parent_of(*init)), "vzmonitor");
    EXPECT_EQ(worker_pid(), pid);
    EXPECT_TRUE(eventually([&] { return count() > before + 2; }, 10s)) << before << " -> " << count();
    // The restored worker's calls go to the new monitor: free from sysinfo(2) shows the vswap-256m RAM, not the host's
    // (nor ENOSYS: a restored filter has no listener), and a fresh procfs is refused.
    ASSERT_TRUE(eventually([&] { return sh("cat /tmp/free /tmp/mount").status == 0; }, 10s));
    EXPECT_NE(sh("cat /tmp/free").out.find("262144"), std::string::npos) << sh("cat /tmp/free").out;
    EXPECT_NE(sh("cat /tmp/mount").out.find("denied"), std::string::npos) << sh("cat /tmp/mount").out;
    // Limits in force, and the container stops as any other.
    EXPECT_EQ(memory_limit_bytes(), 256ull << 20);
    r = run({"stop", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(nothing_left());
}

// A process vzctl exec starts after a resume joins the restored container's time namespace (CRIU gives the restored
// init one of its own): outside it, a child of such a process made the next restore fail ("Can't restore sub-task in
// NS"), and a live migration with it.
TEST_F(Suspend, ExecAfterAResumeJoinsItsTimeNamespace) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    ASSERT_EQ(run({"resume", ct()}).status, 0);
    auto ns = [&](const std::string& pid) { return trim(sh("readlink /proc/" + pid + "/ns/time").out); };
    EXPECT_EQ(ns("self"), ns("1"));
    auto r = sh("setsid sh -c 'sleep 1000 | cat' < /dev/null > /dev/null 2>&1 &");
    ASSERT_EQ(r.status, 0) << r.err;
    r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(trim(sh("pidof sleep").out).empty(), false);
}

TEST_F(Suspend, StartOfASuspendedContainerResumesIt) {
    ASSERT_TRUE(start_ct());
    start_worker();
    auto pid = worker_pid();
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    auto r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Restoring container"), std::string::npos) << r.out;
    EXPECT_EQ(worker_pid(), pid);
    EXPECT_FALSE(std::filesystem::exists(dump()));
}

// The sub-modes vzmigrate uses: --suspend freezes (the worker's count stands still), --dump dumps and leaves it
// frozen, --resume thaws it (a migration's way back), --kill ends it after a dump; the dump then resumes as any.
TEST_F(Suspend, StepsOneAtATime) {
    ASSERT_TRUE(start_ct());
    start_worker();
    auto count_file = tmp_ / "private/101/tmp/n";
    auto count_now = [&] { return std::stoul("0" + trim(read_text(count_file))); };
    auto r = run({"chkpnt", ct(), "--suspend"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto frozen = count_now();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(count_now(), frozen);
    r = run({"chkpnt", ct(), "--dump"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(std::filesystem::is_directory(dump()));
    EXPECT_EQ(count_now(), frozen);
    r = run({"chkpnt", ct(), "--resume"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(eventually([&] { return count_now() > frozen + 2; }, 10s));
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    std::filesystem::remove_all(dump());
    for (auto* step : {"--suspend", "--dump", "--kill"}) {
        r = run({"chkpnt", ct(), step});
        ASSERT_EQ(r.status, 0) << step << ": " << r.out << r.err;
    }
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
    r = run({"restore", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto resumed = count();
    EXPECT_TRUE(eventually([&] { return count() > resumed + 2; }, 10s));
    EXPECT_EQ(run({"chkpnt", ct(), "--dump", "--kill"}).status, 20);
}

// A freeze that catches the child of a vfork() before its exec, its parent waiting in the kernel for that exec: a v1
// freezer stays FREEZING for good then unless the container is thawed for a moment and frozen again (freeze() in
// suspend.cpp; seen as "did not freeze within 10 s" right after a start, from busybox init). busybox xargs spawns
// with vfork(): with a storm of them, --suspend and --resume five times, each freeze within its 10 s.
TEST_F(Suspend, AContainerSpawningWithVforkStillFreezes) {
    ASSERT_TRUE(start_ct());
    auto r = sh("setsid sh -c 'yes | xargs -n 1 busybox echo' > /dev/null 2>&1 < /dev/null &");
    ASSERT_EQ(r.status, 0) << r.err;
    for (int i = 0; i < 5; ++i) {
        r = run({"chkpnt", ct(), "--suspend"});
        ASSERT_EQ(r.status, 0) << "freeze " << i << ": " << r.out << r.err;
        r = run({"chkpnt", ct(), "--resume"});
        ASSERT_EQ(r.status, 0) << "thaw " << i << ": " << r.out << r.err;
    }
}

// A suspended container destroyed takes its dump with it: a new container of the CTID must not resume it.
TEST_F(Suspend, DestroyRemovesTheDump) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    auto r = run({"destroy", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(std::filesystem::exists(dump()));
    ASSERT_EQ(run({"create", ct(), "--ostemplate", "busybox", "--config", "vswap-256m"}).status, 0);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
}

// A process that holds a file of the host's (here: the test's output file, its stdout) can't be dumped: CRIU fails,
// and the container goes on running, thawed, with no dump and no mount of CRIU's left.
TEST_F(Suspend, AFailedDumpLeavesItRunning) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(sh("setsid sleep 1000 < /dev/null 2>/dev/null &").status, 0);
    auto r = run({"suspend", ct()});
    EXPECT_EQ(r.status, 16) << r.out << r.err;
    EXPECT_NE(r.err.find("Failed to checkpoint the container"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_FALSE(std::filesystem::exists(dump()));
    EXPECT_TRUE(std::filesystem::exists(dump() + ".fail/dump.log"));
    EXPECT_EQ(sh("echo alive").out, "alive\n");
    // CRIU's cgroup yard lives in its work directory, the dump's; other tests' dumps may be running meanwhile.
    EXPECT_EQ(try_read("/proc/self/mountinfo").value_or("").find(tmp_ / "dump/"), std::string::npos);
}

// chkpnt --pre-dump. Where the kernel tracks dirty memory (the VM run's Debian kernel): two pre-dumps while it runs
// (Dump.101.pre/1 and /2, the second CRIU's child of the first), then a full suspend on top of them (the dump's
// parent is the last) and a resume that takes its pages from all three, the worker carrying on, and the pre-dumps
// removed with the dump. Where it does not (this host): 16 with CRIU's reason, the CT running on, not frozen, no
// pre-dump left.
TEST_F(Suspend, PreDumpsCopyTheMemoryWhereTheKernelTracksIt) {
    ASSERT_TRUE(start_ct());
    start_worker();
    auto pid = worker_pid();
    bool tracks = vz::cpt::run_criu(vz::cpt::find_criu(""), {"check", "--feature", "mem_dirty_track"}).status == 0;
    auto r = run({"chkpnt", ct(), "--pre-dump"});
    if (!tracks) {
        EXPECT_EQ(r.status, 16) << r.out << r.err;
        EXPECT_TRUE(contains(r.err, "Failed to pre-dump the container")) << r.err;
        EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
        EXPECT_FALSE(std::filesystem::exists(dump() + ".pre"));
        auto before = count();
        EXPECT_TRUE(eventually([&] { return count() > before + 2; }, 10s)) << "it does not run";
        return;
    }
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    r = run({"chkpnt", ct(), "--pre-dump"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Pre-dump 2 of the container's memory is done")) << r.out;
    EXPECT_EQ(std::filesystem::read_symlink(dump() + ".pre/2/parent").string(), "../1");
    auto before = count();
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    EXPECT_EQ(std::filesystem::read_symlink(dump() + "/parent").string(), "../Dump.101.pre/2");
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(worker_pid(), pid);
    EXPECT_TRUE(eventually([&] { return count() > before + 2; }, 10s)) << before << " -> " << count();
    EXPECT_FALSE(std::filesystem::exists(dump()));
    EXPECT_FALSE(std::filesystem::exists(dump() + ".pre"));
}

// A restore that fails (here CRIU itself: a wrapper that refuses) keeps the dump and leaves nothing started; the
// next resume with a working CRIU succeeds.
TEST_F(Suspend, AFailedRestoreKeepsTheDumpForAnotherTry) {
    ASSERT_TRUE(start_ct());
    start_worker();
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    auto original = wrap_criu("echo 'Error (fake): refused' >&2\nexit 1\n");
    auto r = run({"resume", ct()});
    EXPECT_EQ(r.status, 17) << r.out << r.err;
    EXPECT_TRUE(left_suspended());
    EXPECT_TRUE(resumes_with(original));
}

// A CRIU too old for this kernel is found out while the dump and the restore prepare (its `--version` runs beside
// them): 16 naming both versions, the container running with no dump or half of one, or suspended with nothing of the
// host's set-up left (mount, cgroups, processes).
TEST_F(Suspend, ATooOldCriuFailsEitherStepLeavingItAsItWas) {
    ASSERT_TRUE(start_ct());
    auto old_criu = tmp_ / "old-criu";
    write_text(old_criu, "#!/bin/sh\necho 'Version: 3.17.1'\n");
    ::chmod(old_criu.c_str(), 0755);
    auto original = read_text(confdir_ + "/vz.conf");
    auto use_old_criu = [&] { replace_text(confdir_ + "/vz.conf", original + "CRIU=\"" + old_criu + "\"\n"); };
    use_old_criu();
    auto r = run({"suspend", ct()});
    EXPECT_EQ(r.status, 16) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "is version 3.17.1; checkpointing needs CRIU 4.2 or newer")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_FALSE(std::filesystem::exists(dump()));
    EXPECT_FALSE(std::filesystem::exists(dump() + ".partial"));
    replace_text(confdir_ + "/vz.conf", original);
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    use_old_criu();
    r = run({"resume", ct()});
    EXPECT_EQ(r.status, 16) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "is version 3.17.1")) << r.err;
    EXPECT_TRUE(left_suspended());
    EXPECT_TRUE(resumes_with(original));
}

// CRIU's freeze of a container that forks all the time can time out (its 10 s); suspend thaws and tries once more.
// Here a wrapper plays that first failure, then runs the real CRIU.
TEST_F(Suspend, AFreezeTimeoutIsTriedOnceMore) {
    ASSERT_TRUE(start_ct());
    wrap_criu("if [ ! -e " + tmp_ / "tried" + " ]; then touch " + tmp_ / "tried" + "; d=$2\n"
              "  echo 'Error (criu/cr-dump.c:1655): Timeout reached. Try to interrupt: 0' > $d/dump.log; exit 1\nfi\n");
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("trying once more"), std::string::npos) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
}

// A file held open under a name the container removed, its inode linked elsewhere, through the sub-modes vzmigrate
// uses: CRIU removes its link remap after --dump (the container stays), so the dump keeps a copy of the file, which
// restore puts back for CRIU. A restore that fails leaves no such copy in the container's tree; the next one works.
TEST_F(Suspend, AFileOpenUnderARemovedNameComesBackAfterTheSteps) {
    ASSERT_TRUE(start_ct());
    auto holder = hold_removed_name();
    ASSERT_FALSE(holder.empty());
    for (auto* step : {"--suspend", "--dump", "--kill"}) {
        auto r = run({"chkpnt", ct(), step});
        ASSERT_EQ(r.status, 0) << step << ": " << r.out << r.err;
    }
    auto remaps_in_tree = [&] {
        size_t n = 0;
        for (auto& e : std::filesystem::directory_iterator(tmp_ / "private/101"))
            n += e.path().filename().string().starts_with("link_remap.");
        return n;
    };
    EXPECT_EQ(remaps_in_tree(), 0u);
    auto original = wrap_criu("case \" $* \" in *\" restore \"*) exit 1;; esac\n");
    EXPECT_EQ(run({"restore", ct()}).status, 17);
    EXPECT_EQ(remaps_in_tree(), 0u);
    replace_text(confdir_ + "/vz.conf", original);
    auto r = run({"restore", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(trim(sh("cat /proc/" + holder + "/fd/3").out), "kept");
    EXPECT_EQ(remaps_in_tree(), 0u);
}

// The same for a file mapped, not open: a program whose binary lost the name it was started under (another name
// left) runs on after the steps.
TEST_F(Suspend, AProgramWhoseFileLostItsNameComesBackAfterTheSteps) {
    ASSERT_TRUE(start_ct());
    auto r = sh("cp /bin/busybox /held-exe; ln /held-exe /other-exe; ln -s /held-exe /sleep; "
                "setsid /sleep 1000 > /dev/null 2>&1 < /dev/null & p=$!; echo $p > /tmp/sleeper; "
                "while [ \"$(readlink /proc/$p/exe)\" != /held-exe ]; do sleep 0.05; done; rm /held-exe /sleep");
    ASSERT_EQ(r.status, 0) << r.err;
    auto sleeper = trim(sh("cat /tmp/sleeper").out);
    ASSERT_TRUE(contains(sh("readlink /proc/" + sleeper + "/exe").out, "/held-exe (deleted)"))
        << sh("readlink /proc/" + sleeper + "/exe").out;
    for (auto* step : {"--suspend", "--dump", "--kill"}) {
        r = run({"chkpnt", ct(), step});
        ASSERT_EQ(r.status, 0) << step << ": " << r.out << r.err;
    }
    r = run({"restore", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(sh("kill -0 " + sleeper).status, 0) << "the program is gone";
}

// restore --lazy-pages (vzmigrate's post-copy) starts CRIU's lazy-pages daemon beside the host's set-up; one that
// fails to get ready fails the restore (17, naming it) before anything runs, and leaves the dump for another try,
// without the daemon's copy of it.
TEST_F(Suspend, ARestoreWhoseLazyPagesDaemonFailsKeepsTheDump) {
    ASSERT_TRUE(start_ct());
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    auto original = wrap_criu("case \" $* \" in *\" lazy-pages \"*) exit 1;; esac\n");
    auto r = run({"restore", ct(), "--lazy-pages", "127.0.0.1:9"});
    EXPECT_EQ(r.status, 17) << r.out << r.err;
    EXPECT_NE(r.err.find("CRIU lazy-pages daemon failed (exit 1)"), std::string::npos) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
    EXPECT_FALSE(std::filesystem::exists(tmp_ / "dump/Dump.101.lazy"));
    EXPECT_TRUE(resumes_with(original, "restore"));
}

TEST_F(Suspend, RefusalsNameTheProblem) {
    auto r = run({"suspend", ct()});
    EXPECT_EQ(r.status, 31) << r.out << r.err;
    r = run({"resume", ct()});
    EXPECT_EQ(r.status, 17) << r.out << r.err;
    EXPECT_NE(r.err.find("No dump of the container"), std::string::npos) << r.err;
    for (auto* bad : {"127.0.0.1", "127.0.0.1:0", ":7000", "127.0.0.1:x"}) {
        r = run({"chkpnt", ct(), "--page-server", bad});
        EXPECT_EQ(r.status, 21) << bad << ": " << r.out << r.err;
        EXPECT_NE(r.err.find("--page-server"), std::string::npos) << r.err;
        r = run({"restore", ct(), "--lazy-pages", bad});
        EXPECT_EQ(r.status, 21) << bad << ": " << r.out << r.err;
        EXPECT_NE(r.err.find("--lazy-pages"), std::string::npos) << r.err;
    }
    // Not yet: the host's devices (NETDEV) (checked before anything else).
    write_text(conf_path(kCt), read_text(conf_path(kCt)) + "NETDEV=\"vztd0\"\n");
    r = run({"chkpnt", ct()});
    EXPECT_EQ(r.status, 16) << r.out << r.err;
    EXPECT_NE(r.err.find("NETDEV"), std::string::npos) << r.err;
}

}  // namespace
