// The command-line test fixture: a temporary VZ_CONFDIR with a vz.conf whose paths all point into the temporary
// directory, the shipped samples, and a tiny OS template; helpers that run the real vzctl and vzlist binaries.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/text.hpp"
#include "../support/temp_dir.hpp"

namespace vztest {

struct Result {
    int status = -1;  // exit status; 128+N when killed by signal N
    std::string out, err;
};

// A started command: wait for it with CliTest::finish.
struct Running {
    pid_t pid = -1;
    std::string out_path, err_path;
};

class CliTest : public ::testing::Test {
protected:
    CliTest() : confdir_(tmp_ / "etc") {
        namespace fs = std::filesystem;
        fs::create_directories(confdir_ + "/conf");
        for (auto& e : fs::directory_iterator(std::string(SOURCE_DIR) + "/etc/samples"))
            fs::copy(e.path(), confdir_ + "/conf/" + e.path().filename().string(), fs::copy_options::copy_symlinks);
        // A per-run cgroup base: nothing this fixture lists can be running.
        auto leaf = tmp_.path().substr(tmp_.path().rfind('.') + 1);
        write_text(confdir_ + "/vz.conf",
                   "# test vz.conf\n"
                   "LOCKDIR=\"" + tmp_ / "lock" + "\"\n" +
                   "TEMPLATE=\"" + tmp_ / "template" + "\"\n" +
                   "VE_ROOT=\"" + tmp_ / "root/$VEID" + "\"\n" +
                   "VE_PRIVATE=\"" + tmp_ / "private/$VEID" + "\"\n" +
                   "CONFIGFILE=\"vswap-256m\"\n"
                   "DEF_OSTEMPLATE=\"tiny\"\n"
                   "VE_LAYOUT=\"simfs\"\n"
                   "CGROUP_BASE=\"vztest-" + leaf + "\"\n" +
                   "DUMPDIR=\"" + tmp_ / "dump" + "\"\n");
        make_template("tiny");
        make_template("other");
    }

    std::string conf_path(unsigned ctid) const { return confdir_ + "/conf/" + std::to_string(ctid) + ".conf"; }
    std::string private_path(unsigned ctid) const { return tmp_ / ("private/" + std::to_string(ctid)); }
    std::string lock_path(unsigned ctid) const { return tmp_ / ("lock/" + std::to_string(ctid) + ".lck"); }
    std::string names_dir() const { return confdir_ + "/names"; }

    Result vzctl(const std::vector<std::string>& args) { return finish(start(VZCTL_BIN, args)); }
    Result vzlist(const std::vector<std::string>& args) { return finish(start(VZLIST_BIN, args)); }
    Result vzubc(const std::vector<std::string>& args) { return finish(start(VZUBC_BIN, args)); }

    // `vzctl create CTID --ostemplate tiny --config SAMPLE`, which must succeed.
    ::testing::AssertionResult create(unsigned ctid, const std::string& sample = "vswap-256m") {
        auto r = vzctl({"create", std::to_string(ctid), "--ostemplate", "tiny", "--config", sample});
        if (r.status != 0)
            return ::testing::AssertionFailure() << "create " << ctid << " exited " << r.status << ": " << r.err;
        return ::testing::AssertionSuccess();
    }

    Running start(const std::string& binary, const std::vector<std::string>& args) {
        Running run;
        auto n = std::to_string(runs_++);
        run.out_path = tmp_ / ("run/" + n + ".out");
        run.err_path = tmp_ / ("run/" + n + ".err");
        std::filesystem::create_directories(tmp_ / "run");
        std::vector<std::string> words{binary};
        words.insert(words.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        run.pid = ::fork();
        if (run.pid == 0) {
            int in = ::open("/dev/null", O_RDONLY);
            int out = ::open(run.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = ::open(run.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
                ::_exit(126);
            ::setenv("VZ_CONFDIR", confdir_.c_str(), 1);
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
        if (run.pid < 0) throw std::runtime_error("fork failed");
        return run;
    }

    Result finish(const Running& run) {
        int ws = 0;
        while (::waitpid(run.pid, &ws, 0) < 0)
            if (errno != EINTR) throw std::runtime_error("waitpid failed");
        Result r;
        r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        r.out = read_text(run.out_path);
        r.err = read_text(run.err_path);
        return r;
    }

    TempDir tmp_;
    std::string confdir_;

private:
    unsigned runs_ = 0;

    // TEMPLATE/cache/NAME.tar.zst holding a two-file root.
    void make_template(const std::string& name) {
        auto root = tmp_ / ("tmplroot-" + name);
        write_text(root + "/bin/sh", "#!/bin/false\n");
        write_text(root + "/etc/hostname", name + "\n");
        std::filesystem::create_directories(tmp_ / "template/cache");
        auto r = finish(start("tar", {"--zstd", "-C", root, "-cf", tmp_ / ("template/cache/" + name + ".tar.zst"), "."}));
        if (r.status != 0) throw std::runtime_error("can't make the template: " + r.err);
    }
};

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace vztest
