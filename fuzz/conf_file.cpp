// ctid.conf, vz.conf and the samples (config/conf_file, the loaded config's checks of config/edit and ctconfig):
// any bytes either parse or are refused with vz::Error, never a crash. What parses renders back byte for byte; a
// value set, or a key erased, reads back the same after a save and a reload, and leaves the other keys alone.
#include <algorithm>
#include <memory>
#include <optional>

#include "config/conf_file.hpp"
#include "config/ctconfig.hpp"
#include "config/edit.hpp"
#include "fuzz.hpp"
#include "util/error.hpp"

namespace {

using vz::ConfFile;
using vzfuzz::require;

// The file as the next load sees it: it must parse.
ConfFile reload(const ConfFile& f) {
    try {
        return ConfFile::parse(f.render(), "reload");
    } catch (const vz::Error& e) {
        vzfuzz::broken("a rendered config does not parse again", e.what());
    }
}

void same_except(const ConfFile& before, const ConfFile& after, const std::string& changed) {
    for (auto& k : before.keys()) {
        if (k == changed) continue;
        require(after.get(k) && *after.get(k) == *before.get(k), "a set or erase changed another key", k);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto text = vzfuzz::as_text(data, size);
    std::optional<ConfFile> parsed;
    try {
        parsed = ConfFile::parse(text, "fuzz");
    } catch (const vz::Error&) {
        return 0;
    }
    const ConfFile& f = *parsed;
    require(f.render() == text, "render() is not the text parsed");
    auto keys = f.keys();
    for (auto& k : keys)
        require(f.has(k) && std::count(keys.begin(), keys.end(), k) == 1, "keys() and get() disagree", k);

    // As a CT config over itself as vz.conf: the loaded config's checks refuse with vz::Error or accept.
    try {
        vz::validate_config(f);
    } catch (const vz::Error&) {
    }
    vz::CtConfig cfg(101, std::make_shared<const ConfFile>(f), f);
    for (auto get : {&vz::CtConfig::ve_root, &vz::CtConfig::ve_private}) {
        try {
            (cfg.*get)();
        } catch (const vz::Error&) {
        }
    }

    // Values to write: the raw text of the file's lines (quotes, backslashes, '#', blanks, NULs), one per key.
    std::vector<std::string> values{""};
    for (size_t i = 0; i < text.size() && values.size() < 8;) {
        auto nl = text.find('\n', i);
        values.emplace_back(text.substr(i, nl == std::string_view::npos ? std::string_view::npos : nl - i));
        i = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    size_t n = 0;
    for (auto& k : keys) {
        if (n == 8) break;
        const std::string& v = values[n++ % values.size()];
        ConfFile g = f;
        g.set(k, v);
        auto back = reload(g);
        require(back.get(k) && *back.get(k) == v, "a set value does not read back", k + "=" + v);
        require(back.keys() == keys, "a set changed the order of the keys", k);
        same_except(f, back, k);

        ConfFile h = f;
        require(h.erase(k), "erase() of a present key returned false", k);
        auto gone = reload(h);
        require(!gone.has(k), "an erased key reads back", k);
        same_except(f, gone, k);
    }
    ConfFile g = f;
    g.set("FUZZ_NEW_KEY", values.back());
    auto back = reload(g);
    require(back.get("FUZZ_NEW_KEY") && *back.get("FUZZ_NEW_KEY") == values.back(), "an added key does not read back");
    same_except(f, back, "FUZZ_NEW_KEY");
    return 0;
}
