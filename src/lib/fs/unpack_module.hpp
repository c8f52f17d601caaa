// The C entry point of the template unpacker module (libvz-unpack.so), loaded with dlopen by
// vz::unpack_template. Returns 0, or a vzctl exit code with the message in `err`.
#pragma once

#include <cstddef>

extern "C" int vz_unpack_template(const char* tarball, const char* dest, int progress, char* err, size_t errlen);
