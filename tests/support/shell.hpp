// A shell command line of a test, its output captured, and a word quoted for it: shared by the tests that drive host
// tools (the Debian template's, the disk tests' mkfs and btrfs-progs, the network tests' iproute2).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace vztest {

// `s` as one sh word.
inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Output and exit status of a shell command line (stderr included).
struct Shell {
    int status = -1;
    std::string out;
};
inline Shell shell(const std::string& cmd) {
    Shell s;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) s.out.append(buf, n);
    int ws = ::pclose(p);
    s.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return s;
}

}  // namespace vztest
