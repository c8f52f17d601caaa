// vzmigrate's command line: the original's options (reference 5.1), its exit codes, and one error type carrying
// them (vzmigrate's codes are its own, not vzctl's).
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace vzmigrate {

// The original script's exit codes; the values are the public contract.
enum class Code : int {
    Ok = 0,
    Usage = 1,
    NotRunning = 2,         // --online asked for a CT that does not run
    Connect = 4,            // can't connect to the destination
    Copy = 6,               // copying the config or the private area failed
    DestinationStart = 7,   // can't start, mount or restore on the destination
    SourceStop = 8,         // can't stop (checkpoint) the source
    ExistsThere = 9,        // the CT exists on the destination
    NoCt = 10,              // the CT does not exist here (also: vz.conf unreadable)
    IpInUse = 12,           // one of its addresses is in use on the destination
    Quota = 13,
    Unsupported = 14,       // the destination has no vzctl; checkpointing not available
    SetName = 15,           // can't apply the name on the destination
    PloopUnsupported = 16,
    CptVersion = 17,
    Cpu = 18,
    RemoteConfig = 19,      // can't read the destination's vz.conf
    Locked = 20,
};

class Failure : public std::runtime_error {
public:
    Failure(Code code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Code code() const noexcept { return code_; }

private:
    Code code_;
};

template <typename... Args>
[[noreturn]] void fail(Code code, fmt::format_string<Args...> f, Args&&... args) {
    throw Failure(code, fmt::format(f, std::forward<Args>(args)...));
}

struct Options {
    bool help = false;
    std::string remove_area = "yes";
    std::vector<std::string> ssh, rsync;  // the words of every --ssh= and --rsync=, in order
    bool ssh_mux = false;
    bool keep_dst = false;
    bool online = false;
    bool no_lazy = false;  // --online: all the memory while frozen, even where post-copy is possible
    bool compact = false;
    bool snapshot = false;
    bool check_only = false;
    std::string nodeps;  // "", or what -f/--nodeps[=cpu,ipv6,all] ignores
    bool times = false;
    int verbose = 0;
    std::string destination, ct;

    bool ignores(const std::string& check) const;
};

extern const char* const kUsage;

// The options on `app` (for parsing and for the shell completion).
void define(CLI::App& app, Options& o);
// Throws CLI::ParseError on bad usage, Failure(Usage) on a bad value.
Options parse(const std::vector<std::string>& args);

}  // namespace vzmigrate
