// --userpasswd: a user's password inside a container, a running one or (stopped) a temporary one.
#include <crypt.h>
#include <sys/random.h>
#include <unistd.h>

#include "ct/host.hpp"
#include "ct/probe.hpp"
#include "runtime/join.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// A SHA-512 crypt(3) hash with a random salt.
std::string hash_password(const std::string& password) {
    static const char alphabet[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char rnd[16];
    if (::getrandom(rnd, sizeof rnd, 0) != static_cast<ssize_t>(sizeof rnd)) fail(Exit::ChangePass, "getrandom failed");
    std::string setting = "$6$";
    for (unsigned char c : rnd) setting += alphabet[c % 64];
    crypt_data data{};
    const char* h = ::crypt_r(password.c_str(), setting.c_str(), &data);
    if (!h || h[0] == '*') fail(Exit::ChangePass, "can't hash the password");
    return h;
}

// Inside the container: replace the user's hash in /etc/shadow (atomically, by rename). Exit 0 or 1.
[[noreturn]] void write_shadow(const std::string& user, const std::string& hash) {
    auto text = read_file("/etc/shadow");
    if (!text) ::_exit(1);
    std::string out;
    bool found = false;
    for (auto& line : split(*text, "\n")) {
        auto f = line.find(':');
        if (f != std::string::npos && line.substr(0, f) == user) {
            auto g = line.find(':', f + 1);
            line = line.substr(0, f + 1) + hash + (g == std::string::npos ? "" : line.substr(g));
            found = true;
        }
        out += line + "\n";
    }
    if (!found) ::_exit(1);
    try {
        write_file_atomic("/etc/shadow", out, 0600);
    } catch (const Error&) {
        ::_exit(1);
    }
    ::_exit(0);
}

// The password set through the container's chpasswd, in a process that joins it (its init is `init`).
void set_password_in(const CtConfig& cfg, CgroupDriver& cg, pid_t init, const std::string& user_password) {
    auto colon = user_password.find(':');
    auto user = user_password.substr(0, colon);
    auto hash = hash_password(user_password.substr(colon + 1));
    // The distribution's chpasswd when it has one (it keeps its own rules), else /etc/shadow directly.
    auto in = make_pipe();
    ChildProcess child(fork_in_ct(join_spec(cfg, init), cg, [&] {
        ::dup2(in.rd.get(), 0);
        stdio_to_null(true);
        exec_argv({"chpasswd", "-e"}, exec_environment(), true);
        write_shadow(user, hash);
    }));
    in.rd.reset();
    bool written = write_all(in.wr.get(), user + ":" + hash + "\n");
    in.wr.reset();
    if (child.wait() != 0 || !written)
        fail(Exit::ChangePass, "can't set the password of {} in CT {}", user, cfg.ctid());
}

}  // namespace

void set_user_password(const CtConfig& cfg, const std::string& user_password) {
    auto cg = driver_of(cfg);
    if (auto init = find_init(*cg, cfg.ctid())) {
        set_password_in(cfg, *cg, *init, user_password);
        return;
    }
    // A stopped container, as the original: started for this alone (its mounts, cgroup and limits; no network, no
    // action scripts), with a shell as its init that holds it until its input closes, and taken down again.
    HostSetup host(cfg, *cg, {}, false);
    auto hold = make_pipe();
    ChildProcess holder(spawn_stand_in(cfg, *cg, host, {"/bin/sh", "-c", "read line"}, hold.rd.get()));
    hold.rd.reset();
    set_password_in(cfg, *cg, holder.pid(), user_password);
    hold.wr.reset();
    holder.wait();
}

}  // namespace vz
