#include "ct/ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cpt/criu.hpp"
#include "ct/disk.hpp"
#include "ct/host.hpp"
#include "ct/lazy_pages.hpp"
#include "ct/lifecycle.hpp"
#include "ct/lock.hpp"
#include "ct/scripts.hpp"
#include "ct/snapshot.hpp"
#include "ct/state.hpp"
#include "ct/resources.hpp"
#include "fs/idmap.hpp"
#include "fs/image.hpp"
#include "fs/template.hpp"
#include "util/dir.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "config/areas.hpp"
#include "config/beancounters.hpp"
#include "config/params.hpp"
#include "config/res_groups.hpp"
#include "util/log.hpp"
#include "util/scope.hpp"
#include "util/socket.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

// The page server's pid file, beside the images it writes (start_page_server).
constexpr const char* kPageServerPid = "vz-page-server.pid";
constexpr const char* kPageServerLog = "page-server.log";

// Ends the page server of the dump directory `dir` if one still waits.
void end_page_server(const std::string& dir) { kill_listed(dir + "/" + kPageServerPid, "page-server"); }

// Keys --applyconfig leaves alone: they describe this container, not its class.
constexpr std::string_view kApplyconfigKeep[] = {"HOSTNAME",   "IP_ADDRESS",  "OSTEMPLATE",
                                                 "VE_ROOT",    "VE_PRIVATE",  "DESCRIPTION",
                                                 "NAME",       "ORIGIN_SAMPLE", "VE_LAYOUT"};

ConfFile load_sample(const Paths& p, const std::string& name, Exit missing) {
    if (name.empty() || name.find('/') != std::string::npos)
        fail(missing, "Invalid sample configuration name '{}'", name);
    auto f = ConfFile::load(p.sample(name));
    if (!f) fail(missing, "Sample configuration {} not found", p.sample(name));
    validate_config(*f);
    return std::move(*f);
}

void merge_sample(ConfFile& conf, const ConfFile& sample, const std::string& name) {
    for (auto& key : sample.keys()) {
        if (std::find(std::begin(kApplyconfigKeep), std::end(kApplyconfigKeep), key) != std::end(kApplyconfigKeep))
            continue;
        if (!find_param_by_key(key)) continue;
        conf.set(key, *sample.get(key));
    }
    conf.set("ORIGIN_SAMPLE", name);
}

bool dir_empty(const std::string& path) {
    Dir d(path);
    while (auto* e = d.next()) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") return false;
    }
    return true;
}

std::string template_cache(const std::string& template_dir) { return template_dir + "/cache"; }

// The template's archive in TEMPLATE/cache; 19/20 when there is no TEMPLATE or no such template.
std::string template_tarball(const Paths& p, const ConfFile& global, const std::string& tmpl) {
    auto* tdir = global.get("TEMPLATE");
    if (!tdir || tdir->empty()) fail(Exit::TemplateNotSet, "TEMPLATE is not set in {}", p.vz_conf());
    auto cache = template_cache(*tdir);
    auto tarball = find_template(cache, tmpl);
    if (!tarball) {
        auto have = list_templates(cache);
        fail(Exit::OsTemplateNotFound, "OS template {} not found in {}; available: {}", tmpl, cache,
             have.empty() ? std::string("none") : join(have, " "));
    }
    return *tarball;
}

// The mark create leaves beside a private area it made, in the area's parent directory: the host's, outside every
// container's view, so a container can't forge it. It names the container and the area's device and inode, so a
// VE_PRIVATE edited to point elsewhere (or a tree put in the area's place) does not match it.
std::string mark_path(const std::string& priv) { return dir_name(priv) + "/." + base_name(priv) + ".vzctl-mark"; }

std::string mark_text(unsigned ctid, const struct stat& st) {
    return fmt::format("CTID=\"{}\"\nDEV=\"{}\"\nINO=\"{}\"\n", ctid, st.st_dev, st.st_ino);
}

void mark_private(unsigned ctid, const std::string& priv) {
    struct stat st;
    if (::lstat(priv.c_str(), &st) != 0) fail(Exit::NewPrivate, "can't stat {}: {}", priv, errno_text(errno));
    write_file_atomic(mark_path(priv), mark_text(ctid, st), 0600);
}

// Moves the private area aside first, so a half-deleted tree is never mistaken for a container, then removes it.
void remove_area(const std::string& priv) {
    auto aside = make_temp_dir(dir_name(priv), base_name(priv) + ".destroyed", Exit::NewPrivate);
    if (::rename(priv.c_str(), aside.c_str()) != 0) {
        ::rmdir(aside.c_str());
        fail(Exit::DeletePrivate, "can't move {} aside: {}", priv, errno_text(errno));
    }
    remove_private(aside);
}

// Destroy removes a non-empty tree only when it is the one create made for this container (or with --force).
void check_mark(unsigned ctid, const std::string& priv, const struct stat& st, bool force) {
    if (!S_ISDIR(st.st_mode)) fail(Exit::DeletePrivate, "refusing to destroy {}: not a directory", priv);
    if (force || dir_empty(priv)) return;
    auto mark = read_file(mark_path(priv));
    if (!mark || *mark != mark_text(ctid, st))
        fail(Exit::DeletePrivate,
             "refusing to destroy {}: it has no matching mark {} from vzctl create of CT {} "
             "(see vzctl(8), destroy --force)",
             priv, mark_path(priv), ctid);
}

// The request's own consistency, before anything is read (the original's order of refusals).
void check_set_request(const SetRequest& req) {
    if (req.force && !req.save) fail(Exit::InvalidSyntax, "--force can only be used with --save");
    if (req.setmode == SetMode::Restart && !req.save)
        fail(Exit::InvalidSyntax, "--setmode restart can only be used with --save");
    if (req.reset_ub && (!req.changes.empty() || req.save || req.applyconfig || req.applyconfig_map))
        fail(Exit::InvalidSyntax, "--reset_ub can't be combined with other options");
    bool has_cpumask = false, has_nodemask = false, cpumask_auto = false;
    for (auto& ch : req.changes) {
        if (ch.def->kind == Kind::Cpumask) has_cpumask = true, cpumask_auto = ch.value == "auto";
        if (ch.def->kind == Kind::Nodemask) has_nodemask = true;
        if (ch.def->needs_save && !req.save)
            fail(ch.def->kind == Kind::CtName ? Exit::SetName : Exit::InvalidSyntax,
                 "--{} can only be used with --save", ch.def->option);
    }
    if (has_nodemask && !has_cpumask) fail(Exit::InvalidSyntax, "--nodemask needs --cpumask");
    if (cpumask_auto && !has_nodemask) fail(Exit::InvalidSyntax, "--cpumask auto needs --nodemask");
    if (req.changes.empty() && !req.applyconfig && !req.applyconfig_map && !req.reset_ub)
        fail(Exit::InvalidSyntax, "No parameters to set");
}

// One line, every time, naming the given options this version saves but applies nowhere (ParamDef::inert; for
// the host, `all` of them).
void say_inert(const std::vector<Change>& changes, bool saved, bool all = false) {
    std::vector<std::string> inert;
    for (auto& ch : changes)
        if ((all || ch.def->inert) && std::find(inert.begin(), inert.end(), "--" + ch.def->option) == inert.end())
            inert.push_back("--" + ch.def->option);
    if (inert.empty()) return;
    if (saved) log::warn("saved; not applied by this version: {}", join(inert, " "));
    else log::warn("not applied by this version, and not saved without --save: {}", join(inert, " "));
}

// A set on a running container: the changed live parameters applied first (if the kernel refuses a value,
// nothing is saved).
void apply_live(const CtConfig& cfg, const ConfFile& conf, const SetRequest& req) {
    std::vector<std::string> keys;
    for (auto& ch : req.changes)
        if (!ch.def->conf_key.empty() && ch.def->apply == Apply::Live && !ch.def->inert)
            keys.push_back(ch.def->conf_key);
    if (req.applyconfig)
        for (auto& k : conf.keys())
            if (auto* d = find_param_by_key(k); d && d->apply == Apply::Live && !d->inert) keys.push_back(k);
    // Every live parameter left feeds a group of limits (unit test ParamTable.LiveParametersFeedAGroupOrAreInert).
    CtConfig next(cfg.ctid(), std::make_shared<const ConfFile>(cfg.global()), conf);
    for (auto& w : apply_running(next, keys, req.changes, &cfg)) log::warn("{}", w);
    // Only beancounters a cgroup enforces are left in `keys` (the others are inert).
    if (std::any_of(keys.begin(), keys.end(), [](const std::string& k) { return find_ubc_by_key(k); }))
        log::info("UB limits were set successfully");
}

// set --save: the config written (when it changed) and the name link made, after a last check of the name.
void save_config(const Paths& p, const CtConfig& cfg, ConfFile& conf, const std::optional<std::string>& old_name,
                 bool map_name) {
    auto ctid = cfg.ctid();
    auto path = ctid == 0 ? p.conf_dir() + "/0.conf" : p.ct_conf(ctid);
    const std::string* new_name = conf.get("NAME");
    if (new_name && !new_name->empty()) {
        if (auto owner = name_target(p, *new_name); owner && *owner != ctid)
            fail(Exit::SetName, "Name {} is already used by CT {}", *new_name, *owner);
    }
    bool changed = !cfg.ct_file_ptr() || conf.render() != cfg.ct_file_ptr()->render();
    if (changed) conf.save(path);
    if (new_name && !new_name->empty() && (map_name || !old_name || *old_name != *new_name))
        set_ct_name(p, ctid, old_name ? &*old_name : nullptr, *new_name);
    if (changed) log::info("CT configuration saved to {}", path);
}

// LOCAL_UID/LOCAL_GID of a new container, stored in its config: --local_uid/--local_gid (or the sample's), else
// vz.conf's, else 100000. Where the private area's file system can't be mounted through an idmap, a value from
// vz.conf or the default falls back to 0 (privileged, as the original stored without user namespaces) with a
// warning; a value given for this container fails.
// `image`: the area holds a ploop image, whose ext4 takes idmapped mounts whatever the host file system under it.
void choose_local_ids(ConfFile& conf, const ConfFile& global, const std::string& priv, bool image) {
    bool given = conf.get("LOCAL_UID") || conf.get("LOCAL_GID");
    for (auto* key : {"LOCAL_UID", "LOCAL_GID"})
        if (!conf.get(key)) conf.set(key, global.get(key) ? *global.get(key) : std::to_string(kDefaultLocalId));
    if (*conf.get("LOCAL_UID") != "0") {
        if (image) return;
        auto why = idmap_unsupported(priv);
        if (!why) return;
        if (given) fail(Exit::CantMount, "LOCAL_UID {}: {}", *conf.get("LOCAL_UID"), *why);
        log::warn("no user namespace for this container ({}): LOCAL_UID=0 stored", *why);
        conf.set("LOCAL_UID", "0");
        conf.set("LOCAL_GID", "0");
    }
    log::warn("{}", kPrivilegedWarning);
}

}  // namespace

EditContext edit_context(unsigned ctid) {
    EditContext ctx;
    ctx.ctid = ctid;
    auto n = ::sysconf(_SC_NPROCESSORS_ONLN);
    ctx.ncpus = n > 0 ? static_cast<unsigned>(n) : 1;
    auto id = read_file("/etc/machine-id");
    ctx.host_id = id ? *id : "localhost";
    return ctx;
}

void set_ct_name(const Paths& p, unsigned ctid, const std::string* old_name, const std::string& name) {
    if (auto owner = name_target(p, name); owner && *owner != ctid)
        fail(Exit::SetName, "Name {} is already used by CT {}", name, *owner);
    make_dirs(p.names_dir());
    auto link = p.name_link(name);
    auto tmp = link + ".tmp." + std::to_string(::getpid());
    ::unlink(tmp.c_str());
    if (::symlink(p.ct_conf(ctid).c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), link.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        fail(Exit::SetName, "can't create {}: {}", link, errno_text(err));
    }
    if (old_name && !old_name->empty() && *old_name != name && name_target(p, *old_name) == ctid)
        ::unlink(p.name_link(*old_name).c_str());
}

void recover_private(unsigned ctid, const std::string& priv, const ConfFile* conf) {
    auto parent = dir_name(priv);
    auto prefix = "." + base_name(priv) + ".";
    std::vector<std::string> stale, converted, trees;
    {
        Dir d(parent);
        if (!d) return;
        while (auto* e = d.next()) {
            std::string_view n = e->d_name;
            if (!n.starts_with(prefix)) continue;
            auto rest = n.substr(prefix.size());
            auto dot = rest.find('.');
            if (dot == std::string_view::npos || rest.size() - dot - 1 != 6) continue;  // mkdtemp's XXXXXX
            auto kind = rest.substr(0, dot);
            auto path = parent + "/" + std::string(n);
            if (kind == "create" || kind == "convert" || kind == "destroyed") stale.push_back(path);
            // What a convert swapped out of the private area: a simfs tree, not (part of) an image.
            if (kind == "convert" && !path_exists(image::image_dir(path)) && !dir_empty(path)) trees.push_back(path);
            // Made (mkdtemp) but killed before the tree was moved there: empty.
            else if (kind == "converted") (is_dir(path) && dir_empty(path) ? stale : converted).push_back(path);
        }
    }
    auto* layout = conf ? conf->get("VE_LAYOUT") : nullptr;
    bool ploop = layout && layout->starts_with("ploop");
    // Swapped (convert_to_image), killed before the config said ploop: swapped back, the image removed with the
    // rest. Killed after: the tree is removed with the rest, the image marked as the area create made.
    if (conf && trees.size() == 1 && image::has_image(priv)) {
        if (ploop) {
            mark_private(ctid, priv);
        } else {
            log::info("Undoing an interrupted convert of CT {}: its simfs tree back from {}", ctid, trees[0]);
            if (::renameat2(AT_FDCWD, trees[0].c_str(), AT_FDCWD, priv.c_str(), RENAME_EXCHANGE) != 0)
                fail(Exit::NewPrivate, "can't swap {} back into {}: {}", trees[0], priv, errno_text(errno));
        }
    } else if (!trees.empty()) {
        // Not what a convert leaves (no image in place, or more than one tree): none of them removed.
        for (auto& t : trees) stale.erase(std::find(stale.begin(), stale.end(), t));
        for (auto& t : trees) log::warn("{} is left alone: not what an interrupted convert of CT {} leaves", t, ctid);
    }
    // The old tree after two renames (where the file system can't swap). More than one is none of convert's doing:
    // left alone, as is one without a config.
    if (conf && converted.size() == 1) {
        auto& old_tree = converted[0];
        if (ploop && image::has_image(priv)) {
            log::info("Removing the simfs tree {} left by an interrupted convert of CT {}", old_tree, ctid);
            stale.push_back(old_tree);
            mark_private(ctid, priv);
        } else if (!ploop && (!path_exists(priv) || image::has_image(priv))) {
            log::info("Undoing an interrupted convert of CT {}: its simfs tree back from {}", ctid, old_tree);
            if (path_exists(priv)) {
                auto aside = make_temp_dir(parent, base_name(priv) + ".convert", Exit::NewPrivate);
                if (::rename(priv.c_str(), aside.c_str()) != 0) {
                    ::rmdir(aside.c_str());
                    fail(Exit::NewPrivate, "can't move the unfinished image {} aside: {}", priv, errno_text(errno));
                }
                stale.push_back(aside);
            }
            if (::rename(old_tree.c_str(), priv.c_str()) != 0)
                fail(Exit::NewPrivate, "can't move {} back to {}: {}", old_tree, priv, errno_text(errno));
            mark_private(ctid, priv);
        }
    }
    for (auto& dir : stale) {
        log::verbose(1, "Removing {}, left by an interrupted command", dir);
        try {
            remove_private(dir);
        } catch (const Error& e) {
            log::warn("can't remove {}, left by an interrupted command: {}", dir, e.what());
        }
    }
}

void recover_private(const CtConfig& cfg) {
    recover_private(cfg.ctid(), cfg.ve_private(), cfg.exists() ? cfg.ct_file_ptr() : nullptr);
}

void create_ct(const Paths& p, unsigned ctid, const CreateRequest& req) {
    if (ctid == 0) fail(Exit::InvalidValue, "CT 0 is the host and can't be created");
    auto global = load_global(p);
    CtLock lock(lock_dir(global), ctid, req.command);

    auto existing = ConfFile::load(p.ct_conf(ctid));
    bool existing_conf = existing.has_value();
    if (existing && !req.config.empty())
        fail(Exit::CopyConfig, "Config file {} already exists; --config can't be used", p.ct_conf(ctid));
    std::string sample_name = req.config.empty() ? (global.get("CONFIGFILE") ? *global.get("CONFIGFILE") : "") : req.config;
    ConfFile conf;
    if (existing) {
        validate_config(*existing);
        conf = std::move(*existing);
    } else {
        if (sample_name.empty()) fail(Exit::CopyConfig, "No sample configuration: give --config or set CONFIGFILE");
        conf = ConfFile::parse(load_sample(p, sample_name, Exit::CopyConfig).render(), p.ct_conf(ctid));
        conf.set("ORIGIN_SAMPLE", sample_name);
    }

    auto ctx = edit_context(ctid);
    for (auto& w : apply_changes(conf, req.changes, ctx)) log::warn("{}", w);
    say_inert(req.changes, true);

    auto from_global = [&](const char* key, Exit missing) {
        if (conf.get(key)) return;
        auto* g = global.get(key);
        if (!g || g->empty()) fail(missing, "{} is not set in {}", key, p.vz_conf());
        conf.set(key, *g);
    };
    from_global("VE_ROOT", Exit::RootNotSet);
    from_global("VE_PRIVATE", Exit::PrivateNotSet);
    auto tmpl = req.ostemplate;
    if (tmpl.empty() && conf.get("OSTEMPLATE")) tmpl = *conf.get("OSTEMPLATE");
    if (tmpl.empty() && global.get("DEF_OSTEMPLATE")) tmpl = *global.get("DEF_OSTEMPLATE");
    if (tmpl.empty()) fail(Exit::OsTemplateNotSet, "No OS template: give --ostemplate or set DEF_OSTEMPLATE");
    conf.set("OSTEMPLATE", tmpl);
    // --layout ploop:MODE stores ploop; the mode is the image's (its descriptor says it).
    std::string layout = conf.get("VE_LAYOUT") ? *conf.get("VE_LAYOUT") : global.get("VE_LAYOUT") ? *global.get("VE_LAYOUT") : "simfs";
    std::string mode;
    if (auto colon = layout.find(':'); colon != std::string::npos) mode = layout.substr(colon + 1);
    for (auto& ch : req.changes)
        if (ch.def->kind == Kind::Layout) mode = ch.value.find(':') == std::string::npos ? "" : ch.value.substr(ch.value.find(':') + 1);
    layout = layout.substr(0, layout.find(':'));
    if (layout != "simfs" && layout != "ploop") fail(Exit::InvalidValue, "Invalid layout '{}': simfs or ploop", layout);
    conf.set("VE_LAYOUT", layout);

    auto tarball = template_tarball(p, global, tmpl);

    check_areas(p, CtConfig(ctid, std::make_shared<const ConfFile>(global), conf));
    auto priv = expand_veid(*conf.get("VE_PRIVATE"), ctid);
    recover_private(ctid, priv, existing_conf ? &conf : nullptr);
    if (path_exists(priv) && !(is_dir(priv) && dir_empty(priv)))
        fail(Exit::PrivateExists, "Private area already exists in {}", priv);
    if (auto* name = conf.get("NAME"); name && !name->empty())
        if (auto owner = name_target(p, *name); owner && *owner != ctid)
            fail(Exit::SetName, "Name {} is already used by CT {}", *name, *owner);

    log::info("Creating container private area ({})", tmpl);
    auto global_ptr = std::make_shared<const ConfFile>(global);
    create_private(CtConfig(ctid, global_ptr, conf), priv, mode, [&](const std::string& dir) {
        unpack_template(tarball, dir, req.progress);
        log::info("Performing postcreate actions");
    });
    ScopeGuard priv_guard([priv] { remove_private(priv); });
    choose_local_ids(conf, global, priv, layout == "ploop");
    mark_private(ctid, priv);
    ScopeGuard mark_guard([&priv] { ::unlink(mark_path(priv).c_str()); });

    make_dirs(p.conf_dir());
    auto before = existing_conf ? read_file(p.ct_conf(ctid)) : std::nullopt;
    conf.save(p.ct_conf(ctid));
    // A failure from here on puts back the config there was (a hand-made one create started from), or removes it.
    ScopeGuard conf_guard([&] {
        if (before) write_file_atomic(p.ct_conf(ctid), *before, 0644);
        else ::unlink(p.ct_conf(ctid).c_str());
    });
    const auto* name = conf.get("NAME");
    if (name && !name->empty()) set_ct_name(p, ctid, nullptr, *name);
    ScopeGuard name_guard([&] {
        if (name && !name->empty() && name_target(p, *name) == ctid) ::unlink(p.name_link(*name).c_str());
    });
    run_create_script(p, ctid);
    name_guard.release();
    conf_guard.release();
    priv_guard.release();
    mark_guard.release();
    log::info("CT configuration saved to {}", p.ct_conf(ctid));
    log::info("Container private area was created");
}

void destroy_ct(const Paths& p, unsigned ctid, const std::string& command, bool force) {
    // The lock first, then the config: what we read is what no one else changes until we are done.
    auto [lock, cfg] = lock_and_load(p, ctid, command, BadValues::Warn);
    check_areas(p, cfg);
    auto st = ct_state(cfg, MountTable::read());
    if (st.running) fail(Exit::Running, "Container is currently running. Stop it first.");
    if (st.mounted) fail(Exit::Mounted, "Container is currently mounted (umount first)");
    release_host(cfg, *driver_of(cfg));  // what a killed container and monitor left: cgroups, network
    umount_private(cfg);  // an image a killed command left mounted on the host's side only
    umount_snapshots(cfg);
    recover_private(cfg);

    auto priv = cfg.ve_private();
    struct stat pst;
    bool present = ::lstat(priv.c_str(), &pst) == 0;
    if (present) check_mark(ctid, priv, pst, force);
    log::info("Destroying container private area: {}", priv);
    if (present) remove_area(priv);
    ::unlink(mark_path(priv).c_str());
    auto conf = p.ct_conf(ctid);
    if (::rename(conf.c_str(), (conf + ".destroyed").c_str()) != 0)
        fail(Exit::DeletePrivate, "can't rename {}: {}", conf, errno_text(errno));
    for (auto* script : kCtScripts) {  // as the original: a new container of this CTID does not run them
        auto path = script_path(p, ctid, script, false);
        if (path_exists(path) && ::rename(path.c_str(), (path + ".destroyed").c_str()) != 0)
            log::warn("can't rename {}: {}", path, errno_text(errno));
    }
    if (auto* name = cfg.get("NAME"); name && !name->empty() && name_target(p, *name) == ctid)
        ::unlink(p.name_link(*name).c_str());
    // A suspended container's dump (a directory of CRIU images) with its pre-dumps, and what a failed or killed
    // suspend left: a new container of this CTID must not resume them.
    remove_dump(dump_file(cfg));
    std::error_code ec;
    for (auto* suffix : {".fail", ".partial"}) std::filesystem::remove_all(dump_file(cfg) + suffix, ec);
    ::rmdir(cfg.ve_root().c_str());
    log::info("Container private area was destroyed");
}

namespace {

// The private area is a directory that create or prepare_migration_target marked as the CT's.
bool marked_as(unsigned ctid, const std::string& priv) {
    struct stat st;
    if (::lstat(priv.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    auto mark = read_file(mark_path(priv));
    return mark && *mark == mark_text(ctid, st);
}

}  // namespace

MigrationTarget migration_target(const Paths& p, unsigned ctid) {
    auto global = std::make_shared<const ConfFile>(load_global(p));
    CtConfig cfg(ctid, global, std::nullopt);
    MigrationTarget t{cfg.ve_private(), cfg.ve_root(), cfg.get_or("DUMPDIR", "/vz/dump"), lock_dir(*global),
                      p.conf_dir(), false};
    t.kept = !path_exists(p.ct_conf(ctid)) && marked_as(ctid, t.private_dir);
    return t;
}

void prepare_migration_target(const Paths& p, unsigned ctid) {
    auto where = migration_target(p, ctid);
    CtLock lock(where.lockdir, ctid, "vzmigrate (destination)");
    make_dirs(where.dumpdir);  // a live migration copies the dump there
    // Pre-dumps a failed migration left would be taken for the start of this one's chain.
    std::error_code ec;
    std::filesystem::remove_all(pre_dumps_dir(dump_path(where.dumpdir, ctid)), ec);
    struct stat st;
    if (::lstat(where.private_dir.c_str(), &st) == 0) {
        // What an earlier migration of this CT kept (vzmigrate --keep-dst) is taken up again: the copy then moves
        // only what changed. Anything else is no place to copy to.
        if (!where.kept) fail(Exit::PrivateExists, "Private area already exists in {}", where.private_dir);
        log::info("Reusing the private area {} a failed migration left", where.private_dir);
        make_dirs(where.root);
        return;
    }
    make_dirs(dir_name(where.private_dir));
    if (::mkdir(where.private_dir.c_str(), 0700) != 0)
        fail(Exit::NewPrivate, "can't create {}: {}", where.private_dir, errno_text(errno));
    ScopeGuard undo([&where] { ::rmdir(where.private_dir.c_str()); });
    mark_private(ctid, where.private_dir);
    make_dirs(where.root);
    undo.release();
}

void discard_migration_target(const Paths& p, unsigned ctid, bool keep_private) {
    auto where = migration_target(p, ctid);
    CtLock lock(where.lockdir, ctid, "vzmigrate (destination rollback)");
    auto cfg = load_ct(p, ctid, false);
    if (cfg.exists()) {
        auto st = ct_state(cfg, MountTable::read());
        if (st.running) fail(Exit::Running, "Container is currently running. Stop it first.");
        if (st.mounted) fail(Exit::Mounted, "Container is currently mounted (umount first)");
        if (auto* name = cfg.get("NAME"); name && !name->empty() && name_target(p, *name) == ctid)
            ::unlink(p.name_link(*name).c_str());
        ::unlink(p.ct_conf(ctid).c_str());
        for (auto* script : kCtScripts) ::unlink(script_path(p, ctid, script, false).c_str());  // copied with it
    }
    end_page_server(dump_file(cfg));
    for (unsigned n = pre_dump_count(dump_file(cfg)); n > 0; --n) end_page_server(pre_dump_dir(dump_file(cfg), n));
    discard_lazy_pages(dump_file(cfg));
    remove_dump(dump_file(cfg));  // a live migration's copy
    if (keep_private) return;
    struct stat pst;
    if (::lstat(where.private_dir.c_str(), &pst) == 0) {
        check_mark(ctid, where.private_dir, pst, false);
        remove_area(where.private_dir);
    }
    ::unlink(mark_path(where.private_dir).c_str());
    ::rmdir(where.root.c_str());
}

unsigned start_page_server(const Paths& p, unsigned ctid, bool pre) {
    auto cfg = load_ct(p, ctid, false);
    auto criu = cpt::find_criu(cfg.global());
    auto dump = dump_file(cfg);
    // CRIU's parent of what it writes: the last pre-dump (its images say which pages are there).
    auto parent = pre_dump_parent(dump, pre);
    auto dir = pre ? pre_dump_dir(dump, pre_dump_count(dump) + 1) : dump;
    if (path_exists(dir)) fail(Exit::Checkpoint, "Dump {} exists already", dir);
    make_dirs(dir);
    ScopeGuard unmake([&dir] {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    });
    auto port = free_loopback_port();
    if (!port) fail(Exit::Checkpoint, "No free TCP port on 127.0.0.1 for the page server: {}", errno_text(errno));
    // -d: into the background once it listens.
    std::vector<std::string> args{"page-server", "-D", dir, "--address", "127.0.0.1", "--port", std::to_string(*port),
                                  "-d", "--pidfile", dir + "/" + kPageServerPid, "-o", kPageServerLog, "-v2"};
    if (!parent.empty()) args.insert(args.end(), {"--prev-images-dir", parent});
    auto r = cpt::run_criu(criu, args);
    if (r.status != 0) {
        auto why = cpt::criu_log_error(dir + "/" + kPageServerLog);
        fail(Exit::Checkpoint, "CRIU page server failed (exit {}): {}", r.status, why.empty() ? r.output : why);
    }
    unmake.release();
    return *port;
}

void wait_lazy_pages(const Paths& p, unsigned ctid) {
    wait_lazy_pages_of(dump_file(load_ct(p, ctid, false)), ctid, kLazyPagesEnd);
}

std::string criu_report(const Paths& p) {
    auto criu = cpt::find_criu(load_global(p));
    // Post-copy: CRIU's restorer opens a userfaultfd inside the container's user namespace, which the kernel allows
    // there only with vm.unprivileged_userfaultfd=1; a privileged container's restorer needs none of that.
    std::string lazy = "no";
    if (cpt::run_criu(criu, {"check", "--feature", "uffd-noncoop"}).status == 0)
        lazy = read_file("/proc/sys/vm/unprivileged_userfaultfd").value_or("0").starts_with("1") ? "all" : "privileged";
    // Serving them (the dump's side): CRIU reads the pages it serves through a pipe it makes 4 MiB large, and when
    // that fails (fs.pipe-max-size below it, no CAP_SYS_RESOURCE) it says nothing and every transfer then fails.
    auto probe = make_pipe();
    bool serve = ::fcntl(probe.rd.get(), F_SETPIPE_SZ, 4 << 20) >= 0;
    // Pre-copy (the dump's side): the kernel tracks which pages change (soft-dirty), for CRIU's pre-dumps.
    bool precopy = cpt::run_criu(criu, {"check", "--feature", "mem_dirty_track"}).status == 0;
    return fmt::format("CRIU={}\nVersion: {}\nLAZY={}\nLAZY_SERVE={}\nPRECOPY={}\n", criu.path, criu.version.str(),
                       lazy, serve ? "yes" : "no", precopy ? "yes" : "no");
}

std::optional<cpt::CriuVersion> criu_report_version(std::string_view report) { return cpt::parse_criu_version(report); }

void convert_ct(const Paths& p, unsigned ctid, const std::string& layout, const std::string& command,
                bool progress) {
    auto colon = layout.find(':');
    auto target = layout.substr(0, colon);
    auto mode = colon == std::string::npos ? std::string() : layout.substr(colon + 1);
    if (target != "ploop") fail(Exit::InvalidValue, "Invalid layout '{}': a container can only be converted to ploop", layout);
    auto global = std::make_shared<const ConfFile>(load_global(p));
    CtLock lock(lock_dir(*global), ctid, command);
    auto cfg = load_ct(p, global, ctid, false, true);
    if (!cfg.exists()) fail(Exit::NoCtConfig, "Container config file does not exist");
    check_areas(p, cfg);
    recover_private(cfg);
    auto st = ct_state(cfg, MountTable::read());
    auto stopped = [&] {
        if (st.running) fail(Exit::Running, "Container is currently running. Stop it first.");
        if (st.mounted) fail(Exit::Mounted, "Container is currently mounted (umount first)");
    };
    auto priv = cfg.ve_private();
    if (ct_layout(cfg) == Layout::Ploop) {
        // An image of OpenVZ's own (ploop's expanded format, a partitioned disk) is imported as this version's.
        auto form = image::has_image(priv) ? image::foreign_format(priv) : std::nullopt;
        if (!form) fail(Exit::InvalidValue, "CT {} is already on the ploop layout", ctid);
        if (!mode.empty() && mode != "expanded")
            fail(Exit::InvalidValue, "An imported image is expanded (sparse): --layout ploop[:expanded]");
        stopped();
        log::info("Importing the image of CT {} ({})", ctid, *form);
        import_image(cfg);
        log::info("The image of CT {} was imported", ctid);
        return;
    }
    stopped();
    if (!is_dir(priv)) fail(Exit::NoPrivate, "Container private area {} does not exist", priv);

    log::info("Converting CT {} to the ploop layout", ctid);
    auto old_tree = convert_to_image(cfg, mode, progress);
    ConfFile conf = *cfg.ct_file_ptr();
    conf.set("VE_LAYOUT", "ploop");
    try {
        conf.save(p.ct_conf(ctid));
        mark_private(ctid, priv);
    } catch (...) {
        undo_convert(cfg, old_tree);
        throw;
    }
    remove_private(old_tree);
    log::info("Container was converted to the ploop layout");
}

void set_ct(const Paths& p, unsigned ctid, const SetRequest& req, const Tools& tools) {
    check_set_request(req);

    // The lock first, then the config: a concurrent set --save can't slip in between read and write.
    auto global = std::make_shared<const ConfFile>(load_global(p));
    std::optional<CtLock> lock;
    if (!req.skiplock) lock.emplace(lock_dir(*global), ctid, req.command);
    // The file's values are checked after this set's changes: a set can replace a bad value of a hand edit.
    auto cfg = load_ct(p, global, ctid, ctid != 0, false);
    if (cfg.ct_file_ptr())
        for (auto& w : cfg.ct_file_ptr()->warnings()) log::warn("{}", w);

    // Values first (21/20), as the original checked them while parsing, before looking at the container.
    ConfFile conf = cfg.ct_file_ptr() ? *cfg.ct_file_ptr() : ConfFile();
    const std::string* old_name_ptr = conf.get("NAME");
    std::optional<std::string> old_name = old_name_ptr ? std::optional(*old_name_ptr) : std::nullopt;
    if (req.applyconfig) {
        if (req.applyconfig->empty() || req.applyconfig->find('/') != std::string::npos)
            fail(Exit::ApplyConfig, "Invalid sample configuration name '{}'", *req.applyconfig);
        auto sample = ConfFile::load(p.sample(*req.applyconfig));
        if (!sample) fail(Exit::ApplyConfig, "Sample configuration {} not found", p.sample(*req.applyconfig));
        validate_config(*sample);
        merge_sample(conf, *sample, *req.applyconfig);
    }
    auto edit_warnings = apply_changes(conf, req.changes, edit_context(ctid));
    validate_config(conf);

    // The host (CT 0): its settings are recorded in 0.conf (vzcpucheck counts its CPUUNITS); this version applies
    // none of them, so each is named as an inert parameter is, never as a container that is not running.
    if (ctid == 0) {
        if (req.reset_ub) fail(Exit::InvalidValue, "--reset_ub: the host (CT 0) has no beancounters here");
        for (auto& ch : req.changes)
            if (ch.def->kind == Kind::UserPasswd || ch.def->kind == Kind::CtName)
                fail(Exit::InvalidValue, "--{} does not apply to the host (CT 0)", ch.def->option);
        for (auto& w : edit_warnings) log::warn("{}", w);
        say_inert(req.changes, req.save, true);
        if (req.save) save_config(p, cfg, conf, old_name, req.applyconfig_map);
        return;
    }

    auto st = ct_state(cfg, MountTable::read());

    if (req.reset_ub) {
        if (!st.running) fail(Exit::NotRunning, "Container is not running");
        std::vector<std::string> keys;
        for (auto& r : ubc_resources()) keys.emplace_back(r.conf_key);
        for (auto& w : apply_running(cfg, keys)) log::warn("{}", w);
        log::info("UB limits were set successfully");
        return;
    }
    for (auto& ch : req.changes)
        if (st.running && ch.def->apply == Apply::Stopped)
            fail(Exit::Running, "--{} can't be changed while the container is running", ch.def->option);

    // Disk limits apply whether the container runs or not: to a mounted simfs area at once (at its next mount
    // otherwise); a ploop image is resized now, online or offline, and only with --save, as the original.
    bool disk = std::any_of(req.changes.begin(), req.changes.end(), [](const Change& c) { return c.def->groups & kResDisk; });
    std::optional<CtConfig> next;
    if (disk) {
        next.emplace(ctid, global, conf);
        if (req.offline_resize && (st.running || st.mounted))
            fail(Exit::InvalidValue, "--offline-resize needs a stopped, unmounted container");
        if (ct_layout(*next) == Layout::Ploop)
            for (auto& ch : req.changes) {
                if (ch.def->kind == Kind::DiskSpace && !req.save)
                    fail(Exit::InvalidSyntax, "--diskspace of a ploop container can only be used with --save");
                if (ch.def->kind == Kind::DiskInodes)
                    log::warn("--diskinodes is not applied to a ploop container: its inodes are made at create");
            }
    }

    // Second-level quota lives in a ploop image's ext4: a simfs area has one quota, the container's own.
    for (auto& ch : req.changes)
        if (ch.def->conf_key == "QUOTAUGIDLIMIT" && parse_uint(ch.value).value_or(0) > 0 &&
            ct_layout(CtConfig(ctid, global, conf)) != Layout::Ploop)
            fail(Exit::SetUserQuota, "Second-level quota (--quotaugidlimit) needs the ploop layout; CT {} is on simfs",
                 ctid);

    bool runtime = std::any_of(req.changes.begin(), req.changes.end(), [](const Change& c) {
        return c.def->apply == Apply::Live || c.def->apply == Apply::NotSaved;
    });
    // --userpasswd alone also works on a stopped container (a temporary one sets it).
    bool only_password = std::all_of(req.changes.begin(), req.changes.end(),
                                     [](const Change& c) { return c.def->kind == Kind::UserPasswd; });
    if (!req.save && !st.running && runtime && !(only_password && !req.applyconfig))
        fail(Exit::NotRunning, "Unable to apply new parameters, container is not running");
    bool restart_needed = st.running && std::any_of(req.changes.begin(), req.changes.end(), [](const Change& c) {
                              return c.def->apply == Apply::Restart && !c.def->inert;
                          });
    if (restart_needed && req.setmode == SetMode::Ignore)
        throw Error(Exit::Running, "");  // --setmode ignore: refuse without a word, as the original

    for (auto& w : edit_warnings) log::warn("{}", w);
    say_inert(req.changes, req.save);

    for (auto& ch : req.changes)
        if (ch.def->kind == Kind::UserPasswd) set_user_password(cfg, ch.value);
    if (disk) apply_disk(*next);
    if (st.running && (runtime || req.applyconfig)) apply_live(cfg, conf, req);
    if (restart_needed && req.setmode == SetMode::Default)
        log::warn("Some parameters take effect at the next start of the container");

    if (!req.save) {
        if (std::any_of(req.changes.begin(), req.changes.end(), [](const Change& c) { return c.def->apply != Apply::NotSaved; }) ||
            req.applyconfig)
            log::warn("Settings were not saved to the container config and will be lost (use --save)");
        return;
    }
    save_config(p, cfg, conf, old_name, req.applyconfig_map);
    if (restart_needed && req.setmode == SetMode::Restart) {
        lock.reset();
        Tools t = tools;
        t.command = req.command;
        log::info("Restarting container");
        stop_ct(p, ctid, StopOptions{}, t);
        start_ct(p, ctid, StartOptions{}, t);
    }
}

std::vector<std::string> template_globs(const std::string& template_dir) {
    std::vector<std::string> out;
    for (auto* suffix : template_suffixes()) out.push_back(template_cache(template_dir) + "/*" + suffix);
    return out;
}

}  // namespace vz
