// One progress line for a long operation (template unpack), for the person at the terminal: drawn on stderr and
// only when stderr is a terminal, so nothing a script reads on stdout ever changes and a script's log stays clean.
#pragma once

#include <cstdint>
#include <string>

namespace vz {

class Progress {
public:
    // `what` leads the line ("Unpacking debian-12-x86_64.tar.zst"); `total` is in bytes (0: unknown, no line).
    // Nothing is drawn unless `wanted` and stderr is a terminal.
    Progress(std::string what, uint64_t total, bool wanted);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // Whether a line would be drawn (`wanted` and stderr a terminal): a caller asks before it pays for the total.
    static bool shown(bool wanted);

    // Redraws when the whole percent changed: a few hundred writes for any size.
    void update(uint64_t done);

private:
    std::string what_;
    uint64_t total_;
    bool on_;
    int shown_ = -1;
};

// "12.3 MiB": bytes for a person, binary units, one decimal from KiB up.
std::string human_bytes(uint64_t bytes);

}  // namespace vz
