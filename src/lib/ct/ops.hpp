// Container operations on configuration and disk: create, destroy, set (config side), names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/edit.hpp"
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

// Removes the private area only when it is missing, empty, or marked by create as this container's; `force`
// skips the mark (areas made by older builds). The paths are checked first (config/areas.hpp).
void destroy_ct(const Paths& p, unsigned ctid, const std::string& command, bool force = false);

enum class SetMode { Default, Restart, Ignore };

struct SetRequest {
    std::vector<Change> changes;
    bool save = false;
    bool force = false;
    bool reset_ub = false;
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

// Values the original's context needs for editing: CPU count, host id for MACs.
EditContext edit_context(unsigned ctid);

}  // namespace vz
