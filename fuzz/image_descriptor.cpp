// DiskDescriptor.xml of the image layout (fs/image, as `vzctl mount` of a ploop container reads it): any bytes either
// parse or are refused with vz::Error (MountImage, one line). What parses renders to a descriptor that parses to the
// same size, file and mode, and renders again to the same text; the file stays inside root.hdd/.
#include <string>

#include "fs/image.hpp"
#include "fuzz.hpp"
#include "util/error.hpp"

using vzfuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto text = vzfuzz::as_text(data, size);
    vz::image::Descriptor d;
    try {
        d = vz::image::parse_descriptor(text, "DiskDescriptor.xml");
    } catch (const vz::Error& e) {
        require(e.code() == vz::Exit::MountImage, "a refused descriptor is not a MountImage error", e.what());
        require(std::string(e.what()).find('\n') == std::string::npos, "a refusal of more than one line", e.what());
        return 0;
    }
    require(d.size_kib > 0, "a descriptor of size 0 parsed");
    require(!d.file.empty() && d.file[0] != '/', "an image file outside root.hdd/ parsed", d.file);
    require(("/" + d.file + "/").find("/../") == std::string::npos, "an image file with .. parsed", d.file);

    auto rendered = vz::image::render_descriptor(d);
    vz::image::Descriptor again;
    try {
        again = vz::image::parse_descriptor(rendered, "rendered");
    } catch (const vz::Error& e) {
        vzfuzz::broken("a rendered descriptor is refused", e.what());
    }
    require(again.size_kib == d.size_kib && again.file == d.file && again.mode == d.mode,
            "a rendered descriptor parses to another one", rendered);
    require(vz::image::render_descriptor(again) == rendered, "rendering is not stable", rendered);
    return 0;
}
