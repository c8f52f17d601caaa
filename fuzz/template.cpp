// OS template names and the template cache (fs/template, as `vzctl create --ostemplate NAME` and DEF_OSTEMPLATE
// use them). The first byte picks: look a name up in a fixed cache, or make a cache of the input's file names and
// list it. A name found is a regular file of the cache directory named NAME plus a tarball suffix; a name listed
// is one that can be found.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "fs/template.hpp"
#include "fuzz.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace {

using vzfuzz::require;

constexpr const char* kSuffixes[] = {".tar.zst", ".tar.xz", ".tar.gz", ".tar.bz2", ".tar", ".tgz"};

std::string scratch() {
    // Made once, removed at exit.
    static const struct Scratch {
        std::string dir;
        Scratch() : dir(std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/vzfuzz-tmpl.XXXXXX") {
            if (!::mkdtemp(dir.data())) std::abort();
        }
        ~Scratch() { vz::remove_tree(dir); }
    } s;
    return s.dir;
}

void touch(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) ::close(fd);
}

// A cache with what real ones hold, and what they should not: templates, a directory and a dot file named like
// templates, a symlink to a tarball outside, an unrelated file.
const std::string& fixed_cache() {
    static const std::string cache = [] {
        auto c = scratch() + "/fixed/cache";
        vz::make_dirs(c);
        for (auto* f : {"busybox.tar.zst", "debian-12-x86_64.tar.gz", "centos-7.tar.xz", "a.tgz", "b.tar",
                        "x.tar.bz2", ".hidden.tar.gz", "notes.txt"})
            touch(c + "/" + f);
        vz::make_dirs(c + "/dir.tar.gz");
        touch(scratch() + "/fixed/outside.tar.gz");
        if (::symlink("../outside.tar.gz", (c + "/link.tar.gz").c_str()) != 0) std::abort();
        return c;
    }();
    return cache;
}

void found_is_sound(const std::string& cache, const std::string& name, const std::optional<std::string>& path) {
    if (!path) return;
    require(path->find('\0') == std::string::npos, "a template path with a NUL", name);
    require(vz::dir_name(*path) == cache, "a template outside the cache directory", *path);
    auto leaf = vz::base_name(*path);
    require(std::any_of(std::begin(kSuffixes), std::end(kSuffixes), [&](const char* s) { return leaf == name + s; }),
            "a template file not named NAME plus a suffix", name + " -> " + *path);
    struct stat st;
    require(::stat(path->c_str(), &st) == 0 && S_ISREG(st.st_mode), "a template that is no regular file", *path);
}

void lookup(std::string_view name) {
    auto& cache = fixed_cache();
    found_is_sound(cache, std::string(name), vz::find_template(cache, std::string(name)));
}

// File names from the input (NUL-separated; '/' is no file name character), a cache of them, its listing.
void listing(std::string_view input) {
    auto dir = scratch() + "/made";
    vz::remove_tree(dir);
    auto cache = dir + "/cache";
    vz::make_dirs(cache);
    auto names = vzfuzz::nul_words(input, 6);
    for (size_t i = 0; i < names.size(); ++i) {
        auto& n = names[i];
        if (n.empty() || n.size() > 200 || n == "." || n == ".." || n.find('/') != std::string::npos) continue;
        // Every third one a directory.
        if (i % 3 == 2) ::mkdir((cache + "/" + n).c_str(), 0755);
        else touch(cache + "/" + n);
    }
    auto listed = vz::list_templates(cache);
    require(std::is_sorted(listed.begin(), listed.end()) &&
                std::adjacent_find(listed.begin(), listed.end()) == listed.end(),
            "list_templates is not sorted and unique");
    for (auto& name : listed) {
        auto path = vz::find_template(cache, name);
        require(path.has_value(), "a listed template can't be found", name);
        found_is_sound(cache, name, path);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    auto rest = vzfuzz::as_text(data + 1, size - 1);
    if (data[0] & 1) listing(rest);
    else lookup(rest);
    return 0;
}
