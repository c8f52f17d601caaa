// The beancounter file `vzubc -f FILE` reads (ubc/report: /proc/user_beancounters as saved by cat): any bytes
// either parse or are refused with vz::Error. What parses, `vzubc --raw` prints in a form that parses to the same
// blocks; the table of `vzubc` renders with every option (picked by the first and last bytes), and -r/-i work on a
// store.
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "fuzz.hpp"
#include "ubc/report.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

namespace {

using vzfuzz::require;

// -r and -i keep the previous values in files named after the block's uid and the row's resource.
const std::string& store_dir() {
    // Made once, removed at exit.
    static const struct Scratch {
        std::string dir;
        Scratch() : dir(std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/vzfuzz-ubc.XXXXXX") {
            if (!::mkdtemp(dir.data())) std::abort();
        }
        ~Scratch() { vz::remove_tree(dir); }
    } s;
    return s.dir;
}

bool plain_name(const std::string& s) { return s.find('/') == std::string::npos && s != "." && s != ".."; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto text = vzfuzz::as_text(data, size);
    std::vector<vz::UbcBlock> blocks;
    try {
        blocks = vz::parse_ubc_raw(text);
    } catch (const vz::Error&) {
        return 0;
    }

    auto raw = vz::format_ubc_raw(blocks);
    std::vector<vz::UbcBlock> again;
    try {
        again = vz::parse_ubc_raw(raw);
    } catch (const vz::Error& e) {
        vzfuzz::broken("vzubc --raw prints what vzubc -f refuses", e.what());
    }
    require(vz::format_ubc_raw(again) == raw, "vzubc --raw of its own output differs", raw);

    // The options from the first and last bytes and the size: the seeds all start with "Version" and end in '\n'.
    unsigned bits = size ? (data[0] ^ data[size - 1] ^ size) & 0xff : 0;
    vz::UbcTableOptions t;
    t.quiet = bits & 1;
    t.verbose = !t.quiet && (bits & 2);
    t.relative = bits & 4;
    t.color = bits & 8;
    t.page_kib = bits & 16 ? 64 : 4;
    t.thresholds = vz::ubc_thresholds(static_cast<double>(bits % 7) * 0.3, static_cast<double>(bits % 5) * 40);
    std::optional<vz::UbcStore> store;
    bool sane = std::all_of(blocks.begin(), blocks.end(), [](const vz::UbcBlock& b) {
        return plain_name(b.uid) &&
               std::all_of(b.rows.begin(), b.rows.end(), [](auto& r) { return plain_name(r.resource); });
    });
    size_t rows = 0;
    for (auto& b : blocks) rows += b.rows.size();
    if ((bits & 32) && sane && rows <= 64) {
        // Two runs over the same store: the second sees the first's values of rows with the same uid and resource.
        store.emplace(store_dir());
        store->clear("failcnt");
        store->clear("held");
        t.held_delta = [&](const std::string& uid, const vz::UbcRecord& r) { return store->held_delta(uid, r); };
    }
    try {
        if (store)
            for (auto& b : blocks)
                for (auto& r : b.rows) store->relative_failcnt(b.uid, r);
        vz::render_ubc_table(blocks, t);
        // A second run sees the values the first saved.
        if (store) vz::render_ubc_table(blocks, t);
    } catch (const vz::Error&) {
        // A name the store can't hold (too long for a file name): vzubc says so and exits 1.
    }
    return 0;
}
