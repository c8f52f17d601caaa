// The way to the destination: OpenSSH for its commands, rsync over that ssh for the files; no protocol of our own.
// ssh runs with BatchMode (keys only, never a password prompt) and the user's --ssh options before ours, so that
// theirs win (ssh takes the first value of an option); with --ssh-mux one master connection carries every step.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/process.hpp"

namespace vzmigrate {

struct TransportOptions {
    std::string destination;               // [user@]host (root@ added when no user is given; [IPv6] or IPv6)
    std::vector<std::string> ssh, rsync;   // the user's extra words
    bool mux = false;
    int verbose = 0;
    unsigned ctid = 0;                     // names the master's socket
};

class Transport {
public:
    explicit Transport(TransportOptions o);
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;
    ~Transport();

    // Starts the master connection (--ssh-mux); false when it can't be had.
    bool open_master();
    // A command on the destination: its words, each quoted for the remote shell. Output captured; its standard
    // error goes to ours.
    vz::ProgramResult run(const std::vector<std::string>& words) const;
    // rsync of the local directory `from` (its contents) to `to` on the destination; rsync's status (24, files
    // that vanished during the copy, counts as success, as in the original). With `progress`, when our standard
    // error is a terminal (and not -vv), rsync draws its line for the whole transfer there.
    int sync(const std::string& from, const std::string& to, const std::vector<std::string>& extra,
             bool progress = false) const;
    // The same, adding to what `to` holds (no --delete: the pages a page server wrote there stay).
    int add(const std::string& from, const std::string& to, const std::vector<std::string>& extra) const;
    // Forwards `local` on this host's 127.0.0.1 to `remote` on the destination's, through the master connection
    // (opened now without --ssh-mux, and then used by every later step); false when ssh refuses it. It ends with
    // the master.
    bool forward(unsigned local, unsigned remote);
    // The other way: a port the destination's sshd picks on its 127.0.0.1 to `local` on this host's (ssh -R; the
    // same master); that port, nullopt when ssh refuses it.
    std::optional<unsigned> forward_back(unsigned local);
    // The same for one file.
    int copy_file(const std::string& from, const std::string& to) const;
    const std::string& host() const { return host_; }

private:
    std::vector<std::string> ssh_words() const;  // ssh and its options, without the host
    std::string master_path() const;             // the master connection's socket
    int rsync(std::vector<std::string> args, bool delete_extra = true, bool progress = false) const;
    // -L or -R (`listen` 0: the port picked there) through the master; ssh's result (the port picked: its output).
    vz::ProgramResult add_forward(const char* flag, unsigned listen, unsigned to);

    TransportOptions o_;
    std::string target_;        // user@host, as ssh takes it
    std::string rsync_target_;  // the same with an IPv6 address in brackets
    std::string host_;
    std::string control_path_;
    bool master_ = false;
};

}  // namespace vzmigrate
