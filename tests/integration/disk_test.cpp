// The container's disk, end to end through vzctl and vzlist on real file systems: a ploop CT (an ext4 image on a
// loop device) that cannot write past its size, grows live and shows it in `df` inside, shrinks offline, is
// refused when its image is damaged, compacts, and a simfs CT converted into one; each test ends with no loop
// device or mount of its images left. simfs limits on btrfs and project quota: quota_test.cpp and DiskSimfs below.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <fmt/format.h>

#include <fstream>
#include <regex>

#include "../support/caps.hpp"
#include "../support/runtime_fixture.hpp"
#include "../support/runtime_pty.hpp"
#include "../support/test_fs.hpp"

namespace {

using namespace vztest;

// Loop devices whose backing file lies under `dir`.
std::vector<std::string> loops_under(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/sys/block", ec)) {
        auto name = e.path().filename().string();
        if (!name.starts_with("loop")) continue;
        auto backing = trim(try_read(e.path().string() + "/loop/backing_file").value_or(""));
        if (!backing.empty() && backing.starts_with(dir)) out.push_back("/dev/" + name + " (" + backing + ")");
    }
    return out;
}

// Mount points of the host whose source is one of those loop devices, or that lie under /run/vz/fs with this
// test's CTID and are not in use by another test (named by the private area's hash: match the device instead).
std::vector<std::string> image_mounts(const std::string& dir) {
    std::vector<std::string> out;
    auto loops = loops_under(dir);
    for (auto& l : lines(try_read("/proc/self/mountinfo").value_or(""))) {
        auto f = pieces(l, ' ');
        if (f.size() < 10) continue;
        auto dash = std::find(f.begin(), f.end(), "-");
        if (dash == f.end() || dash + 2 >= f.end()) continue;
        auto source = *(dash + 2);
        for (auto& loop : loops)
            if (loop.starts_with(source + " ")) out.push_back(f[4] + " from " + source);
    }
    return out;
}

class DiskPloop : public RuntimeTest {
protected:
    void SetUp() override {
        if (auto why = cgroup_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
        auto r = run({"create", ct(), "--ostemplate", "busybox", "--config", "vswap-256m", "--layout", "ploop",
                      "--diskspace", "200M"});
        ASSERT_EQ(r.status, 0) << "create: " << r.out << r.err;
    }

    void TearDown() override {
        run({"stop", ct(), "--fast"}, {}, 60s);
        run({"umount", ct()}, {}, 60s);
        EXPECT_EQ(image_mounts(tmp_.path()), std::vector<std::string>{}) << "an image left mounted";
        EXPECT_EQ(loops_under(tmp_.path()), std::vector<std::string>{}) << "a loop device left attached";
        RuntimeTest::TearDown();
    }

    std::string priv() const { return tmp_ / ("private/" + ct()); }
    std::string image() const { return priv() + "/root.hdd/root.hdd"; }

    // e2fsck -fn of the unmounted image: 0 when clean.
    int fsck_image() { return std::system(("e2fsck -fn " + image() + " >/dev/null 2>&1").c_str()); }

    // KiB figures of busybox `df -k /` inside: {total, used}.
    std::optional<std::pair<uint64_t, uint64_t>> df_inside() {
        auto r = sh("df -k /");
        std::smatch m;
        std::string out = r.out;
        if (r.status != 0 || !std::regex_search(out, m, std::regex(R"(\n\S+\s+(\d+)\s+(\d+)\s+\d+)"))) return std::nullopt;
        return std::pair<uint64_t, uint64_t>{std::stoull(m[1]), std::stoull(m[2])};
    }

    void second_level_quota();

    uint64_t allocated(const std::string& file) {
        struct stat st {};
        return ::stat(file.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
    }
};

TEST_F(DiskPloop, CreateMakesASparseImageInPloopsLayout) {
    EXPECT_EQ(conf_value("VE_LAYOUT"), "ploop");
    auto xml = try_read(priv() + "/root.hdd/DiskDescriptor.xml").value_or("");
    EXPECT_NE(xml.find("<Disk_size>409600</Disk_size>"), std::string::npos) << xml;  // 200 MiB in sectors
    struct stat st {};
    ASSERT_EQ(::stat(image().c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 200LL << 20);
    EXPECT_LT(allocated(image()), 100ULL << 20) << "an expanded image is sparse";
    EXPECT_EQ(fsck_image(), 0);
    auto r = vzlist_run({"-a", "-H", "-o", "ctid,layout"});
    EXPECT_NE(r.out.find("ploop"), std::string::npos) << r.out;
}

TEST_F(DiskPloop, WritesStopAtTheSizeAndGrowLiveShowsInDf) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    auto df = df_inside();
    ASSERT_TRUE(df) << sh("df -k /").out;
    EXPECT_GT(df->first, 150u * 1024);
    EXPECT_LE(df->first, 200u * 1024);

    // Past the size: ENOSPC inside, the container keeps running.
    auto fill = sh("dd if=/dev/zero of=/big bs=1M count=300 2>&1; sync");
    EXPECT_NE(fill.out.find("No space left"), std::string::npos) << fill.out;
    EXPECT_EQ(sh("echo alive").out, "alive\n");
    auto used = vzlist_run({"-H", "-o", "diskspace", ct()});
    ASSERT_EQ(used.status, 0) << used.err;
    EXPECT_GT(std::stoull(trim(used.out)), 120u * 1024) << used.out << sh("df -k /").out;

    // Grow live to 300M while a writer runs inside: df shows it, and the full container can write more (the first
    // file stays).
    ASSERT_EQ(sh("rm -f /big; (i=0; while [ $i -lt 400 ]; do dd if=/dev/zero of=/w bs=64k count=8 2>/dev/null; "
                 "i=$((i+1)); done) </dev/null >/dev/null 2>&1 &")
                  .status,
              0);
    ASSERT_EQ(sh("dd if=/dev/zero of=/big bs=1M count=300 2>/dev/null; sync; test -s /big").status, 0);
    auto grow = run({"set", ct(), "--diskspace", "300M", "--save"});
    if (!has_cap_sys_resource()) {
        // ext4's online resize needs CAP_SYS_RESOURCE, which this host's root lacks: a clean refusal, nothing
        // changed, the container running. The grow itself runs in the VM (v2.DiskPloop.*).
        EXPECT_EQ(grow.status, 154) << grow.out << grow.err;
        EXPECT_NE(grow.err.find("CAP_SYS_RESOURCE"), std::string::npos) << grow.err;
        EXPECT_EQ(conf_value("DISKSPACE"), "204800:204800");
        EXPECT_EQ(std::filesystem::file_size(image()), 200ULL << 20);
        EXPECT_EQ(sh("echo alive").out, "alive\n");
        GTEST_SKIP() << "online grow needs CAP_SYS_RESOURCE, which this host's root lacks; the refusal is checked "
                        "here, the grow in the VM (v2.DiskPloop.WritesStopAtTheSizeAndGrowLiveShowsInDf)";
    }
    ASSERT_EQ(grow.status, 0) << grow.out << grow.err;
    EXPECT_EQ(conf_value("DISKSPACE"), "307200:307200");
    EXPECT_EQ(std::filesystem::file_size(image()), 300ULL << 20);
    auto bigger = df_inside();
    ASSERT_TRUE(bigger);
    EXPECT_GT(bigger->first, df->first + 60u * 1024) << sh("df -k /").out;  // the new groups' inode tables aside
    auto more = sh("dd if=/dev/zero of=/big2 bs=1M count=50 2>&1 && sync && echo written");
    EXPECT_NE(more.out.find("written"), std::string::npos) << more.out;

    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_EQ(fsck_image(), 0);
}

TEST_F(DiskPloop, MountShowsTheImageAndUmountDetachesIt) {
    ASSERT_EQ(run({"mount", ct()}).status, 0);
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    EXPECT_TRUE(std::filesystem::exists(tmp_ / ("root/" + ct() + "/bin/busybox")));
    EXPECT_EQ(loops_under(tmp_.path()).size(), 1u);
    auto listed = vzlist_run({"-a", "-H", "-o", "diskspace,diskinodes", ct()});
    EXPECT_TRUE(std::regex_search(listed.out, std::regex(R"(^\s*[1-9]\d*\s+[1-9]\d*\s*$)"))) << listed.out;
    ASSERT_EQ(run({"umount", ct()}).status, 0);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_EQ(loops_under(tmp_.path()), std::vector<std::string>{});
    auto unmounted = vzlist_run({"-a", "-H", "-o", "diskspace", ct()});
    EXPECT_EQ(trim(unmounted.out), "-");
}

TEST_F(DiskPloop, ShrinksOfflineAndRefusesBelowTheData) {
    // Written from inside: the host's root is nobody on the idmapped root of an unprivileged container.
    ASSERT_EQ(run({"start", ct()}).status, 0);
    ASSERT_EQ(sh("dd if=/dev/urandom of=/data bs=1M count=60 2>/dev/null && sync").status, 0);
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);

    auto nosave = run({"set", ct(), "--diskspace", "150M"});
    EXPECT_EQ(nosave.status, 20) << nosave.err;

    auto shrink = run({"set", ct(), "--diskspace", "120M", "--save"});
    ASSERT_EQ(shrink.status, 0) << shrink.out << shrink.err;
    struct stat st {};
    ASSERT_EQ(::stat(image().c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 120LL << 20);
    EXPECT_EQ(fsck_image(), 0);

    auto too_small = run({"set", ct(), "--diskspace", "30M", "--save"});
    EXPECT_EQ(too_small.status, 154) << too_small.out << too_small.err;
    EXPECT_EQ(conf_value("DISKSPACE"), "122880:122880") << "a failed resize saves nothing";
    ASSERT_EQ(::stat(image().c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 120LL << 20);
    EXPECT_EQ(fsck_image(), 0);

    ASSERT_EQ(run({"mount", ct()}).status, 0);
    EXPECT_TRUE(std::filesystem::exists(tmp_ / ("root/" + ct() + "/data")));
    auto shrink_mounted = run({"set", ct(), "--diskspace", "100M", "--save"});
    EXPECT_EQ(shrink_mounted.status, 154) << shrink_mounted.out << shrink_mounted.err;
    auto offline = run({"set", ct(), "--diskspace", "300M", "--save", "--offline-resize"});
    EXPECT_EQ(offline.status, 21) << offline.err;
}

TEST_F(DiskPloop, CompactGivesFreedBlocksBack) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    ASSERT_EQ(sh("dd if=/dev/urandom of=/data bs=1M count=80 2>/dev/null && sync").status, 0);
    auto full = allocated(image());
    ASSERT_EQ(sh("rm /data && sync").status, 0);
    auto r = run({"compact", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("bytes given back"), std::string::npos) << r.out;
    EXPECT_LT(allocated(image()) + (50ULL << 20), full) << "compact frees the deleted file's blocks";
}

TEST_F(DiskPloop, DamagedImagesAreRefusedWithNothingMounted) {
    auto xml = priv() + "/root.hdd/DiskDescriptor.xml";
    auto good = try_read(xml).value_or("");
    write_text(xml, "<Parallels_disk_image><Disk_Parameters>");
    auto bad_xml = run({"start", ct()});
    EXPECT_EQ(bad_xml.status, 152) << bad_xml.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    // Nothing of the start stays: no cgroup either.
    EXPECT_EQ(ct_cgroups_left(), std::vector<std::string>{});
    write_text(xml, good);

    std::filesystem::resize_file(image(), 1 << 20);  // truncated
    auto truncated = run({"mount", ct()});
    EXPECT_EQ(truncated.status, 152) << truncated.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");

    { std::ofstream(image(), std::ios::trunc) << std::string(4 << 20, 'x'); }  // not ext4
    auto garbage = run({"start", ct()});
    EXPECT_EQ(garbage.status, 152) << garbage.err;
    EXPECT_EQ(loops_under(tmp_.path()), std::vector<std::string>{});
    EXPECT_EQ(ct_cgroups_left(), std::vector<std::string>{});

    std::filesystem::remove(image());
    auto missing = run({"mount", ct()});
    EXPECT_EQ(missing.status, 150) << missing.err;
}

TEST_F(DiskPloop, TheContainerSeesNeitherTheImageNorItsLoopDevice) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    auto loops = loops_under(tmp_.path());
    ASSERT_EQ(loops.size(), 1u);
    auto dev = loops[0].substr(0, loops[0].find(' '));
    EXPECT_NE(sh("test -e " + dev).status, 0) << dev << " is visible inside";
    auto found = sh("find / -xdev -name root.hdd 2>/dev/null | head -1");
    EXPECT_EQ(found.out, "");
    // Even a node made by hand can't be opened: loop devices (major 7) are not in the device program.
    auto node = sh("mknod /tmp/l b 7 " + dev.substr(9) + " 2>/dev/null; dd if=/tmp/l of=/dev/null bs=512 count=1");
    EXPECT_NE(node.status, 0) << node.out << node.err;
}

// Second-level quota (QUOTAUGIDLIMIT): user quotas inside a ploop CT's ext4, set from inside with quotactl(2) on the
// device /proc/mounts names, as setquota(8) does; the monitor makes the call for the CT (vzctl(8) "The monitor").
// The host's kernel mounts no ext4 with quota (no CONFIG_QFMT_V2): there the start says so and runs without, and
// the VM's kernel runs the rest (v2.DiskPloop.*). On simfs it is refused (set_save_test.cpp). Run for the default CT
// (a user namespace) and for a privileged one.
void DiskPloop::second_level_quota() {
    auto set = run({"set", ct(), "--quotaugidlimit", "100", "--save"});
    ASSERT_EQ(set.status, 0) << set.err;
    EXPECT_EQ(set.err.find("not applied"), std::string::npos) << set.err;
    EXPECT_EQ(conf_value("QUOTAUGIDLIMIT"), "100");
    auto start = run({"start", ct()});
    ASSERT_EQ(start.status, 0) << start.err;
    if (start.err.find("Second-level quota (QUOTAUGIDLIMIT) is not applied: this kernel") != std::string::npos) {
        EXPECT_EQ(sh("echo alive").out, "alive\n");
        ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
        EXPECT_EQ(fsck_image(), 0);
        GTEST_SKIP() << "this kernel has no quota support: the warning is checked here, the quota in the VM "
                        "(v2.DiskPloop.SecondLevelQuota*)";
    }
    EXPECT_EQ(start.err.find("not applied"), std::string::npos) << start.err;
    std::ifstream probe(QUOTA_PROBE, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(probe)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    auto copy = run({"exec2", ct(), "cat > /bin/qprobe && chmod 755 /bin/qprobe && mkdir -p /q && chmod 1777 /q"},
                    bytes);
    ASSERT_EQ(copy.status, 0) << copy.out << copy.err;
    // The device /proc/mounts names for / is there, and can't be read.
    auto dev = sh("awk '$2 == \"/\" { d = $1 } END { print d }' /proc/mounts");
    ASSERT_EQ(sh("test -b " + trim(dev.out)).status, 0) << dev.out << sh("ls -l /dev").out;
    EXPECT_NE(sh("dd if=" + trim(dev.out) + " of=/dev/null bs=512 count=1").status, 0);

    EXPECT_EQ(sh("/bin/qprobe info").out.substr(0, 6), "flags ") << sh("/bin/qprobe info").out;
    // A user can't set a limit, nor read another's usage; root can do both, and the user can read its own.
    EXPECT_EQ(sh("/bin/qprobe -u 1000 set 1000 1048576").out, "error: Q_SETQUOTA: Operation not permitted\n");
    EXPECT_EQ(sh("/bin/qprobe -u 1001 get 1000").out, "error: Q_GETQUOTA: Operation not permitted\n");
    EXPECT_EQ(sh("/bin/qprobe set 1000 2048").out, "ok\n");
    EXPECT_EQ(sh("/bin/qprobe -u 1000 get 1000").out, "used 0 hard 2048\n");
    // quotactl_fd(2) on "/" (newer tools) gets the same answers.
    EXPECT_EQ(sh("/bin/qprobe -u 1000 -f set 1000 1048576").out, "error: Q_SETQUOTA: Operation not permitted\n");
    EXPECT_EQ(sh("/bin/qprobe -u 1000 -f get 1000").out, "used 0 hard 2048\n");
    EXPECT_EQ(sh("/bin/qprobe -f set 1001 4096").out, "ok\n");
    EXPECT_EQ(sh("/bin/qprobe get 1001").out, "used 0 hard 4096\n");

    // The limit holds: 2 MiB, then EDQUOT; the CT runs on and root's own writes are not limited.
    auto write = sh("/bin/qprobe -u 1000 write /q/big 5");
    EXPECT_NE(write.out.find("Disk quota exceeded"), std::string::npos) << write.out;
    auto used = sh("/bin/qprobe get 1000").out;
    EXPECT_TRUE(std::regex_match(used, std::regex(R"(used (\d+) hard 2048\n)"))) << used;
    EXPECT_EQ(sh("/bin/qprobe write /q/root 5").out, "wrote 5242880\n");
    // Raised, the user writes on; usage is kept by the file system across a restart.
    EXPECT_EQ(sh("/bin/qprobe set 1000 10240").out, "ok\n");
    EXPECT_EQ(sh("/bin/qprobe -u 1000 write /q/big 5").out, "wrote 5242880\n");
    ASSERT_EQ(run({"restart", ct()}).status, 0);
    auto kept = sh("/bin/qprobe get 1000").out;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(kept, m, std::regex(R"(used (\d+) hard 10240\n)"))) << kept;
    EXPECT_GE(std::stoull(m[1]), 5242880u) << kept;

    // Turned off (restart-only): the image's quota feature goes; the file system is clean.
    ASSERT_EQ(run({"set", ct(), "--quotaugidlimit", "0", "--save"}).status, 0);
    ASSERT_EQ(run({"restart", ct()}).status, 0);
    EXPECT_NE(sh("/bin/qprobe info").status, 0);
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    EXPECT_EQ(fsck_image(), 0);
}

TEST_F(DiskPloop, SecondLevelQuotaLimitsAUserInside) {
    EXPECT_EQ(conf_value("LOCAL_UID"), "100000");
    second_level_quota();
}

TEST_F(DiskPloop, SecondLevelQuotaLimitsAUserInsideAPrivilegedCt) {
    ASSERT_EQ(run({"destroy", ct()}).status, 0);
    auto r = run({"create", ct(), "--ostemplate", "busybox", "--config", "vswap-256m", "--layout", "ploop",
                  "--diskspace", "200M", "--local_uid", "0", "--local_gid", "0"});
    ASSERT_EQ(r.status, 0) << r.err;
    second_level_quota();
}

// OpenVZ's own ploop images (vzctl(8) convert): ploop's expanded format (ploop1, OpenVZ's default), a raw disk, and a
// ploop1 base with a snapshot delta over it, each disk with a GPT whose one partition at 1 MiB holds the ext4, as
// ploop made them; made here with sfdisk, mkfs.ext4 -d, debugfs and qemu-img (the delta: the clusters that changed,
// the rest left unallocated). A start refuses them (152) naming the command, mounting nothing; convert --layout ploop
// imports them; the CT then starts with its files (the delta's too), from a sparse raw image of this version's.
TEST_F(DiskPloop, ConvertImportsOpenvzImages) {
    const std::string kTop = "{5fbaabe3-6958-40ff-92a7-860e329aab41}", kBase = "{2b1c6a52-7d3e-4f0a-9c1b-3e5d7f9a1b2c}";
    const std::string kNone = "{00000000-0000-0000-0000-000000000000}";
    struct Form {
        std::string name, format, said;
    };
    for (auto& form : {Form{"ploop1", "parallels", "is ploop's expanded format (ploop1)"},
                       Form{"raw", "raw", "is a partitioned disk (GPT)"},
                       Form{"delta", "parallels", "is ploop's expanded format with 1 snapshot delta"}}) {
        SCOPED_TRACE(form.name);
        bool delta = form.name == "delta";
        auto work = tmp_ / ("openvz-" + form.name);
        std::filesystem::create_directories(work + "/tree");
        auto made = shell(fmt::format(
            "set -e; cd {0}; tar --zstd -xf {3} -C tree; echo hello-openvz > tree/etc/marker; truncate -s 64M disk.raw; "
            "printf 'label: gpt\\nstart=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n' | sfdisk -q disk.raw; "
            "size=$(sfdisk -d disk.raw | sed -n 's/.*size= *\\([0-9]*\\).*/\\1/p'); truncate -s $((size*512)) part.img; "
            "mkfs.ext4 -q -d tree part.img; dd if=part.img of=disk.raw bs=1M seek=1 conv=notrunc,sparse status=none; "
            "rm -f {1}/root.hdd; qemu-img convert -f raw -O {2} disk.raw {1}/root.hdd; "
            // The snapshot's disk: the same with one more file, written in place.
            "cp part.img part2.img; echo delta-file > m2; "
            "debugfs -w -R 'write m2 /etc/marker2' part2.img >/dev/null 2>&1; "
            "cp --sparse=always disk.raw disk2.raw; dd if=part2.img of=disk2.raw bs=1M seek=1 conv=notrunc,sparse "
            "status=none",
            work, priv() + "/root.hdd", form.format, busybox_template_dir() + "/cache/busybox.tar.zst"));
        ASSERT_EQ(made.status, 0) << made.out;
        std::string images = fmt::format("      <Image>\n        <GUID>{}</GUID>\n        <Type>{}</Type>\n"
                                         "        <File>root.hdd</File>\n      </Image>\n",
                                         delta ? kBase : kTop, form.format == "raw" ? "Plain" : "Compressed");
        auto shot = [](const std::string& guid, const std::string& parent) {
            return fmt::format("    <Shot>\n      <GUID>{}</GUID>\n      <ParentGUID>{}</ParentGUID>\n    </Shot>\n",
                               guid, parent);
        };
        std::string shots = shot(delta ? kBase : kTop, kNone);
        if (delta) {
            // The delta holds the 1 MiB clusters (qemu-img's for parallels) where the two disks differ; a cluster of
            // zeros is not allocated.
            auto before = read_text(work + "/disk.raw"), after = read_text(work + "/disk2.raw");
            ASSERT_EQ(before.size(), after.size());
            std::string changed(after.size(), '\0');
            size_t clusters = 0;
            for (size_t at = 0; at < after.size(); at += 1 << 20)
                if (before.compare(at, 1 << 20, after, at, 1 << 20) != 0) {
                    changed.replace(at, 1 << 20, after, at, 1 << 20);
                    ++clusters;
                }
            ASSERT_GT(clusters, 0u);
            ASSERT_LT(clusters, 16u) << "the delta should hold a few clusters only";
            write_text(work + "/changed.raw", changed);
            auto file = "root.hdd." + kTop;
            ASSERT_EQ(shell("qemu-img convert -f raw -O parallels " + work + "/changed.raw " + priv() + "/root.hdd/" +
                            file).status,
                      0);
            images += fmt::format("      <Image>\n        <GUID>{}</GUID>\n        <Type>Compressed</Type>\n"
                                  "        <File>{}</File>\n      </Image>\n",
                                  kTop, file);
            shots += shot(kTop, kBase);
        }
        write_text(priv() + "/root.hdd/DiskDescriptor.xml",
                   fmt::format("<?xml version=\"1.0\"?>\n<Parallels_disk_image Version=\"1.0\">\n  <Disk_Parameters>\n"
                               "    <Disk_size>131072</Disk_size>\n    <Cylinders>130</Cylinders>\n    <Heads>16</Heads>\n"
                               "    <Sectors>63</Sectors>\n    <Padding>0</Padding>\n  </Disk_Parameters>\n"
                               "  <StorageData>\n    <Storage>\n      <Start>0</Start>\n      <End>131072</End>\n"
                               "      <Blocksize>2048</Blocksize>\n{}    </Storage>\n  </StorageData>\n"
                               "  <Snapshots>\n    <TopGUID>{}</TopGUID>\n{}  </Snapshots>\n</Parallels_disk_image>\n",
                               images, kTop, shots));

        auto start = run({"start", ct()});
        EXPECT_EQ(start.status, 152) << start.err;
        EXPECT_NE(start.err.find(form.said), std::string::npos) << start.err;
        EXPECT_NE(start.err.find("`vzctl convert 101 --layout ploop` imports it"), std::string::npos) << start.err;
        EXPECT_EQ(image_mounts(tmp_.path()), std::vector<std::string>{});
        EXPECT_EQ(loops_under(tmp_.path()), std::vector<std::string>{});

        auto convert = run({"convert", ct(), "--layout", "ploop"});
        ASSERT_EQ(convert.status, 0) << convert.out << convert.err;
        EXPECT_NE(convert.out.find("The image of CT 101 was imported"), std::string::npos) << convert.out;
        auto head = try_read(image()).value_or("").substr(0, 2048);
        ASSERT_GE(head.size(), 1082u);
        EXPECT_EQ(head.substr(1080, 2), "\x53\xEF") << "not ext4 from its first byte";
        EXPECT_LT(allocated(image()), 32ULL << 20) << "the imported image is sparse";
        for (auto& e : std::filesystem::directory_iterator(priv()))
            EXPECT_FALSE(e.path().filename().string().starts_with(".root.hdd.import")) << e.path();

        ASSERT_EQ(run({"start", ct()}).status, 0);
        EXPECT_EQ(sh("cat /etc/marker").out, "hello-openvz\n");
        EXPECT_EQ(sh("cat /etc/marker2").out, delta ? "delta-file\n" : "");
        auto df = df_inside();
        ASSERT_TRUE(df);
        EXPECT_LT(df->first, 64u * 1024);
        ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
        EXPECT_EQ(fsck_image(), 0);
        auto again = run({"convert", ct(), "--layout", "ploop"});
        EXPECT_EQ(again.status, 21) << again.err;
        EXPECT_NE(again.err.find("already on the ploop layout"), std::string::npos) << again.err;
    }
}

// Snapshots (vzctl(8) "Snapshots"): taken of a running container, listed, and switched back to: the files, the
// config and the running processes as they were (its memory is in the snapshot); the copy of the running, frozen
// file system is a clean ext4. Without its memory (--skip-suspend) the container boots again from the snapshot.
TEST_F(DiskPloop, SnapshotOfARunningCtSwitchesBackFilesConfigAndProcesses) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    ASSERT_EQ(sh("echo one > /marker; setsid sh -c 'echo $$ > /tmp/worker; exec sleep 1000' </dev/null >/dev/null "
                 "2>&1 &")
                  .status,
              0);
    ASSERT_TRUE(eventually([&] { return sh("test -s /tmp/worker").status == 0; }, 10s));
    auto worker = trim(sh("cat /tmp/worker").out);
    // The worker runs (its PID may be another process's after a fresh boot).
    auto worker_runs = [&] { return sh("tr '\\0' ' ' < /proc/" + worker + "/cmdline").out == "sleep 1000 "; };
    ASSERT_TRUE(worker_runs()) << sh("cat /proc/" + worker + "/cmdline").out;
    auto r = run({"snapshot", ct(), "--name", "before upgrade", "--description", "the first"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::smatch m;
    std::string out = r.out;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Snapshot (\{[0-9a-f-]{36}\}) has been successfully created)")))
        << out;
    std::string id = m[1];
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running") << "the container runs on after the snapshot";
    EXPECT_EQ(sh("cat /marker").out, "one\n");
    auto copy = priv() + "/root.hdd/root.hdd." + id;
    EXPECT_EQ(std::system(("e2fsck -fn " + copy + " >/dev/null 2>&1").c_str()), 0) << "the copy is a clean ext4";
    EXPECT_TRUE(std::filesystem::is_directory(copy + ".dump")) << "the memory is in the snapshot";

    ASSERT_EQ(sh("echo two > /marker; echo new > /added; kill " + worker).status, 0);
    ASSERT_EQ(run({"set", ct(), "--cpulimit", "50", "--save"}).status, 0);
    auto listed = run({"snapshot-list", ct(), "-H", "-o", "uuid,current,name,desc"});
    ASSERT_EQ(listed.status, 0) << listed.err;
    EXPECT_EQ(listed.out, fmt::format("{:<38} * {:<32} the first\n", id, "before upgrade"));

    auto sw = run({"snapshot-switch", ct(), "--id", id, "--must-resume"});
    ASSERT_EQ(sw.status, 0) << sw.out << sw.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_EQ(sh("cat /marker").out, "one\n");
    EXPECT_NE(sh("test -e /added").status, 0);
    EXPECT_TRUE(worker_runs()) << "the process killed after the snapshot runs again";
    EXPECT_EQ(conf_value("CPULIMIT"), "") << "the config as it was";
    EXPECT_TRUE(std::filesystem::is_directory(copy + ".dump")) << "the snapshot keeps its memory";

    // Without the memory: --must-resume is refused before anything happens; a switch boots it again.
    auto disk_only = run({"snapshot", ct(), "--skip-suspend", "--id", "{00000000-0000-4000-8000-000000000001}"});
    ASSERT_EQ(disk_only.status, 0) << disk_only.out << disk_only.err;
    auto must = run({"snapshot-switch", ct(), "--id", "{00000000-0000-4000-8000-000000000001}", "--must-resume"});
    EXPECT_EQ(must.status, 159) << must.out << must.err;
    EXPECT_TRUE(worker_runs()) << "a refused switch changes nothing";
    auto booted = run({"snapshot-switch", ct(), "--id", "{00000000-0000-4000-8000-000000000001}"});
    ASSERT_EQ(booted.status, 0) << booted.out << booted.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted running");
    EXPECT_FALSE(worker_runs()) << "booted afresh";
    EXPECT_EQ(sh("cat /marker").out, "one\n");
    // --skip-resume leaves it stopped.
    ASSERT_EQ(run({"snapshot-switch", ct(), "--id", id, "--skip-resume"}).status, 0);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
}

// kill -9 of `vzctl snapshot` while it holds the running container frozen for its memory (CRIU's dump made to hang):
// the container thaws (the snapshot's watchdog runs chkpnt --resume) and the next command removes the half-made
// snapshot.
TEST_F(DiskPloop, ASnapshotKilledWhileTheCtIsFrozenThawsIt) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    // The dump kills the vzctl that started it, while the CT is frozen (not a timer: a loaded host may take longer
    // to get there).
    auto pid_file = tmp_ / "criu.pid";
    auto conf = wrap_criu("case \" $* \" in *\" dump \"*) echo $$ > " + pid_file + "; ps -o comm= -p $PPID > " +
                          pid_file + ".parent; kill -9 $PPID; exec sleep 60;; esac\n");
    auto r = run({"snapshot", ct()}, {}, 60s);
    EXPECT_EQ(r.status, 128 + SIGKILL) << r.out << r.err;
    EXPECT_EQ(trim(try_read(pid_file + ".parent").value_or("")), "vzctl");
    auto criu = trim(try_read(pid_file).value_or(""));
    if (!criu.empty()) ::kill(std::stoi(criu), SIGKILL);
    replace_text(confdir_ + "/vz.conf", conf);
    EXPECT_TRUE(eventually([&] { return run({"exec2", ct(), "echo alive"}, {}, 2s).out == "alive\n"; }, 15s))
        << "the container stays frozen";
    auto list = run({"snapshot-list", ct(), "-H"});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(list.out, "");
    std::vector<std::string> left;
    for (auto& e : std::filesystem::directory_iterator(priv() + "/root.hdd"))
        if (e.path().filename().string().starts_with("root.hdd.")) left.push_back(e.path().filename().string());
    EXPECT_EQ(left, std::vector<std::string>{});
}

// The helper's resume fails while vz.conf is being rewritten in place (empty here for 2 s from the kill on): tried
// again after 1, 2, 4... s, it thaws the container once the file is whole.
TEST_F(DiskPloop, ASnapshotKilledWhileVzConfIsRewrittenStillThawsIt) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    auto pid_file = tmp_ / "criu.pid";
    auto conf = wrap_criu("case \" $* \" in *\" dump \"*) echo $$ > " + pid_file + "; : > " + confdir_ +
                          "/vz.conf; kill -9 $PPID; exec sleep 60;; esac\n");
    auto r = run({"snapshot", ct()}, {}, 60s);
    EXPECT_EQ(r.status, 128 + SIGKILL) << r.out << r.err;
    auto criu = trim(try_read(pid_file).value_or(""));
    if (!criu.empty()) ::kill(std::stoi(criu), SIGKILL);
    std::this_thread::sleep_for(2s);
    replace_text(confdir_ + "/vz.conf", conf);
    EXPECT_TRUE(eventually([&] { return run({"exec2", ct(), "echo alive"}, {}, 2s).out == "alive\n"; }, 30s))
        << "the container stays frozen";
}

TEST_F(DiskPloop, SnapshotMountListDeleteAndRefusals) {
    const std::string id = "{0b5d7e2a-1c3f-4e5a-9b8c-7d6e5f4a3b2c}";
    auto r = run({"snapshot", ct(), "--id", "0B5D7E2A-1C3F-4E5A-9B8C-7D6E5F4A3B2C", "--skip-config"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(std::filesystem::exists(priv() + "/root.hdd/root.hdd." + id + ".conf"));
    EXPECT_EQ(run({"snapshot", ct(), "--id", id}).status, 156) << "an id in use";
    EXPECT_EQ(run({"snapshot", ct(), "--id", "not-a-uuid"}).status, 156);
    EXPECT_EQ(run({"snapshot", ct(), "--name", "two\nlines"}).status, 156);
    EXPECT_EQ(run({"snapshot-switch", ct(), "--id", "{11111111-2222-3333-4444-555555555555}"}).status, 159);
    EXPECT_EQ(run({"snapshot-list", ct(), "-o", "uuid,color"}).status, 167);
    EXPECT_EQ(run({"snapshot-list", ct(), "-L"}).out, "uuid\nparent_uuid\ncurrent\ndate\nname\ndesc\ndevice\ntarget\n");

    // A second one: its parent is the first.
    auto second = run({"snapshot", ct(), "--name", "second"});
    ASSERT_EQ(second.status, 0) << second.err;
    auto list = run({"snapshot-list", ct()});
    ASSERT_EQ(list.status, 0) << list.err;
    auto rows = lines(list.out);
    ASSERT_EQ(rows.size(), 3u) << list.out;
    EXPECT_TRUE(rows[0].starts_with("PARENT_UUID")) << list.out;
    EXPECT_TRUE(std::regex_match(rows[1], std::regex(R"( {38}   \{[0-9a-f-]{36}\} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d )")))
        << rows[1];
    EXPECT_TRUE(rows[2].starts_with(id + " * ")) << rows[2];
    EXPECT_TRUE(rows[2].ends_with(" second")) << rows[2];

    // Mounted read-only: the busybox tree; listed with its device and mount point; not deletable meanwhile.
    auto target = tmp_ / "snap";
    std::filesystem::create_directories(target);
    ASSERT_EQ(run({"snapshot-mount", ct(), "--id", id, "--target", target}).status, 0);
    EXPECT_TRUE(std::filesystem::exists(target + "/bin/busybox"));
    EXPECT_NE(::access(target.c_str(), W_OK), 0) << "mounted read-only";
    auto shown = run({"snapshot-list", ct(), "-H", "-o", "device,target", "--id", id});
    EXPECT_TRUE(std::regex_match(shown.out, std::regex("/dev/loop\\d+ +" + target + "\n"))) << shown.out;
    EXPECT_EQ(run({"snapshot-mount", ct(), "--id", id, "--target", target}).status, 160);
    EXPECT_EQ(run({"snapshot-delete", ct(), "--id", id}).status, 158);
    ASSERT_EQ(run({"snapshot-umount", ct(), "--id", id}).status, 0);
    EXPECT_EQ(run({"snapshot-umount", ct(), "--id", id}).status, 161);
    EXPECT_EQ(image_mounts(tmp_.path()), std::vector<std::string>{});

    // Deleting the first: the second's parent becomes none; its copy goes.
    ASSERT_EQ(run({"snapshot-delete", ct(), "--id", id}).status, 0);
    EXPECT_FALSE(std::filesystem::exists(priv() + "/root.hdd/root.hdd." + id));
    auto after = run({"snapshot-list", ct(), "-H", "-o", "parent_uuid,current,name"});
    EXPECT_EQ(after.out, std::string(38, ' ') + " * second\n");

    // What a killed snapshot left (a copy not in the list) goes with the next snapshot command.
    auto stray = priv() + "/root.hdd/root.hdd." + id;
    vztest::write_text(stray, "half a copy");
    ASSERT_EQ(run({"snapshot-list", ct()}).status, 0);
    EXPECT_FALSE(std::filesystem::exists(stray));

    // destroy unmounts a mounted snapshot first (TearDown checks no mount or loop device is left).
    auto second_id = trim(run({"snapshot-list", ct(), "-H", "-o", "uuid"}).out);
    ASSERT_EQ(run({"snapshot-mount", ct(), "--id", second_id, "--target", target}).status, 0);
    auto gone = run({"destroy", ct()});
    ASSERT_EQ(gone.status, 0) << gone.out << gone.err;
    EXPECT_FALSE(std::filesystem::exists(priv()));
}

class DiskSimfs : public RuntimeTest {};

// A simfs container moved into an image keeps its files as they were: owners, modes, hard links, device nodes,
// xattrs; its config then says ploop and it starts from the image.
TEST_F(DiskSimfs, ConvertMovesASimfsContainerIntoAnImage) {
    auto priv = tmp_ / ("private/" + ct());
    auto f = priv + "/etc/converted";
    write_text(f, "kept\n");
    ASSERT_EQ(::chown(f.c_str(), 1234, 5678), 0);
    ASSERT_EQ(::chmod(f.c_str(), 0640), 0);
    ASSERT_EQ(::link(f.c_str(), (priv + "/etc/converted.link").c_str()), 0);
    ASSERT_EQ(::setxattr(f.c_str(), "user.vztest", "x1", 2, 0), 0);
    ASSERT_EQ(::mknod((priv + "/dev/vztest-null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);

    EXPECT_EQ(run({"convert", ct(), "--layout", "simfs"}).status, 21);
    auto no_size = run({"set", ct(), "--diskspace", "150M", "--save"});
    ASSERT_EQ(no_size.status, 0) << no_size.err;
    auto r = run({"convert", ct(), "--layout", "ploop"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(conf_value("VE_LAYOUT"), "ploop");
    EXPECT_TRUE(std::filesystem::exists(priv + "/root.hdd/DiskDescriptor.xml"));
    EXPECT_FALSE(std::filesystem::exists(priv + "/etc")) << "the old tree is gone";

    ASSERT_EQ(run({"mount", ct()}).status, 0);
    auto root = tmp_ / ("root/" + ct());
    struct stat st {};
    ASSERT_EQ(::lstat((root + "/etc/converted").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 2u);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    ASSERT_EQ(::lstat((root + "/dev/vztest-null").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    ASSERT_EQ(run({"umount", ct()}).status, 0);
    // Owners and xattrs as stored on disk (the unprivileged CT's idmap shifts what the mount shows).
    auto image = priv + "/root.hdd/root.hdd";
    auto dump = std::system(("debugfs -R 'stat /etc/converted' " + image + " 2>/dev/null | grep -q 'User:  1234'").c_str());
    EXPECT_EQ(dump, 0) << "owner kept";
    auto xattr = std::system(("debugfs -R 'ea_list /etc/converted' " + image + " 2>/dev/null | grep -q vztest").c_str());
    EXPECT_EQ(xattr, 0) << "xattr kept";

    ASSERT_EQ(run({"start", ct()}).status, 0);
    EXPECT_EQ(sh("cat /etc/converted").out, "kept\n");
    run({"stop", ct(), "--fast"});
    EXPECT_EQ(loops_under(tmp_.path()), std::vector<std::string>{});
}

// At a terminal, convert shows how far its copy into the image is (on stderr); in a script nothing of it appears.
TEST_F(DiskSimfs, ConvertShowsItsCopyOnlyOnATerminal) {
    ASSERT_EQ(run({"set", ct(), "--diskspace", "150M", "--save"}).status, 0);
    vztest::PtySession s({VZCTL_BIN, "convert", ct(), "--layout", "ploop"}, {"VZ_CONFDIR=" + confdir_}, 24, 200);
    auto status = s.wait(std::chrono::seconds(60));
    ASSERT_TRUE(status) << s.screen();
    ASSERT_EQ(*status, 0) << s.screen();
    EXPECT_TRUE(contains(s.screen(), "Copying " + tmp_ / ("private/" + ct()) + " into the image:   0% (0 B of "))
        << s.screen();
    EXPECT_TRUE(contains(s.screen(), "\rCopying " + tmp_ / ("private/" + ct()) + " into the image: 100% ("))
        << s.screen();

    ASSERT_EQ(run({"convert", ct(), "--layout", "simfs"}).status, 21);  // (only ploop is a target)
    ASSERT_EQ(run({"create", "102", "--ostemplate", "busybox", "--config", "vswap-256m"}).status, 0);
    ASSERT_EQ(run({"set", "102", "--diskspace", "150M", "--save"}).status, 0);
    auto r = run({"convert", "102", "--layout", "ploop"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "Copying")) << r.out << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "%")) << r.out << r.err;
    run({"destroy", "102"});
}

// A convert, create or destroy killed midway leaves directories beside the private area; the next command that
// takes the lock sets that right: a convert not yet in the config is undone (the simfs tree back), one in the config
// finished (the old tree removed, the area marked as create's, so destroy needs no --force), staging areas removed.
TEST_F(DiskSimfs, WhatAnInterruptedConvertOrCreateLeftIsSetRightByTheNextCommand) {
    auto dir = tmp_ / "private";
    auto priv = dir + "/" + ct();
    auto beside = [&] {
        std::vector<std::string> out;
        for (auto& e : std::filesystem::directory_iterator(dir)) {
            auto n = e.path().filename().string();
            if (n.starts_with("." + ct() + ".") && n != "." + ct() + ".vzctl-mark") out.push_back(n);
        }
        return out;
    };
    ASSERT_EQ(run({"set", ct(), "--diskspace", "150M", "--save"}).status, 0);
    write_text(priv + "/etc/kept", "kept\n");
    // Killed after moving the tree aside, before the image took its place; a staging area of a killed create and
    // the empty directory a killed convert made for the tree.
    auto old_tree = dir + "/." + ct() + ".converted.aB3dE5";
    ASSERT_EQ(::rename(priv.c_str(), old_tree.c_str()), 0);
    write_text(dir + "/." + ct() + ".create.Zz9yX8/etc/half", "x");
    ASSERT_EQ(::mkdir((dir + "/." + ct() + ".converted.q1w2e3").c_str(), 0700), 0);
    auto r = run({"start", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(sh("cat /etc/kept").out, "kept\n");
    run({"stop", ct(), "--fast"});
    EXPECT_EQ(beside(), std::vector<std::string>{});
    EXPECT_EQ(conf_value("VE_LAYOUT"), "simfs");

    // Swapped with its image, killed before the config said ploop: swapped back by the next mount.
    auto swapped = dir + "/." + ct() + ".convert.sW4pX0";
    ASSERT_EQ(std::system(("cp -a " + priv + " " + swapped).c_str()), 0);
    r = run({"convert", ct(), "--layout", "ploop"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto text = read_text(conf_path(kCt));
    write_text(conf_path(kCt), std::regex_replace(text, std::regex("VE_LAYOUT=\"ploop\""), "VE_LAYOUT=\"simfs\""));
    r = run({"mount", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(read_text(tmp_ / ("root/" + ct() + "/etc/kept")), "kept\n");
    EXPECT_EQ(beside(), std::vector<std::string>{});
    ASSERT_EQ(run({"umount", ct()}).status, 0);

    // Converted, killed after the config said ploop: the old tree is removed by the next mount.
    r = run({"convert", ct(), "--layout", "ploop"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    write_text(dir + "/." + ct() + ".convert.rT5yU7/etc/kept", "old");
    r = run({"mount", ct()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(beside(), std::vector<std::string>{});
    ASSERT_EQ(run({"umount", ct()}).status, 0);
    r = run({"destroy", ct()});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(std::filesystem::exists(priv));
    EXPECT_EQ(loops_under(tmp_.path()), std::vector<std::string>{});
}

TEST_F(DiskSimfs, PloopNeedsDiskspaceAndLeavesNothingWithout) {
    ASSERT_EQ(run({"destroy", ct()}).status, 0);
    write_text(confdir_ + "/conf/ve-nodisk.conf-sample", "PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:512M\"\n");
    auto r = run({"create", ct(), "--ostemplate", "busybox", "--config", "nodisk", "--layout", "ploop"});
    EXPECT_EQ(r.status, 63) << r.out << r.err;
    EXPECT_FALSE(std::filesystem::exists(conf_path(kCt)));
    EXPECT_FALSE(std::filesystem::exists(tmp_ / ("private/" + ct())));
    std::vector<std::string> left;
    for (auto& e : std::filesystem::directory_iterator(tmp_ / "private")) left.push_back(e.path().string());
    EXPECT_EQ(left, std::vector<std::string>{});
}

TEST_F(DiskSimfs, SnapshotsNeedThePloopLayout) {
    auto r = run({"snapshot", ct()});
    EXPECT_EQ(r.status, 156) << r.out << r.err;
    EXPECT_NE(r.err.find("not on the ploop layout"), std::string::npos) << r.err;
    EXPECT_EQ(run({"snapshot-list", ct()}).status, 167);
    EXPECT_FALSE(std::filesystem::exists(tmp_ / ("private/" + ct() + "/root.hdd")));
}

TEST_F(DiskSimfs, DiskQuotaYesWithoutABackendRefusesToMount) {
    // The test's private area is on the host's ext4 without quota (or a tmpfs): DISK_QUOTA=yes can't be honoured.
    auto r = run({"set", ct(), "--diskquota", "yes", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    auto start = run({"start", ct()});
    EXPECT_EQ(start.status, 60) << start.out << start.err;
    EXPECT_NE(start.err.find("Disk quota is not available"), std::string::npos) << start.err;
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_EQ(run({"quotaon", ct()}).status, 60);
    ASSERT_EQ(run({"set", ct(), "--diskquota", "no", "--save"}).status, 0);
    EXPECT_EQ(run({"quotaon", ct()}).status, 60);
    EXPECT_EQ(run({"quotaoff", ct()}).status, 66);
    EXPECT_EQ(run({"quotainit", ct()}).status, 61);
    auto plain = run({"start", ct()});
    EXPECT_EQ(plain.status, 0) << plain.err;
    EXPECT_NE(plain.out.find("Disk quota is off"), std::string::npos) << plain.out;
}

// simfs on btrfs with quotas enabled: the private area is a subvolume whose qgroup binds DISKSPACE, raised live;
// destroy removes the subvolume. (Project quota on ext4/XFS: quota_test.cpp, in the VM.)
// A CT whose private area lies on a file system of the test's own (tests/support/test_fs.hpp): the fixture's CT 101
// destroyed and created again there. Stopped and destroyed before the file system goes.
class DiskOnTestFs : public RuntimeTest {
protected:
    void create_on(std::unique_ptr<TestFs> fs, const std::vector<std::string>& limits) {
        fs_ = std::move(fs);
        priv_ = fs_->path() + "/" + ct();
        std::vector<std::string> args{"create", ct(),          "--ostemplate", "busybox",
                                      "--config", "vswap-256m", "--private",    priv_};
        args.insert(args.end(), limits.begin(), limits.end());
        auto r = run(args);
        ASSERT_EQ(r.status, 0) << r.out << r.err;
    }
    void TearDown() override {
        run({"stop", ct(), "--fast"}, {}, 60s);
        run({"destroy", ct()}, {}, 60s);
        RuntimeTest::TearDown();
        fs_.reset();
    }
    std::unique_ptr<TestFs> fs_;
    std::string priv_;
};

class DiskBtrfs : public DiskOnTestFs {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(run({"destroy", ct()}).status, 0);
        auto fs = std::make_unique<TestFs>("btrfs", 512, "-q");
        ASSERT_EQ(fs->error(), "");
        ASSERT_EQ(shell("btrfs quota enable " + fs->path()).status, 0);
        create_on(std::move(fs), {"--diskspace", "40M:40M"});
    }
};

TEST_F(DiskBtrfs, TheQgroupBindsAndGrowsLiveAndDestroyDropsTheSubvolume) {
    ASSERT_EQ(shell("btrfs subvolume show " + priv_ + " >/dev/null").status, 0);
    ASSERT_EQ(run({"start", ct()}).status, 0);
    auto fill = sh("dd if=/dev/zero of=/big bs=1M count=80 2>&1; sync");
    EXPECT_NE(fill.out.find("quota exceeded"), std::string::npos) << fill.out;
    EXPECT_EQ(sh("echo alive").out, "alive\n");
    ASSERT_EQ(shell("sync").status, 0);
    auto used = vzlist_run({"-H", "-o", "diskspace", ct()});
    EXPECT_GT(std::stoull("0" + trim(used.out)), 30u * 1024) << used.out;

    auto grow = run({"set", ct(), "--diskspace", "120M:120M", "--save"});
    ASSERT_EQ(grow.status, 0) << grow.out << grow.err;
    auto more = sh("dd if=/dev/zero of=/big2 bs=1M count=50 2>&1 && sync && echo written");
    EXPECT_NE(more.out.find("written"), std::string::npos) << more.out;

    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    ASSERT_EQ(run({"destroy", ct()}).status, 0);
    EXPECT_FALSE(std::filesystem::exists(priv_));
    auto subvols = shell("btrfs subvolume list " + fs_->path());
    EXPECT_EQ(subvols.out.find(ct()), std::string::npos) << subvols.out;
}

// simfs on ext4 or XFS mounted with prjquota: the tree gets the CT's project ID at create, its limits bind inside,
// `df` inside shows them, and they change live. The host's kernel has no quota: these run in the VM
// (v2.DiskProject*), and skip on the host saying so.
class DiskProject : public DiskOnTestFs, public ::testing::WithParamInterface<const char*> {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(run({"destroy", ct()}).status, 0);
        std::string type = GetParam();
        auto fs = std::make_unique<TestFs>(type, type == "xfs" ? 320 : 256, type == "xfs" ? "-q" : "-q -O project,quota",
                                           "prjquota");
        if (!fs->ok())
            GTEST_SKIP() << "this kernel can't mount " << type << " with prjquota (" << fs->error()
                         << "); these tests run in the VM (v2.DiskProject*)";
        create_on(std::move(fs), {"--diskspace", "40M:40M", "--diskinodes", "2000:2000"});
    }
};

TEST_P(DiskProject, LimitsBindShowInDfAndGrowLive) {
    ASSERT_EQ(run({"start", ct()}).status, 0);
    auto df = sh("df -k / | tail -1");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(df.out, m, std::regex(R"(\s(\d+)\s+\d+\s+\d+\s+\d+%)"))) << df.out;
    EXPECT_EQ(std::stoull(m[1]), 40u * 1024) << "df inside shows the project's limit: " << df.out;

    auto fill = sh("dd if=/dev/zero of=/big bs=1M count=80 2>&1; sync");
    EXPECT_TRUE(fill.out.find("quota exceeded") != std::string::npos || fill.out.find("No space left") != std::string::npos)
        << fill.out;
    EXPECT_EQ(sh("echo alive").out, "alive\n");
    auto used = vzlist_run({"-H", "-o", "diskspace,diskinodes", ct()});
    EXPECT_TRUE(std::regex_search(used.out, std::regex(R"(^\s*(3\d|4\d)\d{3}\s+\d+\s*$)"))) << used.out;

    auto many = sh("mkdir /many && cd /many && i=0; while [ $i -lt 3000 ]; do : > f$i || break; i=$((i+1)); done; echo $i");
    EXPECT_LT(std::stoul("0" + trim(many.out)), 2000u) << many.out << many.err;

    auto grow = run({"set", ct(), "--diskspace", "100M:100M", "--diskinodes", "5000:5000", "--save"});
    ASSERT_EQ(grow.status, 0) << grow.out << grow.err;
    auto more = sh("dd if=/dev/zero of=/big2 bs=1M count=40 2>&1 && sync && echo written");
    EXPECT_NE(more.out.find("written"), std::string::npos) << more.out;
    auto df2 = sh("df -k / | tail -1");
    ASSERT_TRUE(std::regex_search(df2.out, m, std::regex(R"(\s(\d+)\s+\d+\s+\d+\s+\d+%)"))) << df2.out;
    EXPECT_EQ(std::stoull(m[1]), 100u * 1024) << df2.out;

    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    auto off = run({"set", ct(), "--diskquota", "no", "--save"});
    ASSERT_EQ(off.status, 0) << off.err;
    auto notice = run({"start", ct()});
    ASSERT_EQ(notice.status, 0) << notice.err;
    EXPECT_NE(notice.out.find("Disk quota is off"), std::string::npos) << notice.out;
}

INSTANTIATE_TEST_SUITE_P(Fs, DiskProject, ::testing::Values("ext4", "xfs"),
                         [](const auto& p) { return std::string(p.param); });

}  // namespace
