// The host side of `vzctl enter`: the user's terminal in raw mode, relayed both ways to a pty master that lives
// in the container's devpts; window size set at start and on every SIGWINCH; the terminal restored on every exit.
#pragma once

#include <string>

namespace vz {

// Relays between stdin/stdout and `master` until the container side closes or the process of `shell_pidfd` (the
// session's shell, or what waits for it) has ended; what the shell wrote last is still shown. `typed` is written to
// the master first (enter --exec). Returns when the session ends.
void relay_terminal(int master, const std::string& typed, int shell_pidfd);

}  // namespace vz
