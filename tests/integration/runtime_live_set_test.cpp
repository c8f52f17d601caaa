// `vzctl set` on a running container, read back from the kernel: each option's live change is checked in the file
// the kernel enforces it from (the CT's cgroup, /etc/shadow inside, the capability bounding set of its init), or by
// what a process inside can now do; and vzlist's -S, -n and uptime with the container running.
#include <crypt.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <regex>
#include <sstream>

#include "../support/json.hpp"
#include "../support/loop_device.hpp"
#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

// The whole disk ("MAJ:MIN") under `path`, as vzctl throttles it: a partition's disk, or the device itself.
std::string whole_disk_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || major(st.st_dev) == 0) return {};
    auto sys = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
    if (std::filesystem::exists(sys + "/partition")) return trim(try_read(sys + "/../dev").value_or(""));
    return std::filesystem::exists(sys) ? sys.substr(sys.rfind('/') + 1) : std::string();
}

// Seconds of vzlist's uptime text "DDDdHHh:MMm:SSs"; empty when it is not that.
std::optional<uint64_t> uptime_seconds(const std::string& text) {
    std::smatch m;
    std::string t = trim(text);
    if (!std::regex_match(t, m, std::regex(R"((\d+)d(\d\d)h:(\d\d)m:(\d\d)s)"))) return std::nullopt;
    return std::stoull(m[1]) * 86400 + std::stoull(m[2]) * 3600 + std::stoull(m[3]) * 60 + std::stoull(m[4]);
}

// An ext4 file system on a loop device over a sparse image file, mounted at `dir`: a block device of the test's own
// for the I/O throttle (the temporary directory may be on a tmpfs, as in the test VM). The destructor unmounts it and
// detaches the loop device (LO_FLAGS_AUTOCLEAR also frees it once the last user is gone).
class LoopDisk {
public:
    LoopDisk(const std::string& image, const std::string& dir) : dir_(dir) {
        {
            std::ofstream(image).close();
            std::filesystem::resize_file(image, 64 << 20);
        }
        loop_ = std::make_unique<LoopDevice>(image);
        if (loop_->path().empty()) {
            error_ = loop_->error();
            return;
        }
        if (std::system(("mkfs.ext4 -q " + loop_->path() + " >/dev/null 2>&1").c_str()) != 0) {
            error_ = "mkfs.ext4 " + loop_->path() + " failed";
            return;
        }
        std::filesystem::create_directories(dir_);
        if (::mount(loop_->path().c_str(), dir_.c_str(), "ext4", 0, nullptr) != 0) {
            error_ = "mount " + loop_->path() + ": " + std::strerror(errno);
            return;
        }
        mounted_ = true;
    }
    LoopDisk(const LoopDisk&) = delete;
    LoopDisk& operator=(const LoopDisk&) = delete;
    ~LoopDisk() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    // "" when the disk is mounted, else why not.
    std::string error() const { return mounted_ ? std::string() : error_; }
    // The loop device's "MAJ:MIN".
    std::string number() const {
        struct stat st {};
        if (!loop_ || ::stat(loop_->path().c_str(), &st) != 0) return {};
        return std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    }

private:
    std::string dir_, error_;
    std::unique_ptr<LoopDevice> loop_;
    bool mounted_ = false;
};

class RuntimeLiveSet : public RuntimeTest {
protected:
    // The loop disk of the I/O throttle test. A member, so that it is released after TearDown has stopped and
    // destroyed the container whose private area it holds, also when the test failed.
    std::unique_ptr<LoopDisk> disk_;


    // `vzctl set 101 ARGS...`, which must succeed.
    ::testing::AssertionResult set(std::vector<std::string> args) {
        args.insert(args.begin(), {"set", ct()});
        auto r = run(args);
        if (r.status == 0) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "vzctl set exited " << r.status << ": " << r.out << r.err;
    }

    // A line "Key:\tvalue" of /proc/PID/status, its value.
    static std::string status_field(pid_t pid, const std::string& key) {
        for (auto& l : lines(try_read("/proc/" + std::to_string(pid) + "/status").value_or("")))
            if (l.rfind(key + ":", 0) == 0) return trim(l.substr(key.size() + 1));
        return {};
    }

    // Whether a process inside a privileged container (make_privileged: in a user namespace the kernel refuses every
    // mknod, whatever the device cgroup says) may open the character device MAJ:MIN for reading and
    // writing: a node made for it in the container's /dev (a tmpfs of its own) is opened, then removed.
    bool ct_may_open(unsigned maj, unsigned min) {
        auto r = sh("mknod /dev/live-set-node c " + std::to_string(maj) + " " + std::to_string(min) +
                    " 2>/dev/null; [ -c /dev/live-set-node ] && (exec 3<>/dev/live-set-node) 2>/dev/null && "
                    "echo opened; rm -f /dev/live-set-node");
        return trim(r.out) == "opened";
    }
};

TEST_F(RuntimeLiveSet, CpumaskNarrowsTheCpusetOfTheRunningContainer) {
    ASSERT_TRUE(start_ct());
    // All CPUs first (the sample sets no mask; v1 copies the parent's list, v2 may leave the file empty); the CT
    // then gets the last online CPU alone.
    auto online = trim(read_text("/sys/devices/system/cpu/online"));
    auto all = cpuset_cpus();
    auto last = online.substr(online.find_last_of(",-") == std::string::npos ? 0 : online.find_last_of(",-") + 1);
    ASSERT_NE(online, last) << "this machine has one CPU: there is no narrower mask to set";
    auto init = init_pid();
    ASSERT_TRUE(init);
    auto allowed = status_field(*init, "Cpus_allowed_list");
    ASSERT_NE(allowed, last);

    ASSERT_TRUE(set({"--cpumask", last}));
    EXPECT_EQ(cpuset_cpus(), last);
    // The kernel holds the container's processes to it: its init, and a process started inside now.
    EXPECT_EQ(status_field(*init, "Cpus_allowed_list"), last);
    EXPECT_EQ(trim(sh("grep Cpus_allowed_list /proc/self/status | cut -f2").out), last);
    EXPECT_EQ(conf_value("CPUMASK"), "") << "set without --save wrote the config";

    // "all" gives every CPU back; --save also keeps it. (On v2 the file can't be emptied again once set while the
    // cgroup has tasks: vzctl writes the parent's CPUs in force, every online one here.)
    ASSERT_TRUE(set({"--cpumask", "all", "--save"}));
    EXPECT_EQ(cpuset_cpus(), all.empty() ? online : all);
    EXPECT_EQ(status_field(*init, "Cpus_allowed_list"), allowed);
    EXPECT_EQ(conf_value("CPUMASK"), "all");

    // A CPU or NUMA node the host does not have online is named (status 2), not passed on as the kernel's ERANGE.
    auto beyond = std::to_string(std::stoul(last) + 1);
    auto r = run({"set", ct(), "--cpumask", beyond});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "CPUMASK " + beyond + ": CPU " + beyond + " is not online on this host (online: " +
                                    online + ")")) << r.err;
    if (auto nodes_text = try_read("/sys/devices/system/node/online")) {  // a kernel without NUMA has none
        auto nodes = trim(*nodes_text);
        auto node = std::to_string(std::stoul(nodes.substr(nodes.find_last_of(",-") == std::string::npos
                                                               ? 0 : nodes.find_last_of(",-") + 1)) + 1);
        r = run({"set", ct(), "--cpumask", last, "--nodemask", node});
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_TRUE(contains(r.err, "NODEMASK " + node + ": node " + node + " is not online")) << r.err;
    }
    EXPECT_EQ(status_field(*init, "Cpus_allowed_list"), allowed);
}

TEST_F(RuntimeLiveSet, CpuunitsChangeTheCpuWeightOfTheRunningContainer) {
    ASSERT_TRUE(start_ct());
    auto configured = conf_value("CPUUNITS");
    ASSERT_TRUE(set({"--cpuunits", "500"}));
    EXPECT_EQ(cpu_weight(), cpu_weight_of_cpuunits(500));
    EXPECT_EQ(conf_value("CPUUNITS"), configured) << "set without --save wrote the config";

    ASSERT_TRUE(set({"--cpuunits", "40000", "--save"}));
    EXPECT_EQ(cpu_weight(), cpu_weight_of_cpuunits(40000));
    EXPECT_EQ(conf_value("CPUUNITS"), "40000");
    // The two values map to different weights, so a change that did not arrive would show.
    EXPECT_NE(cpu_weight_of_cpuunits(500), cpu_weight_of_cpuunits(40000));
}

TEST_F(RuntimeLiveSet, IoprioChangesTheIoWeightOfTheRunningContainer) {
    ASSERT_TRUE(start_ct());
    // vzctl maps ioprio 0..7 onto the proportional I/O weight 100 + ioprio x 900 / 7 (src/lib/cgroup/apply.cpp).
    if (!io_weight()) {
        // A kernel without BFQ and without blkio.weight / io.weight (some cloud kernels): nothing to set; the
        // change is saved and said to be without effect, not an error.
        auto r = run({"set", ct(), "--ioprio", "7", "--save"});
        EXPECT_EQ(r.status, 0) << r.out << r.err;
        EXPECT_EQ(conf_value("IOPRIO"), "7");
        GTEST_SKIP() << "the kernel offers no proportional I/O weight file in " << cg_dir("blkio");
    }
    ASSERT_TRUE(set({"--ioprio", "7"}));
    EXPECT_EQ(io_weight(), 1000U);
    ASSERT_TRUE(set({"--ioprio", "0", "--save"}));
    EXPECT_EQ(io_weight(), 100U);
    EXPECT_EQ(conf_value("IOPRIO"), "0");
    ASSERT_TRUE(set({"--ioprio", "4"}));
    EXPECT_EQ(io_weight(), 100U + 4 * 900 / 7);
}

TEST_F(RuntimeLiveSet, IolimitAndIopslimitThrottleTheDiskOfThePrivateArea) {
    // vzctl throttles the disk that holds the private area: the container is made again with its private area on a
    // loop disk of this test.
    disk_ = std::make_unique<LoopDisk>(tmp_ / "io.img", tmp_ / "iodisk");
    ASSERT_EQ(disk_->error(), "");
    ASSERT_EQ(run({"destroy", ct()}).status, 0);
    auto r = run({"create", ct(), "--ostemplate", "busybox", "--config", "vswap-256m", "--private",
                  tmp_ / "iodisk/101"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto disk = disk_->number();
    ASSERT_EQ(whole_disk_of(tmp_ / "iodisk/101"), disk);
    ASSERT_TRUE(start_ct());
    auto t = io_throttle(disk);
    EXPECT_EQ(t.rbps, kUnlimited);
    EXPECT_EQ(t.riops, kUnlimited);

    // A plain --iolimit number is MB/s.
    r = run({"set", ct(), "--iolimit", "10", "--iopslimit", "200"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    t = io_throttle(disk);
    EXPECT_EQ(t.rbps, 10ULL << 20);
    EXPECT_EQ(t.wbps, 10ULL << 20);
    EXPECT_EQ(t.riops, 200U);
    EXPECT_EQ(t.wiops, 200U);
    EXPECT_EQ(conf_value("IOLIMIT"), "") << "set without --save wrote the config";

    ASSERT_TRUE(set({"--iolimit", "512K", "--iopslimit", "50", "--save"}));
    t = io_throttle(disk);
    EXPECT_EQ(t.rbps, 512U << 10);
    EXPECT_EQ(t.wbps, 512U << 10);
    EXPECT_EQ(t.riops, 50U);
    EXPECT_EQ(t.wiops, 50U);
    EXPECT_EQ(conf_value("IOLIMIT"), std::to_string(512U << 10));
    EXPECT_EQ(conf_value("IOPSLIMIT"), "50");

    // 0 takes the limits away.
    ASSERT_TRUE(set({"--iolimit", "0", "--iopslimit", "0"}));
    t = io_throttle(disk);
    EXPECT_EQ(t.rbps, kUnlimited);
    EXPECT_EQ(t.wbps, kUnlimited);
    EXPECT_EQ(t.riops, kUnlimited);
    EXPECT_EQ(t.wiops, kUnlimited);
}

TEST_F(RuntimeLiveSet, DevicesGrantAndRevokeADeviceOfTheRunningContainer) {
    ASSERT_TRUE(make_privileged());
    ASSERT_TRUE(start_ct());
    // /dev/loop-control (c 10:237): opening it does nothing until an ioctl, the base rules leave it out, and it is
    // there wherever loop devices are (also in the test VM, which has no /dev/net/tun).
    ASSERT_TRUE(std::filesystem::exists("/dev/loop-control"));
    EXPECT_FALSE(ct_may_open(10, 237)) << "the device cgroup lets the container open c 10:237 before --devices";
    ASSERT_TRUE(set({"--devices", "c:10:237:rw"}));
    EXPECT_TRUE(ct_may_open(10, 237)) << "--devices c:10:237:rw did not reach the running container";
    ASSERT_TRUE(set({"--devices", "c:10:237:none"}));
    EXPECT_FALSE(ct_may_open(10, 237)) << "--devices c:10:237:none did not take the device away";
}

TEST_F(RuntimeLiveSet, DevnodesGiveAPrivilegedContainerTheNodeAndItsAccess) {
    ASSERT_TRUE(make_privileged());
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(std::filesystem::exists("/dev/loop-control"));
    EXPECT_NE(sh("test -e /dev/loop-control").status, 0) << "the container has /dev/loop-control before --devnodes";
    ASSERT_TRUE(set({"--devnodes", "loop-control:rw"}));
    // The node is there, a character device 10:237 (hex a:ed), and opens.
    auto r = sh("stat -c '%F %t:%T' /dev/loop-control && (exec 3<>/dev/loop-control) && echo opened");
    EXPECT_EQ(r.out, "character special file a:ed\nopened\n") << r.err;
    // "none" takes the access away (the node may stay; the device cgroup refuses it).
    ASSERT_TRUE(set({"--devnodes", "loop-control:none"}));
    EXPECT_NE(sh("(exec 3<>/dev/loop-control) 2>/dev/null").status, 0) << "loop-control:none left the device open to it";
}

TEST_F(RuntimeLiveSet, DevnodesGiveAContainerInAUserNamespaceTheNode) {
    // The sample container runs in a user namespace, where the kernel refuses mknod: the host's node is bound.
    // (Where the private area's file system can't be idmapped, as the test VM's overlay, create made it privileged;
    // DevnodesGiveAPrivilegedContainerTheNodeAndItsAccess covers that case, the host run this one.)
    if (conf_value("LOCAL_UID") == "0") GTEST_SKIP() << "create made the CT privileged: no idmapped mounts here";
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(std::filesystem::exists("/dev/loop-control"));
    EXPECT_NE(sh("test -e /dev/loop-control").status, 0) << "the container has /dev/loop-control before --devnodes";
    ASSERT_TRUE(set({"--devnodes", "loop-control:rw", "--save"}));
    auto r = sh("stat -c '%F %t:%T' /dev/loop-control");
    EXPECT_EQ(r.out, "character special file a:ed\n") << r.err;
    EXPECT_EQ(conf_value("DEVNODES"), "loop-control:rw");
    // Again: the node is there already, and set says so by succeeding without a second one.
    ASSERT_TRUE(set({"--devnodes", "loop-control:rw"}));
    EXPECT_EQ(sh("grep -c ' /dev/loop-control ' /proc/mounts").out, "1\n");
}

TEST_F(RuntimeLiveSet, UserpasswdWritesAHashOfTheNewPasswordIntoTheContainersShadow) {
    ASSERT_TRUE(start_ct());
    auto shadow_hash = [&](const std::string& user) -> std::string {
        for (auto& l : lines(sh("cat /etc/shadow").out)) {
            auto f = pieces(l, ':');
            if (f.size() > 1 && f[0] == user) return f[1];
        }
        return {};
    };
    auto before = shadow_hash("root");
    ASSERT_TRUE(set({"--userpasswd", "root:Live.Set-pw1"}));
    auto hash = shadow_hash("root");
    ASSERT_FALSE(hash.empty());
    EXPECT_NE(hash, before);
    // crypt(3) of the password with the hash as its setting gives the hash back; of another password it does not.
    crypt_data data{};
    const char* again = ::crypt_r("Live.Set-pw1", hash.c_str(), &data);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(std::string(again), hash);
    const char* wrong = ::crypt_r("Live.Set-pw2", hash.c_str(), &data);
    EXPECT_TRUE(wrong == nullptr || std::string(wrong) != hash);
    // The password is never written to the config.
    EXPECT_FALSE(contains(read_text(conf_path(kCt)), "Live.Set-pw1"));
}

TEST_F(RuntimeLiveSet, ResetUbPutsTheConfigsBeancountersBackInForce) {
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(set({"--numproc", "30", "--save"}));
    // Lowered without --save: the kernel holds the CT to 10, and a fork loop fails there.
    ASSERT_TRUE(set({"--numproc", "10", "--ram", "128M"}));
    EXPECT_EQ(pids_max(), 10U);
    EXPECT_EQ(memory_limit_bytes(), 128ULL << 20);
    sh("i=0; while [ $i -lt 20 ]; do sleep 60 & i=$((i+1)); done");
    EXPECT_GT(pids_failures(), 0U);
    // The sleeps go, killed from the host: at the limit a command inside could not even start.
    for (pid_t pid : ct_procs())
        if (comm_of(pid) == "sleep") ::kill(pid, SIGKILL);

    // --reset_ub applies the config's values again (numproc 30, the sample's 256M of RAM).
    auto r = run({"set", ct(), "--reset_ub"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(pids_max(), 30U);
    EXPECT_EQ(memory_limit_bytes(), 256ULL << 20);
    r = sh("i=0; while [ $i -lt 15 ]; do sleep 60 & i=$((i+1)); done; echo started $i; killall sleep");
    EXPECT_TRUE(contains(r.out, "started 15")) << r.out << r.err;
}

TEST_F(RuntimeLiveSet, SetmodeRestartRestartsTheContainerWithTheNewCapability) {
    ASSERT_TRUE(start_ct());
    constexpr uint64_t kCapSysTime = 1ULL << 25;
    auto bounding = [&](pid_t pid) { return std::stoull(status_field(pid, "CapBnd"), nullptr, 16); };
    auto first = init_pid();
    ASSERT_TRUE(first);
    ASSERT_EQ(bounding(*first) & kCapSysTime, 0U) << "sys_time is in the bounding set by default";

    // --setmode restart needs --save (20); --setmode ignore refuses a restart-only change to a running CT (32).
    auto r = run({"set", ct(), "--capability", "sys_time:on", "--setmode", "restart"});
    EXPECT_EQ(r.status, 20) << r.out << r.err;
    r = run({"set", ct(), "--capability", "sys_time:on", "--save", "--setmode", "ignore"});
    EXPECT_EQ(r.status, 32) << r.out << r.err;
    EXPECT_EQ(conf_value("CAPABILITY"), "");
    EXPECT_EQ(init_pid(), first);

    // Without --setmode the change waits for the next start: same init, same bounding set.
    r = run({"set", ct(), "--capability", "sys_time:on", "--save"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(init_pid(), first);
    EXPECT_EQ(bounding(*first) & kCapSysTime, 0U);

    // --setmode restart restarts it at once: a new init, which has the capability.
    r = run({"set", ct(), "--capability", "sys_time:on", "--save", "--setmode", "restart"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    ASSERT_TRUE(wait_booted());
    auto second = init_pid();
    ASSERT_TRUE(second);
    EXPECT_NE(*second, *first);
    EXPECT_NE(bounding(*second) & kCapSysTime, 0U) << "the restarted init lacks sys_time";
    EXPECT_TRUE(contains(status_line(), " running")) << status_line();
}

TEST_F(RuntimeLiveSet, VzlistStoppedAndNameViewsOfARunningContainer) {
    ASSERT_TRUE(set({"--name", "live-web", "--save"}));
    ASSERT_TRUE(start_ct());
    // -S lists the containers that are not running: not this one, now.
    auto r = vzlist_run({"-S", "-H", "-o", "ctid"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.out, ct())) << "vzlist -S lists the running CT: " << r.out;
    r = vzlist_run({"-H", "-o", "ctid"});
    EXPECT_TRUE(contains(r.out, ct())) << "vzlist leaves out the running CT: " << r.out;

    // -n: smart_name, numproc, status, ip, hostname; the name, a live process count, running.
    r = vzlist_run({"-n", "-H", ct()});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream in(r.out);
    std::vector<std::string> w;
    for (std::string x; in >> x;) w.push_back(x);
    ASSERT_GE(w.size(), 3U) << r.out;
    EXPECT_EQ(w[0], "live-web");
    EXPECT_GT(std::stoull(w[1]), 0U) << r.out;
    EXPECT_EQ(w[2], "running");

    // Stopped, it is in -S.
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    r = vzlist_run({"-S", "-H", "-o", "ctid"});
    EXPECT_TRUE(contains(r.out, ct())) << "vzlist -S leaves out the stopped CT: " << r.out;
}

TEST_F(RuntimeLiveSet, VzlistUptimeOfARunningContainerGrows) {
    ASSERT_TRUE(start_ct());
    auto uptime = [&]() -> std::optional<uint64_t> {
        auto r = vzlist_run({"-H", "-o", "uptime", ct()});
        return r.status == 0 ? uptime_seconds(r.out) : std::nullopt;
    };
    auto first = uptime();
    ASSERT_TRUE(first) << vzlist_run({"-H", "-o", "uptime", ct()}).out;
    EXPECT_LT(*first, 3600U) << "a container started just now";
    // It counts on: two seconds later (and however late the reading comes) it shows more.
    EXPECT_TRUE(eventually([&] { return uptime().value_or(0) >= *first + 2; }, 60s));
    // Stopped, it has none.
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    EXPECT_EQ(trim(vzlist_run({"-a", "-H", "-o", "uptime", ct()}).out), "-");
}

// JSON says what the text columns say: numbers while the container runs, null (not 0) where they print "-".
TEST_F(RuntimeLiveSet, VzlistJsonHasNumbersWhileRunningAndNullOnceStopped) {
    ASSERT_TRUE(start_ct());
    auto json = [&] {
        auto r = vzlist_run({"-a", "-j", "-o", "uptime,numproc,physpages", ct()});
        EXPECT_EQ(r.status, 0) << r.err;
        auto doc = parse_json(r.out);
        EXPECT_TRUE(doc && doc->items.size() == 1) << r.out;
        return doc && doc->items.size() == 1 ? doc->items[0] : Json{};
    };
    auto up = json();
    ASSERT_EQ(up.members.count("numproc"), 1u);
    EXPECT_EQ(up.members.at("uptime").type, Json::Type::Number);
    EXPECT_EQ(up.members.at("numproc").members.at("held").type, Json::Type::Number);
    EXPECT_GE(up.members.at("numproc").members.at("held").number, 1);
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    auto down = json();
    ASSERT_EQ(down.members.count("numproc"), 1u);
    EXPECT_EQ(down.members.at("uptime").type, Json::Type::Null);
    // The whole object is null when the config sets no limit either.
    auto held = [](const Json& ubc) { return ubc.members.count("held") ? ubc.members.at("held").type : ubc.type; };
    EXPECT_EQ(held(down.members.at("numproc")), Json::Type::Null);
    EXPECT_EQ(held(down.members.at("physpages")), Json::Type::Null);
    EXPECT_EQ(down.members.at("physpages").type, Json::Type::Object) << "the vswap config sets physpages";
}

}  // namespace
