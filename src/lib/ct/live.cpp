// set on a running container: the changed parameters applied at once, without a restart.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "config/params.hpp"
#include "ct/host.hpp"
#include "ct/probe.hpp"
#include "runtime/join.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

namespace vz {
namespace {

// Runs `body` inside the running container (its namespaces, all capabilities); its exit status.
int run_inside(const CtConfig& cfg, CgroupDriver& cg, const std::function<void()>& body) {
    auto init = find_init(cg, cfg.ctid());
    if (!init) fail(Exit::NotRunning, "Container is not running");
    JoinSpec js{cfg.ctid(), *init, ~0ULL, {}};
    return ChildProcess(fork_in_ct(js, cg, body)).wait();
}

}  // namespace

std::vector<std::string> apply_running(const CtConfig& cfg, const std::vector<std::string>& keys) {
    unsigned groups = 0;
    for (auto& k : keys) groups |= groups_of_key(k);
    auto cg = driver_of(cfg);
    if (groups & kResHostname) {
        auto name = cfg.get_or("HOSTNAME", "");
        int code = run_inside(cfg, *cg, [&] {
            if (::sethostname(name.data(), name.size()) != 0) ::_exit(1);
            Fd fd(::open("/etc/hostname", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            ::_exit(fd && write_all(fd.get(), name + "\n") ? 0 : 1);
        });
        if (code != 0) fail(Exit::System, "can't set the host name of CT {}", cfg.ctid());
    }
    if (!(groups & kResAll)) return {};
    auto res = resources_from_config(cfg);
    if (groups & kResPty) {
        // devpts max= lives in the container's mount namespace: remount it there.
        auto opts = devpts_options(res.numpty);
        int code = run_inside(cfg, *cg, [&] {
            int rc = ::mount("devpts", "/dev/pts", "devpts", MS_REMOUNT | MS_NOSUID | MS_NOEXEC, opts.c_str());
            ::_exit(rc == 0 ? 0 : 1);
        });
        if (code != 0) fail(Exit::SetUbc, "can't change numpty of CT {}: remount of /dev/pts failed", cfg.ctid());
    }
    return cg->apply(cfg.ctid(), res, groups & kResAll & ~static_cast<unsigned>(kResPty), cfg.ve_private());
}

}  // namespace vz
