// Where things are: the global config directory (VZ_CONFDIR or /etc/vz), vz.conf, CT configs, names, samples;
// container ids and names; the view of one container's configuration over the global one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/conf_file.hpp"

namespace vz {

inline constexpr unsigned kCtidMax = 2147483644;
// LOCAL_UID / LOCAL_GID where neither the container's config nor vz.conf sets them: containers are unprivileged
// unless a config says 0.
inline constexpr unsigned kDefaultLocalId = 100000;

struct Paths {
    std::string confdir;  // /etc/vz
    std::string vz_conf() const { return confdir + "/vz.conf"; }
    std::string conf_dir() const { return confdir + "/conf"; }
    std::string names_dir() const { return confdir + "/names"; }
    std::string ct_conf(unsigned ctid) const { return conf_dir() + "/" + std::to_string(ctid) + ".conf"; }
    std::string sample(const std::string& name) const { return conf_dir() + "/ve-" + name + ".conf-sample"; }
    std::string name_link(const std::string& name) const { return names_dir() + "/" + name; }
};

Paths paths();

// A decimal CTID in range; nullopt otherwise.
std::optional<unsigned> parse_ctid(std::string_view s);

// A CTID, or a name resolved through the names directory (a symlink to <CTID>.conf). Anything else is refused
// with exit 21 and the argument in the message.
unsigned resolve_ctid(const Paths& p, const std::string& arg);
// The CTID a name link points to, or nullopt.
std::optional<unsigned> name_target(const Paths& p, const std::string& name);

// CTIDs that have a <CTID>.conf, ascending.
std::vector<unsigned> list_ct_ids(const Paths& p);

// vz.conf; a missing file is exit 10. Its warnings (a name set twice) are logged, each once per process.
ConfFile load_global(const Paths& p);

// One container's configuration: values from <CTID>.conf over vz.conf.
class CtConfig {
public:
    CtConfig(unsigned ctid, std::shared_ptr<const ConfFile> global, std::optional<ConfFile> ct) :
        ctid_(ctid), global_(std::move(global)), ct_(std::move(ct)) {}

    unsigned ctid() const { return ctid_; }
    bool exists() const { return ct_.has_value(); }
    const std::string* get(std::string_view key) const;
    std::string get_or(std::string_view key, std::string def) const;
    // VE_ROOT / VE_PRIVATE with $VEID expanded; exit 22 / 23 when unset.
    std::string ve_root() const;
    std::string ve_private() const;

    const ConfFile& global() const { return *global_; }
    ConfFile& ct_file() { return *ct_; }
    const ConfFile* ct_file_ptr() const { return ct_ ? &*ct_ : nullptr; }

private:
    unsigned ctid_;
    std::shared_ptr<const ConfFile> global_;
    std::optional<ConfFile> ct_;
};

// LOCKDIR of vz.conf (default /vz/lock).
std::string lock_dir(const ConfFile& global);

// Loads the container's config (validated) over vz.conf; `require` makes a missing CT config exit 14.
CtConfig load_ct(const Paths& p, unsigned ctid, bool require);
// The same over an already loaded vz.conf; `validate` checks the values of the CT config.
CtConfig load_ct(const Paths& p, std::shared_ptr<const ConfFile> global, unsigned ctid, bool require, bool validate);

}  // namespace vz
