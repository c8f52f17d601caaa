#include "ct/lazy_pages.hpp"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLazySuffix = ".lazy";
constexpr const char* kLazyLog = "lazy-pages.log";
constexpr const char* kLazyPid = "vz-lazy-pages.pid";
// The daemon's exit status, written into its copy by its keeper when it failed (the copy is removed when it did not).
constexpr const char* kLazyExit = "lazy-pages.exit";

// Ends the daemon whose copy of a dump is `images` if it still runs.
void end_daemon(const std::string& images) { kill_listed(images + "/" + kLazyPid, "lazy-pages"); }

std::string daemon_error(const std::string& images) {
    auto why = cpt::criu_log_error(images + "/" + kLazyLog);
    return why.empty() ? "no log" : why;
}

std::string lazy_pages_dir(const std::string& dump) { return dump + kLazySuffix; }

}  // namespace

LazyPagesDaemon::LazyPagesDaemon(const cpt::Criu& criu, const std::string& dump, const std::string& address,
                                 uint16_t port)
    : images_(lazy_pages_dir(dump)) {
    std::error_code ec;
    fs::remove_all(images_, ec);
    link_files(dump, images_, Exit::Restore);
    ScopeGuard unmake([this] {
        std::error_code e;
        fs::remove_all(images_, e);
    });
    // The keeper runs the daemon (-W: its socket where the restore of `dump` looks for it), tells this process
    // whether it got ready, and removes the copy when it is done.
    auto ready = make_pipe();
    keeper_ = ChildProcess(fork_or_throw());
    if (keeper_.pid() == 0) {
        ::setsid();
        stdio_to_null();
        ready.rd.reset();
        int status = 127;
        try {
            auto daemon = cpt::start_criu(criu, {"lazy-pages", "--page-server", "--address", address, "--port",
                                                 std::to_string(port), "-D", images_, "-W", dump, "-o",
                                                 images_ + "/" + kLazyLog, "-v2"});
            write_file_atomic(images_ + "/" + kLazyPid, std::to_string(daemon.child.pid()) + "\n");
            write_all(ready.wr.get(), daemon.ready ? "1" : "0");
            ready.wr.reset();
            status = daemon.child.wait();
        } catch (const std::exception&) {
        }
        std::error_code e;
        if (status == 0) {
            fs::remove_all(images_, e);
        } else {
            try {
                write_file_atomic(images_ + "/" + kLazyExit, std::to_string(status));
            } catch (const std::exception&) {
            }
        }
        ::_exit(status);
    }
    ready_ = std::move(ready.rd);
    unmake.release();
}

void LazyPagesDaemon::wait_ready() {
    if (!ready_) return;
    char answer = 0;
    while (::read(ready_.get(), &answer, 1) < 0 && errno == EINTR) {
    }
    ready_.reset();
    if (answer != '1') {
        int status = keeper_.wait();
        fail(Exit::Restore, "CRIU lazy-pages daemon failed (exit {}): {}", status, daemon_error(images_));
    }
}

LazyPagesDaemon::~LazyPagesDaemon() {
    if (kept_) {
        keeper_.release();
        return;
    }
    // Not before it said whether it got ready: until then its pid file may not be there.
    try {
        wait_ready();
    } catch (const Error&) {
    }
    end_daemon(images_);
    if (keeper_) keeper_.wait();  // it writes into the copy until it ends
    std::error_code ec;
    fs::remove_all(images_, ec);
}

void wait_lazy_pages_of(const std::string& dump, unsigned ctid, std::chrono::seconds limit) {
    auto images = lazy_pages_dir(dump);
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (!path_exists(images)) return;
        if (auto status = read_file(images + "/" + kLazyExit))
            fail(Exit::Restore, "CRIU lazy-pages daemon of CT {} failed (exit {}): {}", ctid, *status,
                 daemon_error(images));
        if (std::chrono::steady_clock::now() >= end)
            fail(Exit::Restore, "CRIU lazy-pages daemon of CT {} did not end within {} s", ctid, limit.count());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void discard_lazy_pages(const std::string& dump) {
    auto images = lazy_pages_dir(dump);
    end_daemon(images);
    std::error_code ec;
    fs::remove_all(images, ec);
}

}  // namespace vz
