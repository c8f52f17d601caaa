#include "net/netdev.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "config/kinds.hpp"
#include "net/netlink.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"
#include "util/log.hpp"
#include "util/scope.hpp"
#include "util/strings.hpp"

namespace vz::net {
namespace {

// The host's network namespace: this process's (netdev.hpp says why).
Fd host_netns(unsigned ctid) {
    Fd fd(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd) fail(Exit::NetdevError, "can't open the host's network namespace for CT {}: {}", ctid, errno_text(errno));
    return fd;
}

// Moves `name` from the namespace of `from` into `to_fd`; false when `from` has no such device.
bool move(Netlink& from, int to_fd, const std::string& name, unsigned ctid, const char* where) {
    int idx = from.index_of(name);
    if (!idx) return false;
    if (int rc = from.set_netns(idx, to_fd); rc)
        fail(Exit::NetdevError, "can't move network device {} {} CT {}: {}", name, where, ctid, errno_text(rc));
    return true;
}

// Moves done so far, undone (back where each came from, the last first) unless released.
class Moves {
public:
    Moves(Netlink& host, Netlink& ct, int host_fd, int ct_fd, unsigned ctid)
        : host_(host), ct_(ct), host_fd_(host_fd), ct_fd_(ct_fd), ctid_(ctid) {
        undo_ = ScopeGuard([this] {
            for (auto it = done_.rbegin(); it != done_.rend(); ++it) {
                try {
                    if (it->second)
                        move(ct_, host_fd_, it->first, ctid_, "back from");
                    else
                        move(host_, ct_fd_, it->first, ctid_, "back into");
                } catch (const Error& e) {
                    log::error(e.what());
                }
            }
        });
    }
    void in(const std::string& name) {
        if (!move(host_, ct_fd_, name, ctid_, "into")) {
            if (ct_.index_of(name)) {
                log::info("Network device {} is in CT {} already", name, ctid_);
                return;
            }
            fail(Exit::NetdevError, "Network device {} of CT {} does not exist on the host", name, ctid_);
        }
        done_.emplace_back(name, true);
    }
    void out(const std::string& name) {
        if (!move(ct_, host_fd_, name, ctid_, "out of")) {
            log::info("Network device {} is not in CT {}", name, ctid_);
            return;
        }
        done_.emplace_back(name, false);
    }
    void keep() { undo_.release(); }

private:
    Netlink& host_;
    Netlink& ct_;
    int host_fd_, ct_fd_;
    unsigned ctid_;
    std::vector<std::pair<std::string, bool>> done_;  // name, moved into the container
    ScopeGuard undo_;
};

void check_name(const std::string& name, unsigned ctid) {
    if (!valid_netdev(name))
        fail(Exit::NetdevError, "Network device {} can't be moved into CT {} (venet*, tun*, tap* and lo* are refused)",
             name, ctid);
}

}  // namespace

NetdevConfig netdev_config(const CtConfig& cfg) {
    NetdevConfig c;
    c.ctid = cfg.ctid();
    for (auto& d : split(cfg.get_or("NETDEV", ""), " ,"))
        if (!d.empty() && std::find(c.devs.begin(), c.devs.end(), d) == c.devs.end()) c.devs.push_back(d);
    return c;
}

void netdev_start(const NetdevConfig& c, int netns_fd) {
    netdev_change(c, netns_fd, c.devs, {});
}

void netdev_change(const NetdevConfig& c, int netns_fd, const std::vector<std::string>& add,
                   const std::vector<std::string>& del) {
    if (add.empty() && del.empty()) return;
    for (auto& d : add) check_name(d, c.ctid);
    auto host_fd = host_netns(c.ctid);
    Netlink host, ct(netns_fd);
    Moves moves(host, ct, host_fd.get(), netns_fd, c.ctid);
    for (auto& d : add) moves.in(d);
    for (auto& d : del) moves.out(d);
    moves.keep();
}

void netdev_stop(const NetdevConfig& c, int netns_fd) {
    if (c.devs.empty()) return;
    try {
        auto host_fd = host_netns(c.ctid);
        Netlink ct(netns_fd);
        for (auto& d : c.devs) {
            try {
                move(ct, host_fd.get(), d, c.ctid, "back from");
            } catch (const Error& e) {
                log::warn("{}", e.what());
            }
        }
    } catch (const Error& e) {
        log::warn("{}", e.what());
    }
}

}  // namespace vz::net
