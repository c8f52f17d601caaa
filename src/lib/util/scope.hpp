// Undoes a step when the scope ends, unless the whole operation succeeded (release()). Error paths undo in reverse
// order because guards are destroyed in reverse order of their construction.
#pragma once

#include <exception>
#include <functional>
#include <utility>

#include "util/log.hpp"

namespace vz {

class ScopeGuard {
public:
    ScopeGuard() = default;
    explicit ScopeGuard(std::function<void()> undo) : undo_(std::move(undo)) {}
    ScopeGuard(ScopeGuard&& o) noexcept : undo_(std::exchange(o.undo_, nullptr)) {}
    // Replacing a guard undoes what it guarded.
    ScopeGuard& operator=(ScopeGuard&& o) noexcept {
        ScopeGuard old(std::move(*this));
        undo_ = std::exchange(o.undo_, nullptr);
        return *this;
    }
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;
    // An undo that fails is logged: the error that unwinds is the one the user must see.
    ~ScopeGuard() {
        if (!undo_) return;
        try {
            undo_();
        } catch (const std::exception& e) {
            log::error(e.what());
        }
    }
    void release() noexcept { undo_ = nullptr; }

private:
    std::function<void()> undo_;
};

}  // namespace vz
