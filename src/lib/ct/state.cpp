#include "ct/state.hpp"

#include <cstdio>
#include <filesystem>

#include "util/file.hpp"

namespace vz {
namespace {

// mountinfo escapes blanks and backslashes as \ooo.
std::string unescape_octal(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() + 0 && i + 3 <= s.size() - 1 + 1) {
            int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
            out += static_cast<char>(v);
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

MountTable MountTable::read() {
    MountTable t;
    auto text = read_file("/proc/self/mountinfo").value_or("");
    size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        // id parent major:minor root mountpoint options [optional fields] - fstype source super-options
        size_t field = 0, start = 0;
        std::string point;
        for (size_t i = 0; i <= line.size(); ++i) {
            if (i == line.size() || line[i] == ' ') {
                if (field == 4) {
                    point = unescape_octal(line.substr(start, i - start));
                    t.points_.insert(point);
                    break;
                }
                ++field;
                start = i + 1;
            }
        }
        if (auto dash = line.find(" - "); dash != std::string_view::npos) {
            auto rest = line.substr(dash + 3);  // fstype source super-options
            auto from = rest.find(' ');
            if (from != std::string_view::npos) {
                auto source = rest.substr(from + 1);
                t.sources_.emplace_back(unescape_octal(source.substr(0, source.find(' '))), point);
            }
        }
    }
    return t;
}

std::vector<std::string> MountTable::points_of(const std::string& source) const {
    std::vector<std::string> out;
    for (auto& [from, point] : sources_)
        if (from == source) out.push_back(point);
    return out;
}

const char* run_status_name(RunStatus s) {
    switch (s) {
        case RunStatus::Running: return "running";
        case RunStatus::Stopped: return "stopped";
        case RunStatus::Mounted: return "mounted";
        case RunStatus::Suspended: return "suspended";
    }
    return "stopped";
}

RunStatus CtState::status() const {
    if (running) return RunStatus::Running;
    if (suspended) return RunStatus::Suspended;
    if (mounted) return RunStatus::Mounted;
    return RunStatus::Stopped;
}

CgroupLayout ct_cgroup_layout(const CtConfig& cfg) { return CgroupLayout::detect(cfg.get_or("CGROUP_BASE", "vz")); }

std::string dump_file(const CtConfig& cfg) { return dump_path(cfg.get_or("DUMPDIR", "/vz/dump"), cfg.ctid()); }

std::string dump_path(const std::string& dumpdir, unsigned ctid) { return dumpdir + "/Dump." + std::to_string(ctid); }

std::string pre_dumps_dir(const std::string& dump) { return dump + ".pre"; }

std::string pre_dump_dir(const std::string& dump, unsigned n) { return pre_dumps_dir(dump) + "/" + std::to_string(n); }

unsigned pre_dump_count(const std::string& dump) {
    unsigned n = 0;
    while (is_dir(pre_dump_dir(dump, n + 1))) ++n;
    return n;
}

std::string pre_dump_parent(const std::string& dump, bool for_pre_dump) {
    auto n = pre_dump_count(dump);
    if (n == 0) return {};
    auto last = std::to_string(n);
    return for_pre_dump ? "../" + last : "../" + base_name(pre_dumps_dir(dump)) + "/" + last;
}

void remove_dump(const std::string& dump) {
    std::error_code ec;
    std::filesystem::remove_all(dump, ec);
    std::filesystem::remove_all(pre_dumps_dir(dump), ec);
}

CtState ct_state(const CtConfig& cfg, const MountTable& mounts) {
    return ct_state(cfg, mounts, ct_cgroup_layout(cfg));
}

CtState ct_state(const CtConfig& cfg, const MountTable& mounts, const CgroupLayout& layout) {
    CtState st;
    auto* priv = cfg.get("VE_PRIVATE");
    st.exists = priv && is_dir(expand_veid(*priv, cfg.ctid()));
    auto* root = cfg.get("VE_ROOT");
    st.mounted = root && mounts.is_mount_point(expand_veid(*root, cfg.ctid()));
    st.running = cgroup_populated(layout.ct_probe_dir(cfg.ctid()));
    st.suspended = !st.running && path_exists(dump_file(cfg));
    return st;
}

std::string status_line(unsigned ctid, const CtState& st) {
    std::string s = "CTID " + std::to_string(ctid) + (st.exists ? " exist" : " deleted") +
                    (st.mounted ? " mounted" : " unmounted") + (st.running ? " running" : " down");
    if (!st.running && st.suspended) s += " suspended";
    return s;
}

}  // namespace vz
