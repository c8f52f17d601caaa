// Registers the options of `set` and `create` from the parameter table and turns what CLI11 parsed back into
// changes in command-line order (later occurrences win, list options accumulate).
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <vector>

#include "config/edit.hpp"

namespace vzctl {

class ParamOptions {
public:
    // Adds one CLI11 option for every table row used by `cmd` (vz::kSet or vz::kCreate).
    void add_to(CLI::App& app, unsigned cmd);
    // The parsed values in the order they were given.
    std::vector<vz::Change> changes(const CLI::App& app) const;

private:
    std::map<const CLI::Option*, const vz::ParamDef*> rows_;
};

}  // namespace vzctl
