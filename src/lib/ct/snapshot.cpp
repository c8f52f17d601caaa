#include "ct/snapshot.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "ct/disk.hpp"
#include "ct/host.hpp"
#include "ct/lock.hpp"
#include "ct/state.hpp"
#include "fs/image.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz {

namespace {

constexpr const char* kListName = "snapshots";
constexpr size_t kIdLength = 38;  // "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"

struct Snapshot {
    std::string id, parent;  // "{uuid}"; parent empty for the first
    std::string date;        // "YYYY-MM-DD HH:MM:SS", local time
    uint64_t size_kib = 0;   // the descriptor's size when it was taken
    bool config = false;     // the config was saved with it
    std::string name, description;
};

struct List {
    std::string current;  // the snapshot the image is based on: the last taken or switched to
    std::vector<Snapshot> shots;

    Snapshot* find(const std::string& id) {
        auto it = std::find_if(shots.begin(), shots.end(), [&](const Snapshot& s) { return s.id == id; });
        return it == shots.end() ? nullptr : &*it;
    }
};

std::string list_path(const std::string& priv) { return image::image_dir(priv) + "/" + kListName; }
std::string copy_name(const std::string& id) { return "root.hdd." + id; }
std::string copy_path(const std::string& priv, const std::string& id) {
    return image::image_dir(priv) + "/" + copy_name(id);
}
std::string config_path(const std::string& priv, const std::string& id) { return copy_path(priv, id) + ".conf"; }
std::string dump_path(const std::string& priv, const std::string& id) { return copy_path(priv, id) + ".dump"; }

// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", braces optional, any case, as "{...}" in lower case; nullopt otherwise.
std::optional<std::string> normal_uuid(std::string_view s) {
    if (s.size() == kIdLength && s.front() == '{' && s.back() == '}') s = s.substr(1, kIdLength - 2);
    if (s.size() != kIdLength - 2) return std::nullopt;
    std::string out = "{";
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !std::isxdigit(c)) return std::nullopt;
        out += static_cast<char>(std::tolower(c));
    }
    return out + "}";
}

std::string checked_uuid(const std::string& s, Exit code) {
    auto id = normal_uuid(s);
    if (!id) fail(code, "Invalid snapshot id '{}': a UUID is expected", s);
    return *id;
}

bool one_line(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The parts of `line` between the separators `sep` (a tab by default), empty ones kept.
std::vector<std::string> fields_of(std::string_view line, char sep = '\t') {
    std::vector<std::string> out;
    for (size_t i = 0;;) {
        auto j = line.find(sep, i);
        out.emplace_back(line.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
        if (j == std::string_view::npos) return out;
        i = j + 1;
    }
}

List read_list(const std::string& priv, Exit code) {
    List l;
    auto path = list_path(priv);
    auto text = read_file(path, 1 << 20);
    if (!text) {
        if (path_exists(path)) fail(code, "can't read {}", path);
        return l;
    }
    size_t n = 0;
    for (auto& line : fields_of(*text, '\n')) {
        ++n;
        if (line.empty() || line.starts_with("#")) continue;
        auto bad = [&] { fail(code, "{}: line {} is malformed", path, n); };
        if (line.starts_with("current ")) {
            auto id = normal_uuid(line.substr(8));
            if (!id) bad();
            l.current = *id;
            continue;
        }
        auto f = fields_of(line);
        if (f.size() != 7) bad();
        auto id = normal_uuid(f[0]);
        auto parent = f[1] == "-" ? std::optional<std::string>("") : normal_uuid(f[1]);
        auto size = parse_uint(f[3], 1, UINT64_MAX / 1024);
        if (!id || !parent || !size || (f[4] != "yes" && f[4] != "no") || f[2].size() != 19 || !one_line(f[2]) ||
            l.find(*id))
            bad();
        l.shots.push_back({*id, *parent, f[2], *size, f[4] == "yes", f[5], f[6]});
    }
    if (!l.current.empty() && !l.find(l.current))
        fail(code, "{}: the current snapshot {} is not listed", path, l.current);
    return l;
}

void write_list(const std::string& priv, const List& l, Exit code) {
    std::string text = "# vzctl snapshots (vzctl(8)): id, parent, date, KiB, config saved, name, description\n";
    if (!l.current.empty()) text += "current " + l.current + "\n";
    for (auto& s : l.shots)
        text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", s.id, s.parent.empty() ? "-" : s.parent, s.date, s.size_kib,
                            s.config ? "yes" : "no", s.name, s.description);
    try {
        write_file_atomic(list_path(priv), text, 0600);
    } catch (const Error& e) {
        fail(code, "{}", e.what());
    }
}

// The private area of a ploop container; `code` for anything else.
std::string ploop_private(const CtConfig& cfg, Exit code) {
    if (ct_layout(cfg) != Layout::Ploop)
        fail(code, "CT {} is not on the ploop layout: snapshots are copies of its image (vzctl convert makes one)",
             cfg.ctid());
    auto priv = cfg.ve_private();
    if (!image::has_image(priv))
        fail(code, "CT {} has no image: {} does not exist", cfg.ctid(), image::descriptor_path(priv));
    return priv;
}

// The list, once the copies a killed command left unlisted are removed (under the container's lock).
List load(const std::string& priv, Exit code) {
    auto l = read_list(priv, code);
    auto dir = image::image_dir(priv);
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) fail(code, "can't read {}: {}", dir, errno_text(errno));
    std::vector<std::string> stray;
    while (auto* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        // The temporary file of a list written by a killed command (write_file_atomic: renamed into place when whole).
        if (name.starts_with(std::string(kListName) + ".tmp.")) {
            stray.push_back(dir + "/" + name);
            continue;
        }
        // root.hdd.{UUID}[suffix]
        auto prefix = copy_name("").size();
        if (!name.starts_with(copy_name("{"))) continue;
        auto id = name.substr(prefix, kIdLength);
        auto rest = name.substr(std::min(name.size(), prefix + kIdLength));
        // The parts of a snapshot not listed, and a dump CRIU did not finish (a switch removes its own .restore).
        bool part = rest.empty() || rest == ".conf" || rest == ".dump";
        // Also a config copy killed before its rename (".conf.tmp.XXXXXX").
        bool unfinished = rest == ".dump.partial" || rest == ".dump.fail" || rest.starts_with(".conf.tmp.");
        if (normal_uuid(id) == id && ((part && !l.find(id)) || unfinished)) stray.push_back(dir + "/" + name);
    }
    for (auto& f : stray) {
        try {
            remove_tree(f);
        } catch (const Error& e) {
            log::warn("{}", e.what());
        }
    }
    return l;
}

Snapshot& existing(List& l, const std::string& id, Exit code) {
    auto* s = l.find(id);
    if (!s) fail(code, "Snapshot {} not found", id);
    return *s;
}

// What a command on one snapshot works on: the container's lock and config, its private area, the list, and the
// id of the snapshot (listed: `code` otherwise, as for anything else missing).
struct OnSnapshot {
    Locked held;
    std::string priv, id;
    List list;
    Snapshot& shot() { return *list.find(id); }
};

OnSnapshot on_snapshot(const Paths& p, unsigned ctid, const std::string& id, const std::string& command, Exit code) {
    OnSnapshot o{lock_and_load(p, ctid, command), {}, id, {}};
    o.priv = ploop_private(o.held.cfg, code);
    o.list = load(o.priv, code);
    existing(o.list, id, code);
    return o;
}

std::string now_text() {
    char buf[32];
    std::time_t t = std::time(nullptr);
    std::tm tm {};
    ::localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string new_uuid() {
    auto text = read_file("/proc/sys/kernel/random/uuid", 64);
    auto id = text ? normal_uuid(std::string_view(*text).substr(0, text->find('\n'))) : std::nullopt;
    if (!id) fail(Exit::CreateSnapshot, "can't make a snapshot id: /proc/sys/kernel/random/uuid");
    return *id;
}

// While a snapshot holds the container frozen for its memory: a child process that thaws it (vzctl chkpnt
// --resume) if this command dies before it is done with it, kill -9 included; as FrozenFs does for the file system.
// done() (or the destructor, on an error this command handles itself) lets it go without doing anything. It acts
// once every process of this command is gone: the pipe's write end is inherited by them all (CRIU's dump goes on
// after a kill of vzctl and would freeze the container again at its end; FrozenFs's holder has the lock open).
class ThawIfKilled {
public:
    ThawIfKilled(const Tools& t, unsigned ctid) {
        auto p = make_pipe();
        if (::fcntl(p.wr.get(), F_SETFD, 0) != 0) fail(Exit::CreateSnapshot, "fcntl: {}", errno_text(errno));
        auto ctid_text = std::to_string(ctid);
        child_ = ChildProcess(fork_or_throw());
        if (child_.pid() == 0) {
            // A ^C to the command's process group must not end it before the command.
            for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
            // Nothing of the command's but the pipe's read end: above all not the container's lock, which the
            // resume takes.
            int rd = p.rd.get();
            if (rd > 3) ::close_range(3, static_cast<unsigned>(rd - 1), 0);
            ::close_range(static_cast<unsigned>(rd + 1), ~0U, 0);
            char byte = 0;
            ssize_t n;
            do n = ::read(p.rd.get(), &byte, 1);
            while (n < 0 && errno == EINTR);
            if (n == 1) ::_exit(0);
            // Another command may hold the lock for a moment (a panel's snapshot-list): tried again for a minute.
            // Another failure is tried again after 1, 2, 4, 8 and 16 s: one that passes (vz.conf read while an
            // editor or a script rewrote it in place) must not leave the container frozen for good.
            unsigned locked = 0, failed = 0;
            while (locked < 600 && failed <= 4) {
                pid_t pid = ::fork();
                if (pid == 0) {
                    ::execl(t.vzctl.c_str(), "vzctl", "--quiet", "chkpnt", ctid_text.c_str(), "--resume",
                            static_cast<char*>(nullptr));
                    ::_exit(127);
                }
                int status = 0;
                while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
                }
                if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) break;
                if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == static_cast<int>(Exit::Locked)) {
                    ++locked;
                    ::usleep(100000);
                } else {
                    ::sleep(1U << failed++);
                }
            }
            ::_exit(0);
        }
        wr_ = std::move(p.wr);
    }
    ~ThawIfKilled() { done(); }
    ThawIfKilled(const ThawIfKilled&) = delete;
    ThawIfKilled& operator=(const ThawIfKilled&) = delete;
    void done() {
        if (!wr_) return;
        char byte = 1;
        (void)!::write(wr_.get(), &byte, 1);
        wr_.reset();
        child_.wait();
    }

private:
    ChildProcess child_;
    Fd wr_;
};

// What snapshot-list shows of one snapshot.
struct Row {
    const Snapshot* s;
    bool current;
    std::string device, target;
};

struct Field {
    const char* name;
    const char* alias;
    const char* header;
    size_t width;
    std::string (*value)(const Row&);
};

// The original's fields, headers and widths (vzctl-reference: snapshot-list).
constexpr Field kFields[] = {
    {"uuid", "id", "UUID", 38, [](const Row& r) { return r.s->id; }},
    {"parent_uuid", "parent_id", "PARENT_UUID", 38, [](const Row& r) { return r.s->parent; }},
    {"current", nullptr, "C", 1, [](const Row& r) { return std::string(r.current ? "*" : ""); }},
    {"date", nullptr, "DATE", 19, [](const Row& r) { return r.s->date; }},
    {"name", nullptr, "NAME", 32, [](const Row& r) { return r.s->name; }},
    {"desc", nullptr, "DESC", 32, [](const Row& r) { return r.s->description; }},
    {"device", nullptr, "DEVICE", 16, [](const Row& r) { return r.device; }},
    {"target", nullptr, "TARGET", 32, [](const Row& r) { return r.target; }},
};
constexpr const char* kDefaultFields = "parent_uuid,current,uuid,date,name";

std::vector<const Field*> chosen_fields(const std::string& names) {
    std::vector<const Field*> out;
    for (auto& n : split(names.empty() ? kDefaultFields : names, ",")) {
        auto lower = to_lower(n);
        auto it = std::find_if(std::begin(kFields), std::end(kFields), [&](const Field& f) {
            return lower == f.name || (f.alias && lower == f.alias);
        });
        if (it == std::end(kFields)) fail(Exit::ListSnapshot, "Unknown field: {}", n);
        out.push_back(&*it);
    }
    if (out.empty()) fail(Exit::ListSnapshot, "No fields to show");
    return out;
}

std::string line_of(const std::vector<const Field*>& fields, const std::function<std::string(const Field&)>& text) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
        auto t = text(*fields[i]);
        if (i + 1 < fields.size()) t = fmt::format("{:<{}} ", t, fields[i]->width);
        out += t;
    }
    return out + "\n";
}

}  // namespace

void snapshot_create(const Paths& p, unsigned ctid, const SnapshotOptions& o, const Tools& t,
                     const std::string& command) {
    constexpr Exit code = Exit::CreateSnapshot;
    auto [lock, cfg] = lock_and_load(p, ctid, command);
    auto priv = ploop_private(cfg, code);
    auto id = o.id.empty() ? new_uuid() : checked_uuid(o.id, code);
    if (!one_line(o.name) || !one_line(o.description))
        fail(code, "A snapshot's name and description must not hold tabs, newlines or other control characters");
    auto list = load(priv, code);
    if (list.find(id)) fail(code, "Snapshot {} already exists", id);
    auto mounts = MountTable::read();
    bool memory = ct_state(cfg, mounts).running && !o.skip_suspend;
    log::info("Creating snapshot {}", id);
    auto copy = copy_path(priv, id), conf = config_path(priv, id), dump = dump_path(priv, id);
    ScopeGuard remove([&] {
        ::unlink(copy.c_str());
        ::unlink(conf.c_str());
        remove_tree(dump);
    });
    auto size = image::read_descriptor(priv).size_kib;
    // A running container's memory: its processes frozen and its network locked (chkpnt --suspend), dumped into the
    // snapshot (--dump), kept frozen while its image is copied, then thawed (--resume), also when anything fails.
    // Those steps take no lock of their own: this command holds it.
    std::optional<ThawIfKilled> watch;
    std::optional<ScopeGuard> thaw;
    auto step = [&](CheckpointStep what) {
        CheckpointOptions c;
        c.step = what;
        c.dumpfile = dump;
        suspend_ct(p, ctid, c, t);
    };
    if (memory) {
        skip_ct_locks();
        watch.emplace(t, ctid);
        try {
            step(CheckpointStep::Suspend);
            thaw.emplace([&] { step(CheckpointStep::Resume); });
            step(CheckpointStep::Dump);
        } catch (const Error& e) {
            fail(code, "Can't save the memory of CT {}: {} (--skip-suspend takes the disk only)", ctid, e.what());
        }
    }
    {
        // A mounted file system is frozen while it is copied: the copy is consistent, nothing waits to be written.
        auto tree = ct_tree(cfg);
        std::optional<image::FrozenFs> frozen;
        if (mounts.is_mount_point(tree)) frozen.emplace(tree, code);
        image::copy_file(image::image_path(priv), copy, code);
    }
    if (thaw) {
        thaw->release();
        step(CheckpointStep::Resume);
        watch->done();
    }
    if (!o.skip_config) {
        auto text = read_file(p.ct_conf(ctid));
        if (!text) fail(code, "can't read {}", p.ct_conf(ctid));
        write_file_atomic(conf, *text, 0600);
    }
    list.shots.push_back({id, list.current, now_text(), size, !o.skip_config, o.name, o.description});
    list.current = id;
    write_list(priv, list, code);
    remove.release();
    log::info("Snapshot {} has been successfully created", id);
}

void snapshot_switch(const Paths& p, unsigned ctid, const SwitchOptions& o, const Tools& t,
                     const std::string& command) {
    constexpr Exit code = Exit::SwitchSnapshot;
    auto id = checked_uuid(o.id, code);
    bool was_running, was_mounted, has_memory;
    {
        auto on = on_snapshot(p, ctid, id, command, code);
        has_memory = is_dir(dump_path(on.priv, id));
        if (o.must_resume && !has_memory) fail(code, "Snapshot {} holds no memory to resume from (--must-resume)", id);
        auto state = ct_state(on.held.cfg, MountTable::read());
        was_running = state.running;
        was_mounted = state.mounted;
    }
    if (was_running) {
        log::info("Stopping CT {}: its current state is lost", ctid);
        stop_ct(p, ctid, StopOptions{.fast = true, .skip_umount = false}, t);
    }
    std::string restore;  // links to the snapshot's memory dump, which resume consumes
    ScopeGuard unrestore([&] { remove_tree(restore); });
    {
        auto on = on_snapshot(p, ctid, id, command, code);
        const auto& cfg = on.held.cfg;
        if (ct_state(cfg, MountTable::read()).running) fail(code, "CT {} was started meanwhile: not switched", ctid);
        umount_private(cfg);
        log::info("Switching CT {} to snapshot {}", ctid, id);
        image::restore_file(on.priv, copy_path(on.priv, id), on.shot().size_kib, code);
        if (on.shot().config && !o.skip_config) {
            auto text = read_file(config_path(on.priv, id));
            if (!text) fail(code, "can't read {}", config_path(on.priv, id));
            write_file_atomic(p.ct_conf(ctid), *text, 0644);
        }
        on.list.current = id;
        write_list(on.priv, on.list, code);
        if (has_memory && !o.skip_resume) {
            restore = dump_path(on.priv, id) + ".restore";
            remove_tree(restore);  // what a killed switch left
            link_files(dump_path(on.priv, id), restore, code);
        }
    }
    log::info("CT {} is switched to snapshot {}", ctid, id);
    if (!restore.empty()) {
        try {
            CheckpointOptions c;
            c.dumpfile = restore;
            resume_ct(p, ctid, c, t);
            return;
        } catch (const Error& e) {
            if (o.must_resume) fail(code, "Can't resume CT {} from snapshot {}: {}", ctid, id, e.what());
            log::warn("Can't resume CT {} from snapshot {}: {}; starting it instead", ctid, id, e.what());
        }
    }
    if ((was_running || has_memory) && !o.skip_resume) start_ct(p, ctid, StartOptions{}, t);
    else if (was_mounted && !was_running) mount_ct(p, ctid, t);
}

void snapshot_delete(const Paths& p, unsigned ctid, const std::string& raw_id, const std::string& command) {
    constexpr Exit code = Exit::DeleteSnapshot;
    auto on = on_snapshot(p, ctid, checked_uuid(raw_id, code), command, code);
    const auto& id = on.id;
    auto copy = copy_path(on.priv, id);
    if (auto dev = image::device_of(copy))
        fail(code, "Snapshot {} is mounted ({}): vzctl snapshot-umount it first", id, *dev);
    auto parent = on.shot().parent;
    for (auto& s : on.list.shots)
        if (s.parent == id) s.parent = parent;
    if (on.list.current == id) on.list.current = parent;
    std::erase_if(on.list.shots, [&](const Snapshot& s) { return s.id == id; });
    // Unlisted first: a kill in between leaves a stray copy, which the next snapshot command removes.
    write_list(on.priv, on.list, code);
    auto dump = dump_path(on.priv, id);
    for (auto& f : {copy, config_path(on.priv, id), dump, dump + ".restore"}) remove_tree(f);
    log::info("Snapshot {} has been deleted", id);
}

void snapshot_mount(const Paths& p, unsigned ctid, const std::string& raw_id, const std::string& target,
                    const std::string& command) {
    constexpr Exit code = Exit::MountSnapshot;
    auto on = on_snapshot(p, ctid, checked_uuid(raw_id, code), command, code);
    if (!is_dir(target)) fail(code, "Can't mount snapshot {}: {} is not a directory", on.id, target);
    image::mount_read_only(copy_path(on.priv, on.id), target, code);
    log::info("Snapshot {} is mounted read-only on {}", on.id, target);
}

void snapshot_umount(const Paths& p, unsigned ctid, const std::string& raw_id, const std::string& command) {
    constexpr Exit code = Exit::UmountSnapshot;
    auto on = on_snapshot(p, ctid, checked_uuid(raw_id, code), command, code);
    auto dev = image::device_of(copy_path(on.priv, on.id));
    auto points = dev ? MountTable::read().points_of(*dev) : std::vector<std::string>{};
    if (points.empty()) fail(code, "Snapshot {} is not mounted", on.id);
    for (auto& point : points) {
        try {
            image::umount(point);
        } catch (const Error& e) {
            fail(code, "{}", e.what());
        }
    }
    log::info("Snapshot {} is unmounted", on.id);
}

void umount_snapshots(const CtConfig& cfg) {
    if (ct_layout(cfg) != Layout::Ploop) return;
    auto dir = image::image_dir(cfg.ve_private());
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    std::vector<std::string> copies;
    while (auto* e = d ? ::readdir(d.get()) : nullptr) {
        std::string name = e->d_name;
        if (name.starts_with(copy_name("{")) && !name.ends_with(".conf")) copies.push_back(dir + "/" + name);
    }
    for (auto& copy : copies) {
        auto dev = image::device_of(copy);
        for (auto& point : dev ? MountTable::read().points_of(*dev) : std::vector<std::string>{}) {
            log::info("Unmounting the snapshot mounted on {}", point);
            try {
                image::umount(point);
            } catch (const Error& e) {
                log::warn("{}", e.what());
            }
        }
    }
}

void snapshot_list(const Paths& p, unsigned ctid, const SnapshotListOptions& o, const std::string& command) {
    constexpr Exit code = Exit::ListSnapshot;
    if (o.list_fields) {
        for (auto& f : kFields) fmt::print("{}\n", f.name);
        return;
    }
    auto fields = chosen_fields(o.fields);
    auto [lock, cfg] = lock_and_load(p, ctid, command);
    auto priv = ploop_private(cfg, code);
    auto list = load(priv, code);
    std::string only = o.id.empty() ? std::string() : checked_uuid(o.id, code);
    if (!only.empty()) existing(list, only, code);
    std::string out;
    if (!o.no_header) out += line_of(fields, [](const Field& f) { return std::string(f.header); });
    for (auto& s : list.shots) {
        if (!only.empty() && s.id != only) continue;
        Row row{&s, s.id == list.current, {}, {}};
        if (auto dev = image::device_of(copy_path(priv, s.id))) {
            row.device = *dev;
            auto points = MountTable::read().points_of(*dev);
            if (!points.empty()) row.target = points.front();
        }
        out += line_of(fields, [&](const Field& f) { return f.value(row); });
    }
    fmt::print("{}", out);
}

}  // namespace vz
