// The per-container monitor, as small as a process can be: it is the parent of the container's init and waits
// for it. A reboot inside the container (init killed by SIGHUP, which the kernel sends for reboot(2) in a pid
// namespace) hands over to `vzctl __monitor restart`, anything else to `vzctl __monitor cleanup`. Those run in
// this same process (exec), so a restarted init has the same parent again.
//
// usage: vzmonitor <init pid> <vzctl path> <ctid>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

int main(int argc, char** argv) {
    if (argc != 4) return 2;
    // Terminal and job-control signals belong to the container, not to its monitor.
    for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) signal(sig, SIG_IGN);
    prctl(PR_SET_NAME, "vzmonitor", 0, 0, 0);
    pid_t init = static_cast<pid_t>(atol(argv[1]));
    int status = 0;
    for (;;) {
        pid_t r = waitpid(init, &status, 0);
        if (r == init) break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
    }
    const char* action = WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP ? "restart" : "cleanup";
    for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) signal(sig, SIG_DFL);
    execl(argv[2], "vzctl", "--quiet", "__monitor", action, argv[3], static_cast<char*>(nullptr));
    return 1;
}
