#include "util/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>

namespace vz {

std::string human_bytes(uint64_t bytes) {
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double v = static_cast<double>(bytes) / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(kUnits)) {
        v /= 1024;
        ++u;
    }
    return fmt::format("{:.1f} {}", v, kUnits[u]);
}

bool Progress::shown(bool wanted) { return wanted && ::isatty(STDERR_FILENO); }

Progress::Progress(std::string what, uint64_t total, bool wanted)
    : what_(std::move(what)), total_(total), on_(total > 0 && shown(wanted)) {
    update(0);  // the line from the start: a short operation still shows what it did
}

Progress::~Progress() {
    if (!on_ || shown_ < 0) return;
    // Finished: the line says 100%. Left by an error: it stays where it stopped, and the error follows below it.
    if (std::uncaught_exceptions() == 0) update(total_);
    (void)!::write(STDERR_FILENO, "\n", 1);
}

void Progress::update(uint64_t done) {
    if (!on_) return;
    done = std::min(done, total_);
    int percent = static_cast<int>(done * 100 / total_);
    if (percent == shown_) return;
    shown_ = percent;
    // \r and erase-to-end-of-line: the next draw replaces this one on the same line.
    auto line = fmt::format("\r{}: {:3d}% ({} of {})\033[K", what_, percent, human_bytes(done), human_bytes(total_));
    (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace vz
