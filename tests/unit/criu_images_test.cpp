// What suspend and resume (src/lib/ct/suspend.cpp) take from and change in CRIU's world, as pure functions
// (src/lib/cpt/criu.hpp): the external mounts of a container's mountinfo, their keys, and the disarming of the
// user-notification returns in a dumped seccomp image, the subtree_control properties taken out of a cgroup image,
// the link remaps read from the file images.
#include <gtest/gtest.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cpt/criu.hpp"
#include "cpt/criu_cgroup.pb-c.h"
#include "cpt/criu_files.pb-c.h"
#include "util/file.hpp"
#include "util/error.hpp"

namespace {

using namespace vz::cpt;

TEST(CriuImages, ExternalMountsAreTheHostsFileSystems) {
    // Lines as a container's init sees them (DESIGN.md: LXCFS and vzubcfs files, a host device node).
    const char* mountinfo =
        "87 48 254:0 /tmp/p/101 / rw,relatime - ext4 /dev/vda rw\n"
        "88 87 0:44 / /proc rw,nosuid - proc proc rw\n"
        "91 88 0:41 /proc/cpuinfo /proc/cpuinfo rw,nosuid - fuse.lxcfs lxcfs rw,user_id=0\n"
        "97 96 0:41 /sys/devices/system/cpu/online /sys/devices/system/cpu/online rw shared:5 - fuse.lxcfs lxcfs rw\n"
        "98 87 0:46 / /dev rw - tmpfs none rw\n"
        "99 98 0:46 /null /dev/console rw - tmpfs none rw\n"
        "100 98 0:5 /fuse /dev/fuse rw - devtmpfs udev rw\n"
        "104 88 0:42 /101/meminfo /proc/meminfo ro - fuse.vzubcfs vzubcfs ro\n"
        // The console's other end from the host's devpts; the container's own devpts is not external.
        "105 98 0:24 /3 /dev/console rw - devpts devpts rw,gid=5,mode=620\n"
        "106 98 0:47 / /dev/pts rw - devpts devpts rw,gid=5,mode=620,ptmxmode=666\n"
        // Its ttys: tty1 the console's pty again, tty12 one of its own; no other devpts file is a terminal.
        "107 98 0:24 /3 /dev/tty1 rw - devpts devpts rw,gid=5,mode=620\n"
        "108 98 0:24 /14 /dev/tty12 rw - devpts devpts rw,gid=5,mode=620\n"
        "109 98 0:24 /15 /dev/tty012 rw - devpts devpts rw,gid=5,mode=620\n"
        "110 98 0:24 /16 /dev/ttyS0 rw - devpts devpts rw,gid=5,mode=620\n";
    auto ext = external_mounts(mountinfo);
    ASSERT_EQ(ext.size(), 7u);
    EXPECT_EQ(ext[0].path, "/proc/cpuinfo");
    EXPECT_EQ(ext[0].key, "lxcfs/proc/cpuinfo");
    EXPECT_EQ(ext[1].key, "lxcfs/sys/devices/system/cpu/online");  // an optional field before the "-"
    EXPECT_EQ(ext[2].path, "/dev/fuse");
    EXPECT_EQ(ext[2].key, "dev/fuse");
    EXPECT_EQ(ext[3].path, "/proc/meminfo");
    EXPECT_EQ(ext[3].key, "vzubcfs/101/meminfo");
    EXPECT_EQ(ext[4].path, "/dev/console");
    EXPECT_EQ(ext[4].key, "console");  // the pty's number is not kept: restore's console has another
    EXPECT_EQ(ext[5].path, "/dev/tty1");
    EXPECT_EQ(ext[5].key, "tty1");
    EXPECT_EQ(ext[6].path, "/dev/tty12");
    EXPECT_EQ(ext[6].key, "tty12");
    EXPECT_TRUE(external_mounts("garbage\n\n1 2 3\n").empty());
}

TEST(CriuImages, TheHostsMountsBelowTheRootAreExternal) {
    // The container's view: its root, a mount script's bind of /srv/data (from the host's /dev/vda, root /srv/data),
    // a tmpfs of its own over another host mount, its own mount on the same path as none of the host's.
    const char* mountinfo =
        "87 48 254:0 /vz/private/101 / rw - ext4 /dev/vda rw\n"
        "88 87 254:0 /srv/data /mnt/data rw - ext4 /dev/vda rw\n"
        "89 87 254:0 /srv/data /mnt/data rw - ext4 /dev/vda rw\n"  // bound twice over itself: named once
        "90 87 0:50 / /mnt/own rw - tmpfs none rw\n"
        "91 87 0:51 / /mnt/tmp rw - tmpfs none rw\n"
        "92 87 254:0 /srv/with\\040blank /mnt/with\\040blank rw - ext4 /dev/vda rw\n";
    const char* host =
        "30 1 254:0 / / rw - ext4 /dev/vda rw\n"
        "60 30 254:0 /vz/private/101 /vz/root/101 rw - ext4 /dev/vda rw\n"
        "61 60 254:0 /srv/data /vz/root/101/mnt/data rw shared:1 - ext4 /dev/vda rw\n"
        "62 60 254:0 /srv/other /vz/root/101/mnt/own rw - ext4 /dev/vda rw\n"
        "63 60 254:0 /srv/with\\040blank /vz/root/101/mnt/with\\040blank rw - ext4 /dev/vda rw\n"
        "64 30 254:0 /srv/data /vz/root/1010/mnt/tmp rw - ext4 /dev/vda rw\n";
    auto ext = external_mounts(mountinfo, host, "/vz/root/101");
    ASSERT_EQ(ext.size(), 2u);
    EXPECT_EQ(ext[0].path, "/mnt/data");
    EXPECT_EQ(ext[0].key, "host/mnt/data");
    EXPECT_EQ(ext[1].path, "/mnt/with\\040blank");
    EXPECT_TRUE(external_mounts(mountinfo).empty());  // without the host's
    // A root with a blank is escaped as mountinfo does.
    const char* blank = "60 30 254:0 /srv/data /vz/root/a\\040b/mnt/data rw - ext4 /dev/vda rw\n";
    EXPECT_EQ(external_mounts(mountinfo, blank, "/vz/root/a b").size(), 1u);
}

TEST(CriuImages, TerminalKeysNameTheTerminal) {
    EXPECT_EQ(terminal_of_key("console"), 0u);
    EXPECT_EQ(terminal_of_key("tty1"), 0u);  // the console again
    EXPECT_EQ(terminal_of_key("tty2"), 1u);
    EXPECT_EQ(terminal_of_key("tty12"), 11u);
    for (auto key : {"tty", "tty0", "tty02", "ttyS0", "tty1x", "tty100", "lxcfs/proc/cpuinfo", "consoles", ""})
        EXPECT_EQ(terminal_of_key(key), std::nullopt) << key;
}

TEST(CriuImages, KeysSplitIntoTagAndFile) {
    EXPECT_EQ(split_external_key("lxcfs/proc/cpuinfo"), (std::pair<std::string, std::string>{"lxcfs", "/proc/cpuinfo"}));
    EXPECT_EQ(split_external_key("vzubcfs/101/swaps"), (std::pair<std::string, std::string>{"vzubcfs", "/101/swaps"}));
    EXPECT_EQ(split_external_key("dev/null"), (std::pair<std::string, std::string>{"dev", "/null"}));
    EXPECT_EQ(split_external_key("devnull"), std::nullopt);
    EXPECT_EQ(split_external_key("other/x"), std::nullopt);
    EXPECT_EQ(split_external_key("lxcfs"), std::nullopt);
    EXPECT_EQ(split_external_key("host/mnt/data"), (std::pair<std::string, std::string>{"host", "/mnt/data"}));
    EXPECT_EQ(split_external_key("host"), std::nullopt);
}

// A program's bytes as seccomp.img holds them, inside other bytes.
std::string with_program(const std::vector<sock_filter>& prog) {
    std::string image("\x54\x45\x10\x58\x0a\x05", 6);
    image.append(reinterpret_cast<const char*>(prog.data()), prog.size() * sizeof(sock_filter));
    image += "\x10\x01";
    return image;
}

TEST(CriuImages, NotificationReturnsBecomeAllowAndNothingElseChanges) {
    std::vector<sock_filter> prog = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 99, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    auto image = with_program(prog);
    auto expected = prog;
    expected[2].k = expected[4].k = SECCOMP_RET_ALLOW;
    EXPECT_EQ(disarm_user_notif(image), 2u);
    EXPECT_EQ(image, with_program(expected));
    EXPECT_EQ(disarm_user_notif(image), 0u);
}

// cgroup.img: built here with protobuf-c from the same schema (cpt/criu_cgroup.proto), framed as CRIU writes it.
namespace cg {

using Prop = VzCriu__CgroupPropEntry;
using DirEntry = VzCriu__CgroupDirEntry;
using Controller = VzCriu__CgControllerEntry;

// Owns what the test's messages point to.
struct Arena {
    std::vector<std::unique_ptr<Prop>> props;
    std::vector<std::unique_ptr<DirEntry>> dirs;
    std::vector<std::unique_ptr<Controller>> controllers;
    std::vector<std::unique_ptr<std::vector<Prop*>>> prop_lists;
    std::vector<std::unique_ptr<std::vector<DirEntry*>>> dir_lists;
    std::vector<std::unique_ptr<std::vector<char*>>> name_lists;

    Prop* prop(const char* name, const char* value) {
        auto p = std::make_unique<Prop>();
        vz_criu__cgroup_prop_entry__init(p.get());
        p->name = const_cast<char*>(name);
        p->value = const_cast<char*>(value);
        props.push_back(std::move(p));
        return props.back().get();
    }
    DirEntry** dir_list(std::vector<DirEntry*> list, size_t& n) {
        dir_lists.push_back(std::make_unique<std::vector<DirEntry*>>(std::move(list)));
        n = dir_lists.back()->size();
        return dir_lists.back()->data();
    }
    DirEntry* dir(const char* name, std::vector<Prop*> ps, std::vector<DirEntry*> kids = {}) {
        auto d = std::make_unique<DirEntry>();
        vz_criu__cgroup_dir_entry__init(d.get());
        d->dir_name = const_cast<char*>(name);
        prop_lists.push_back(std::make_unique<std::vector<Prop*>>(std::move(ps)));
        d->n_properties = prop_lists.back()->size();
        d->properties = prop_lists.back()->data();
        d->children = dir_list(std::move(kids), d->n_children);
        dirs.push_back(std::move(d));
        return dirs.back().get();
    }
    // A hierarchy as CRIU names it ("" for the cgroup2 one) with its top cgroups.
    Controller* controller(const char* name, std::vector<DirEntry*> tops) {
        auto c = std::make_unique<Controller>();
        vz_criu__cg_controller_entry__init(c.get());
        name_lists.push_back(std::make_unique<std::vector<char*>>(std::vector<char*>{const_cast<char*>(name)}));
        c->n_cnames = 1;
        c->cnames = name_lists.back()->data();
        c->dirs = dir_list(std::move(tops), c->n_dirs);
        controllers.push_back(std::move(c));
        return controllers.back().get();
    }
};

// A cgroup.img of one entry with these hierarchies, as CRIU writes it.
std::string frame(std::vector<Controller*> controllers) {
    VzCriu__CgroupEntry entry;
    vz_criu__cgroup_entry__init(&entry);
    entry.n_controllers = controllers.size();
    entry.controllers = controllers.data();
    std::string out;
    auto put = [&](uint32_t v) {
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    put(0x54564319);
    put(0x59383330);
    std::string packed(vz_criu__cgroup_entry__get_packed_size(&entry), '\0');
    vz_criu__cgroup_entry__pack(&entry, reinterpret_cast<uint8_t*>(packed.data()));
    put(static_cast<uint32_t>(packed.size()));
    return out + packed;
}

std::vector<std::string> props_of(const DirEntry& d) {
    std::vector<std::string> out;
    for (size_t i = 0; i < d.n_properties; ++i)
        out.push_back(std::string(d.properties[i]->name) + "=" + d.properties[i]->value);
    return out;
}

// The entry of an image `frame` made (or an edit wrote), read back.
std::unique_ptr<VzCriu__CgroupEntry, void (*)(VzCriu__CgroupEntry*)> unpack(const std::string& image) {
    auto* e = image.size() > 12 ? vz_criu__cgroup_entry__unpack(nullptr, image.size() - 12,
                                                                reinterpret_cast<const uint8_t*>(image.data() + 12))
                                : nullptr;
    return {e, [](VzCriu__CgroupEntry* p) { vz_criu__cgroup_entry__free_unpacked(p, nullptr); }};
}

}  // namespace cg

TEST(CriuImages, SubtreeControlsLeaveTheCgroup2TreeOnly) {
    cg::Arena a;
    // The cgroup2 hierarchy: the container's root, systemd's system.slice below it, a service below that.
    auto* service = a.dir("cron.service", {a.prop("cgroup.subtree_control", ""), a.prop("memory.max", "max")});
    auto* slice = a.dir("system.slice", {a.prop("cgroup.subtree_control", "memory pids")}, {service});
    auto* root =
        a.dir("", {a.prop("cgroup.max.depth", "max"), a.prop("cgroup.subtree_control", "cpu memory pids")}, {slice});
    // And a v1 hierarchy that happens to have a property of that name: not CRIU's cgroup2 one, kept.
    auto image = cg::frame({a.controller("memory", {a.dir("x", {a.prop("cgroup.subtree_control", "odd")})}),
                            a.controller("", {root})});
    EXPECT_EQ(drop_subtree_controls(image), 2u);
    auto back = cg::unpack(image);
    ASSERT_NE(back, nullptr);
    ASSERT_EQ(back->n_controllers, 2u);
    auto& r = *back->controllers[1]->dirs[0];
    EXPECT_EQ(cg::props_of(r), std::vector<std::string>{"cgroup.max.depth=max"});
    ASSERT_EQ(r.n_children, 1u);
    EXPECT_EQ(cg::props_of(*r.children[0]), std::vector<std::string>{});
    ASSERT_EQ(r.children[0]->n_children, 1u);
    EXPECT_EQ(cg::props_of(*r.children[0]->children[0]),
              (std::vector<std::string>{"cgroup.subtree_control=", "memory.max=max"}));
    EXPECT_EQ(cg::props_of(*back->controllers[0]->dirs[0]), std::vector<std::string>{"cgroup.subtree_control=odd"});

    // Once more: nothing left to take out, and the image stays what it was.
    auto again = image;
    EXPECT_EQ(drop_subtree_controls(again), 0u);
    EXPECT_EQ(again, image);
}

// vzctl chkpnt --suspend froze the CT for the dump: CRIU records the freezer state it found (FROZEN) and would
// restore the CT frozen. Every hierarchy is looked at (v1's freezer has a name of its own); other values stay.
TEST(CriuImages, FreezerStateIsMadeThawed) {
    cg::Arena a;
    auto* inner = a.dir("ct", {a.prop("freezer.state", "FROZEN"), a.prop("tasks", "")});
    auto* top = a.dir("", {a.prop("freezer.state", "THAWED")}, {inner});
    auto image = cg::frame({a.controller("freezer", {top}),
                            a.controller("memory", {a.dir("x", {a.prop("memory.limit_in_bytes", "FROZEN")})})});
    EXPECT_EQ(thaw_freezer_state(image), 1u);
    auto back = cg::unpack(image);
    ASSERT_NE(back, nullptr);
    auto& r = *back->controllers[0]->dirs[0];
    EXPECT_EQ(cg::props_of(r), std::vector<std::string>{"freezer.state=THAWED"});
    ASSERT_EQ(r.n_children, 1u);
    EXPECT_EQ(cg::props_of(*r.children[0]), (std::vector<std::string>{"freezer.state=THAWED", "tasks="}));
    EXPECT_EQ(cg::props_of(*back->controllers[1]->dirs[0]), std::vector<std::string>{"memory.limit_in_bytes=FROZEN"});
    auto again = image;
    EXPECT_EQ(thaw_freezer_state(again), 0u);
    EXPECT_EQ(again, image);
    std::string wrong_magic("\x19\x43\x56\x54\x00\x00\x00\x00", 8);
    EXPECT_THROW(thaw_freezer_state(wrong_magic), vz::Error);
}

TEST(CriuImages, NotACgroupImageIsRefused) {
    std::string wrong_magic("\x19\x43\x56\x54\x00\x00\x00\x00", 8);
    EXPECT_THROW(drop_subtree_controls(wrong_magic), vz::Error);
    std::string header("\x19\x43\x56\x54\x30\x33\x38\x59", 8);
    auto truncated = header + std::string("\x10\x00\x00\x00\x12", 5);
    EXPECT_THROW(drop_subtree_controls(truncated), vz::Error);
    auto garbage = header + std::string("\x02\x00\x00\x00\xff\xff", 6);
    EXPECT_THROW(drop_subtree_controls(garbage), vz::Error);
    std::string empty = header;
    EXPECT_EQ(drop_subtree_controls(empty), 0u);
}

// A CRIU image: the common magic, the image's own, then each message with its length first (little-endian).
std::string framed(uint32_t magic, const std::vector<std::string>& messages) {
    std::string out;
    auto u32 = [&out](uint32_t v) {
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    u32(0x54564319);
    u32(magic);
    for (auto& m : messages) {
        u32(static_cast<uint32_t>(m.size()));
        out += m;
    }
    return out;
}

std::string remap(uint32_t orig, uint32_t remap_id, std::optional<uint32_t> type) {
    VzCriu__RemapFilePathEntry e;
    vz_criu__remap_file_path_entry__init(&e);
    e.has_orig_id = e.has_remap_id = true;
    e.orig_id = orig;
    e.remap_id = remap_id;
    e.has_remap_type = type.has_value();
    e.remap_type = type.value_or(0);
    std::string out(vz_criu__remap_file_path_entry__get_packed_size(&e), '\0');
    vz_criu__remap_file_path_entry__pack(&e, reinterpret_cast<uint8_t*>(out.data()));
    return out;
}

std::string reg_file(uint32_t id, const char* name) {
    VzCriu__RegFileEntry r;
    vz_criu__reg_file_entry__init(&r);
    r.has_id = true;
    r.id = id;
    r.name = const_cast<char*>(name);
    VzCriu__FileEntry e;
    vz_criu__file_entry__init(&e);
    e.has_type = e.has_id = true;
    e.type = 1;
    e.id = id;
    e.reg = &r;
    std::string out(vz_criu__file_entry__get_packed_size(&e), '\0');
    vz_criu__file_entry__pack(&e, reinterpret_cast<uint8_t*>(out.data()));
    return out;
}

// remap-fpath.img and files.img as CRIU writes them (built from the same schema, cpt/criu_files.proto): only the
// linked remaps (remap_type 0, or none: images of old CRIUs) are named, by the file they point to; a dump without
// remap-fpath.img has none.
TEST(CriuImages, LinkedRemapsAreNamedByTheFilesTheyPointTo) {
    auto dir = std::filesystem::temp_directory_path() / ("vz-remaps-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto at = [&](const char* name) { return (dir / name).string(); };
    EXPECT_TRUE(linked_remaps(dir).empty());
    constexpr uint32_t kRemapMagic = 0x59133954, kFilesMagic = 0x56303138;
    vz::write_file_atomic(at("remap-fpath.img"),
                          framed(kRemapMagic, {remap(1, 8, 0), remap(2, 9, 1), remap(3, 10, std::nullopt)}));
    vz::write_file_atomic(at("files.img"), framed(kFilesMagic, {reg_file(1, "/held"), reg_file(8, "/link_remap.8"),
                                                                reg_file(9, "/ghost"),
                                                                reg_file(10, "/d/link_remap.10")}));
    EXPECT_EQ(linked_remaps(dir), (std::vector<std::string>{"/link_remap.8", "/d/link_remap.10"}));
    vz::write_file_atomic(at("files.img"), framed(kRemapMagic, {reg_file(8, "/link_remap.8")}));
    EXPECT_THROW(linked_remaps(dir), vz::Error);
    auto truncated = framed(kRemapMagic, {remap(1, 8, 0)});
    truncated.pop_back();
    vz::write_file_atomic(at("remap-fpath.img"), truncated);
    EXPECT_THROW(linked_remaps(dir), vz::Error);
    std::filesystem::remove_all(dir);
}

}  // namespace
