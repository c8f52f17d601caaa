// Host network devices moved into a container (NETDEV, --netdev_add/--netdev_del): each device, under its own name,
// moved from the host's network namespace into the container's at start, and back at stop. The kernel clears its
// addresses and takes it down on each move; what it carries inside is the container's business.
//
// "The host" is the network namespace of the vzctl that acts (/proc/self/ns/net), where the start found the device:
// a device goes back where it came from. The netns of pid 1 would differ when vzctl itself runs in a namespace of
// its own (a test sandbox, a nested setup) and would move the device out of that vzctl's reach.
#pragma once

#include <string>
#include <vector>

#include "config/ctconfig.hpp"

namespace vz::net {

struct NetdevConfig {
    unsigned ctid = 0;
    std::vector<std::string> devs;  // NETDEV, in order
};

NetdevConfig netdev_config(const CtConfig& cfg);

// At start, into the network namespace `netns_fd` of a container whose init has not run yet. A refused name
// (venet*, tun*, tap*, lo*), a device the host lacks, or a move the kernel refuses fails with exit 104 naming the
// device, the devices moved already back on the host.
void netdev_start(const NetdevConfig& c, int netns_fd);

// On a running container: `add` moved in, then `del` moved back to the host. A device already where it is asked to
// go is left there (an info line says so); a device to add the host lacks, or a move the kernel refuses, fails
// with exit 104, this call's moves undone.
void netdev_change(const NetdevConfig& c, int netns_fd, const std::vector<std::string>& add,
                   const std::vector<std::string>& del);

// Before a stop: the devices of c.devs still in the container moved back to the host (a virtual one would die with
// the container's network namespace). A move that fails is a warning: the stop goes on.
void netdev_stop(const NetdevConfig& c, int netns_fd);

}  // namespace vz::net
