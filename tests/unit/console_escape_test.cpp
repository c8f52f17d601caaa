// What the user types at `vzctl console` (runtime/pty.hpp ConsoleEscape): ESC . at a line start detaches, as the
// original's console did; everything else reaches the container unchanged.
#include <gtest/gtest.h>

#include <vector>

#include "runtime/pty.hpp"

namespace {

struct Case {
    const char* what;
    std::vector<std::string_view> reads;  // one feed() each
    bool detached;
    std::string_view out;  // what went on, all reads together
};

const Case kCases[] = {
    {"ESC . as the first keys detaches", {"\x1b.ignored"}, true, ""},
    {"ESC . after a carriage return detaches", {"ls\r\x1b."}, true, "ls\r"},
    {"ESC . after a newline detaches", {"ls\n\x1b."}, true, "ls\n"},
    {"ESC inside a line goes on", {"a\x1b.b"}, false, "a\x1b.b"},
    // The second ESC is no longer at a line start: it goes on at once.
    {"ESC and another key go on as both", {"\x1b[A\x1b\x1b"}, false, "\x1b[A\x1b\x1b"},
    {"ESC ! is dropped, the line still starts", {"\x1b!\x1b."}, true, ""},
    {"an ESC ending one read waits for the next", {"\r\x1b", "."}, true, "\r"},
    {"an ESC ending one read goes on with the next key", {"\x1b", "x"}, false, "\x1bx"},
};

TEST(ConsoleEscape, DetachesOnEscDotAtALineStartOnly) {
    for (auto& c : kCases) {
        vz::ConsoleEscape e;
        std::string out;
        bool detached = false;
        for (auto r : c.reads) detached = e.feed(r, out);
        EXPECT_EQ(detached, c.detached) << c.what;
        EXPECT_EQ(out, c.out) << c.what;
    }
}

}  // namespace
