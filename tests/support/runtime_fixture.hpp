// The runtime test fixture: a temporary VZ_CONFDIR whose vz.conf points every path into a temporary directory and
// names a unique CGROUP_BASE, the busybox template (built once per test binary run), and container 101 created from
// it. Teardown (also after a failure) stops the container with --fast, destroys it, kills whatever this test left in
// its cgroups or started with its VZ_CONFDIR, removes its cgroups (in every v1 hierarchy, or the v2 one), unmounts
// anything left under the temporary directory and removes it.
//
// Runs as root on cgroup v1 (controllers under /sys/fs/cgroup/<ctrl>, as on the host) or pure cgroup v2 (one
// hierarchy at /sys/fs/cgroup, as in the test VM), told apart at run time as vzctl does. Tests read the container's
// cgroups only through the accessors of RuntimeTest that name what they check ("cpu quota", "memory limit",
// "pids failures"...); each has its v1 and its v2 reading in one place below, so a test body is the same on both.
// VZ_TEST_CGROUP=v2 in the environment (set by the v2 registration in tests/CMakeLists.txt) makes every test skip
// on a v1 host, so a test that says it ran on v2 did.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <regex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cpt/criu.hpp"
#include "../integration/cli_fixture.hpp"
#include "temp_dir.hpp"

namespace vztest {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline std::optional<std::string> try_read(const std::string& path) {
    try {
        return read_text(path);
    } catch (...) {
        return std::nullopt;
    }
}

inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return s.substr(i);
}

inline std::vector<pid_t> read_pid_list(const std::string& file) {
    std::vector<pid_t> out;
    for (auto& l : lines(try_read(file).value_or("")))
        if (!l.empty()) out.push_back(static_cast<pid_t>(std::stol(l)));
    return out;
}

// --- cgroup v1 or v2 ----------------------------------------------------------------------------------------------
enum class CgroupMode { V1, V2 };

// As vzctl decides it (CgroupLayout::detect): v2 when /sys/fs/cgroup is the unified hierarchy itself.
inline CgroupMode cgroup_mode() {
    static const CgroupMode mode =
        std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers") ? CgroupMode::V2 : CgroupMode::V1;
    return mode;
}

// Where cgroups of this test can be: each mounted v1 hierarchy ("cpu", "memory", the named "systemd" one, the
// hybrid host's "unified" cgroup2...) on v1, the one hierarchy on v2.
inline std::vector<std::string> cgroup_roots() {
    if (cgroup_mode() == CgroupMode::V2) return {"/sys/fs/cgroup"};
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/sys/fs/cgroup", ec))
        if (e.is_directory() && std::filesystem::exists(e.path() / "cgroup.procs")) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Why the runtime tests can't run here, or "" when they can.
inline std::string cgroup_unusable_reason() {
    const char* wanted = std::getenv("VZ_TEST_CGROUP");
    if (wanted && std::string(wanted) == "v2" && cgroup_mode() != CgroupMode::V2)
        return "registered as a cgroup v2 test (VZ_TEST_CGROUP=v2), but /sys/fs/cgroup is cgroup v1 here: "
               "the vm.v2 test runs it inside the cgroup v2 VM";
    if (cgroup_mode() == CgroupMode::V1 && !std::filesystem::exists("/sys/fs/cgroup/pids/cgroup.procs"))
        return "cgroup v1 without a pids hierarchy: vzctl needs one";
    return {};
}

// A number the kernel writes for a limit; "max" (v2, v1 pids), -1 (v1 cpu quota) and v1's "no limit" of memory
// (PAGE_COUNTER_MAX pages, near 2^63) are kUnlimited. Empty when `s` is not a number.
inline constexpr uint64_t kUnlimited = UINT64_MAX;
inline std::optional<uint64_t> parse_limit(const std::string& s) {
    if (s == "max" || s == "-1") return kUnlimited;
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    try {
        auto v = std::stoull(s);
        return v >= (1ULL << 62) ? kUnlimited : v;
    } catch (...) {
        return std::nullopt;
    }
}

// Field `n` (1-based, as in proc(5)) of /proc/PID/stat; empty when the process is gone.
inline std::string proc_stat_field(pid_t pid, int n) {
    auto stat = try_read("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return {};
    auto close = stat->rfind(')');
    if (close == std::string::npos) return {};
    if (n == 2) return stat->substr(stat->find('(') + 1, close - stat->find('(') - 1);
    std::vector<std::string> rest;
    size_t pos = close + 2;
    while (pos < stat->size()) {
        auto sp = stat->find(' ', pos);
        if (sp == std::string::npos) sp = stat->size();
        rest.push_back(stat->substr(pos, sp - pos));
        pos = sp + 1;
    }
    size_t idx = static_cast<size_t>(n - 3);
    return idx < rest.size() ? rest[idx] : std::string();
}

// Alive and not a zombie.
inline bool process_alive(pid_t pid) {
    auto state = proc_stat_field(pid, 3);
    return !state.empty() && state != "Z" && state != "X";
}

inline pid_t parent_of(pid_t pid) {
    auto f = proc_stat_field(pid, 4);
    return f.empty() ? -1 : static_cast<pid_t>(std::stol(f));
}

inline std::string comm_of(pid_t pid) { return trim(try_read("/proc/" + std::to_string(pid) + "/comm").value_or("")); }

// The NUL-separated strings of /proc/PID/environ or /proc/PID/cmdline.
inline std::vector<std::string> proc_strings(pid_t pid, const char* file) {
    return pieces(try_read("/proc/" + std::to_string(pid) + "/" + file).value_or(""), '\0');
}

// Mount points (host view) at or below `dir`, deepest first.
inline std::vector<std::string> mounts_under(const std::string& dir) {
    std::vector<std::string> out;
    for (auto& l : lines(try_read("/proc/self/mountinfo").value_or(""))) {
        // id parent maj:min root mountpoint ...
        size_t pos = 0;
        for (int f = 0; f < 4 && pos != std::string::npos; ++f) pos = l.find(' ', pos) + 1;
        if (pos == 0 || pos >= l.size()) continue;
        auto end = l.find(' ', pos);
        auto mp = l.substr(pos, end - pos);
        if (mp == dir || mp.rfind(dir + "/", 0) == 0) out.push_back(mp);
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
    return out;
}

// Polls `pred` every 50 ms until it is true or `limit` has passed; returns its last value.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
    auto end = Clock::now() + limit;
    for (;;) {
        if (pred()) return true;
        if (Clock::now() >= end) return pred();
        std::this_thread::sleep_for(50ms);
    }
}

// The busybox template, built once per test binary run into BUILD_DIR/test-templates/cache/busybox.tar.zst
// (mktemplate-busybox is atomic and skips an up-to-date file, so parallel test processes share it safely).
inline const std::string& busybox_template_dir() {
    static std::string dir;
    static std::string error;
    static std::once_flag once;
    std::call_once(once, [] {
        auto out = std::string(BUILD_DIR) + "/test-templates";
        auto cmd = std::string(SOURCE_DIR) + "/scripts/mktemplate-busybox '" + out + "/cache' busybox 2>&1";
        std::string log;
        FILE* p = ::popen(cmd.c_str(), "r");
        if (!p) {
            error = "can't run mktemplate-busybox";
            return;
        }
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) log.append(buf, n);
        int ws = ::pclose(p);
        if (ws != 0 || !std::filesystem::exists(out + "/cache/busybox.tar.zst")) error = "mktemplate-busybox failed: " + log;
        else dir = out;
    });
    if (!error.empty()) throw std::runtime_error(error);
    return dir;
}

class RuntimeTest : public CliTest {
protected:
    static constexpr unsigned kCt = 101;

    RuntimeTest() {
        auto leaf = tmp_.path().substr(tmp_.path().rfind('.') + 1);
        base_ = "vztest-rt-" + leaf;
        write_text(confdir_ + "/vz.conf",
                   "# runtime test vz.conf\n"
                   "LOCKDIR=\"" + tmp_ / "lock" + "\"\n" +
                   "TEMPLATE=\"" + busybox_template_dir() + "\"\n" +
                   "VE_ROOT=\"" + tmp_ / "root/$VEID" + "\"\n" +
                   "VE_PRIVATE=\"" + tmp_ / "private/$VEID" + "\"\n" +
                   "DUMPDIR=\"" + tmp_ / "dump" + "\"\n" +
                   "CONFIGFILE=\"vswap-256m\"\n"
                   "DEF_OSTEMPLATE=\"busybox\"\n"
                   "VE_LAYOUT=\"simfs\"\n"
                   "CGROUP_BASE=\"" + base_ + "\"\n" +
                   "LOGGING=\"yes\"\n"
                   "LOGFILE=\"" + tmp_ / "vzctl.log" + "\"\n" +
                   "LOG_LEVEL=\"1\"\n"
                   "STOP_TIMEOUT=\"30\"\n"
                   // A venet address gets proxy entries only on the device the host routes it to (with the test
                   // ranges blackholed by NetRanges: none), never on every device (the default, "all").
                   "NEIGHBOUR_DEVS=\"detect\"\n");
    }

    ~RuntimeTest() override { cleanup(); }

    void SetUp() override {
        if (auto why = cgroup_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
        auto r = run({"create", ct(), "--ostemplate", "busybox", "--config", "vswap-256m"});
        ASSERT_EQ(r.status, 0) << "create: " << r.out << r.err;
    }

    void TearDown() override {
        if (HasFailure()) {
            if (auto log = try_read(tmp_ / "vzctl.log")) std::fprintf(stderr, "--- vzctl.log ---\n%s\n", log->c_str());
        }
        cleanup();
    }

    static std::string ct() { return std::to_string(kCt); }

    // Runs vzctl with `input` on stdin (empty: /dev/null); kills it after `limit` (status 124 then, like timeout(1)).
    Result run(const std::vector<std::string>& args, const std::string& input = {},
               std::chrono::milliseconds limit = 120s, const std::string& binary = VZCTL_BIN) {
        auto n = std::to_string(runs_++);
        std::filesystem::create_directories(tmp_ / "rt-run");
        auto in_path = tmp_ / ("rt-run/" + n + ".in"), out_path = tmp_ / ("rt-run/" + n + ".out"),
             err_path = tmp_ / ("rt-run/" + n + ".err");
        write_text(in_path, input);
        std::vector<std::string> words{binary};
        words.insert(words.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        pid_t pid = ::fork();
        if (pid == 0) {
            int in = ::open(input.empty() ? "/dev/null" : in_path.c_str(), O_RDONLY);
            int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
                ::_exit(126);
            ::setenv("VZ_CONFDIR", confdir_.c_str(), 1);
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
        if (pid < 0) throw std::runtime_error("fork failed");
        Result r;
        int ws = 0;
        auto end = Clock::now() + limit;
        for (;;) {
            pid_t w = ::waitpid(pid, &ws, WNOHANG);
            if (w == pid) break;
            if (w < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
            if (Clock::now() >= end) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &ws, 0);
                r.status = 124;
                r.out = read_text(out_path);
                r.err = read_text(err_path) + "\n[test: killed after " + std::to_string(limit.count()) + " ms]";
                return r;
            }
            std::this_thread::sleep_for(5ms);
        }
        r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        r.out = read_text(out_path);
        r.err = read_text(err_path);
        return r;
    }

    Result vzlist_run(const std::vector<std::string>& args) { return run(args, {}, 60s, VZLIST_BIN); }

    // `vzctl exec2 101 CMD`: the command's own status and output.
    Result sh(const std::string& cmd) { return run({"exec2", ct(), cmd}); }

    std::string status_line() { return trim(run({"status", ct()}).out); }

    // The host directory a mount script binds on /mnt/data in the tests of such mounts: tmp_/hostdata, writable by an
    // unprivileged container's root (no one on the host), and the mount point in the private area.
    std::string host_data() const {
        auto data = tmp_ / "hostdata";
        std::filesystem::create_directories(data);
        ::chmod(data.c_str(), 0777);
        std::filesystem::create_directories(private_path(kCt) + "/mnt/data");
        return data;
    }
    // A process of the container's own appending to /mnt/data/log every 0.1 s through a file it keeps open; true once
    // the host's `data`/log shows it wrote.
    bool start_appending(const std::string& data) {
        auto r = sh("setsid sh -c 'exec 3>> /mnt/data/log; while :; do echo x >&3; sleep 0.1; done' "
                    "> /dev/null 2>&1 < /dev/null &");
        return r.status == 0 && eventually([&] { return appended(data) > 0; }, std::chrono::seconds(10));
    }
    // How much it has appended so far.
    static size_t appended(const std::string& data) { return try_read(data + "/log").value_or("").size(); }
    // Whether it appends more within 10 s.
    static bool appends_on(const std::string& data) {
        auto before = appended(data);
        return eventually([&] { return appended(data) > before; }, std::chrono::seconds(10));
    }

    // A process of the container holding /held open after the container removed that name, the file still linked
    // as /other (what CRIU's dump link-remaps); its pid inside, empty when it could not be started.
    std::string hold_removed_name() {
        auto r = sh("echo kept > /held; ln /held /other; setsid sh -c 'exec 3< /held; rm /held; echo $$ > /tmp/holder; "
                    "while :; do sleep 1; done' > /dev/null 2>&1 < /dev/null &");
        if (r.status != 0 || !eventually([&] { return sh("cat /tmp/holder").status == 0; }, std::chrono::seconds(10)))
            return {};
        return trim(sh("cat /tmp/holder").out);
    }

    // The value of `key` in the container's config file, or "" when the key is absent.
    std::string conf_value(const std::string& key) {
        std::regex re("^" + key + "=\"([^\"]*)\"");
        std::smatch m;
        for (auto& l : lines(read_text(conf_path(kCt))))
            if (std::regex_search(l, m, re)) return m[1];
        return {};
    }

    // Makes the container privileged (LOCAL_UID and LOCAL_GID 0, before it starts).
    ::testing::AssertionResult make_privileged() {
        auto conf = read_text(conf_path(kCt));
        for (std::string key : {"LOCAL_UID", "LOCAL_GID"}) {
            auto at = conf.find(key + "=\"");
            if (at == std::string::npos) return ::testing::AssertionFailure() << "create stores no " << key;
            conf.replace(at, conf.find('\n', at) - at, key + "=\"0\"");
        }
        write_text(conf_path(kCt), conf);
        return ::testing::AssertionSuccess();
    }

    // vz.conf's CRIU= set to a wrapper (tmp/criu) that runs the shell lines `before` (CRIU's arguments in "$@"), then
    // the real CRIU (scripts/setup's); `--version` goes to the real one at once. Returns vz.conf as it was.
    std::string wrap_criu(const std::string& before) {
        auto wrapper = tmp_ / "criu";
        std::string real(vz::cpt::kCriuWrapper);
        write_text(wrapper, "#!/bin/sh\n[ \"$1\" = --version ] && exec " + real + " --version\n" + before +
                                "exec " + real + " \"$@\"\n");
        ::chmod(wrapper.c_str(), 0755);
        auto conf = read_text(confdir_ + "/vz.conf");
        replace_text(confdir_ + "/vz.conf", conf + "CRIU=\"" + wrapper + "\"\n");
        return conf;
    }
    // wrap_criu that, when CRIU is started for a restore, writes what the shell command `command` prints into
    // `file`: the host's state as CRIU begins.
    std::string record_at_restore(const std::string& command, const std::string& file) {
        return wrap_criu("case \" $* \" in *\" restore \"*) PATH=/usr/sbin:/sbin:/usr/bin:/bin; (" + command + ") > " +
                         file + ";; esac\n");
    }

    // --- cgroups: what the tests check, read on v1 or v2 -----------------------------------------------------------
    // The container's cgroup that holds `controller`'s files: /sys/fs/cgroup/<controller>/<base>/<ct> on v1,
    // /sys/fs/cgroup/<base>/<ct> on v2 (whatever the controller; its processes are one level down, in ".../ct").
    std::string cg_dir(const std::string& controller) const {
        return ct_cgroup_in(v2() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + controller);
    }
    // The container's cgroup in the hierarchy mounted at `root`.
    std::string ct_cgroup_in(const std::string& root) const { return root + "/" + base_ + "/" + ct(); }

    // CPU time per period the container may use, in µs (kUnlimited: no --cpulimit): v1 cpu.cfs_quota_us, v2 the
    // first field of cpu.max.
    uint64_t cpu_quota_us() const {
        return v2() ? cg_limit("cpu", "cpu.max", 0) : cg_limit("cpu", "cpu.cfs_quota_us");
    }
    uint64_t cpu_period_us() const {
        return v2() ? cg_limit("cpu", "cpu.max", 1) : cg_limit("cpu", "cpu.cfs_period_us");
    }
    // CPU time the container used so far, in ns: v1 cpuacct.usage, v2 cpu.stat usage_usec.
    uint64_t cpu_usage_ns() const {
        return v2() ? cg_key("cpu", "cpu.stat", "usage_usec") * 1000 : cg_limit("cpuacct", "cpuacct.usage");
    }
    // Periods in which the container was throttled: cpu.stat nr_throttled on both.
    uint64_t cpu_throttled_count() const { return cg_key("cpu", "cpu.stat", "nr_throttled"); }
    // Weighs this test's CGROUP_BASE (its own, nothing else lives there) far above everything else on the machine,
    // so the container gets all the CPU its limit allows even on a busy one: v1 cpu.shares, v2 cpu.weight, maximal.
    void favour_base_cpu() const {
        if (v2()) write_text("/sys/fs/cgroup/" + base_ + "/cpu.weight", "10000");
        else write_text("/sys/fs/cgroup/cpu/" + base_ + "/cpu.shares", "262144");
    }

    // RAM the container may use, in bytes: v1 memory.limit_in_bytes, v2 memory.max.
    uint64_t memory_limit_bytes() const {
        return cg_limit("memory", v2() ? "memory.max" : "memory.limit_in_bytes");
    }
    // Swap the container may use on top of its RAM, in bytes: v2 memory.swap.max; v1 limits RAM + swap together,
    // memory.memsw.limit_in_bytes minus memory.limit_in_bytes.
    uint64_t swap_limit_bytes() const {
        if (v2()) return cg_limit("memory", "memory.swap.max");
        auto memsw = cg_limit("memory", "memory.memsw.limit_in_bytes"), ram = memory_limit_bytes();
        return memsw == kUnlimited || ram == kUnlimited || memsw < ram ? kUnlimited : memsw - ram;
    }
    // The most RAM + swap the container ever held, in bytes: v1 memory.memsw.max_usage_in_bytes; v2 memory.peak
    // plus memory.swap.peak (kernels before 6.5 keep no swap peak: the swap in use now stands in for it).
    uint64_t memory_and_swap_peak_bytes() const {
        if (!v2()) return cg_limit("memory", "memory.memsw.max_usage_in_bytes");
        auto swap = try_read(cg_dir("memory") + "/memory.swap.peak") ? cg_limit("memory", "memory.swap.peak")
                                                                      : cg_limit("memory", "memory.swap.current");
        return cg_limit("memory", "memory.peak") + swap;
    }
    // The kernel's counts of allocations the memory limits refused, each a real failure count, none a guess;
    // total() is their sum. v1: memory.failcnt, memory.memsw.failcnt and memory.oom_control oom_kill, over the
    // container's subtree (6.x kernels may leave v1 failcnt at 0 and count only the OOM kill, which v1 records in
    // the cgroup of the task that failed). v2: memory.events max and oom_kill, memory.swap.events max (hierarchical:
    // the container's own cgroup counts its subtree).
    struct Counters {
        std::vector<std::pair<std::string, uint64_t>> items;
        uint64_t total() const {
            uint64_t sum = 0;
            for (auto& [name, v] : items) sum += v;
            return sum;
        }
        friend std::ostream& operator<<(std::ostream& o, const Counters& c) {
            for (auto& [name, v] : c.items) o << name << " " << v << "; ";
            return o;
        }
    };
    Counters memory_failures() const {
        if (v2())
            return {{{"memory.events max", cg_key("memory", "memory.events", "max")},
                     {"memory.events oom_kill", cg_key("memory", "memory.events", "oom_kill")},
                     {"memory.swap.events max", cg_key("memory", "memory.swap.events", "max")}}};
        return {{{"memory.failcnt", cg_subtree_sum("memory", "memory.failcnt")},
                 {"memory.memsw.failcnt", cg_subtree_sum("memory", "memory.memsw.failcnt")},
                 {"memory.oom_control oom_kill", cg_subtree_sum("memory", "memory.oom_control", "oom_kill")}}};
    }

    // Processes the container may have (kUnlimited: none set), has now, and forks refused: pids.max, pids.current
    // and pids.events max on both (the last summed over the subtree: the kernel counts it in the cgroup of the
    // task whose fork failed, which is below the container's own).
    uint64_t pids_max() const { return cg_limit("pids", "pids.max"); }
    uint64_t pids_current() const { return cg_limit("pids", "pids.current"); }
    uint64_t pids_failures() const { return cg_subtree_sum("pids", "pids.events", "max"); }

    // The CPUs the container may run on, as the kernel lists them ("0-1,3"): cpuset.cpus of its cgroup on both.
    std::string cpuset_cpus() const { return cg_read("cpuset", "cpuset.cpus"); }
    // The container's CPU weight against its siblings: v1 cpu.shares, v2 cpu.weight; and what vzctl writes there
    // for OpenVZ cpuunits `units` (v1: units x 1024 / 1000, at least 2, so 1000 is v1's default 1024; v2: units /
    // 10 within 1..10000, so 1000 is v2's default 100).
    uint64_t cpu_weight() const { return cg_limit("cpu", v2() ? "cpu.weight" : "cpu.shares"); }
    static uint64_t cpu_weight_of_cpuunits(uint64_t units) {
        return v2() ? std::clamp<uint64_t>(units / 10, 1, 10000) : std::max<uint64_t>(2, units * 1024 / 1000);
    }
    // The container's proportional I/O weight (100..1000): v1 blkio.bfq.weight or, without BFQ, blkio.weight; v2
    // io.bfq.weight or io.weight, whose first line is "default N". Empty when the kernel offers none of them.
    std::optional<uint64_t> io_weight() const {
        auto files = v2() ? std::array{"io.bfq.weight", "io.weight"} : std::array{"blkio.bfq.weight", "blkio.weight"};
        for (auto* file : files) {
            auto text = try_read(cg_dir("blkio") + "/" + file);
            if (!text) continue;
            auto first = trim(lines(*text).empty() ? *text : lines(*text).front());
            if (first.rfind("default ", 0) == 0) first = first.substr(8);
            return parse_limit(first);
        }
        return std::nullopt;
    }
    // The container's I/O throttle of block device `dev` ("MAJ:MIN"), kUnlimited where there is none: v1 the
    // blkio.throttle.{read,write}_{bps,iops}_device lines of `dev`, v2 its io.max line "MAJ:MIN rbps=.. wbps=..
    // riops=.. wiops=..".
    struct IoThrottle {
        uint64_t rbps = kUnlimited, wbps = kUnlimited, riops = kUnlimited, wiops = kUnlimited;
    };
    IoThrottle io_throttle(const std::string& dev) const {
        IoThrottle t;
        if (v2()) {
            for (auto& l : lines(cg_read("blkio", "io.max"))) {
                auto words = pieces(l, ' ');
                if (words.empty() || words[0] != dev) continue;
                for (auto& w : words) {
                    auto eq = w.find('=');
                    if (eq == std::string::npos) continue;
                    auto key = w.substr(0, eq);
                    auto v = parse_limit(w.substr(eq + 1)).value_or(0);
                    if (key == "rbps") t.rbps = v;
                    if (key == "wbps") t.wbps = v;
                    if (key == "riops") t.riops = v;
                    if (key == "wiops") t.wiops = v;
                }
            }
            return t;
        }
        auto of = [&](const char* file) {
            for (auto& l : lines(cg_read("blkio", file))) {
                auto words = pieces(l, ' ');
                if (words.size() == 2 && words[0] == dev) return parse_limit(words[1]).value_or(0);
            }
            return kUnlimited;
        };
        t.rbps = of("blkio.throttle.read_bps_device");
        t.wbps = of("blkio.throttle.write_bps_device");
        t.riops = of("blkio.throttle.read_iops_device");
        t.wiops = of("blkio.throttle.write_iops_device");
        return t;
    }

    // A shell command for inside the container that mounts its view of the pids cgroup at `dir`: the root of its
    // cgroup namespace, one level below the container's cgroup that holds the limits.
    static std::string mount_own_pids_cgroup_command(const std::string& dir) {
        return v2() ? "mount -t cgroup2 none " + dir : "mount -t cgroup -o pids none " + dir;
    }
    // Whether root in the container may write the limit files of its cgroup namespace root: not from a user
    // namespace (the container's cgroup is delegated by systemd's set only: the files that move processes, and
    // cgroup.subtree_control on v2; its limit files stay the host root's); a privileged container may on v1 (they
    // limit nothing above them), and on cgroup2 unless it is mounted with nsdelegate (systemd's default).
    bool ct_may_write_its_root_limits() {
        if (conf_value("LOCAL_UID") != "0") return false;
        if (!v2()) return true;
        for (auto& l : lines(try_read("/proc/self/mounts").value_or(""))) {
            auto words = pieces(l, ' ');
            if (words.size() > 3 && words[1] == "/sys/fs/cgroup" && words[2] == "cgroup2")
                return !contains("," + words[3] + ",", ",nsdelegate,");
        }
        return true;
    }

    // The container's cgroup and every cgroup below it.
    std::vector<std::string> cg_subtree(const std::string& controller) const {
        std::vector<std::string> out{cg_dir(controller)};
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(cg_dir(controller), ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (it->is_directory()) out.push_back(it->path().string());
        return out;
    }
    // Cgroup roots (see cgroup_roots()) in which the container's cgroup directory exists.
    std::vector<std::string> ct_cgroups_left() const {
        std::vector<std::string> out;
        for (auto& root : cgroup_roots())
            if (std::filesystem::exists(ct_cgroup_in(root))) out.push_back(root);
        return out;
    }
    // Every process in the container's cgroup, including nested cgroups below it.
    std::vector<pid_t> ct_procs() const {
        std::vector<pid_t> out;
        for (auto& dir : cg_subtree("pids")) {
            auto more = read_pid_list(dir + "/cgroup.procs");
            out.insert(out.end(), more.begin(), more.end());
        }
        return out;
    }

    // The host pid of the container's init: the process of the CT's cgroup that is pid 1 in its own namespace.
    std::optional<pid_t> init_pid() const {
        for (pid_t pid : ct_procs()) {
            for (auto& l : lines(try_read("/proc/" + std::to_string(pid) + "/status").value_or(""))) {
                if (l.rfind("NSpid:", 0) != 0) continue;
                auto last = l.substr(l.find_last_of(" \t") + 1);
                if (last == "1" && l.find_first_of(" \t") != l.find_last_of(" \t")) return pid;
            }
        }
        return std::nullopt;
    }

    // Processes started with this test's VZ_CONFDIR (vzctl, the monitor, or a leftover of them).
    std::vector<pid_t> our_processes() const {
        std::vector<pid_t> out;
        auto mark = "VZ_CONFDIR=" + confdir_;
        std::error_code ec;
        for (auto& e : std::filesystem::directory_iterator("/proc", ec)) {
            auto name = e.path().filename().string();
            if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
            pid_t pid = static_cast<pid_t>(std::stol(name));
            if (pid == ::getpid() || !process_alive(pid)) continue;
            for (auto& s : proc_strings(pid, "environ"))
                if (s == mark) out.push_back(pid);
        }
        return out;
    }

    // Waits until busybox's rcS has finished (it writes /run/vz-booted).
    ::testing::AssertionResult wait_booted(std::chrono::milliseconds limit = 30s) {
        bool ok = eventually(
            [&] {
                auto init = init_pid();
                return init && std::filesystem::exists("/proc/" + std::to_string(*init) + "/root/run/vz-booted");
            },
            limit);
        if (ok) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "CT " << kCt << " did not finish booting (status: " << status_line()
                                             << ")";
    }

    // `vzctl start 101`, which must succeed, then wait for the boot to finish.
    ::testing::AssertionResult start_ct() {
        auto r = run({"start", ct()});
        if (r.status != 0)
            return ::testing::AssertionFailure() << "start exited " << r.status << ": " << r.out << r.err;
        return wait_booted();
    }

    // The configuration's beancounter file daemon: its mount point and processes. It outlives the last container's
    // stop by design (vz-service stop ends it); a start that failed after starting it stops it again.
    std::string ubcfs_mount() const { return tmp_ / "lock/ubcfs"; }
    std::vector<pid_t> ubcfs_daemons() const {
        std::vector<pid_t> out;
        for (pid_t pid : our_processes())
            if (comm_of(pid) == "vzubcfs") out.push_back(pid);
        return out;
    }

    // Whether nothing_left() accepts a running vzubcfs: after a stop it may stay; after a failed first start, not.
    enum class Ubcfs { MayStay, Gone };

    // What a stopped, cleaned-up container must not leave: processes, cgroups, mounts, lock.
    ::testing::AssertionResult nothing_left(Ubcfs ubcfs = Ubcfs::MayStay) {
        std::string problems;
        if (auto left = ct_cgroups_left(); !left.empty()) {
            problems += "cgroup " + base_ + "/" + ct() + " still exists in:";
            for (auto& root : left) problems += " " + root;
            problems += "; ";
        }
        bool daemon_ok = ubcfs == Ubcfs::MayStay;
        for (auto& m : mounts_under(tmp_.path()))
            if (!daemon_ok || m != ubcfs_mount()) {
                problems += "still mounted: " + m + "; ";
                break;
            }
        for (pid_t p : our_processes())
            if (!daemon_ok || comm_of(p) != "vzubcfs") {
                problems += "process " + std::to_string(p) + " (" + comm_of(p) + ") still runs; ";
                break;
            }
        if (std::filesystem::exists(lock_path(kCt))) problems += "lock file " + lock_path(kCt) + " left; ";
        if (problems.empty()) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << problems;
    }

    // nothing_left(), allowing the monitor's own clean-up after the container ended a moment to finish.
    ::testing::AssertionResult nothing_left_within(std::chrono::milliseconds limit = 10s,
                                                   Ubcfs ubcfs = Ubcfs::MayStay) {
        auto end = Clock::now() + limit;
        auto r = nothing_left(ubcfs);
        while (!r && Clock::now() < end) {
            std::this_thread::sleep_for(50ms);
            r = nothing_left(ubcfs);
        }
        return r;
    }

    std::string root_path() const { return tmp_ / ("root/" + ct()); }

    std::string base_;

private:
    std::atomic<unsigned> runs_ = 0;  // run() may be called from several threads (the storm tests)
    bool cleaned_ = false;

    static bool v2() { return cgroup_mode() == CgroupMode::V2; }

    std::string cg_read(const std::string& controller, const std::string& file) const {
        return trim(try_read(cg_dir(controller) + "/" + file).value_or("<missing " + file + ">"));
    }
    // The limit or count in `file` (or its word `word`, as in v2's "QUOTA PERIOD" cpu.max); kUnlimited for none.
    uint64_t cg_limit(const std::string& controller, const std::string& file, size_t word = 0) const {
        auto text = cg_read(controller, file);
        auto words = pieces(text, ' ');
        auto v = word < words.size() ? parse_limit(words[word]) : std::nullopt;
        if (v) return *v;
        ADD_FAILURE() << cg_dir(controller) << "/" << file << " has no number at word " << word << ": " << text;
        return 0;
    }
    // A "key value" line of a flat-keyed cgroup file such as cpu.stat or pids.events.
    uint64_t cg_key(const std::string& controller, const std::string& file, const std::string& key) const {
        for (auto& l : lines(cg_read(controller, file)))
            if (l.rfind(key + " ", 0) == 0) return std::stoull(l.substr(key.size() + 1));
        ADD_FAILURE() << "no " << key << " in " << cg_dir(controller) << "/" << file;
        return 0;
    }
    // A counter (the whole file, or its line `key`) summed over the container's cgroup subtree.
    uint64_t cg_subtree_sum(const std::string& controller, const std::string& file, const std::string& key = {}) const {
        uint64_t sum = 0;
        for (auto& dir : cg_subtree(controller)) {
            auto text = try_read(dir + "/" + file);
            if (!text) continue;
            if (key.empty()) {
                sum += std::stoull(trim(*text));
                continue;
            }
            for (auto& l : lines(*text))
                if (l.rfind(key + " ", 0) == 0) sum += std::stoull(l.substr(key.size() + 1));
        }
        return sum;
    }

    // Thaws and kills everything in a cgroup tree (v1 freezer.state, v2 cgroup.freeze and cgroup.kill).
    static void kill_cgroup_tree(const std::string& dir) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) return;
        for (auto& e : std::filesystem::directory_iterator(dir, ec))
            if (e.is_directory()) kill_cgroup_tree(e.path().string());
        if (std::filesystem::exists(dir + "/freezer.state")) std::ofstream(dir + "/freezer.state") << "THAWED";
        if (std::filesystem::exists(dir + "/cgroup.freeze")) std::ofstream(dir + "/cgroup.freeze") << "0";
        if (std::filesystem::exists(dir + "/cgroup.kill")) std::ofstream(dir + "/cgroup.kill") << "1";
        for (pid_t pid : read_pid_list(dir + "/cgroup.procs"))
            if (pid > 1) ::kill(pid, SIGKILL);
    }

    static void remove_cgroup_tree(const std::string& dir) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) return;
        for (auto& e : std::filesystem::directory_iterator(dir, ec))
            if (e.is_directory()) remove_cgroup_tree(e.path().string());
        ::rmdir(dir.c_str());
    }

    void cleanup() {
        if (cleaned_) return;
        cleaned_ = true;
        if (std::filesystem::exists(conf_path(kCt))) {
            run({"stop", ct(), "--fast"}, {}, 60s);
            run({"destroy", ct()}, {}, 60s);
        }
        // Whatever is still around was started by this test: end it by pid.
        for (int round = 0; round < 100; ++round) {
            bool any = false;
            for (pid_t pid : our_processes()) {
                ::kill(pid, SIGKILL);
                any = true;
            }
            for (auto& root : cgroup_roots()) {
                auto dir = root + "/" + base_;
                if (!std::filesystem::exists(dir)) continue;
                kill_cgroup_tree(dir);
                remove_cgroup_tree(dir);
                if (std::filesystem::exists(dir)) any = true;
            }
            if (!any) break;
            std::this_thread::sleep_for(50ms);
        }
        for (auto& mp : mounts_under(tmp_.path())) ::umount2(mp.c_str(), MNT_DETACH);
    }
};

}  // namespace vztest
