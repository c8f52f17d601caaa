// Turning command-line parameter values into config values: validation, canonical saved form, and the merge
// rules of list parameters (--ipadd adds, --ipdel removes, --capability merges by name, ...).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "config/conf_file.hpp"
#include "config/kinds.hpp"
#include "config/params.hpp"

namespace vz {

struct Change {
    const ParamDef* def = nullptr;
    std::string value;  // as given on the command line
};

struct EditContext {
    unsigned ctid = 0;
    unsigned ncpus = 1;       // for --cpulimit N%
    std::string host_id;      // salt of generated MAC addresses
    std::string dev_root = "/dev";  // where --devnodes names are looked up
};

// Apply `changes` in command-line order to `conf`. Bad values throw vz::Error naming the option and the accepted
// form (21; a field option without --ifname: 20). Returns warnings (skipped unknown names, clamped values).
std::vector<std::string> apply_changes(ConfFile& conf, std::span<const Change> changes, const EditContext& ctx);

// The values of known parameters in `conf` that they do not accept, each its parameter and a message
// "<file>: KEY=\"value\": expected ...".
struct BadValue {
    const ParamDef* param;
    std::string message;
};
std::vector<BadValue> bad_values(const ConfFile& conf);
// Throws vz::Error(21) with the first of bad_values().
void validate_config(const ConfFile& conf);

}  // namespace vz
