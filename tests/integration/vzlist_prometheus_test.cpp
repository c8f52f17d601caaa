// `vzlist --prometheus[=FILE]`: the metrics of a running container pass the real `promtool check metrics`, show its
// state, every beancounter's five figures and a CPU limit set with vzctl; FILE is replaced whole (a reader never
// sees part of it, a directory it can't be written in leaves the old file and fails with one line); the real
// prometheus-node-exporter's textfile collector serves them. The systemd units that run it pass
// `systemd-analyze verify` in the systemd.* tests (tests/CMakeLists.txt), as every unit of etc/systemd does.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "config/beancounters.hpp"
#include "live_ct_fixture.hpp"
#include "../support/test_net.hpp"

namespace {

using namespace vztest;

constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kNodeExporter = "/usr/bin/prometheus-node-exporter";
// The last family of the output: a reader that sees it has seen the whole file.
constexpr const char* kLastFamily = "# TYPE vz_ct_beancounter_failcnt_total counter";

// The value of the sample whose line starts with `series` (name and labels up to where the caller stops), or "".
std::string sample(const std::string& text, const std::string& series) {
    for (auto& l : lines(text))
        if (l.starts_with(series)) return l.substr(l.rfind(' ') + 1);
    return "";
}

// A TCP port on 127.0.0.1 that nobody listens on now.
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

// `GET path` over HTTP/1.0 from 127.0.0.1:port: the whole answer, or "" when nothing answers.
std::string http_get(int port, const std::string& path) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "";
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        auto req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
            char buf[65536];
            for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
        }
    }
    ::close(fd);
    return out;
}

// A process of the test's own, killed and reaped when this goes out of scope (also when an assertion fails).
class Child {
public:
    Child(std::vector<std::string> words, const std::string& log) {
        std::vector<char*> argv;
        for (auto& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int in = ::open("/dev/null", O_RDONLY);
            if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(126);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    bool started() const { return pid_ > 0; }

private:
    pid_t pid_ = -1;
};

class VzlistPrometheus : public LiveCtTest {
protected:
    Result promtool_check(const std::string& text) {
        return run({"check", "metrics"}, text, 60s, kPromtool);
    }
    // `vzlist --prometheus 101` to stdout (the CTID after the option is a container, not a file); it must succeed.
    std::string metrics() {
        auto r = vzlist_run({"--prometheus", ct()});
        EXPECT_FALSE(std::filesystem::exists(ct())) << "--prometheus took the CTID for its FILE";
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    }
    // The labels of CT 101 in every series, as its config sets them below.
    static std::string ct_series(const std::string& name) {
        return name + "{ctid=\"101\",name=\"metrics-ct\",hostname=\"ct101.example\"";
    }
};

TEST_F(VzlistPrometheus, RunningCtPassesPromtoolWithItsStateBeancountersAndCpuLimit) {
    ASSERT_TRUE(std::filesystem::exists(kPromtool)) << kPromtool << " is missing (scripts/setup installs prometheus)";
    auto set = run({"set", ct(), "--name", "metrics-ct", "--hostname", "ct101.example", "--save"});
    ASSERT_EQ(set.status, 0) << set.out << set.err;
    ASSERT_TRUE(start_ct());
    set = run({"set", ct(), "--cpulimit", "50", "--save"});
    ASSERT_EQ(set.status, 0) << set.out << set.err;

    auto text = metrics();
    auto check = promtool_check(text);
    EXPECT_EQ(check.status, 0) << check.out << check.err << "\n" << text;
    EXPECT_EQ(check.out + check.err, "") << "promtool's lint";

    EXPECT_EQ(sample(text, ct_series("vz_ct_state") + ",state=\"running\"}"), "1") << text;
    EXPECT_EQ(sample(text, ct_series("vz_ct_state") + ",state=\"stopped\"}"), "0") << text;
    EXPECT_EQ(sample(text, ct_series("vz_ct_cpu_limit_cpus") + "}"), "0.5") << text;
    EXPECT_GT(std::stod("0" + sample(text, ct_series("vz_ct_cpu_usage_seconds_total") + "}")), 0) << text;
    EXPECT_GE(std::stoul("0" + sample(text, ct_series("vz_ct_processes") + "}")), 1u) << text;
    // vswap-256m: 256 MiB of RAM.
    EXPECT_EQ(sample(text, ct_series("vz_ct_memory_limit_bytes") + "}"), std::to_string(256ULL << 20)) << text;

    // Every resource of the beancounter table, each with its five figures.
    size_t resources = 0;
    for (auto& res : vz::ubc_resources()) {
        if (!vz::ubc_listed(res)) continue;
        ++resources;
        for (const char* part : {"held", "maxheld", "barrier", "limit", "failcnt_total"}) {
            auto series = ct_series(std::string("vz_ct_beancounter_") + part) + ",resource=\"" +
                          std::string(res.name) + "\",";
            EXPECT_NE(sample(text, series), "") << series << " is missing";
        }
    }
    size_t held_rows = 0;
    for (auto& l : lines(text)) held_rows += l.starts_with(ct_series("vz_ct_beancounter_held") + ",resource=");
    EXPECT_EQ(held_rows, resources) << text;
    EXPECT_GT(resources, 20u);
    EXPECT_EQ(sample(text, ct_series("vz_ct_beancounter_limit") + ",resource=\"privvmpages\","), "+Inf") << text;

    // Stopped: one state, and a listing without the running CT's figures still passes.
    ASSERT_EQ(run({"stop", ct(), "--fast"}).status, 0);
    text = metrics();
    EXPECT_EQ(sample(text, ct_series("vz_ct_state") + ",state=\"stopped\"}"), "1") << text;
    EXPECT_EQ(sample(text, ct_series("vz_ct_state") + ",state=\"running\"}"), "0") << text;
    EXPECT_EQ(sample(text, ct_series("vz_ct_cpu_usage_seconds_total")), "") << text;
    check = promtool_check(text);
    EXPECT_EQ(check.status, 0) << check.out << check.err;
}

TEST_F(VzlistPrometheus, FileIsReplacedWholeAndAFailedWriteKeepsTheOldOne) {
    ASSERT_TRUE(start_ct());
    auto dir = tmp_ / "textfile";
    std::filesystem::create_directories(dir);
    auto file = dir + "/vz.prom";
    auto r = vzlist_run({"--prometheus=" + file});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    ASSERT_NE(read_text(file).find(kLastFamily), std::string::npos);

    // A reader in a loop while the file is written again and again sees a whole file every time.
    std::atomic<bool> done{false};
    std::atomic<int> reads{0}, partial{0};
    std::thread reader([&] {
        while (!done) {
            std::ifstream in(file, std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            ++reads;
            if (text.find(kLastFamily) == std::string::npos || !text.ends_with('\n')) ++partial;
        }
    });
    for (int i = 0; i < 20; ++i) EXPECT_EQ(vzlist_run({"--prometheus=" + file}).status, 0);
    done = true;
    reader.join();
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(partial.load(), 0) << "of " << reads.load() << " reads";
    for (auto& e : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(e.path().filename(), "vz.prom") << "left behind";

    // A directory it can't write in (a read-only bind mount: root writes anywhere else): the old file stays, one
    // line of error, status 1.
    write_text(file, "old\n");
    ASSERT_EQ(::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr), 0);
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{dir};
    ASSERT_EQ(::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0);
    r = vzlist_run({"--prometheus=" + file});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(dir), std::string::npos) << r.err;
    EXPECT_EQ(read_text(file), "old\n");
}

TEST_F(VzlistPrometheus, NodeExporterServesTheMetrics) {
    ASSERT_TRUE(std::filesystem::exists(kNodeExporter))
        << kNodeExporter << " is missing (scripts/setup installs prometheus-node-exporter)";
    ASSERT_TRUE(start_ct());
    auto dir = tmp_ / "textfile";
    std::filesystem::create_directories(dir);
    auto r = vzlist_run({"--prometheus=" + dir + "/vz.prom"});
    ASSERT_EQ(r.status, 0) << r.err;

    int port = free_port();
    ASSERT_GT(port, 0);
    auto log = tmp_ / "node-exporter.log";
    Child exporter({kNodeExporter, "--collector.disable-defaults", "--collector.textfile",
                    "--collector.textfile.directory=" + dir, "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                   log);
    ASSERT_TRUE(exporter.started());
    std::string scrape;
    ASSERT_TRUE(eventually([&] { return !(scrape = http_get(port, "/metrics")).empty(); }, 30s))
        << "node_exporter did not answer: " << read_text(log);
    EXPECT_TRUE(scrape.starts_with("HTTP/1.0 200") || scrape.starts_with("HTTP/1.1 200")) << scrape.substr(0, 200);
    EXPECT_EQ(sample(scrape, "node_textfile_scrape_error "), "0") << scrape;
    EXPECT_EQ(sample(scrape, "vz_ct_state{ctid=\"101\",state=\"running\"}"), "1") << scrape;
    EXPECT_NE(sample(scrape, "vz_ct_beancounter_held{ctid=\"101\",resource=\"numproc\","), "") << scrape;
}

// Traffic of a venet container, counted at its host end: a ping from the host is received by the container and
// answered by it. Under the Net* suites' lock and blackholes (tests/support/test_net.hpp).
class NetPrometheus : public RuntimeTest {
protected:
    NetRanges ranges_;
    void TearDown() override { run({"stop", ct(), "--fast"}, {}, 60s); }
};

TEST_F(NetPrometheus, VenetTrafficIsCountedBothWays) {
    auto r = run({"set", ct(), "--ipadd", "198.51.100.31", "--save"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(start_ct());
    ASSERT_TRUE(host_ping("198.51.100.31"));
    auto text = vzlist_run({ct(), "--prometheus"}).out;
    for (const char* family : {"vz_ct_network_receive_bytes_total", "vz_ct_network_transmit_bytes_total"}) {
        auto series = std::string(family) + "{ctid=\"101\",device=\"venet0\",host_device=\"venet101\"}";
        EXPECT_GT(std::stoull("0" + sample(text, series)), 0u) << series << "\n" << text;
    }
}

}  // namespace
