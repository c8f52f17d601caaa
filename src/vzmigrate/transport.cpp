#include "transport.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "cli/syntax.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"
#include "util/strings.hpp"

namespace vzmigrate {

namespace {

// A word as the shell (the remote one, rsync's -e, the user reading -vv) reads it: quoted only when it must be.
std::string word_for_shell(const std::string& w) {
    auto plain = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    };
    return !w.empty() && std::all_of(w.begin(), w.end(), plain) ? w : vzcli::shell_quote(w);
}

std::string joined_quoted(const std::vector<std::string>& words) {
    std::string s;
    for (auto& w : words) s += (s.empty() ? "" : " ") + word_for_shell(w);
    return s;
}

void show(const std::vector<std::string>& argv) { vz::log::verbose(2, "+ {}", joined_quoted(argv)); }

}  // namespace

Transport::Transport(TransportOptions o) : o_(std::move(o)) {
    auto at = o_.destination.find('@');
    auto user = at == std::string::npos ? std::string("root") : o_.destination.substr(0, at);
    host_ = at == std::string::npos ? o_.destination : o_.destination.substr(at + 1);
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
    target_ = user + "@" + host_;
    // rsync tells an IPv6 address from the path after it by brackets.
    rsync_target_ = host_.find(':') == std::string::npos ? target_ : user + "@[" + host_ + "]";
    if (o_.mux) control_path_ = master_path();
}

std::string Transport::master_path() const {
    return "/tmp/.vzmigrate-ssh-" + std::to_string(::getpid()) + "-" + host_ + "-" + std::to_string(o_.ctid);
}

Transport::~Transport() {
    if (!master_) return;
    auto argv = ssh_words();
    // -q: without its "Exit request sent." on every run.
    argv.insert(argv.end(), {"-q", "-O", "exit", target_});
    show(argv);
    auto r = vz::run_command(argv);
    if (r.status != 0) vz::log::warn("can't end the ssh master connection {}", control_path_);
}

std::vector<std::string> Transport::ssh_words() const {
    std::vector<std::string> argv{"ssh"};
    argv.insert(argv.end(), o_.ssh.begin(), o_.ssh.end());
    // A host that drops packets would otherwise hold the first connection for minutes of TCP retries.
    argv.insert(argv.end(), {"-o", "BatchMode=yes", "-o", "ConnectTimeout=30"});
    if (o_.verbose >= 4) argv.push_back("-v");
    if (!control_path_.empty()) argv.insert(argv.end(), {"-o", "ControlPath=" + control_path_});
    return argv;
}

bool Transport::open_master() {
    if (control_path_.empty()) return true;
    auto argv = ssh_words();
    // -f: into the background once the connection is up; -N: no command; the master ends with `-O exit`.
    argv.insert(argv.end(), {"-o", "ControlMaster=yes", "-o", "ControlPersist=yes", "-f", "-N", target_});
    show(argv);
    master_ = vz::run_command(argv, vz::CommandOutput::PassOn).status == 0;
    return master_;
}

vz::ProgramResult Transport::run(const std::vector<std::string>& words) const {
    auto argv = ssh_words();
    argv.insert(argv.end(), {"-T", target_, joined_quoted(words)});
    show(argv);
    auto r = vz::run_command(argv);
    if (!r.output.empty()) vz::log::verbose(2, "{}", r.output);
    return r;
}

int Transport::rsync(std::vector<std::string> args, bool delete_extra, bool progress) const {
    std::vector<std::string> argv{"rsync", "-aHAX", "--numeric-ids"};
    if (delete_extra) argv.push_back("--delete");
    if (o_.verbose >= 2) argv.push_back("-v");
    // rsync's own line for the whole transfer (the total known first: no incremental recursion), on our stderr.
    progress = progress && o_.verbose < 2 && vz::Progress::shown(true);
    if (progress) argv.insert(argv.end(), {"--info=progress2", "--no-inc-recursive"});
    argv.insert(argv.end(), o_.rsync.begin(), o_.rsync.end());
    argv.insert(argv.end(), {"-e", joined_quoted(ssh_words())});
    argv.insert(argv.end(), args.begin(), args.end());
    show(argv);
    int status =
        vz::run_command(argv, progress ? vz::CommandOutput::ToStderr : vz::CommandOutput::PassOn).status;
    return status == 24 ? 0 : status;
}

int Transport::sync(const std::string& from, const std::string& to, const std::vector<std::string>& extra,
                    bool progress) const {
    std::vector<std::string> args = extra;
    args.insert(args.end(), {from + "/", rsync_target_ + ":" + to + "/"});
    return rsync(args, true, progress);
}

int Transport::add(const std::string& from, const std::string& to, const std::vector<std::string>& extra) const {
    std::vector<std::string> args = extra;
    args.insert(args.end(), {from + "/", rsync_target_ + ":" + to + "/"});
    return rsync(args, false);
}

vz::ProgramResult Transport::add_forward(const char* flag, unsigned listen, unsigned to) {
    if (!master_) {
        control_path_ = master_path();
        if (!open_master()) return {255, {}};
    }
    auto argv = ssh_words();
    argv.insert(argv.end(), {"-q", "-O", "forward", flag, fmt::format("127.0.0.1:{}:127.0.0.1:{}", listen, to),
                             target_});
    show(argv);
    return vz::run_command(argv);
}

bool Transport::forward(unsigned local, unsigned remote) { return add_forward("-L", local, remote).status == 0; }

std::optional<unsigned> Transport::forward_back(unsigned local) {
    auto r = add_forward("-R", 0, local);  // the master prints the port the destination's sshd picked
    if (r.status != 0) return std::nullopt;
    auto port = vz::parse_uint(r.output.substr(0, r.output.find('\n')), 1, 65535);
    return port ? std::optional<unsigned>(static_cast<unsigned>(*port)) : std::nullopt;
}

int Transport::copy_file(const std::string& from, const std::string& to) const {
    return rsync({from, rsync_target_ + ":" + to});
}

}  // namespace vzmigrate
