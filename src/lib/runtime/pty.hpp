// The host side of `vzctl enter` and `vzctl console`: the user's terminal in raw mode, relayed both ways to a pty
// master; window size set at start and on every SIGWINCH; the terminal restored on every exit. And the container's
// console: a pty of the host's devpts whose other end is the container's /dev/console.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/idmap.hpp"
#include "util/fd.hpp"

namespace vz {

// Relays between stdin/stdout and `master` until the container side closes or the process of `shell_pidfd` (the
// session's shell, or what waits for it) has ended; what the shell wrote last is still shown. `typed` is written to
// the master first (enter --exec). Returns when the session ends.
void relay_terminal(int master, const std::string& typed, int shell_pidfd);

// A terminal's group (tty) and mode in a container: its devpts's and its console's.
inline constexpr unsigned kTtyGid = 5;
inline constexpr unsigned kTtyMode = 0620;

// A container's console, or one of its ttys: a pty pair of the host's devpts. The container's /dev/console (or
// /dev/ttyN) is a bind of `path` (the other end), so init, boot scripts and a getty write there; its monitor holds
// `master`, drains it while nobody is attached and hands it to `vzctl console`. The other end belongs to the container's root (`userns`'s uid 0 and
// its tty group, kTtyGid), kTtyMode as a terminal's, so it opens /dev/console again.
struct ConsolePty {
    Fd master, other;
    std::string path;  // the other end on the host, /dev/pts/N
};
// `count` terminals of a container (at most monitor_protocol.hpp kTerminals), each a ConsolePty: [0] its console
// (also its /dev/tty1), [n - 1] its /dev/ttyN.
std::vector<ConsolePty> open_terminals(const std::optional<IdMap>& userns, size_t count);

// What the user types at the console, as the original reads it: ESC then '.' at the start of a line (the session's
// first byte, or after a carriage return) detaches; ESC then '!' (the original's SAK, which a pty has not) is
// dropped; ESC then anything else goes on as both bytes. Holds an ESC that ends one read until the next.
class ConsoleEscape {
public:
    // Appends what goes to the container to `out`; true when the user detached (the rest is dropped).
    bool feed(std::string_view typed, std::string& out);

private:
    bool line_start_ = true;
    bool escaped_ = false;
};

// The console as the monitor hands it over: the connection (the monitor drains the console again once it closes)
// and the master. Both invalid: the container does not run now.
struct ConsoleSession {
    Fd conn, master;
};

// `vzctl console`: until the user detaches (ConsoleEscape) or stdin ends, relays the user's terminal to the console
// that `attach` returns (asked again every 250 ms while the container does not run). When the console ends (the
// container stopped or rebooted), `attach` is asked again: the console waits for the next start. What is typed
// while no container runs is dropped, but for the escape.
void relay_console(const std::function<ConsoleSession()>& attach);

}  // namespace vz
