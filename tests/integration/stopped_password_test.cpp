// set --userpasswd on a stopped container: as the original, the container runs for this alone (no network, no
// action scripts) and is taken down again, leaving its state as it was.
#include <crypt.h>

#include "../support/runtime_fixture.hpp"

namespace {

using namespace vztest;

class StoppedPassword : public RuntimeTest {
protected:
    std::string root_hash() const {
        for (auto& l : lines(read_text(private_path(kCt) + "/etc/shadow"))) {
            auto f = pieces(l, ':');
            if (f.size() > 1 && f[0] == "root") return f[1];
        }
        return {};
    }
};

TEST_F(StoppedPassword, IsSetAndTheContainerStaysAsItWas) {
    write_text(confdir_ + "/conf/" + ct() + ".mount", "#!/bin/sh\nexit 1\n");  // not run: no action scripts
    auto r = run({"set", ct(), "--userpasswd", "root:Stopped-pw1"});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto hash = root_hash();
    crypt_data data{};
    const char* again = ::crypt_r("Stopped-pw1", hash.c_str(), &data);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(std::string(again), hash);
    EXPECT_EQ(status_line(), "CTID 101 exist unmounted down");
    EXPECT_TRUE(nothing_left(Ubcfs::Gone));
    EXPECT_FALSE(contains(read_text(conf_path(kCt)), "Stopped-pw1"));

    // A mounted container stays mounted; a user it does not have is 74.
    std::filesystem::remove(confdir_ + "/conf/" + ct() + ".mount");
    ASSERT_EQ(run({"mount", ct()}).status, 0);
    EXPECT_EQ(run({"set", ct(), "--userpasswd", "root:Stopped-pw2"}).status, 0);
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    r = run({"set", ct(), "--userpasswd", "nosuchuser:pw"});
    EXPECT_EQ(r.status, 74) << r.err;
    EXPECT_EQ(status_line(), "CTID 101 exist mounted down");
    ASSERT_EQ(run({"umount", ct()}).status, 0);
    EXPECT_TRUE(nothing_left(Ubcfs::Gone));

    // With another parameter that needs a running container, and no --save: refused as before.
    r = run({"set", ct(), "--userpasswd", "root:Stopped-pw3", "--cpuunits", "500"});
    EXPECT_EQ(r.status, 31) << r.err;
}

}  // namespace
