#include "config/areas.hpp"

#include <climits>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// Host directories no container area may be, nor be an ancestor of.
constexpr std::string_view kSystemDirs[] = {
    "/",          "/bin",      "/boot",      "/dev",      "/etc",      "/home",      "/lib",     "/lib32",
    "/lib64",     "/libx32",   "/lost+found", "/media",   "/mnt",      "/opt",       "/proc",    "/root",
    "/run",       "/sbin",     "/srv",       "/sys",      "/tmp",      "/usr",       "/usr/bin", "/usr/lib",
    "/usr/lib64", "/usr/libexec", "/usr/local", "/usr/sbin", "/usr/share", "/var",   "/var/cache", "/var/lib",
    "/var/lock",  "/var/log",  "/var/mail",  "/var/run",  "/var/spool", "/var/tmp",
};

// Host directories vz.conf names that no area may be nor contain.
constexpr std::string_view kHostDirKeys[] = {"LOCKDIR", "TEMPLATE", "DUMPDIR"};

// Where an area's key is refused, and with which exit code.
struct Area {
    std::string_view key;
    Exit refused;
};
constexpr Area kAreas[] = {{"VE_PRIVATE", Exit::PrivateNotSet}, {"VE_ROOT", Exit::RootNotSet}};

// "/a//b/" -> "/a/b"; nullopt for a relative path or one with a "." or ".." component.
std::optional<std::string> normal(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::string out;
    for (auto& part : split(path, "/")) {
        if (part.empty()) continue;
        if (part == "." || part == "..") return std::nullopt;
        out += "/" + part;
    }
    return out.empty() ? "/" : out;
}

// `a` is `b` or one of its ancestors.
bool covers(std::string_view a, std::string_view b) {
    return a == b || a == "/" || (b.starts_with(a) && b.size() > a.size() && b[a.size()] == '/');
}

// How `path` relates to `other`: "is", "contains" or "lies in"; empty when they are apart.
std::string_view relation(std::string_view path, std::string_view other) {
    if (path == other) return "is";
    if (covers(path, other)) return "contains";
    if (covers(other, path)) return "lies in";
    return {};
}

// One area of another container, or of this one: its key and normalised path.
struct Named {
    unsigned ctid;
    std::string_view key;
    std::string path;
};

class Checker {
public:
    Checker(const Paths& p, const CtConfig& cfg) : p_(p), cfg_(cfg) {
        for (auto id : list_ct_ids(p)) {
            if (id == cfg.ctid()) continue;
            try {
                auto file = ConfFile::load(p.ct_conf(id));
                if (!file) continue;
                CtConfig other(id, std::make_shared<const ConfFile>(cfg.global()), std::move(*file));
                for (auto& a : kAreas)
                    if (auto* v = other.get(a.key); v && !v->empty())
                        if (auto n = normal(expand_veid(*v, id))) others_.push_back({id, a.key, *n});
            } catch (const Error&) {
                // A config that does not load has no area to protect; its own commands refuse it.
            }
        }
    }

    void check(const Area& area) const {
        auto* v = cfg_.get(area.key);
        if (!v || v->empty()) fail(area.refused, "{} is not set for CT {}", area.key, cfg_.ctid());
        auto raw = expand_veid(*v, cfg_.ctid());
        auto path = normal(raw);
        if (!path) refuse(area, raw, "it must be an absolute path without . or .. components");
        check_path(area, *path, *path);
        char buf[PATH_MAX];
        if (::realpath(path->c_str(), buf) && *path != buf) check_path(area, buf, *path + " (a symlink to " + buf + ")");
    }

private:
    [[noreturn]] void refuse(const Area& area, const std::string& path, const std::string& why) const {
        fail(area.refused, "{} {} of CT {} is refused: {}", area.key, path, cfg_.ctid(), why);
    }

    // `shown` is the path as the message names it.
    void check_path(const Area& area, const std::string& path, const std::string& shown) const {
        auto say = [&](const std::string& why) { refuse(area, shown, why); };
        for (auto dir : kSystemDirs)
            if (covers(path, dir)) say(fmt::format("it {} the system directory {}", relation(path, dir), dir));
        if (covers(path, p_.confdir)) say(fmt::format("it {} the configuration directory {}", relation(path, p_.confdir), p_.confdir));
        for (auto key : kHostDirKeys)
            if (auto* g = cfg_.global().get(key); g && !g->empty())
                if (auto n = normal(*g); n && covers(path, *n))
                    say(fmt::format("it {} the {} directory {}", relation(path, *n), key, *n));
        for (auto& a : kAreas)
            if (auto* g = cfg_.global().get(a.key); g)
                if (auto parent = areas_parent(*g); parent && covers(path, *parent))
                    say(fmt::format("it {} {}, where vz.conf's {} keeps every container's area ($VEID missing?)",
                                    relation(path, *parent), *parent, a.key));
        for (auto& o : others_)
            if (auto rel = relation(path, o.path); !rel.empty())
                say(fmt::format("it {} CT {}'s {} {}", rel, o.ctid, o.key, o.path));
        // The container's two areas apart: checked once, with the later key.
        for (auto& a : kAreas) {
            if (a.key == area.key) break;
            auto* v = cfg_.get(a.key);
            auto n = v ? normal(expand_veid(*v, cfg_.ctid())) : std::nullopt;
            if (n)
                if (auto rel = relation(path, *n); !rel.empty()) say(fmt::format("it {} its own {} {}", rel, a.key, *n));
        }
    }

    const Paths& p_;
    const CtConfig& cfg_;
    std::vector<Named> others_;
};

}  // namespace

void check_areas(const Paths& p, const CtConfig& cfg) {
    Checker checker(p, cfg);
    for (auto& area : kAreas) checker.check(area);
}

std::optional<std::string> areas_parent(const std::string& value) {
    auto at = value.find("$VEID");
    if (auto braced = value.find("${VEID}"); braced < at) at = braced;
    if (at == std::string::npos) return std::nullopt;
    auto head = value.substr(0, at);
    auto slash = head.find_last_of('/');
    if (slash == std::string::npos) return std::nullopt;
    return normal(head.substr(0, slash + 1));
}

}  // namespace vz
