// CRIU's lazy-pages daemon on the side of a restore whose memory pages come after its processes run again
// (vzctl restore --lazy-pages ADDR:PORT: vzmigrate --online's post-copy). The daemon takes the pages from the page
// server of the dump (vzctl chkpnt --dump --lazy-pages) and hands them to the restored processes as they touch
// them, the rest in the background; it ends once it has every page.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cpt/criu.hpp"
#include "util/fd.hpp"
#include "util/process.hpp"

namespace vz {

class LazyPagesDaemon {
public:
    // Starts it for the dump `dump` in a keeper of its own session, on its own copy of the dump (`dump`.lazy: hard
    // links to the images, as the restore removes the dump once the processes run while the daemon still reads
    // them; the keeper removes the copy once the daemon had every page, else leaves its exit status in it for
    // wait_lazy_pages_of), taking the pages from the dump's page server at address:port; returns at once, the
    // daemon gets ready meanwhile. 17 when the copy can't be made.
    LazyPagesDaemon(const cpt::Criu& criu, const std::string& dump, const std::string& address, uint16_t port);
    LazyPagesDaemon(const LazyPagesDaemon&) = delete;
    LazyPagesDaemon& operator=(const LazyPagesDaemon&) = delete;
    // Unless kept: the daemon ended and its copy removed.
    ~LazyPagesDaemon();
    // Waits until it is ready for the restore (its socket made); 17 with its log's error when it ended instead.
    void wait_ready();
    // It outlives this command; it ends by itself once it has every page (or discard_lazy_pages ends it).
    void keep() noexcept { kept_ = true; }

private:
    std::string images_;
    Fd ready_;
    ChildProcess keeper_;
    bool kept_ = false;
};

// After the dump that served it ended: waits until the daemon of the dump `dump` has ended too, and fails (17,
// naming CT `ctid` and its log's error) unless it had every page; fails too when it has not ended within `limit`.
void wait_lazy_pages_of(const std::string& dump, unsigned ctid, std::chrono::seconds limit);

// A failed migration's: the daemon of the dump `dump` ended if it still runs, its copy removed.
void discard_lazy_pages(const std::string& dump);

}  // namespace vz
