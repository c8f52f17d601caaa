// Files vzctl writes on behalf of a container (/etc/hostname at start and on set --hostname, /etc/shadow for
// --userpasswd) are written inside the container, after pivot_root or joining it: a symlink the container's root
// planted to a host path resolves in the container's tree and the host file stays untouched.
#include <filesystem>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;
namespace fs = std::filesystem;

class HostileRoot : public RuntimeTest {
protected:
    // A host file and a symlink at `inside` (a path in the container) pointing at it by its host path; the same
    // path inside the container holds `in_ct` (the file a write inside the container reaches).
    std::string plant(const std::string& inside, const std::string& in_ct) {
        auto victim = tmp_ / ("victim" + std::to_string(planted_++));
        write_text(victim, "host file\n");
        write_text(private_path(kCt) + victim, in_ct);
        auto link = private_path(kCt) + inside;
        fs::remove(link);
        fs::create_symlink(victim, link);
        return victim;
    }
    unsigned planted_ = 0;
};

TEST_F(HostileRoot, HostnameAndShadowWritesStayInTheContainer) {
    auto hostname_victim = plant("/etc/hostname", "old\n");
    auto shadow_victim = plant("/etc/shadow", "root:*:19000:0:99999:7:::\n");
    auto conf = read_text(conf_path(kCt));
    write_text(conf_path(kCt), conf + "HOSTNAME=\"planted\"\n");
    ASSERT_TRUE(start_ct());
    EXPECT_EQ(read_text(hostname_victim), "host file\n");
    EXPECT_EQ(read_text(private_path(kCt) + hostname_victim), "planted\n");
    auto r = run({"set", ct(), "--hostname", "planted2"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(hostname_victim), "host file\n");
    EXPECT_EQ(read_text(private_path(kCt) + hostname_victim), "planted2\n");
    r = run({"set", ct(), "--userpasswd", "root:secret"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(shadow_victim), "host file\n");
    // Written in the container: over the link (replacing it) or through it, to the container's own copy of the path.
    auto shadow = private_path(kCt) + "/etc/shadow";
    auto written = fs::is_symlink(shadow) ? read_text(private_path(kCt) + shadow_victim) : read_text(shadow);
    EXPECT_TRUE(written.starts_with("root:$6$")) << written;
}

// A stopped container's password is set in a container made for it alone: the planted link resolves inside too.
TEST_F(HostileRoot, ShadowOfAStoppedContainerIsWrittenInsideIt) {
    auto shadow_victim = plant("/etc/shadow", "root:*:19000:0:99999:7:::\n");
    auto r = run({"set", ct(), "--userpasswd", "root:secret"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_text(shadow_victim), "host file\n");
    auto shadow = private_path(kCt) + "/etc/shadow";
    auto written = fs::is_symlink(shadow) ? read_text(private_path(kCt) + shadow_victim) : read_text(shadow);
    EXPECT_TRUE(written.starts_with("root:$6$")) << written;
}

}  // namespace
