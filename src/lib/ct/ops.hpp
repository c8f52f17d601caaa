// Container operations on configuration and disk: create, destroy, set (config side), names.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/edit.hpp"
#include "cpt/criu.hpp"
#include "config/ctconfig.hpp"
#include "ct/lifecycle.hpp"

namespace vz {

struct CreateRequest {
    std::string ostemplate;  // empty: DEF_OSTEMPLATE
    std::string config;      // empty: CONFIGFILE
    std::vector<Change> changes;
    bool progress = false;
    std::string command;     // for the lock file
};
void create_ct(const Paths& p, unsigned ctid, const CreateRequest& req);
// Where create looks for the archives of templates under the TEMPLATE directory `template_dir`: one shell glob per
// archive suffix, `*` standing for the template's name (the shell completion's list of templates).
std::vector<std::string> template_globs(const std::string& template_dir);

// What a create, convert or destroy of CT `ctid` killed midway left beside its private area `priv`, set right
// (under the container's lock; `conf` its config, null when it has none): areas being made or removed
// (.NAME.create.*, .NAME.convert.*, .NAME.destroyed.*) are removed; the simfs tree a convert moved aside
// (.NAME.converted.*) is removed when the config says ploop and the image is in place, else moved back in place of
// the unfinished image (or of nothing). create, destroy, convert, mount and start run it first.
void recover_private(unsigned ctid, const std::string& priv, const ConfFile* conf);
void recover_private(const CtConfig& cfg);

// Removes the private area only when it is missing, empty, or marked by create as this container's; `force`
// skips the mark (areas made by older builds). The paths are checked first (config/areas.hpp).
void destroy_ct(const Paths& p, unsigned ctid, const std::string& command, bool force = false);

// `vzctl convert CTID --layout ploop[:MODE]`: a stopped, unmounted simfs container moved into an image of DISKSPACE's
// size (ct/disk.hpp convert_to_image); its config then says VE_LAYOUT="ploop". Only ploop is a target (21); running
// 32, mounted 41, no DISKSPACE 63, anything else 155 with the container as it was.
// With `progress`, a terminal shows how far the copy into the image is (util/progress).
void convert_ct(const Paths& p, unsigned ctid, const std::string& layout, const std::string& command,
                bool progress);

enum class SetMode { Default, Restart, Ignore };

struct SetRequest {
    std::vector<Change> changes;
    bool save = false;
    bool force = false;
    bool reset_ub = false;
    bool offline_resize = false;  // --offline-resize: the ploop image resized only on a stopped, unmounted CT (21)
    SetMode setmode = SetMode::Default;
    std::optional<std::string> applyconfig;
    bool applyconfig_map = false;
    bool skiplock = false;
    std::string command;
};
// `tools` is used by --setmode restart.
void set_ct(const Paths& p, unsigned ctid, const SetRequest& req, const Tools& tools);

// Point names/<name> at the CT config (131 when another CT has the name); drop the old name's link.
void set_ct_name(const Paths& p, unsigned ctid, const std::string* old_name, const std::string& name);

// The destination's side of vzmigrate (the hidden vzctl command kMigrateCommand, run through ssh): where this node
// keeps CT `ctid` by its vz.conf alone (the CT's own config, if any, left out: the source's paths mean nothing here).
struct MigrationTarget {
    std::string private_dir, root, dumpdir, lockdir, confdir;
    bool kept = false;  // no CT config, and a private area marked as the CT's: what a failed migration kept
};
MigrationTarget migration_target(const Paths& p, unsigned ctid);
// Makes the empty private area and the root directory, and marks the area as the CT's, as create does, so that the
// copy that arrives in it can later be destroyed. An area marked as the CT's (kept by a failed migration) is taken
// up as it is; any other is refused (44).
void prepare_migration_target(const Paths& p, unsigned ctid);
// Undoes a migration that failed: ends a page server still waiting, removes the CT's config and name link, its
// dump, and, unless `keep_private`, its marked private area, the mark and the root directory. Refuses (32, 41) a CT that runs or is mounted here.
void discard_migration_target(const Paths& p, unsigned ctid, bool keep_private);
// For a live migration (vzctl __migrate page-server): a CRIU page server on this node's loopback, in the background,
// writing the memory pages a dump sends it into the CT's dump directory (made here; 16 when it exists); returns its
// port. It ends once the dump that connects to it is done; discard_migration_target ends it otherwise.
// With `pre`, the page server of vzmigrate's next pre-dump, writing into the CT's next pre-dump here (pre_dumps_dir);
// either way CRIU's parent of what it writes is the last pre-dump here, if any.
unsigned start_page_server(const Paths& p, unsigned ctid, bool pre);
// After the dump that served it ended (vzctl __migrate lazy-done): waits until the CRIU lazy-pages daemon of the CT's
// restore here (restore --lazy-pages, ct/lazy_pages.hpp) has ended too, and fails
// (17, with its log's error) unless it had every page. A dump's page server counts a connection that its daemon
// closed half-way as done, so only this side can tell; the restored processes would read zeros where the pages it
// did not get were. Fails too when the daemon has not ended within kLazyPagesEnd.
inline constexpr std::chrono::seconds kLazyPagesEnd{30};
void wait_lazy_pages(const Paths& p, unsigned ctid);
// For a live migration (vzctl __migrate criu, vzmigrate): this node's CRIU (vz.conf's CRIU=), found and checked as
// suspend checks it, as the report
// "CRIU=PATH\nVersion: X.Y.Z\nLAZY=all|privileged|no\nLAZY_SERVE=yes|no\nPRECOPY=yes|no\n"
// (LAZY: which containers a restore here can give their memory pages after they run: every one, privileged ones
// only as vm.unprivileged_userfaultfd is 0, none as the kernel has no userfaultfd for CRIU; LAZY_SERVE: whether a
// dump here can serve them: CRIU needs a 4 MiB pipe; PRECOPY: whether this kernel tracks dirty memory, for
// pre-dumps); and the version such a report names.
std::string criu_report(const Paths& p);
std::optional<cpt::CriuVersion> criu_report_version(std::string_view report);
inline constexpr const char* kMigrateCommand = "__migrate";

// Values the original's context needs for editing: CPU count, host id for MACs.
EditContext edit_context(unsigned ctid);

}  // namespace vz
