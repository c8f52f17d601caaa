// vzcfgvalidate: the shipped beancounter samples are valid; a bad configuration is reported with the original's
// messages and exit status 2 and left as it was; -r repairs it in place (only the lines of the figures it changed,
// through a symbolic link, the file's mode kept), -i asks before each fix; the refusals.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_fixture.hpp"
#include "config/units.hpp"
#include "ct/lock.hpp"
#include "ubc/meminfo.hpp"

namespace {

using vztest::CliTest;
using vztest::contains;
using vztest::Result;

class Vzcfgvalidate : public CliTest {
protected:
    Result validate(const std::vector<std::string>& args) { return finish(start(VZCFGVALIDATE_BIN, args)); }
    // `answers` on standard input.
    Result validate_with(const std::string& answers, const std::string& args) {
        return finish(start("sh", {"-c", "printf '" + answers + "' | " + VZCFGVALIDATE_BIN + " " + args}));
    }
    std::string sample(const std::string& name) const { return confdir_ + "/conf/ve-" + name + ".conf-sample"; }

    // ve-basic.conf-sample with three figures broken: a numproc barrier below its limit, a kmemsize barrier above,
    // no room between the TCP send buffers' barrier and limit; its older DCACHE key and a comment of its own.
    std::string broken() {
        auto text = vztest::read_text(sample("basic"));
        auto replace = [&](const std::string& from, const std::string& to) {
            auto at = text.find(from);
            EXPECT_NE(at, std::string::npos) << from;
            text.replace(at, from.size(), to);
        };
        replace("NUMPROC=\"240:240\"", "NUMPROC=\"240:300\"");
        replace("KMEMSIZE=\"14372700:14790164\"", "KMEMSIZE=\"14790164:14372700\"");
        replace("TCPSNDBUF=\"1720320:2703360\"", "TCPSNDBUF=\"1720320:1800000\"");
        replace("DCACHESIZE=", "DCACHE=");
        text += "# kept\n";
        return text;
    }
};

constexpr const char* kBrokenReport =
    "Error: barrier should be equal to limit for numproc (currently, 240:300)\n"
    "Error: barrier should be <= limit for kmemsize (currently, 14790164:14372700)\n"
    "Error: tcpsndbuf.lim-tcpsndbuf.bar should be >= 2.5 KiB x numtcpsock.bar = 921600 (currently, "
    "1800000-1720320=79680)\n";

TEST_F(Vzcfgvalidate, TheShippedBeancounterSamplesAreValid) {
    for (auto name : {"basic", "light", "unlimited"}) {
        auto r = validate({sample(name)});
        EXPECT_EQ(r.status, 0) << name << ": " << r.err;
        EXPECT_EQ(r.err, "Validation completed: success\n") << name;
        EXPECT_EQ(r.out, "");
    }
}

TEST_F(Vzcfgvalidate, ABadConfigurationIsReportedAndLeftAsItWas) {
    auto path = conf_path(101);
    vztest::write_text(path, broken());
    auto r = validate({path});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err, kBrokenReport);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(vztest::read_text(path), broken());
}

TEST_F(Vzcfgvalidate, RepairChangesOnlyTheLinesOfTheFiguresItFixes) {
    auto path = conf_path(101);
    vztest::write_text(path, broken());
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
    auto link = confdir_ + "/conf/link.conf";
    std::filesystem::create_symlink("101.conf", link);

    auto r = validate({"-r", link});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, std::string(kBrokenReport) + "Validation completed: success\n");
    EXPECT_EQ(r.out, "set to 300:300\nset to 14790164:14790164\nset to 1720320:2641920\n");
    auto expected = broken();
    for (auto [from, to] : {std::pair{"NUMPROC=\"240:300\"", "NUMPROC=\"300\""},
                            std::pair{"KMEMSIZE=\"14790164:14372700\"", "KMEMSIZE=\"14790164\""},
                            std::pair{"TCPSNDBUF=\"1720320:1800000\"", "TCPSNDBUF=\"1720320:2641920\""}})
        expected.replace(expected.find(from), std::string(from).size(), to);
    EXPECT_EQ(vztest::read_text(path), expected);
    EXPECT_TRUE(std::filesystem::is_symlink(link)) << "the file the link names was written";
    EXPECT_EQ(std::filesystem::status(path).permissions(), std::filesystem::perms(0600));

    auto again = validate({path});
    EXPECT_EQ(again.status, 0) << again.err;
    // vzctl takes what was repaired.
    auto set = vzctl({"set", "101", "--numproc", "300", "--save"});
    EXPECT_EQ(set.status, 0) << set.err;

    // A figure the file sets under its older key is repaired on that line.
    auto text = vztest::read_text(sample("basic"));
    text.replace(text.find("DCACHESIZE=\"3409920:3624960\""), 28, "DCACHE=\"10:20\"");
    vztest::write_text(path, text);
    r = validate({"-r", path});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "set to 10:3575808\n");
    text.replace(text.find("DCACHE=\"10:20\""), 14, "DCACHE=\"10:3575808\"");
    EXPECT_EQ(vztest::read_text(path), text);
}

// A repair of a container's config (also through a link) holds the container's lock from the read to the save, as
// vzctl set --save does, so neither loses what the other saved: with the lock held elsewhere it refuses (1) and
// leaves the file; a check alone, or a repair of a sample, takes no lock.
TEST_F(Vzcfgvalidate, RepairOfAContainerConfigTakesItsLock) {
    auto path = conf_path(101);
    vztest::write_text(path, broken());
    auto link = confdir_ + "/conf/link.conf";
    std::filesystem::create_symlink("101.conf", link);
    auto sample_copy = confdir_ + "/conf/ve-broken.conf-sample";
    vztest::write_text(sample_copy, broken());
    {
        vz::CtLock held(tmp_ / "lock", 101, "vzctl set 101 --save");
        for (auto& file : {path, link}) {
            auto r = validate({"-r", file});
            EXPECT_EQ(r.status, 1) << r.err;
            EXPECT_TRUE(contains(r.err, "Error: Container already locked")) << r.err;
            EXPECT_EQ(vztest::read_text(path), broken());
        }
        EXPECT_EQ(validate({path}).status, 2);
        EXPECT_EQ(validate({"-r", sample_copy}).status, 0);
    }
    auto r = validate({"-r", path});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(vztest::read_text(path), broken());
}

TEST_F(Vzcfgvalidate, InteractiveRepairAsksBeforeEachFixAndSavesThoseAccepted) {
    auto path = conf_path(101);
    vztest::write_text(path, broken());
    // numproc: no (an answer it does not know is asked again); kmemsize: yes (an empty line); tcpsndbuf: no answer.
    auto r = validate_with("maybe\\nn\\n\\n", "-i " + path);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err,
              "Error: barrier should be equal to limit for numproc (currently, 240:300)\n (y/n) [y]  (y/n) [y] "
              "Error: barrier should be <= limit for kmemsize (currently, 14790164:14372700)\n (y/n) [y] "
              "Error: tcpsndbuf.lim-tcpsndbuf.bar should be >= 2.5 KiB x numtcpsock.bar = 921600 (currently, "
              "1800000-1720320=79680)\n (y/n) [y] ");
    auto text = vztest::read_text(path);
    EXPECT_TRUE(contains(text, "\nNUMPROC=\"240:300\"\n")) << text;
    EXPECT_TRUE(contains(text, "\nKMEMSIZE=\"14790164\"\n")) << text;
    EXPECT_TRUE(contains(text, "\nTCPSNDBUF=\"1720320:1800000\"\n")) << text;
}

TEST_F(Vzcfgvalidate, VswapConfigurationsAreBoundByThisHost) {
    auto mem = vz::host_mem(vztest::read_text("/proc/meminfo"));
    auto ram = std::to_string(mem.ram / vz::page_size()), swap = std::to_string(mem.swap / vz::page_size());
    auto path = conf_path(101);
    vztest::write_text(path, "PHYSPAGES=\"0:1024T\"\nSWAPPAGES=\"0:" + swap + "\"\n");
    auto r = validate({path});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err, "Warning: physpages.lim should be <= " + ram +
                         ", this host's RAM in pages (currently, 274877906944)\n");
    r = validate({"-r", path});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(vztest::read_text(path), "PHYSPAGES=\"0:" + ram + "\"\nSWAPPAGES=\"0:" + swap + "\"\n");
    // Checked as a beancounter configuration: its RAM limit is not unlimited, and most figures are missing.
    r = validate({"-v", "no", path});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("Error: parameter numproc not found\n")) << r.err;
}

TEST_F(Vzcfgvalidate, Refusals) {
    auto path = conf_path(101);
    vztest::write_text(path, "KMEMSIZE=\"lots\"\n");
    struct Case {
        std::vector<std::string> args;
        std::string first_line;
    };
    const Case cases[] = {
        {{}, "Error: No configuration file given\n"},
        {{"-x", path}, "Error: Unrecognized option: -x\n"},
        {{"-v", "maybe", path}, "Error: Invalid argument for -v: 'maybe' (yes or no)\n"},
        {{confdir_ + "/conf/none.conf"},
         "Error: Container configuration file " + confdir_ + "/conf/none.conf not found\n"},
        {{"-r", path}, "Error: " + path + ": KMEMSIZE=\"lots\": expected"},
    };
    for (auto& c : cases) {
        auto r = validate(c.args);
        EXPECT_EQ(r.status, 1) << c.first_line;
        EXPECT_TRUE(r.err.starts_with(c.first_line)) << r.err;
    }
    EXPECT_EQ(vztest::read_text(path), "KMEMSIZE=\"lots\"\n");
    auto help = validate({"-h"});
    EXPECT_EQ(help.status, 0);
    EXPECT_TRUE(help.out.starts_with("Usage: vzcfgvalidate [-r|-i] [-v yes|no] CONFIGFILE\n")) << help.out;
}

}  // namespace
