// Second-level quota from inside a container, for tests/integration/disk_test.cpp (QUOTAUGIDLIMIT, vzctl(8)): the
// quotactl(2) calls quota(1) and setquota(8) make, on the device /proc/self/mountinfo names for "/" (as those tools
// find it), or with quotactl_fd(2) on "/" (-f, as newer tools do). Static, so that it runs in any container root.
// Usage:
//   quota_probe [-u UID] [-f] set ID KIB     Q_SETQUOTA: user ID's block hard limit (1 KiB blocks)
//   quota_probe [-u UID] [-f] get ID         Q_GETQUOTA: "used BYTES hard KIB" of user ID
//   quota_probe [-u UID] [-f] info           Q_GETINFO of user quota: "flags N"
//   quota_probe [-u UID] write FILE MIB      writes MIB MiB to FILE: "wrote BYTES" and what stopped it
// -u: as that uid (and gid), without capabilities. A failed call prints "error: " and strerror, exit status 1.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/quota.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

int fail(const char* what) {
    printf("error: %s: %s\n", what, strerror(errno));
    return 1;
}

// The source of the mount on "/" in /proc/self/mountinfo ("/dev/loop3").
bool root_device(char* out, size_t size) {
    FILE* f = fopen("/proc/self/mountinfo", "r");
    if (!f) return false;
    char line[4096];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        char point[256], source[256];
        const char* dash = strstr(line, " - ");
        if (sscanf(line, "%*u %*u %*u:%*u %*s %255s", point) != 1 || strcmp(point, "/") != 0 || !dash) continue;
        if (sscanf(dash + 3, "%*s %255s", source) == 1) {
            snprintf(out, size, "%s", source);
            found = true;
        }
    }
    fclose(f);
    return found;
}

int root_fd = -1;  // -f: quotactl_fd(2) on this

long quotactl(unsigned cmd, const char* dev, unsigned id, void* addr) {
    if (root_fd >= 0) return syscall(SYS_quotactl_fd, root_fd, QCMD(cmd, USRQUOTA), id, addr);
    return syscall(SYS_quotactl, QCMD(cmd, USRQUOTA), dev, id, addr);
}

}  // namespace

int main(int argc, char** argv) {
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "-u") == 0) {
        unsigned uid = static_cast<unsigned>(atoi(argv[2]));
        if (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0)
            return fail("setresuid");
        a = 3;
    }
    if (argc > a && strcmp(argv[a], "-f") == 0) {
        root_fd = open("/", O_RDONLY | O_DIRECTORY);
        if (root_fd < 0) return fail("open /");
        ++a;
    }
    if (argc <= a) return 2;
    const char* cmd = argv[a];
    if (strcmp(cmd, "write") == 0 && argc == a + 3) {
        int fd = open(argv[a + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return fail("open");
        static char block[1 << 20];
        memset(block, 'q', sizeof block);
        long long total = 0;
        int err = 0;
        for (int i = 0; i < atoi(argv[a + 2]) && !err; ++i) {
            ssize_t n = write(fd, block, sizeof block);
            if (n < 0) err = errno;
            else total += n;
        }
        if (!err && fsync(fd) != 0) err = errno;
        close(fd);
        printf("wrote %lld%s%s\n", total, err ? ": " : "", err ? strerror(err) : "");
        return 0;
    }
    char dev[256];
    if (!root_device(dev, sizeof dev)) return fail("no mount on / in /proc/self/mountinfo");
    if (strcmp(cmd, "set") == 0 && argc == a + 3) {
        if_dqblk q;
        memset(&q, 0, sizeof q);
        q.dqb_bhardlimit = strtoull(argv[a + 2], nullptr, 10);
        q.dqb_valid = QIF_BLIMITS;
        if (quotactl(Q_SETQUOTA, dev, static_cast<unsigned>(atoi(argv[a + 1])), &q) != 0) return fail("Q_SETQUOTA");
        printf("ok\n");
        return 0;
    }
    if (strcmp(cmd, "get") == 0 && argc == a + 2) {
        if_dqblk q;
        memset(&q, 0, sizeof q);
        if (quotactl(Q_GETQUOTA, dev, static_cast<unsigned>(atoi(argv[a + 1])), &q) != 0) return fail("Q_GETQUOTA");
        printf("used %llu hard %llu\n", static_cast<unsigned long long>(q.dqb_curspace),
               static_cast<unsigned long long>(q.dqb_bhardlimit));
        return 0;
    }
    if (strcmp(cmd, "info") == 0 && argc == a + 1) {
        if_dqinfo i;
        memset(&i, 0, sizeof i);
        if (quotactl(Q_GETINFO, dev, 0, &i) != 0) return fail("Q_GETINFO");
        printf("flags %u\n", i.dqi_flags);
        return 0;
    }
    return 2;
}
