// CRIU= of vz.conf (src/lib/cpt/criu.cpp): the real one (scripts/setup's wrapper) passes `criu check` here; a missing,
// broken or too old one is one line naming it, with exit code 16 (VZ_CHKPNT_ERROR).
#include "cpt/criu.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../support/temp_dir.hpp"
#include "config/conf_file.hpp"
#include "util/error.hpp"

namespace {

using vz::cpt::find_criu;

// A fake CRIU: a shell script printing `output` and exiting with `status`.
std::string fake_criu(const vztest::TempDir& dir, const std::string& output, int status = 0) {
    auto path = dir / "criu";
    vztest::write_text(path, "#!/bin/sh\nprintf '" + output + "'\nexit " + std::to_string(status) + "\n");
    ::chmod(path.c_str(), 0755);
    return path;
}

// The error find_criu throws for `setting`; fails the test when it throws none.
vz::Error criu_error(const std::string& setting) {
    auto global = vz::ConfFile::parse("CRIU=\"" + setting + "\"\n", "vz.conf");
    try {
        find_criu(global);
    } catch (const vz::Error& e) {
        return e;
    }
    ADD_FAILURE() << "CRIU=" << setting << " was accepted";
    return vz::Error(vz::Exit::Ok, "");
}

void expect_one_line(const vz::Error& e) {
    EXPECT_EQ(e.code(), vz::Exit::Checkpoint);
    EXPECT_EQ(e.exit_status(), 16);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
}

TEST(Criu, TooOldIsRefusedNamingBothVersions) {
    vztest::TempDir dir;
    auto path = fake_criu(dir, "Version: 3.17.1\\n");
    auto e = criu_error(path);
    expect_one_line(e);
    EXPECT_EQ(std::string(e.what()), "CRIU " + path + " is version 3.17.1; checkpointing needs CRIU 4.2 or newer");
}

TEST(Criu, NewEnoughIsAccepted) {
    vztest::TempDir dir;
    auto path = fake_criu(dir, "Version: 4.2\\nGitID: v4.2\\n");
    auto criu = find_criu(vz::ConfFile::parse("CRIU=\"" + path + "\"\n", "vz.conf"));
    EXPECT_EQ(criu.path, path);
    EXPECT_EQ(criu.version.str(), "4.2");
}

TEST(Criu, MissingFileIsNamed) {
    vztest::TempDir dir;
    auto e = criu_error(dir / "no-such-criu");
    expect_one_line(e);
    EXPECT_NE(std::string(e.what()).find("CRIU=" + dir / "no-such-criu" + ": No such file or directory"),
              std::string::npos)
        << e.what();
}

TEST(Criu, NotFoundInPathIsNamed) {
    auto e = criu_error("no-such-criu-program");
    expect_one_line(e);
    EXPECT_NE(std::string(e.what()).find("CRIU=no-such-criu-program: not found in PATH"), std::string::npos)
        << e.what();
}

TEST(Criu, NotExecutableIsNamed) {
    vztest::TempDir dir;
    auto path = fake_criu(dir, "Version: 4.2.1\\n");
    ::chmod(path.c_str(), 0644);
    auto e = criu_error(path);
    expect_one_line(e);
    EXPECT_EQ(std::string(e.what()), "CRIU=" + path + ": not executable");
}

TEST(Criu, FailingOrSilentIsRefused) {
    vztest::TempDir dir;
    auto path = fake_criu(dir, "criu: error while loading shared libraries\\n", 127);
    auto e = criu_error(path);
    expect_one_line(e);
    EXPECT_EQ(std::string(e.what()),
              "CRIU " + path + ": `--version` failed (exit 127): criu: error while loading shared libraries");
    path = fake_criu(dir, "hello\\n");
    e = criu_error(path);
    expect_one_line(e);
    EXPECT_EQ(std::string(e.what()), "CRIU " + path + ": no version in `--version` output: hello");
}

TEST(Criu, FailedCheckIsOneLineWithCriusConclusion) {
    vztest::TempDir dir;
    auto path = dir / "criu";
    vztest::write_text(path, "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'Version: 4.2.1'; exit 0; }\n"
                             "echo 'Warn: something'; echo 'Error (criu/cr-check.c:1): no seccomp'; exit 1\n");
    ::chmod(path.c_str(), 0755);
    auto criu = find_criu(vz::ConfFile::parse("CRIU=\"" + path + "\"\n", "vz.conf"));
    try {
        vz::cpt::criu_check(criu);
        ADD_FAILURE() << "a failed criu check was accepted";
    } catch (const vz::Error& e) {
        expect_one_line(e);
        EXPECT_EQ(std::string(e.what()),
                  "CRIU " + path + " check failed (exit 1): Error (criu/cr-check.c:1): no seccomp");
    }
}

// The CRIU scripts/setup installs, found by default (no CRIU= in vz.conf), is new enough and `criu check` passes on
// this kernel.
TEST(Criu, InstalledCriuPassesCheck) {
    if (::geteuid() != 0) GTEST_SKIP() << "criu check needs root";
    auto criu = find_criu(vz::ConfFile::parse("", "vz.conf"));
    EXPECT_EQ(criu.path, vz::cpt::kCriuWrapper) << "scripts/setup installs it";
    EXPECT_GE(criu.version, vz::cpt::kCriuMinimum);
    EXPECT_NO_THROW(vz::cpt::criu_check(criu));
}

}  // namespace
