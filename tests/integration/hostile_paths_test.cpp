// Hostile paths and exhausted resources (issue 9): a hand-edited VE_PRIVATE/VE_ROOT is refused before anything is
// mounted or removed, destroy removes only what create marked and never follows a symlink or crosses a mount,
// template unpacking does not write through a planted symlink, and a full disk, an oversized config or a tiny
// descriptor limit end in a one-line error with the old config intact.
#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "cli_fixture.hpp"

namespace vztest {
namespace {

namespace fs = std::filesystem;

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }

// Unmounts everything mounted below `dir` when it goes (also when the test fails).
struct UnmountBelow {
    std::string dir;
    ~UnmountBelow() {
        for (int pass = 0; pass < 4; ++pass) {
            std::ifstream in("/proc/self/mounts");
            std::string dev, mnt, rest;
            while (in >> dev >> mnt && std::getline(in, rest))
                if (mnt.starts_with(dir)) ::umount2(mnt.c_str(), MNT_DETACH);
        }
    }
};

class HostilePaths : public CliTest {
protected:
    // Replaces (or adds) KEY="value" in CTID.conf.
    void set_key(unsigned ctid, const std::string& key, const std::string& value) {
        auto text = read_text(conf_path(ctid));
        std::string out;
        for (auto& line : split_lines(text))
            if (!line.starts_with(key + "=")) out += line + "\n";
        write_text(conf_path(ctid), out + key + "=\"" + value + "\"\n");
    }
    static std::vector<std::string> split_lines(const std::string& text) {
        std::vector<std::string> lines;
        size_t at = 0;
        while (at < text.size()) {
            auto nl = text.find('\n', at);
            if (nl == std::string::npos) nl = text.size();
            lines.push_back(text.substr(at, nl - at));
            at = nl + 1;
        }
        return lines;
    }
    std::string mark_path(unsigned ctid) const { return tmp_ / ("private/." + std::to_string(ctid) + ".vzctl-mark"); }
};

struct BadArea {
    const char* key;
    std::string value;  // "@" stands for the test's temporary directory
    int code;
    const char* says;
};

TEST_F(HostilePaths, AreaPathsAreRefusedByEveryCommandBeforeTouchingThem) {
    ASSERT_TRUE(create(9100));
    ASSERT_TRUE(create(9101));
    write_text(private_path(9101) + "/keep", "other CT\n");
    fs::create_directory_symlink("/etc", tmp_ / "to-etc");
    const BadArea cases[] = {
        {"VE_PRIVATE", "/", 23, "system directory /"},
        {"VE_PRIVATE", "/usr", 23, "system directory /usr"},
        {"VE_PRIVATE", "/usr/", 23, "system directory /usr"},
        {"VE_PRIVATE", "/var/lib", 23, "system directory /var/lib"},
        {"VE_PRIVATE", "@/private", 23, "$VEID missing"},
        {"VE_PRIVATE", "@/private/9101", 23, "CT 9101's VE_PRIVATE"},
        {"VE_PRIVATE", "@/private/9101/sub", 23, "lies in CT 9101's VE_PRIVATE"},
        {"VE_PRIVATE", "@", 23, "configuration directory"},
        {"VE_PRIVATE", "@/private/9100/../9101", 23, "absolute path without . or .."},
        {"VE_PRIVATE", "private/9100", 21, "expected an absolute path"},  // the value grammar refuses it first
        {"VE_PRIVATE", "@/to-etc", 23, "a symlink to /etc"},
        {"VE_PRIVATE", "@/lock", 23, "LOCKDIR"},
        {"VE_ROOT", "/", 22, "system directory /"},
        {"VE_ROOT", "@/private/9101", 22, "CT 9101's VE_PRIVATE"},
        {"VE_ROOT", "@/private/9100", 22, "its own VE_PRIVATE"},
    };
    auto original = read_text(conf_path(9100));
    for (auto& c : cases) {
        auto value = c.value;
        if (value.starts_with("@")) value = tmp_.path() + value.substr(1);
        write_text(conf_path(9100), original);
        set_key(9100, c.key, value);
        for (const char* cmd : {"mount", "start", "destroy", "runscript"}) {
            std::vector<std::string> args{cmd, "9100"};
            if (std::string(cmd) == "runscript") args.push_back("/dev/null");
            auto r = vzctl(args);
            EXPECT_EQ(r.status, c.code) << cmd << " with " << c.key << "=" << value << ": " << r.err;
            EXPECT_TRUE(one_line(r.err)) << r.err;
            EXPECT_TRUE(contains(r.err, c.key)) << r.err;
            EXPECT_TRUE(contains(r.err, c.says)) << cmd << " " << value << ": " << r.err;
        }
    }
    // Nothing was mounted, moved or removed.
    EXPECT_EQ(read_text(private_path(9101) + "/keep"), "other CT\n");
    EXPECT_TRUE(fs::exists(conf_path(9100)));
    EXPECT_TRUE(fs::exists(private_path(9100) + "/etc/hostname"));
    UnmountBelow guard{tmp_.path()};

    // create refuses the same in an existing config, before it unpacks anything.
    write_text(conf_path(9102), "VE_PRIVATE=\"/usr\"\n");
    auto r = vzctl({"create", "9102", "--ostemplate", "tiny"});
    EXPECT_EQ(r.status, 23) << r.err;
    EXPECT_TRUE(contains(r.err, "system directory /usr")) << r.err;
}

TEST_F(HostilePaths, DestroyRemovesOnlyWhatCreateMarked) {
    ASSERT_TRUE(create(9100));
    ASSERT_TRUE(fs::exists(mark_path(9100)));
    // An area that is not the one create made: a tree put in its place has another inode.
    fs::rename(private_path(9100), tmp_ / "private/9100.real");
    fs::create_directories(private_path(9100));
    write_text(private_path(9100) + "/data", "not a container\n");
    auto r = vzctl({"destroy", "9100"});
    EXPECT_EQ(r.status, 52) << r.err;
    EXPECT_TRUE(one_line(r.err) && contains(r.err, "vzctl-mark")) << r.err;
    EXPECT_EQ(read_text(private_path(9100) + "/data"), "not a container\n");
    EXPECT_TRUE(fs::exists(conf_path(9100)));
    // --force (areas from older builds) removes it.
    r = vzctl({"destroy", "9100", "--force"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(fs::exists(private_path(9100)));
    EXPECT_FALSE(fs::exists(mark_path(9100)));
}

TEST_F(HostilePaths, DestroyOfAMissingOrEmptyAreaNeedsNoMark) {
    ASSERT_TRUE(create(9100));
    fs::remove_all(private_path(9100));
    fs::remove(mark_path(9100));
    auto r = vzctl({"destroy", "9100"});
    EXPECT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(create(9101));
    fs::remove_all(private_path(9101));
    fs::create_directories(private_path(9101));
    fs::remove(mark_path(9101));
    r = vzctl({"destroy", "9101"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(fs::exists(private_path(9101)));
}

TEST_F(HostilePaths, DestroyFollowsNoSymlinkAndCrossesNoMount) {
    auto victim = tmp_ / "victim";
    write_text(victim + "/keep", "host file\n");
    UnmountBelow guard{tmp_.path()};
    ASSERT_TRUE(create(9100));
    fs::create_directory_symlink(victim, private_path(9100) + "/etc/escape");
    fs::create_symlink(victim + "/keep", private_path(9100) + "/keep-link");
    auto r = vzctl({"destroy", "9100"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(victim + "/keep"), "host file\n");

    // A bind mount of the same file system left inside the area: refused, its content kept.
    ASSERT_TRUE(create(9101));
    fs::create_directories(private_path(9101) + "/bound");
    ASSERT_EQ(::mount(victim.c_str(), (private_path(9101) + "/bound").c_str(), nullptr, MS_BIND, nullptr), 0);
    r = vzctl({"destroy", "9101"});
    EXPECT_EQ(r.status, 52) << r.err;
    EXPECT_TRUE(contains(r.err, "mounted")) << r.err;
    EXPECT_EQ(read_text(victim + "/keep"), "host file\n");
}

TEST_F(HostilePaths, TemplateUnpackingWritesNothingThroughAPlantedSymlink) {
    auto victim = tmp_ / "victim";
    write_text(victim + "/hostname", "host\n");
    // An archive whose first member is etc -> the victim and whose second writes etc/hostname.
    auto first = tmp_ / "evil1", second = tmp_ / "evil2";
    fs::create_directories(first);
    fs::create_directory_symlink(victim, first + "/etc");
    write_text(second + "/etc/hostname", "planted\n");
    auto tar = tmp_ / "template/cache/evil.tar";
    ASSERT_EQ(finish(start("tar", {"-C", first, "-cf", tar, "etc"})).status, 0);
    ASSERT_EQ(finish(start("tar", {"-C", second, "-rf", tar, "etc/hostname"})).status, 0);
    // libarchive (ARCHIVE_EXTRACT_SECURE_SYMLINKS with ARCHIVE_EXTRACT_UNLINK) replaces the planted link by a
    // directory of the container's own.
    auto r = vzctl({"create", "9100", "--ostemplate", "evil", "--config", "vswap-256m"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(victim + "/hostname"), "host\n");
    EXPECT_FALSE(fs::is_symlink(private_path(9100) + "/etc"));
    EXPECT_EQ(read_text(private_path(9100) + "/etc/hostname"), "planted\n");
}

TEST_F(HostilePaths, ConfigTooLargeOrWithAHugeLineIsRefused) {
    ASSERT_TRUE(create(9100));
    auto original = read_text(conf_path(9100));
    const std::pair<std::string, const char*> cases[] = {
        {original + "# " + std::string(10 << 20, 'x') + "\n", "larger than 1048576 bytes"},
        {original + "DESCRIPTION=\"" + std::string(100 << 10, 'y') + "\"\n", "longer than 65536 bytes"},
    };
    for (auto& [text, says] : cases) {
        write_text(conf_path(9100), text);
        auto r = vzctl({"set", "9100", "--description", "x", "--save"});
        EXPECT_EQ(r.status, 21) << r.err.substr(0, 200);
        EXPECT_TRUE(one_line(r.err) && contains(r.err, says)) << r.err.substr(0, 200);
        EXPECT_EQ(read_text(conf_path(9100)), text);
    }
}

TEST_F(HostilePaths, NoFreeDiskKeepsTheOldConfig) {
    ASSERT_TRUE(create(9100));
    auto original = read_text(conf_path(9100));
    UnmountBelow guard{confdir_ + "/conf"};
    // The config directory on a tiny tmpfs, filled up.
    auto saved = tmp_ / "conf-saved";
    fs::rename(confdir_ + "/conf", saved);
    fs::create_directories(confdir_ + "/conf");
    ASSERT_EQ(::mount("tmpfs", (confdir_ + "/conf").c_str(), "tmpfs", 0, "size=64k"), 0);
    fs::copy_file(saved + "/9100.conf", conf_path(9100));
    {
        std::ofstream fill(confdir_ + "/conf/fill");
        std::string block(4096, 'f');
        for (int i = 0; i < 64 && fill; ++i) fill.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
    auto r = vzctl({"set", "9100", "--description", std::string(8192, 'd'), "--save"});
    EXPECT_EQ(r.status, 46) << r.err;
    EXPECT_TRUE(one_line(r.err) && contains(r.err, "No space left")) << r.err;
    EXPECT_EQ(read_text(conf_path(9100)), original);
    size_t files = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(confdir_ + "/conf")) ++files;
    EXPECT_EQ(files, 2u) << "a temporary file was left";
}

TEST_F(HostilePaths, FewDescriptorsGiveACleanErrorOrSuccess) {
    ASSERT_TRUE(create(9100));
    auto original = read_text(conf_path(9100));
    for (int n = 3; n <= 12; ++n) {
        for (const std::string& cmd : {std::string(VZCTL_BIN) + " status 9100",
                                      std::string(VZCTL_BIN) + " set 9100 --description fd" + std::to_string(n) + " --save",
                                      std::string(VZLIST_BIN) + " -a"}) {
            auto r = finish(start("/bin/sh", {"-c", "ulimit -n " + std::to_string(n) + "; exec " + cmd}));
            EXPECT_LT(r.status, 128) << "n=" << n << " " << cmd << ": " << r.err;
            EXPECT_FALSE(contains(r.err, "terminate called")) << r.err;
            if (r.status != 0) {
                EXPECT_TRUE(one_line(r.err)) << "n=" << n << " " << cmd << ": " << r.err;
            }
        }
        auto now = read_text(conf_path(9100));
        EXPECT_TRUE(now == original || contains(now, "DESCRIPTION=")) << now;
    }
}

}  // namespace
}  // namespace vztest
