// The beancounter report: the raw /proc/user_beancounters text (reference 6.1) produced from running containers
// and parsed back, and the humanised vzubc table (reference 6.2/6.3) drawn from either.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/ctconfig.hpp"
#include "ubc/collect.hpp"
#include "ubc/limits.hpp"

namespace vz {

// One row of the beancounter file; numbers in the resource's unit (pages, bytes or items).
struct UbcRecord {
    std::string resource;
    uint64_t held = 0, maxheld = 0, barrier = kUnlimited, limit = kUnlimited, failcnt = 0;
    bool operator==(const UbcRecord&) const = default;
};

// One beancounter: its uid column (the CTID) and its rows, without the `dummy` ones.
struct UbcBlock {
    std::string uid;
    std::vector<UbcRecord> rows;
    bool operator==(const UbcBlock&) const = default;
};

// The block of a running container from its measured counters (indexed like ubc_resources(); unavailable
// figures become 0, maxheld is at least held) and its barrier:limit as ubc_limit() gives them from `cfg` and the
// limits in `stats` (`cfg` null, or nothing set or derived: unlimited).
UbcBlock ubc_block(unsigned ctid, const UbcStats& stats, const CtConfig* cfg);

// "Version: 2.5", the header, then per block one row per kernel resource id, `dummy` rows where the kernel had
// no resource; rows for names outside the table follow in their order.
std::string format_ubc_raw(const std::vector<UbcBlock>& blocks);
// The inverse: skips `dummy` rows and blank lines. Throws vz::Error on another version or a malformed line.
// Rows before the first "<uid>:" row form a block with an empty uid.
std::vector<UbcBlock> parse_ubc_raw(std::string_view text);

// vzubc's number: page counts times `page_kib` KiB, then /1024 per unit letter (K M G T P E Z Y), 3 significant
// digits below 100, whole numbers from 100 to 1023. 0 and unlimited are "-". The unit letter (or a blank for
// plain numbers) keeps the digits of a column aligned: "20 ", "1.5K", "- ".
std::string ubc_human(std::string_view resource, uint64_t v, unsigned page_kib);
// `part` as a percentage of `whole`: "45%", "5%", "0.3%"; "- " for a zero, unlimited or tiny share.
std::string ubc_percent(uint64_t part, uint64_t whole);

// -qh / -qm as fractions of the barrier (of the limit when the barrier is 0).
struct UbcThresholds {
    double held = 0.5, maxheld = 0.8;
};
// Values above 1 are percentages; the held threshold is capped at the maxheld one (held never exceeds maxheld).
UbcThresholds ubc_thresholds(double held, double maxheld);

enum class UbcLevel { Normal, Near, Over };
// Over: failing (failcnt > 0) or held above the barrier; Near: held or maxheld above its threshold.
UbcLevel ubc_level(const UbcRecord& r, const UbcThresholds& t);

struct UbcTableOptions {
    bool quiet = false;     // only rows at Near or Over
    bool verbose = false;   // also rows whose barrier is unlimited
    bool relative = false;  // failcnt is a delta: header "+FAIL"
    bool color = false;     // ANSI colours by level
    UbcThresholds thresholds;
    unsigned page_kib = 4;
    // -i: the change of held since the previous run (nullopt: none known); a changed row is always shown.
    std::function<std::optional<int64_t>(const std::string& uid, const UbcRecord& r)> held_delta;
};
std::string render_ubc_table(const std::vector<UbcBlock>& blocks, const UbcTableOptions& opt);

// Previous values for -r and -i: `<dir>/ubc.<uid>.<resource>.failcnt` and `.held`.
class UbcStore {
public:
    explicit UbcStore(std::string dir) : dir_(std::move(dir)) {}
    // Creates the directory (mode 0700) and checks that it is writable; throws vz::Error.
    void prepare() const;
    // Removes every saved value of `kind` ("failcnt" or "held").
    void clear(std::string_view kind) const;
    // failcnt minus the saved one (the whole failcnt when it dropped, as after a restart); saves the new one.
    uint64_t relative_failcnt(const std::string& uid, const UbcRecord& r) const;
    // held minus the saved one (nullopt the first time); saves the new one.
    std::optional<int64_t> held_delta(const std::string& uid, const UbcRecord& r) const;

private:
    std::string path(const std::string& uid, const UbcRecord& r, std::string_view kind) const;
    std::string dir_;
};

}  // namespace vz
