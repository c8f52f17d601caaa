// Whole-file reads and atomic whole-file writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/error.hpp"

#include "util/fd.hpp"

namespace vz {

// The file's content, or nullopt when it does not exist (also: its process ended, its cgroup was removed). Other
// failures throw vz::Error. Reading stops once more than `max` bytes are in (the caller refuses a result longer
// than `max`).
std::optional<std::string> read_file(const std::string& path, size_t max = SIZE_MAX);

// Replace `path` with `content` atomically: a temp file in the same directory, fsync, rename, fsync of the
// directory. The file keeps its mode when it existed (else `mode`). On failure the old file is untouched and no
// temp file is left.
// Removes the temporary files that writes of `path` killed before their rename left behind. The caller holds the
// lock that orders the writers of `path` (the CT lock for a config), so no other write of it is under way.
void remove_stale_temporaries(const std::string& path);
void write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);

// mkdir -p with `mode` for the directories it creates.
void make_dirs(const std::string& path, unsigned mode = 0755);

// A new directory "<parent>/.<stem>.XXXXXX" (mkdtemp, mode 0700); Error(`code`) naming `parent` when it can't be made.
std::string make_temp_dir(const std::string& parent, const std::string& stem, Exit code);

// Remove a directory tree without following symlinks and without crossing into other file systems or mounts (a bind mount
// left inside a container's private area must not have its content deleted). Missing path: nothing to do.
void remove_tree(const std::string& path);

// Opens `path` as seen from inside `root` (a container's tree, from the host): openat2(2) with RESOLVE_IN_ROOT and
// RESOLVE_NO_MAGICLINKS, so ".." and absolute symlinks stay within `root` and /proc magic links are refused. An
// invalid Fd (errno set) when it can't be opened.
Fd open_in_root(const std::string& root, const std::string& path, int flags, unsigned mode = 0);

// Makes the new directory `to` holding hard links of the regular files directly in `from`: a copy of a dump's
// images that costs nothing and that a restore may remove. Mode 0755, as CRIU reads a dump from inside the
// container's user namespace. Error(`code`) naming the file; `to` is removed then.
void link_files(const std::string& from, const std::string& to, Exit code);

bool path_exists(const std::string& path);
bool is_dir(const std::string& path);
// A live FUSE mount is at `path` (a FUSE mount whose daemon died answers ENOTCONN: false).
bool is_fuse_mount(const std::string& path);

std::string dir_name(const std::string& path);
std::string base_name(const std::string& path);

}  // namespace vz
