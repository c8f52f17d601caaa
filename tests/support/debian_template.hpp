// The Debian 12 template the systemd tests boot (scripts/mktemplate-debian: debootstrap minbase + systemd,
// ifupdown), made next to the busybox one, and a shell for the host-side commands around it.
#pragma once

#include <sys/utsname.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "runtime_fixture.hpp"
#include "shell.hpp"

namespace vztest {

// The name mktemplate-debian gives by default: debian-12-<machine>.
inline std::string debian_template_name() {
    struct utsname u {};
    ::uname(&u);
    return std::string("debian-12-") + u.machine;
}

// TEMPLATE/cache/<name>.tar.zst, TEMPLATE being the fixture's test-templates directory.
inline std::string debian_template_path() {
    return busybox_template_dir() + "/cache/" + debian_template_name() + ".tar.zst";
}

// Makes the template, or finds it up to date. The first run on a machine needs the Debian mirror (minutes); later
// ones take the debootstrap result from /var/cache/vzctl/mktemplate-debian (seconds, no network). `wrapper` goes
// before the command (a flock).
inline Shell make_debian_template(const std::string& wrapper = {}) {
    return shell(wrapper + shell_quote(std::string(SOURCE_DIR) + "/scripts/mktemplate-debian") + " " +
                 shell_quote(busybox_template_dir() + "/cache") + " " + shell_quote(debian_template_name()));
}

}  // namespace vztest
