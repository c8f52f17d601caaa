// A loop device of a test over a backing file, attached with autoclear while this object holds it open, so it goes
// away with the test process however that ends; the destructor detaches it.
#pragma once

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vztest {

class LoopDevice {
public:
    explicit LoopDevice(const std::string& backing) {
        int ctl = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0) {
            error_ = std::string("/dev/loop-control: ") + std::strerror(errno);
            return;
        }
        for (int attempt = 0; attempt < 20 && fd_ < 0; ++attempt) {
            int n = ::ioctl(ctl, LOOP_CTL_GET_FREE);
            if (n < 0) {
                error_ = std::string("LOOP_CTL_GET_FREE: ") + std::strerror(errno);
                break;
            }
            auto path = "/dev/loop" + std::to_string(n);
            int dev = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
            int file = ::open(backing.c_str(), O_RDWR | O_CLOEXEC);
            loop_config cfg{};
            cfg.fd = static_cast<__u32>(file);
            cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
            int err = 0;
            if (dev >= 0 && file >= 0 && ::ioctl(dev, LOOP_CONFIGURE, &cfg) == 0) {
                fd_ = dev;
                path_ = path;
            } else {
                err = errno;
                error_ = path + ": " + std::strerror(err);
                if (dev >= 0) ::close(dev);
            }
            if (file >= 0) ::close(file);
            if (fd_ < 0 && err != EBUSY) break;  // EBUSY: another process took that device first
        }
        ::close(ctl);
    }
    LoopDevice(const LoopDevice&) = delete;
    LoopDevice& operator=(const LoopDevice&) = delete;
    ~LoopDevice() {
        if (fd_ < 0) return;
        ::ioctl(fd_, LOOP_CLR_FD, 0);
        ::close(fd_);
    }
    // The device ("/dev/loopN"), empty when none could be attached; then error() says why.
    const std::string& path() const { return path_; }
    const std::string& error() const { return error_; }

private:
    int fd_ = -1;
    std::string path_, error_;
};

}  // namespace vztest
