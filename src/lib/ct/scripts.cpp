// Action scripts: the host's around the root's mount and unmount, the container's own at start and stop.
#include "ct/scripts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/disk.hpp"
#include "runtime/join.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/scope.hpp"

extern char** environ;

namespace vz {
namespace {

enum class MountHook { Premount, Mount, Umount, Postumount };

struct HookScripts {
    const char* name;
    bool global_first;
};
constexpr HookScripts hook_scripts(MountHook h) {
    switch (h) {
    case MountHook::Premount: return {"premount", true};
    case MountHook::Mount: return {"mount", true};
    case MountHook::Umount: return {"umount", false};
    case MountHook::Postumount: return {"postumount", false};
    }
    return {"mount", true};
}

// vzctl's environment with VEID and VE_CONFFILE of this container in place of any it had.
std::vector<std::string> script_environment(const Paths& p, unsigned ctid) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string_view v(*e);
        if (!v.starts_with("VEID=") && !v.starts_with("VE_CONFFILE=")) env.emplace_back(v);
    }
    env.push_back("VEID=" + std::to_string(ctid));
    env.push_back("VE_CONFFILE=" + p.ct_conf(ctid));
    return env;
}

void run_host_script(const Paths& p, unsigned ctid, const char* what, const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return;
    if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
        fail(Exit::ActionScript, "{} script {} is not an executable file", what, path);
    auto env = script_environment(p, ctid);
    log::verbose(2, "Running: {}", path);
    ChildProcess child(fork_or_throw());
    if (child.pid() == 0) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || ::dup2(null, 0) < 0) ::_exit(127);
        close_from_on_exec(3);
        exec_argv({path}, env, false);
        ::_exit(127);
    }
    if (int status = child.wait(); status != 0)
        fail(Exit::ActionScript, "{} script {} failed with exit status {}", what, path, status);
}

// The host scripts of `hook` that exist: the global one first before and after a mount, the container's first around
// an unmount, as the original.
void run_mount_scripts(const Paths& p, const CtConfig& cfg, MountHook hook) {
    auto [name, global_first] = hook_scripts(hook);
    for (bool global : {global_first, !global_first})
        run_host_script(p, cfg.ctid(), name, script_path(p, cfg.ctid(), name, global));
}

}  // namespace

std::string script_path(const Paths& p, unsigned ctid, const char* name, bool global) {
    return p.conf_dir() + "/" + (global ? std::string("vps") : std::to_string(ctid)) + "." + name;
}

bool mount_root(const Paths& p, const CtConfig& cfg, bool fsck, bool report) {
    if (root_mounted(cfg)) return false;
    run_mount_scripts(p, cfg, MountHook::Premount);
    if (!mount_private(cfg, fsck, report)) return false;
    ScopeGuard unmount([&cfg] { umount_private(cfg); });
    run_mount_scripts(p, cfg, MountHook::Mount);
    unmount.release();
    return true;
}

void umount_root(const Paths& p, const CtConfig& cfg) {
    if (!root_mounted(cfg)) return;
    run_mount_scripts(p, cfg, MountHook::Umount);
    umount_private(cfg);
    run_mount_scripts(p, cfg, MountHook::Postumount);
}

void run_create_script(const Paths& p, unsigned ctid) {
    run_host_script(p, ctid, "create", script_path(p, ctid, "create", true));
}

std::optional<std::string> ct_script(const Paths& p, unsigned ctid, const char* name) {
    auto path = script_path(p, ctid, name, false);
    if (!path_exists(path)) return std::nullopt;
    auto text = read_file(path);
    if (!text) fail(Exit::ActionScript, "can't read the {} script {}", name, path);
    return text;
}

}  // namespace vz
