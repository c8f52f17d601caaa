// The one error type of libvz: a message for the user and the vzctl exit code it maps to.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace vz {

// Exit codes of the original vzctl (include/vzerror.h); the values are the public contract.
enum class Exit : int {
    Ok = 0,
    // vzlist and vzubc know one failure status only; vzctl's 1 means a beancounter could not be set (SetUbc).
    Failure = 1,
    SetUbc = 1,
    SetCpu = 2,
    System = 3,
    BadKernel = 5,
    Resource = 6,
    EnvCreate = 7,
    CommandFailed = 8,
    Locked = 9,
    NoConfig = 10,
    NoScript = 11,
    NoAccess = 12,
    SetCap = 13,
    NoCtConfig = 14,
    ExecTimeout = 15,
    Checkpoint = 16,  // VZ_CHKPNT_ERROR; also CRIU missing, unusable or too old (cpt/criu.hpp)
    Restore = 17,     // VZ_RESTORE_ERROR
    InvalidSyntax = 20,
    InvalidValue = 21,
    RootNotSet = 22,
    PrivateNotSet = 23,
    TemplateNotSet = 24,
    NotEnoughUbc = 28,
    OsTemplateNotSet = 29,
    NotRunning = 31,
    Running = 32,
    StopFailed = 33,
    CantAddIp = 34,
    NotMounted = 40,
    Mounted = 41,
    NoPrivate = 43,
    PrivateExists = 44,
    NoDiskSpace = 46,
    BadTemplate = 47,
    NewPrivate = 48,
    MountPoint = 49,
    CantMount = 50,
    CantUmount = 51,
    DeletePrivate = 52,
    QuotaOn = 60,             // VZ_DQ_ON
    QuotaInit = 61,           // VZ_DQ_INIT
    QuotaSet = 62,            // VZ_DQ_SET
    DiskspaceNotSet = 63,     // VZ_DISKSPACE_NOT_SET
    DiskinodesNotSet = 64,    // VZ_DISKINODES_NOT_SET
    SetUserQuota = 65,        // VZ_ERROR_SET_USER_QUOTA
    QuotaOff = 66,            // VZ_DQ_OFF
    BadIp = 71,
    ChangePass = 74,
    IpInUse = 78,
    ActionScript = 79,
    CopyConfig = 82,
    SetDevices = 86,
    OsTemplateNotFound = 91,
    PloopUnsupported = 99,
    NetdevError = 104,  // VZ_NETDEV_ERROR: a NETDEV device could not be moved
    StartDisabled = 105,
    ApplyConfig = 109,
    Veth = 130,
    SetName = 131,
    WaitFailed = 133,
    ConfigSave = 139,
    SetIo = 148,
    ImageNotFound = 150,      // man: ploop image not found
    CreateImage = 151,        // VZCTL_E_CREATE_IMAGE
    MountImage = 152,         // VZCTL_E_MOUNT_IMAGE
    UmountImage = 153,        // VZCTL_E_UMOUNT_IMAGE
    ResizeImage = 154,        // VZCTL_E_RESIZE_IMAGE
    ConvertImage = 155,       // VZCTL_E_CONVERT_IMAGE
    CreateSnapshot = 156,     // VZCTL_E_CREATE_SNAPSHOT
    DeleteSnapshot = 158,     // VZCTL_E_DELETE_SNAPSHOT
    SwitchSnapshot = 159,     // VZCTL_E_SWITCH_SNAPSHOT
    MountSnapshot = 160,      // VZCTL_E_MOUNT_SNAPSHOT
    UmountSnapshot = 161,     // VZCTL_E_UMOUNT_SNAPSHOT
    CompactImage = 166,       // VZCTL_E_COMPACT_IMAGE
    ListSnapshot = 167,       // VZCTL_E_LIST_SNAPSHOT
};

class Error : public std::runtime_error {
public:
    Error(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Exit code() const noexcept { return code_; }
    int exit_status() const noexcept { return static_cast<int>(code_); }

private:
    Exit code_;
};

template <typename... Args>
[[noreturn]] void fail(Exit code, fmt::format_string<Args...> f, Args&&... args) {
    throw Error(code, fmt::format(f, std::forward<Args>(args)...));
}

// "<what>: <strerror(errno)>" for a failed system call.
std::string errno_text(int err);

}  // namespace vz
