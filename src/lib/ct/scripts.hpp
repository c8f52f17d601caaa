// The original's action scripts, kept beside the container configs (/etc/vz/conf): on the host around the mount of
// the container's root (vps.premount and CTID.premount before it, vps.mount and CTID.mount after; CTID.umount and
// vps.umount before the unmount, CTID.postumount and vps.postumount after), and inside the container once it runs
// (CTID.start) and before it stops (CTID.stop); vps.create at the end of create. A script that is not there is
// skipped; one that fails is exit 79.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "config/ctconfig.hpp"

namespace vz {

class CgroupDriver;

// The per-container scripts, CTID.<name>: what destroy renames and vzmigrate copies with the config.
inline constexpr std::array<const char*, 6> kCtScripts = {"premount", "mount", "umount", "postumount", "start",
                                                          "stop"};

// Where a script is: conf_dir()/vps.<name> (`global`) or conf_dir()/CTID.<name>.
std::string script_path(const Paths& p, unsigned ctid, const char* name, bool global);

// The container's root mounted (ct/disk.hpp mount_private) between its premount and mount scripts, the global one
// of each first. False, with no script run, when it was mounted already. Each host script runs with vzctl's
// environment plus VEID and VE_CONFFILE, stdin from /dev/null, its output ours; one that fails (not executable, a
// status other than 0) is Error(ActionScript) naming it, and the rest are not run. A failing mount script unmounts
// the root again before its error.
bool mount_root(const Paths& p, const CtConfig& cfg, bool fsck = true, bool report = true);
// The root unmounted between its umount and postumount scripts, the container's of each first; nothing runs when it
// is not mounted. A failing umount script leaves the root mounted.
void umount_root(const Paths& p, const CtConfig& cfg);

// vps.create, at the end of create (the container's config saved, its private area made), as a host script; its
// failure (Error(ActionScript)) undoes the create.
void run_create_script(const Paths& p, unsigned ctid);

// The text of CTID.start or CTID.stop; nullopt when there is none.
std::optional<std::string> ct_script(const Paths& p, unsigned ctid, const char* name);
// `text` fed to a shell (bash, else sh) inside the running container whose init is `init`, as exec runs commands
// (runscript's way). Its exit status.
int run_script_inside(const CtConfig& cfg, CgroupDriver& cg, pid_t init, const std::string& text);

}  // namespace vz
