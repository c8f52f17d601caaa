// The original's action scripts in the configuration directory: vps.* and CTID.* (pre)mount and (post)umount on
// the host around the container root's mount and unmount, CTID.start and CTID.stop inside the container.
#include <sys/mount.h>
#include <sys/stat.h>

#include <filesystem>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class ActionScripts : public RuntimeTest {
protected:
    std::string script(const std::string& name) const { return confdir_ + "/conf/" + name; }

    void write_script(const std::string& name, const std::string& body, bool executable = true) const {
        write_text(script(name), "#!/bin/sh\n" + body);
        ::chmod(script(name).c_str(), executable ? 0755 : 0644);
    }

    std::string trace() const { return tmp_ / "trace"; }

    // Appends "NAME VEID VE_CONFFILE mounted|empty" to the trace: whether the root showed the container's tree.
    void write_tracing(const std::string& name) const {
        write_script(name, "if [ -e " + root_path() + "/bin/busybox ]; then m=mounted; else m=empty; fi\n" +
                               "echo \"" + name + " $VEID $VE_CONFFILE $m\" >> " + trace() + "\n");
    }

    std::string trace_text() const { return try_read(trace()).value_or(""); }

    bool root_has_mounts() const { return !mounts_under(root_path()).empty(); }

    // The trace of the root mounted afresh by tracing CTID.umount and CTID.mount scripts.
    std::string remount_trace() const {
        auto conf = conf_path(kCt);
        return "101.umount 101 " + conf + " mounted\n101.mount 101 " + conf + " mounted\n";
    }

    void TearDown() override {
        // The scripts go first: the fixture's own clean-up stops and destroys the container.
        for (auto& e : fs::directory_iterator(confdir_ + "/conf")) {
            auto name = e.path().filename().string();
            if (name.starts_with("vps.") || (name.starts_with(ct() + ".") && !name.ends_with(".conf")))
                fs::remove(e.path());
        }
        RuntimeTest::TearDown();
    }
};

TEST_F(ActionScripts, MountScriptsRunAroundTheRootInTheOriginalsOrder) {
    for (auto hook : {"premount", "mount", "umount", "postumount"}) {
        write_tracing(std::string("vps.") + hook);
        write_tracing(ct() + "." + hook);
    }
    auto r = run({"mount", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    r = run({"umount", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    auto conf = conf_path(kCt);
    const std::string expected = "vps.premount 101 " + conf + " empty\n" +
                                 "101.premount 101 " + conf + " empty\n" +
                                 "vps.mount 101 " + conf + " mounted\n" +
                                 "101.mount 101 " + conf + " mounted\n" +
                                 "101.umount 101 " + conf + " mounted\n" +
                                 "vps.umount 101 " + conf + " mounted\n" +
                                 "101.postumount 101 " + conf + " empty\n" +
                                 "vps.postumount 101 " + conf + " empty\n";
    EXPECT_EQ(trace_text(), expected);

    // start and stop mount and unmount the root the same way.
    fs::remove(trace());
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_EQ(trace_text(), expected);
}

// The classic use: a host directory bind-mounted into the container by CTID.mount; it goes with the root.
TEST_F(ActionScripts, AMountScriptsBindMountIsInTheContainerAndGoesWithTheRoot) {
    auto data = tmp_ / "hostdata";
    fs::create_directories(data);
    write_text(data + "/file", "from the host\n");
    fs::create_directories(private_path(kCt) + "/mnt/data");
    write_script(ct() + ".mount", ". " + conf_path(kCt) + "\nmount -n --bind " + data + " $VE_ROOT/mnt/data\n");
    ASSERT_TRUE(start_ct());
    auto r = run({"exec", ct(), "cat /mnt/data/file"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "from the host\n");
    EXPECT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_FALSE(root_has_mounts());
    EXPECT_TRUE(nothing_left());
}

// As the original, start of a mounted container mounts its root afresh: its umount and mount scripts run, and what was
// mounted below the root by hand goes. --skip-remount keeps the mount as it is.
TEST_F(ActionScripts, StartOfAMountedContainerMountsItAgainUnlessSkipRemount) {
    for (auto hook : {"mount", "umount"}) write_tracing(ct() + "." + hook);
    ASSERT_EQ(run({"mount", ct()}).status, 0);
    ASSERT_EQ(::mount("none", (root_path() + "/tmp").c_str(), "tmpfs", 0, nullptr), 0);  // by hand
    fs::remove(trace());
    auto r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trace_text(), remount_trace());
    EXPECT_TRUE(mounts_under(root_path() + "/tmp").empty());
    ASSERT_EQ(run({"stop", ct()}).status, 0);

    ASSERT_EQ(run({"mount", ct()}).status, 0);
    ASSERT_EQ(::mount("none", (root_path() + "/tmp").c_str(), "tmpfs", 0, nullptr), 0);
    fs::remove(trace());
    r = run({"start", ct(), "--skip-remount"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trace_text(), "");
    EXPECT_FALSE(mounts_under(root_path() + "/tmp").empty());
    EXPECT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_FALSE(root_has_mounts());
}

// A reboot inside brings the container back under the same monitor with its root mounted afresh, as the original's
// `vzctl start` after a reboot did: the umount and mount scripts run again.
TEST_F(ActionScripts, ARebootInsideMountsTheRootAgainWithItsScripts) {
    for (auto hook : {"mount", "umount"}) write_tracing(ct() + "." + hook);
    ASSERT_TRUE(start_ct());
    fs::remove(trace());
    auto init = init_pid();
    ASSERT_TRUE(init.has_value());
    run({"exec", ct(), "reboot"});  // may be killed by the shutdown it started
    auto rebooted = [&] { return init_pid() && init_pid() != init && status_line().ends_with("running"); };
    ASSERT_TRUE(eventually(rebooted, 30s));
    EXPECT_EQ(trace_text(), remount_trace());
    EXPECT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_FALSE(root_has_mounts());
}

// A checkpoint leaves a mount script's bind mount out of the dump and the restore binds what the scripts mounted
// again: the restored process goes on writing through its open file into the host's directory.
TEST_F(ActionScripts, AMountScriptsBindMountComesBackAfterASuspend) {
    auto data = host_data();
    // A file too.
    write_text(tmp_ / "hostfile", "a host file\n");
    write_text(private_path(kCt) + "/mnt/file", "");
    write_script(ct() + ".mount", ". " + conf_path(kCt) + "\nmount -n --bind " + data + " $VE_ROOT/mnt/data\n" +
                                      "mount -n --bind " + tmp_ / "hostfile" + " $VE_ROOT/mnt/file\n");
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(start_appending(data));
    auto r = run({"suspend", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
    EXPECT_FALSE(root_has_mounts());
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(appends_on(data));
    write_text(data + "/file", "from the host\n");
    r = run({"exec", ct(), "cat /mnt/data/file /mnt/file"});
    EXPECT_EQ(r.out, "from the host\na host file\n") << r.err;

    // With no mount script to make it again the restore fails, naming the path and the script; the dump stays.
    ASSERT_EQ(run({"suspend", ct()}).status, 0);
    fs::rename(script(ct() + ".mount"), script(ct() + ".mount.off"));
    r = run({"resume", ct()});
    EXPECT_EQ(r.status, 17);
    EXPECT_TRUE(contains(r.err, "nothing is mounted on " + root_path() + "/mnt/data (the container's mount script, " +
                                    script(ct() + ".mount") + ", makes it)")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down suspended");
    EXPECT_FALSE(root_has_mounts());
    fs::rename(script(ct() + ".mount.off"), script(ct() + ".mount"));
    r = run({"resume", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(appends_on(data));
}

TEST_F(ActionScripts, AFailingMountScriptLeavesTheRootUnmountedWith79) {
    write_script(ct() + ".mount", "exit 3\n");
    auto r = run({"mount", ct()});
    EXPECT_EQ(r.status, 79);
    EXPECT_TRUE(contains(r.err, "mount script " + script(ct() + ".mount") + " failed with exit status 3")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 79);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within(10s, Ubcfs::Gone));

    // A premount script that can't run is named; the root is not mounted.
    fs::remove(script(ct() + ".mount"));
    write_script("vps.premount", "exit 0\n", false);
    r = run({"mount", ct()});
    EXPECT_EQ(r.status, 79);
    EXPECT_TRUE(contains(r.err, "premount script " + script("vps.premount") + " is not an executable file")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");

    // A failing umount script keeps the root mounted.
    fs::remove(script("vps.premount"));
    ASSERT_EQ(run({"mount", ct()}).status, 0);
    write_script(ct() + ".umount", "exit 4\n");
    r = run({"umount", ct()});
    EXPECT_EQ(r.status, 79);
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    fs::remove(script(ct() + ".umount"));
    EXPECT_EQ(run({"umount", ct()}).status, 0);
}

TEST_F(ActionScripts, StartAndStopScriptsRunInsideTheContainer) {
    write_text(script(ct() + ".start"), "echo \"started in $(cat /proc/1/comm)\" > /started\n");
    write_text(script(ct() + ".stop"), "echo stopping > /stopping\n");
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(try_read(private_path(kCt) + "/started").value_or(""), "started in init\n");
    EXPECT_EQ(run({"stop", ct()}).status, 0);
    EXPECT_EQ(try_read(private_path(kCt) + "/stopping").value_or(""), "stopping\n");

    // A failing stop script leaves the container running, as the original's did.
    write_text(script(ct() + ".stop"), "exit 5\n");
    ASSERT_TRUE(start_ct());
    auto r = run({"stop", ct()});
    EXPECT_EQ(r.status, 79);
    EXPECT_TRUE(contains(r.err, "stop script " + script(ct() + ".stop") + " failed with exit status 5")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    fs::remove(script(ct() + ".stop"));
    EXPECT_EQ(run({"stop", ct()}).status, 0);

    // A failing start script fails the start, and the container is taken down again.
    write_text(script(ct() + ".start"), "exit 6\n");
    r = run({"start", ct()});
    EXPECT_EQ(r.status, 79);
    EXPECT_TRUE(contains(r.err, "start script " + script(ct() + ".start") + " failed with exit status 6")) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left_within());
}

TEST_F(ActionScripts, CreateScriptRunsLastAndItsFailureUndoesTheCreate) {
    write_script("vps.create", "echo \"create $VEID $VE_CONFFILE $(cat $VE_CONFFILE | grep -c OSTEMPLATE)\" >> " +
                                   trace() + "\nexit $(cat " + tmp_ / "create-status" + ")\n");
    write_text(tmp_ / "create-status", "0\n");
    auto r = run({"create", "102", "--ostemplate", "busybox"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(trace_text(), "create 102 " + conf_path(102) + " 1\n");  // the config is there, saved
    EXPECT_EQ(run({"destroy", "102"}).status, 0);

    write_text(tmp_ / "create-status", "3\n");
    r = run({"create", "103", "--ostemplate", "busybox", "--name", "web103"});
    EXPECT_EQ(r.status, 79);
    EXPECT_TRUE(contains(r.err, "create script " + script("vps.create") + " failed with exit status 3")) << r.err;
    EXPECT_FALSE(fs::exists(conf_path(103)));
    EXPECT_FALSE(fs::exists(private_path(103)));
    EXPECT_FALSE(fs::is_symlink(names_dir() + "/web103"));

    // A config made by hand before the create is left as it was.
    write_text(conf_path(104), "HOSTNAME=\"by-hand\"\n");
    EXPECT_EQ(run({"create", "104", "--ostemplate", "busybox"}).status, 79);
    EXPECT_EQ(read_text(conf_path(104)), "HOSTNAME=\"by-hand\"\n");
    EXPECT_FALSE(fs::exists(private_path(104)));
    fs::remove(conf_path(104));
}

TEST_F(ActionScripts, DestroyRenamesTheContainersScripts) {
    write_script(ct() + ".mount", "exit 0\n");
    write_text(script(ct() + ".start"), "true\n");
    write_script("vps.mount", "exit 0\n");
    auto r = run({"destroy", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::exists(script(ct() + ".mount.destroyed")));
    EXPECT_TRUE(fs::exists(script(ct() + ".start.destroyed")));
    EXPECT_FALSE(fs::exists(script(ct() + ".mount")));
    EXPECT_TRUE(fs::exists(script("vps.mount"))) << "the global script is every container's";
}

}  // namespace
