#include "fs/ct_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "config/res_groups.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/openat2.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz {
namespace {

constexpr std::string_view kBlanks = " \t";

// The lines of `text` without their newlines; a last line without one counts.
std::vector<std::string_view> text_lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        out.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

std::string_view first_word(std::string_view line) {
    auto b = line.find_first_not_of(kBlanks);
    if (b == std::string_view::npos) return {};
    line.remove_prefix(b);
    return line.substr(0, line.find_first_of(kBlanks));
}

// The words of a line up to a comment ('#' or ';' starts one in resolv.conf and hosts).
std::vector<std::string> words(std::string_view line) {
    auto hash = line.find_first_of("#;");
    return split(line.substr(0, hash), kBlanks);
}

std::string short_name(std::string_view host) {
    auto dot = host.find('.');
    return std::string(dot == std::string_view::npos ? host : host.substr(0, dot));
}

bool names_any(const std::vector<std::string>& w, std::initializer_list<std::string_view> names) {
    for (size_t i = 1; i < w.size(); ++i)
        for (auto n : names)
            if (!n.empty() && w[i] == n) return true;
    return false;
}

bool names_localhost(const std::vector<std::string>& w) {
    return std::any_of(w.begin() + (w.empty() ? 0 : 1), w.end(),
                       [](const std::string& n) { return n == "localhost" || n.starts_with("localhost."); });
}

std::string joined_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (auto& l : lines) out += l + "\n";
    return out;
}

Fd open_at(int dirfd, const std::string& path, uint64_t flags, uint64_t resolve, unsigned mode = 0) {
    return Fd(openat2_retry(dirfd, path.c_str(), flags, resolve, mode));
}

// `path` relative to the tree: RESOLVE_IN_ROOT reads "/etc" as the tree's, and so does any openat on the tree's fd
// (a second guard: without RESOLVE_IN_ROOT an absolute path would name the host's /etc).
std::string in_tree(const std::string& path) {
    auto start = path.find_first_not_of('/');
    return start == std::string::npos ? "." : path.substr(start);
}

void write_fd(int fd, const std::string& data, const std::string& path, const std::string& where) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            fail(errno == ENOSPC || errno == EDQUOT ? Exit::NoDiskSpace : Exit::System, "can't write {} in {}: {}",
                 path, where, errno_text(errno));
        off += static_cast<size_t>(n);
    }
}

// A fresh file ".<name>.vz-XXXXXXXX" in `dir` (O_EXCL: never an existing file or link); its name and fd.
std::pair<std::string, Fd> make_temporary(int dir, const std::string& name, const std::string& path,
                                          const std::string& where) {
    for (int attempt = 0; attempt < 16; ++attempt) {
        uint32_t r = 0;
        if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) r ^= static_cast<uint32_t>(::getpid());
        auto tmp = fmt::format(".{}.vz-{:08x}", name, r);
        Fd fd(::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd) return {tmp, std::move(fd)};
        if (errno != EEXIST) break;
    }
    fail(Exit::System, "can't create a temporary file next to {} in {}: {}", path, where, errno_text(errno));
}

// The IP address without its prefix length.
std::string first_address(const std::string& list) {
    auto items = split(list, " ");
    if (items.empty()) return {};
    return items.front().substr(0, items.front().find('/'));
}

// A list parameter's value: nullopt when not set; `inherit` as its first item takes `inherited`.
std::optional<std::vector<std::string>> dns_list(const CtConfig& cfg, std::string_view key,
                                                 const std::vector<std::string>& inherited) {
    auto items = split(cfg.get_or(key, ""), " ");
    if (items.empty()) return std::nullopt;
    if (items.front() == "inherit") return inherited;
    return items;
}


// --- /etc/network/interfaces (ifupdown) ---

bool is_venet_name(std::string_view name) { return name == "venet0" || name.starts_with("venet0:"); }

// The words that start a stanza (or a line of its own) in interfaces(5); every other word starts an option line of
// the stanza before.
bool stanza_word(std::string_view w) {
    return w == "iface" || w == "mapping" || w == "auto" || w.starts_with("allow-") || w == "source" ||
           w == "source-directory" || w == "no-auto-down" || w == "no-scripts" || w == "rename";
}

// The lines naming interfaces: `auto venet0 eth0` and the like.
bool names_line(std::string_view w) {
    return w == "auto" || w.starts_with("allow-") || w == "no-auto-down" || w == "no-scripts";
}

bool blank(std::string_view line) { return line.find_first_not_of(kBlanks) == std::string_view::npos; }

std::vector<std::string> venet_stanzas(const std::vector<std::string>& addrs) {
    std::vector<std::string> v4, v6;
    for (auto& a : addrs) {
        bool six = a.find(':') != std::string::npos;
        auto full = a.find('/') == std::string::npos ? a + (six ? "/128" : "/32") : a;
        (six ? v6 : v4).push_back(full);
    }
    std::vector<std::string> out{std::string(kInterfacesMarker), "auto venet0", "iface venet0 inet manual",
                                 "\tup ip link set dev venet0 up"};
    for (auto& a : v4) out.push_back("\tup ip addr replace " + a + " dev venet0");
    if (!v4.empty()) out.emplace_back("\tup ip route replace default dev venet0 scope link");
    out.emplace_back("\tdown ip link set dev venet0 down");
    if (v6.empty()) return out;
    out.emplace_back("");
    out.emplace_back("iface venet0 inet6 manual");
    for (auto& a : v6) out.push_back("\tup ip -6 addr replace " + a + " dev venet0 nodad");
    out.emplace_back("\tup ip -6 route replace default dev venet0");
    return out;
}

// OSTEMPLATE's word on the distribution: true for Debian's family, false for another known one, nullopt when it
// names none of them.
std::optional<bool> debian_by_template(std::string_view ostemplate) {
    for (auto name : {"debian", "ubuntu", "devuan"})
        if (ostemplate.starts_with(name)) return true;
    for (auto name : {"centos", "fedora", "redhat", "rhel", "almalinux", "rocky", "oracle", "suse", "opensuse",
                      "gentoo", "alpine", "arch", "slackware", "altlinux", "mandriva", "busybox"})
        if (ostemplate.starts_with(name)) return false;
    return std::nullopt;
}

bool exists_in_root(int root_dirfd, const std::string& path, bool directory) {
    Fd at = open_at(root_dirfd, in_tree(path), O_PATH | (directory ? O_DIRECTORY : 0), kResolveInRoot);
    return bool(at);
}

}  // namespace

DnsEntries parse_resolv_conf(std::string_view text) {
    DnsEntries e;
    for (auto line : text_lines(text)) {
        auto w = words(line);
        if (w.size() < 2) continue;
        if (w[0] == "nameserver") e.nameservers.push_back(w[1]);
        if (w[0] == "search" || w[0] == "domain") e.search.assign(w.begin() + 1, w.end());
    }
    return e;
}

std::string resolv_conf_text(std::string_view old, const std::optional<std::vector<std::string>>& nameservers,
                             const std::optional<std::vector<std::string>>& search) {
    bool servers = nameservers && !nameservers->empty();
    bool domains = search && !search->empty();
    std::vector<std::string> out;
    bool servers_put = false, search_put = false;
    auto put_servers = [&] {
        for (auto& s : *nameservers) out.push_back("nameserver " + s);
        servers_put = true;
    };
    auto put_search = [&] {
        out.push_back("search " + join(*search, " "));
        search_put = true;
    };
    for (auto line : text_lines(old)) {
        auto key = first_word(line);
        if (servers && key == "nameserver") {
            if (!servers_put) put_servers();
        } else if (domains && (key == "search" || key == "domain")) {
            if (!search_put) put_search();
        } else {
            out.emplace_back(line);
        }
    }
    if (domains && !search_put) put_search();
    if (servers && !servers_put) put_servers();
    return joined_lines(out);
}

std::string hosts_text(std::string_view old, std::string_view hostname, std::string_view ip,
                       std::string_view previous) {
    bool is_localhost = hostname == "localhost" || hostname.starts_with("localhost.");
    std::vector<std::string> out;
    bool after_marker = false, have_localhost = false;
    for (auto line : text_lines(old)) {
        if (line == kHostsMarker) {
            after_marker = true;
            continue;
        }
        if (std::exchange(after_marker, false)) continue;  // the line vzctl wrote for the last name
        auto w = words(line);
        if (!names_localhost(w) && names_any(w, {hostname, previous})) continue;
        if (!w.empty() && w[0] == "127.0.0.1" && names_localhost(w)) have_localhost = true;
        out.emplace_back(line);
    }
    if (!have_localhost) out.insert(out.begin(), "127.0.0.1\tlocalhost");
    if (!is_localhost && !hostname.empty()) {
        out.emplace_back(kHostsMarker);
        auto alias = short_name(hostname);
        out.push_back(fmt::format("{} {}{}{}", ip.empty() ? "127.0.1.1" : ip, hostname,
                                  alias == hostname ? "" : " ", alias == hostname ? "" : alias));
    }
    return joined_lines(out);
}

std::string debian_interfaces_text(std::string_view old, const std::vector<std::string>& addrs) {
    std::vector<std::string> out;
    std::optional<size_t> at;  // where the first venet stanza was
    bool dropping = false;     // in a venet stanza: its option lines and the blank lines after it go
    auto drop = [&] {
        while (!out.empty() && blank(out.back())) out.pop_back();
        if (!at) at = out.size();
        dropping = true;
    };
    for (auto line : text_lines(old)) {
        if (line == kInterfacesMarker) {
            drop();
            continue;
        }
        auto w = split(line, kBlanks);
        if (w.empty() || line.find_first_not_of(kBlanks) == std::string_view::npos) {
            if (!dropping) out.emplace_back(line);
            continue;
        }
        if (w[0].starts_with("#")) {
            dropping = false;
            out.emplace_back(line);
            continue;
        }
        if (!stanza_word(w[0])) {
            if (!dropping) out.emplace_back(line);
            continue;
        }
        dropping = false;
        if ((w[0] == "iface" || w[0] == "mapping") && w.size() > 1 && is_venet_name(w[1])) {
            drop();
        } else if (names_line(w[0]) && std::any_of(w.begin() + 1, w.end(), is_venet_name)) {
            std::vector<std::string> rest(w.begin() + 1, w.end());
            std::erase_if(rest, is_venet_name);
            if (rest.empty())
                drop();
            else
                out.push_back(w[0] + " " + join(rest, " "));
        } else {
            out.emplace_back(line);
        }
    }
    size_t pos = std::min(at.value_or(out.size()), out.size());
    std::vector<std::string> block;
    if (!addrs.empty()) block = venet_stanzas(addrs);
    // One blank line each side, where it meets other lines.
    bool before = pos > 0 && !blank(out[pos - 1]);
    bool after = pos < out.size() && !blank(out[pos]);
    if (block.empty()) {
        if (before && after) block.emplace_back("");
    } else {
        if (before) block.insert(block.begin(), "");
        if (after) block.emplace_back("");
    }
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(pos), block.begin(), block.end());
    return joined_lines(out);
}

std::optional<std::string> read_in_root(int root_dirfd, const std::string& path, const std::string& where,
                                        size_t max) {
    // O_PATH first: a FIFO or a device node the container put there is looked at, never opened.
    Fd at = open_at(root_dirfd, in_tree(path), O_PATH, kResolveInRoot);
    if (!at) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        fail(Exit::System, "can't open {} in {}: {}", path, where, errno_text(errno));
    }
    struct stat st;
    if (::fstat(at.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    Fd fd(::open(fmt::format("/proc/self/fd/{}", at.get()).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail(Exit::System, "can't open {} in {}: {}", path, where, errno_text(errno));
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(Exit::System, "can't read {} in {}: {}", path, where, errno_text(errno));
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max) fail(Exit::System, "{} in {} is longer than {} bytes", path, where, max);
    }
    return out;
}

void write_in_root(int root_dirfd, const std::string& path, const std::string& content, const std::string& where,
                   unsigned mode) {
    auto name = base_name(path);
    if (name.empty() || name == "." || name == "..") fail(Exit::System, "can't write {} in {}: no file name", path, where);
    // The directory, resolved inside the tree (RESOLVE_NO_XDEV would refuse a container whose /etc is a mount of
    // its own, which is harmless: the directory is still inside the tree).
    Fd dir = open_at(root_dirfd, in_tree(dir_name(path)), O_RDONLY | O_DIRECTORY, kResolveInRoot);
    if (!dir) fail(Exit::System, "can't open {} in {}: {}", dir_name(path), where, errno_text(errno));
    // The old file's mode and owner: the file itself, or where a symlink in the tree leads.
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    bool keep_owner = false;
    if (Fd old = open_at(root_dirfd, in_tree(path), O_PATH, kResolveInRoot)) {
        struct stat st;
        if (::fstat(old.get(), &st) == 0 && S_ISREG(st.st_mode)) {
            mode = st.st_mode & 0777;
            uid = st.st_uid;
            gid = st.st_gid;
            keep_owner = true;
        }
    }
    auto [tmp, fd] = make_temporary(dir.get(), name, path, where);
    ScopeGuard remove([&, &tmp = tmp] { ::unlinkat(dir.get(), tmp.c_str(), 0); });
    write_fd(fd.get(), content, path, where);
    if (keep_owner && ::fchown(fd.get(), uid, gid) != 0)
        fail(Exit::System, "can't chown {} in {}: {}", path, where, errno_text(errno));
    if (::fchmod(fd.get(), mode) != 0) fail(Exit::System, "can't chmod {} in {}: {}", path, where, errno_text(errno));
    if (::fsync(fd.get()) != 0) fail(Exit::System, "can't fsync {} in {}: {}", path, where, errno_text(errno));
    fd.reset();
    if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0)
        fail(Exit::System, "can't replace {} in {}: {}", path, where, errno_text(errno));
    remove.release();
    ::fsync(dir.get());
}

void write_ct_files(const CtConfig& cfg, const std::string& tree, unsigned groups) {
    auto where = fmt::format("CT {}", cfg.ctid());
    Fd root(::open(tree.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) fail(Exit::System, "can't open the tree {} of {}: {}", tree, where, errno_text(errno));
    if (groups & kResDns) {
        DnsEntries host;
        auto nameserver = cfg.get_or("NAMESERVER", "");
        auto searchdomain = cfg.get_or("SEARCHDOMAIN", "");
        if (nameserver.starts_with("inherit") || searchdomain.starts_with("inherit"))
            host = parse_resolv_conf(read_file("/etc/resolv.conf", 1 << 20).value_or(""));
        auto servers = dns_list(cfg, "NAMESERVER", host.nameservers);
        auto search = dns_list(cfg, "SEARCHDOMAIN", host.search);
        if ((servers && !servers->empty()) || (search && !search->empty())) {
            auto old = read_in_root(root.get(), "/etc/resolv.conf", where).value_or("");
            auto text = resolv_conf_text(old, servers, search);
            if (text != old) write_in_root(root.get(), "/etc/resolv.conf", text, where);
        }
    }
    if (groups & kResHostname) {
        auto hostname = cfg.get_or("HOSTNAME", "");
        if (!hostname.empty()) {
            auto previous = read_in_root(root.get(), "/etc/hostname", where, 4096).value_or("");
            previous = previous.substr(0, previous.find_first_of("\n \t"));
            auto old = read_in_root(root.get(), "/etc/hosts", where).value_or("");
            auto text = hosts_text(old, hostname, first_address(cfg.get_or("IP_ADDRESS", "")), previous);
            if (text != old) write_in_root(root.get(), "/etc/hosts", text, where);
        }
    }
}

bool write_ct_network(const CtConfig& cfg, const std::string& tree, const std::vector<std::string>& addrs) {
    auto where = fmt::format("CT {}", cfg.ctid());
    Fd root(::open(tree.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) fail(Exit::System, "can't open the tree {} of {}: {}", tree, where, errno_text(errno));
    auto ostemplate = cfg.get_or("OSTEMPLATE", "");
    auto debian = debian_by_template(base_name(ostemplate));
    if (!debian)
        debian = exists_in_root(root.get(), "/etc/debian_version", false) &&
                 exists_in_root(root.get(), "/etc/network/interfaces", false);
    if (!*debian || !exists_in_root(root.get(), "/etc/network", true)) return false;
    auto old = read_in_root(root.get(), "/etc/network/interfaces", where).value_or("");
    auto text = debian_interfaces_text(old, addrs);
    if (text != old) write_in_root(root.get(), "/etc/network/interfaces", text, where);
    return true;
}

}  // namespace vz
