#include "config/ctconfig.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "config/edit.hpp"
#include "config/units.hpp"
#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace vz {

Paths paths() {
    const char* env = std::getenv("VZ_CONFDIR");
    Paths p;
    p.confdir = env && *env ? env : VZ_DEFAULT_CONFDIR;
    return p;
}

std::optional<unsigned> parse_ctid(std::string_view s) {
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    auto v = parse_uint(s, 0, kCtidMax);
    if (!v) return std::nullopt;
    return static_cast<unsigned>(*v);
}

std::optional<unsigned> name_target(const Paths& p, const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") return std::nullopt;
    char buf[4096];
    auto n = ::readlink(p.name_link(name).c_str(), buf, sizeof buf - 1);
    if (n <= 0) return std::nullopt;
    std::string target(buf, static_cast<size_t>(n));
    auto leaf = base_name(target);
    if (!leaf.ends_with(".conf")) return std::nullopt;
    return parse_ctid(std::string_view(leaf).substr(0, leaf.size() - 5));
}

unsigned resolve_ctid(const Paths& p, const std::string& arg) {
    if (auto id = parse_ctid(arg)) return *id;
    if (auto id = name_target(p, arg)) {
        // The link must agree with the config it points to (a stale link after a rename is refused).
        auto conf = ConfFile::load(p.ct_conf(*id));
        auto* name = conf ? conf->get("NAME") : nullptr;
        if (!name || *name != arg)
            fail(Exit::InvalidValue, "Name {} points to CT {}, whose NAME is {}", arg, *id, name ? *name : "unset");
        return *id;
    }
    fail(Exit::InvalidValue, "Bad CT ID or name: '{}' (expected a number from 0 to {} or a container name)", arg,
         kCtidMax);
}

std::vector<unsigned> list_ct_ids(const Paths& p) {
    std::vector<unsigned> ids;
    Dir d(p.conf_dir());
    while (auto* e = d.next()) {
        std::string_view n = e->d_name;
        if (!n.ends_with(".conf")) continue;
        if (auto id = parse_ctid(n.substr(0, n.size() - 5)); id && *id != 0) ids.push_back(*id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

ConfFile load_global(const Paths& p) {
    auto f = ConfFile::load(p.vz_conf());
    if (!f) fail(Exit::NoConfig, "Global configuration file {} not found", p.vz_conf());
    // A command reads vz.conf more than once (and the daemons on every request): each warning is given once.
    static std::set<std::string> given;
    for (auto& w : f->warnings())
        if (given.insert(w).second) log::warn("{}", w);
    return std::move(*f);
}

const std::string* CtConfig::get(std::string_view key) const {
    if (ct_)
        if (auto* v = ct_->get(key)) return v;
    return global_->get(key);
}

std::string CtConfig::get_or(std::string_view key, std::string def) const {
    auto* v = get(key);
    return v && !v->empty() ? *v : def;
}

std::string CtConfig::ve_root() const {
    auto* v = get("VE_ROOT");
    if (!v || v->empty()) fail(Exit::RootNotSet, "VE_ROOT is not set for CT {}", ctid_);
    return expand_veid(*v, ctid_);
}

std::string CtConfig::ve_private() const {
    auto* v = get("VE_PRIVATE");
    if (!v || v->empty()) fail(Exit::PrivateNotSet, "VE_PRIVATE is not set for CT {}", ctid_);
    return expand_veid(*v, ctid_);
}

std::string lock_dir(const ConfFile& global) {
    auto* v = global.get("LOCKDIR");
    return v && !v->empty() ? *v : "/vz/lock";
}

CtConfig load_ct(const Paths& p, std::shared_ptr<const ConfFile> global, unsigned ctid, bool require,
                 bool validate) {
    auto ct = ConfFile::load(ctid == 0 ? p.conf_dir() + "/0.conf" : p.ct_conf(ctid));
    if (!ct && require) fail(Exit::NoCtConfig, "Container config file does not exist");
    if (ct && validate) {
        for (auto& w : ct->warnings()) log::warn("{}", w);
        validate_config(*ct);
    }
    return CtConfig(ctid, std::move(global), std::move(ct));
}

CtConfig load_ct(const Paths& p, unsigned ctid, bool require) {
    return load_ct(p, std::make_shared<const ConfFile>(load_global(p)), ctid, require, true);
}

}  // namespace vz
