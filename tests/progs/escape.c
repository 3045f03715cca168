/* escape: a static x86-64 program that tries, as a job on the co-kernel, each way out of its sandbox that
 * issue 15 found or that its review brought up: naming, sending or reopening the proxy's own descriptors
 * (1000 and up: the root-opened /dev/cokernel), opening the proxy's /proc directory
 * (its memory, maps, descriptors), process-access calls against the proxy, raising RLIMIT_NOFILE past the
 * proxy's descriptors, ioctls that are not on the proxy's list or whose nested pointers leave the job's
 * memory, select/poll on the proxy's descriptors. It prints one line per attempt, "WHAT = RESULT", where
 * RESULT is "ok" (with a deterministic detail) or the errno name; nothing in it depends on pids, times or
 * inode numbers, so a run on Linux and one on the co-kernel can be compared line by line
 * (tests/qemu/test_run_escape.sh says which lines must differ, and how).
 *
 * Usage: printf 'hello\n' | escape DIR   (DIR: a writable directory for a symlink; run under ulimit -n 1000
 * on Linux to compare with the co-kernel, whose proxy keeps RLIMIT_NOFILE at 1000). Exit status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/kcmp.h>
#include <linux/sockios.h>
#include <linux/vt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/kd.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif

static const char* dir = "/tmp";

static void say(const char* what, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char* what, const char* fmt, ...) {
    va_list ap;
    printf("%s = ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* r < 0: the errno name; else "ok". */
static void result(const char* what, long r) {
    if (r < 0)
        say(what, "%s", strerrorname_np(errno));
    else
        say(what, "ok");
}

/* Opens path; prints ok or the errno; closes what it opened. */
static void try_open(const char* what, const char* path, int flags) {
    int fd = open(path, flags);
    result(what, fd);
    if (fd >= 0)
        close(fd);
}

static int same_file(int a, int b) {
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* sendmsg over a socketpair with control bytes ctl[0, len); received descriptors are closed. */
static long send_control(const void* ctl, size_t len, int* received) {
    int sv[2];
    char data = 'x';
    struct iovec iov = {&data, 1};
    struct msghdr m;
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return -1;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = (void*)ctl;
    m.msg_controllen = len;
    long r = sendmsg(sv[0], &m, 0);
    int saved = errno;
    *received = -1;
    if (r >= 0) {
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(int) * 4)];
        } in;
        memset(&m, 0, sizeof m);
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = in.b;
        m.msg_controllen = sizeof in.b;
        if (recvmsg(sv[1], &m, 0) >= 0) {
            struct cmsghdr* c = CMSG_FIRSTHDR(&m);
            if (c != NULL && c->cmsg_type == SCM_RIGHTS)
                memcpy(received, CMSG_DATA(c), sizeof(int));
        }
    }
    close(sv[0]);
    close(sv[1]);
    errno = saved;
    return r;
}

static void send_fds(const char* what, const int* fds, int n) {
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 4)];
    } u;
    memset(&u, 0, sizeof u);
    u.h.cmsg_level = SOL_SOCKET;
    u.h.cmsg_type = SCM_RIGHTS;
    u.h.cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(&u.h), fds, sizeof(int) * (size_t)n);
    int got = -1;
    long r = send_control(u.b, CMSG_SPACE(sizeof(int) * (size_t)n), &got);
    if (r >= 0 && got >= 0) {
        say(what, "ok received %s", same_file(got, fds[0]) ? "the same file" : "another file");
        close(got);
    } else {
        result(what, r);
    }
}

static void proxy_descriptors(void) {
    char what[96], path[64];
    for (int fd = 1000; fd <= 1001; ++fd) {
        snprintf(what, sizeof what, "fcntl F_GETFD fd %d", fd);
        result(what, fcntl(fd, F_GETFD));
        snprintf(what, sizeof what, "dup fd %d", fd);
        result(what, dup(fd));
        char c;
        snprintf(what, sizeof what, "read fd %d", fd);
        result(what, read(fd, &c, 1));
        snprintf(what, sizeof what, "sendmsg SCM_RIGHTS fd %d", fd);
        send_fds(what, &fd, 1);
        snprintf(what, sizeof what, "open /proc/self/fd/%d", fd);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        try_open(what, path, O_RDWR);
        snprintf(what, sizeof what, "open /proc/self/fd/%d O_PATH", fd);
        try_open(what, path, O_PATH);
        snprintf(what, sizeof what, "open /dev/fd/%d", fd);
        snprintf(path, sizeof path, "/dev/fd/%d", fd);
        try_open(what, path, O_RDWR);
        snprintf(what, sizeof what, "open /proc/PID/fd/%d", fd);
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), fd);
        try_open(what, path, O_RDWR);
    }
    result("dup2 0 to fd 1000", dup2(0, 1000));
    result("close fd 1000", close(1000));
    try_open("open /dev/cokernel", "/dev/cokernel", O_RDWR);
    int zero_and_proxy[2] = {0, 1000};
    send_fds("sendmsg SCM_RIGHTS fds 0 and 1000", zero_and_proxy, 2);
    int zero = 0;
    send_fds("sendmsg SCM_RIGHTS fd 0", &zero, 1);

    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    int got;
    memset(&u, 0, sizeof u);
    u.h.cmsg_level = SOL_SOCKET;
    u.h.cmsg_type = SCM_RIGHTS;
    u.h.cmsg_len = 8; /* shorter than a header */
    result("sendmsg cmsg_len shorter than its header", send_control(u.b, sizeof u.b, &got));
    u.h.cmsg_len = sizeof u.b + 8; /* beyond the control buffer */
    result("sendmsg cmsg_len beyond the control buffer", send_control(u.b, sizeof u.b, &got));
    result("sendmsg control shorter than a header", send_control(u.b, 8, &got));

    struct pollfd p = {1000, POLLIN | POLLOUT, 0};
    long n = poll(&p, 1, 0);
    if (n >= 0)
        say("poll fd 1000", "ok %ld revents%s", n, p.revents == POLLNVAL ? " POLLNVAL" : " other");
    else
        result("poll fd 1000", n);
    fd_set set;
    FD_ZERO(&set);
    FD_SET(1000, &set);
    struct timeval tv = {0, 0};
    result("select bit 1000", select(1001, &set, NULL, NULL, &tv));
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {0}};
    result("epoll_ctl ADD fd 1000", epoll_ctl(ep, EPOLL_CTL_ADD, 1000, &ev));
    close(ep);
}

static void own_descriptors(void) {
    char line[64] = "";
    int fd = open("/dev/stdin", O_RDONLY);
    if (fd < 0) {
        result("open /dev/stdin and read it", fd);
    } else {
        ssize_t n = read(fd, line, sizeof line - 1);
        line[n > 0 ? n : 0] = '\0';
        line[strcspn(line, "\n")] = '\0';
        say("open /dev/stdin and read it", "ok '%s'", line);
        close(fd);
    }
    const char* paths[] = {"/proc/self/fd/0", "/proc/self/fd/1", "/dev/stdout", "/dev/stderr"};
    const int fds[] = {0, 1, 1, 2};
    for (int i = 0; i < 4; ++i) {
        char what[64];
        snprintf(what, sizeof what, "open %s", paths[i]);
        fd = open(paths[i], i == 0 ? O_RDONLY : O_WRONLY);
        if (fd < 0) {
            result(what, fd);
        } else {
            say(what, "ok %s", same_file(fd, fds[i]) ? "the same file" : "another file");
            close(fd);
        }
    }
}

static void proxy_procfs(void) {
    char what[96], path[96];
    const char* self[] = {"mem", "maps", "environ", "pagemap", "status", "auxv", "fdinfo/0", "exe"};
    for (size_t i = 0; i < sizeof self / sizeof self[0]; ++i) {
        snprintf(what, sizeof what, "open /proc/self/%s", self[i]);
        snprintf(path, sizeof path, "/proc/self/%s", self[i]);
        try_open(what, path, O_RDONLY);
    }
    /* maps, environ and status open (the job's own content, docs/delegation.md): none of them names the
     * proxy (its /dev/cokernel mapping, its name). */
    const char* own[] = {"maps", "environ", "status", "cmdline", "stat"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; ++i) {
        static char text[1 << 16];
        snprintf(path, sizeof path, "/proc/self/%s", own[i]);
        int fd = open(path, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
        text[n > 0 ? n : 0] = 0;
        if (fd >= 0)
            close(fd);
        snprintf(what, sizeof what, "read /proc/self/%s names cokernel", own[i]);
        say(what, "%s",
            n < 0                                    ? strerrorname_np(errno)
            : memmem(text, (size_t)n, "cokernel", 8) ? "yes"
                                                     : "no");
    }
    try_open("open /proc/self/mem O_RDWR", "/proc/self/mem", O_RDWR);
    try_open("open /proc/thread-self/mem", "/proc/thread-self/mem", O_RDONLY);
    snprintf(path, sizeof path, "/proc/%d/mem", (int)getpid());
    try_open("open /proc/PID/mem", path, O_RDONLY);
    snprintf(path, sizeof path, "/proc/%d/task/%d/mem", (int)getpid(), (int)gettid());
    try_open("open /proc/PID/task/TID/mem", path, O_RDONLY);
    try_open("open //proc/./self/mem", "//proc/./self/mem", O_RDONLY);
    try_open("open /proc/self/../self/mem", "/proc/self/../self/mem", O_RDONLY);
    try_open("open /proc/self directory", "/proc/self", O_RDONLY | O_DIRECTORY);
    try_open("open /proc/self/fd directory", "/proc/self/fd", O_RDONLY | O_DIRECTORY);
    try_open("open /proc/self/map_files directory", "/proc/self/map_files", O_RDONLY | O_DIRECTORY);
    try_open("open /proc/self link O_PATH O_NOFOLLOW", "/proc/self", O_PATH | O_NOFOLLOW);
    try_open("open /proc/self/exe link O_PATH O_NOFOLLOW", "/proc/self/exe", O_PATH | O_NOFOLLOW);

    if (chdir("/proc/self") == 0) {
        try_open("chdir /proc/self then open mem", "mem", O_RDONLY);
        if (chdir("/") != 0)
            say("chdir back to /", "%s", strerrorname_np(errno));
    } else {
        result("chdir /proc/self then open mem", -1);
    }
    int procfd = open("/proc", O_RDONLY | O_DIRECTORY);
    int fd = openat(procfd, "self/mem", O_RDONLY);
    result("openat /proc dirfd self/mem", fd);
    if (fd >= 0)
        close(fd);
    close(procfd);
    snprintf(path, sizeof path, "%s/escape-mem-link", dir);
    unlink(path);
    if (symlink("/proc/self/mem", path) == 0) {
        try_open("open a symlink to /proc/self/mem", path, O_RDONLY);
        unlink(path);
    } else {
        result("open a symlink to /proc/self/mem", -1);
    }

    /* What stays as on Linux: other processes' entries, system-wide files, the network view. */
    try_open("open /proc/1/status", "/proc/1/status", O_RDONLY);
    try_open("open /proc/cpuinfo", "/proc/cpuinfo", O_RDONLY);
    try_open("open /proc/net/dev", "/proc/net/dev", O_RDONLY);
    snprintf(path, sizeof path, "/proc/%d/net/dev", (int)getpid());
    try_open("open /proc/PID/net/dev", path, O_RDONLY);
    try_open("open /proc/self/cwd (follows to the directory)", "/proc/self/cwd", O_RDONLY | O_DIRECTORY);
}

static void process_access(void) {
    char buf[8] = "abcdefg", copy[8];
    struct iovec local = {copy, sizeof copy}, remote = {buf, sizeof buf};
    errno = 0;
    long r = ptrace(PTRACE_PEEKUSER, getpid(), 0, 0);
    result("ptrace PEEKUSER self", r == -1 && errno != 0 ? -1 : 0);
    result("process_vm_readv self", syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0));
    result("process_vm_writev self", syscall(SYS_process_vm_writev, getpid(), &remote, 1, &remote, 1, 0));
    long pidfd = syscall(SYS_pidfd_open, getpid(), 0);
    result("pidfd_open self", pidfd);
    long fd = syscall(SYS_pidfd_getfd, pidfd, 0, 0);
    result("pidfd_getfd self 0", fd);
    if (fd >= 0)
        close((int)fd);
    if (pidfd >= 0)
        close((int)pidfd);
    result("kcmp self KCMP_FILE 0 0", syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0));
    result("setpgid of another process", setpgid(getppid(), getppid()));
    result("socket AF_XDP", socket(AF_XDP, SOCK_RAW, 0));
}

static void descriptor_limit(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0)
        say("getrlimit RLIMIT_NOFILE", "ok %llu %llu", (unsigned long long)r.rlim_cur,
            (unsigned long long)r.rlim_max);
    else
        result("getrlimit RLIMIT_NOFILE", -1);
    struct rlimit up = {2000, 2000};
    result("setrlimit RLIMIT_NOFILE 2000 2000", setrlimit(RLIMIT_NOFILE, &up));
    struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
    result("prlimit64 self RLIMIT_NOFILE infinity", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &inf, NULL));
    struct rlimit soft = {500, r.rlim_max};
    result("setrlimit RLIMIT_NOFILE soft 500", setrlimit(RLIMIT_NOFILE, &soft));
    result("setrlimit RLIMIT_NOFILE back", setrlimit(RLIMIT_NOFILE, &r));

    result("dup2 0 to fd 999", dup2(0, 999));
    close(999);
    int last = -1;
    int fd;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        last = fd;
    int err = errno;
    say("open /dev/null until it fails", "%s after fd %d", strerrorname_np(err), last);
    int sv[2];
    result("socketpair with no descriptor left", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    for (fd = 3; fd <= last; ++fd)
        close(fd);
}

static void ioctls(void) {
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    int p[2];
    if (pipe(p) != 0 || write(p[1], "12345", 5) != 5)
        say("pipe", "%s", strerrorname_np(errno));
    char c = 'x';
    int n = 0;
    result("ioctl TIOCSTI stdin", ioctl(0, TIOCSTI, &c));
    result("ioctl TIOCLINUX stdout", ioctl(1, TIOCLINUX, &c));
    result("ioctl KDGETLED stdout", ioctl(1, KDGETLED, &c));
    struct vt_stat vs;
    result("ioctl VT_GETSTATE stdout", ioctl(1, VT_GETSTATE, &vs));
    char termios_buf[64];
    result("ioctl TCGETS pipe", ioctl(p[0], TCGETS, termios_buf));
    struct winsize ws;
    result("ioctl TIOCGWINSZ pipe", ioctl(p[0], TIOCGWINSZ, &ws));
    if (ioctl(p[0], FIONREAD, &n) == 0)
        say("ioctl FIONREAD pipe", "ok %d", n);
    else
        result("ioctl FIONREAD pipe", -1);
    int one = 1;
    result("ioctl FIONBIO socket", ioctl(sock, FIONBIO, &one));
    result("ioctl FIOCLEX socket", ioctl(sock, FIOCLEX));
    result("ioctl FIOGETOWN socket (not on the list)", ioctl(sock, FIOGETOWN, &n));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    result("ioctl SIOCDEVPRIVATE socket (not on the list)", ioctl(sock, SIOCDEVPRIVATE, &ifr));
    if (ioctl(sock, SIOCGIFINDEX, &ifr) == 0)
        say("ioctl SIOCGIFINDEX lo", "ok %d", ifr.ifr_ifindex);
    else
        result("ioctl SIOCGIFINDEX lo", -1);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) == 0)
        say("ioctl SIOCGIFFLAGS lo", "ok up %d loopback %d", !!(ifr.ifr_flags & IFF_UP),
            !!(ifr.ifr_flags & IFF_LOOPBACK));
    else
        result("ioctl SIOCGIFFLAGS lo", -1);
    if (ioctl(sock, SIOCGIFMTU, &ifr) == 0)
        say("ioctl SIOCGIFMTU lo", "ok %d", ifr.ifr_mtu);
    else
        result("ioctl SIOCGIFMTU lo", -1);

    struct ifreq reqs[8];
    struct ifconf ifc = {sizeof reqs, {(char*)reqs}};
    if (ioctl(sock, SIOCGIFCONF, &ifc) == 0) {
        char names[128] = "";
        for (size_t i = 0; i < (size_t)ifc.ifc_len / sizeof(struct ifreq); ++i) {
            strcat(names, " ");
            strncat(names, reqs[i].ifr_name, IFNAMSIZ);
        }
        say("ioctl SIOCGIFCONF", "ok%s", names);
    } else {
        result("ioctl SIOCGIFCONF", -1);
    }
    struct ifconf size_only = {0, {NULL}};
    if (ioctl(sock, SIOCGIFCONF, &size_only) == 0)
        say("ioctl SIOCGIFCONF size only", "ok %d entries", size_only.ifc_len / (int)sizeof(struct ifreq));
    else
        result("ioctl SIOCGIFCONF size only", -1);

    /* A buffer outside the job's memory: an address that is never mapped (the job's /proc/self/maps shows
     * only its own memory, so the proxy's stack cannot be found there). */
    uintptr_t outside = 0x1000;
    struct ifconf out = {(int)(2 * sizeof(struct ifreq)), {(char*)outside}};
    result("ioctl SIOCGIFCONF buffer outside job memory", ioctl(sock, SIOCGIFCONF, &out));

    int null = open("/dev/null", O_RDONLY);
    unsigned long long size64;
    result("ioctl BLKGETSIZE64 /dev/null", ioctl(null, BLKGETSIZE64, &size64));
    close(null);
    int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    if (ptmx >= 0) {
        unsigned ptn;
        int unlock = 0;
        result("ioctl TIOCGPTN /dev/ptmx", ioctl(ptmx, TIOCGPTN, &ptn));
        result("ioctl TIOCSPTLCK /dev/ptmx", ioctl(ptmx, TIOCSPTLCK, &unlock));
        close(ptmx);
    } else {
        result("open /dev/ptmx", -1);
    }
    close(p[0]);
    close(p[1]);
    close(sock);
}

static void waiting(void) {
    int p[2];
    if (pipe(p) != 0)
        return;
    fd_set set;
    struct timeval tv = {0, 0};
    FD_ZERO(&set);
    FD_SET(p[0], &set);
    say("select timeout, nothing ready", "%d", select(p[0] + 1, &set, NULL, NULL, &tv));
    if (write(p[1], "x", 1) != 1)
        say("write pipe", "%s", strerrorname_np(errno));
    FD_ZERO(&set);
    FD_SET(p[0], &set);
    tv.tv_sec = 1;
    int n = select(p[0] + 1, &set, NULL, NULL, &tv);
    say("select readable pipe", "%d %s", n, FD_ISSET(p[0], &set) ? "set" : "clear");
    FD_ZERO(&set);
    FD_SET(p[0], &set);
    n = select(FD_SETSIZE, &set, NULL, NULL, &tv);
    say("select nfds FD_SETSIZE readable pipe", "%d %s", n, FD_ISSET(p[0], &set) ? "set" : "clear");
    result("select nfds -1", select(-1, NULL, NULL, NULL, &tv));

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    struct timespec ts = {1, 0};
    FD_ZERO(&set);
    FD_SET(p[0], &set);
    n = pselect(p[0] + 1, &set, NULL, NULL, &ts, &mask);
    say("pselect with a sigmask, readable pipe", "%d", n);
    struct {
        const void* ss;
        size_t len;
    } pack = {&mask, 4};
    FD_ZERO(&set);
    FD_SET(p[0], &set);
    result("pselect6 sigmask size 4", syscall(SYS_pselect6, p[0] + 1, &set, NULL, NULL, &ts, &pack));
    struct pollfd pf = {p[0], POLLIN, 0};
    say("poll readable pipe", "%d", poll(&pf, 1, 1000));
    say("ppoll with a sigmask, readable pipe", "%d", ppoll(&pf, 1, &ts, &mask));
    result("ppoll sigmask size 4", syscall(SYS_ppoll, &pf, 1, &ts, &mask, 4));
    close(p[0]);
    close(p[1]);
}

static void socket_filter(void) {
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sock_filter accept_all[] = {{BPF_RET | BPF_K, 0, 0, 0xffff}};
    struct sock_fprog prog = {1, accept_all};
    result("setsockopt SO_ATTACH_FILTER", setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog));
    struct sock_fprog bad = {1, (struct sock_filter*)0x1000};
    result("setsockopt SO_ATTACH_FILTER, filter at an unmapped address",
           setsockopt(sock, SOL_SOCKET, SO_ATTACH_FILTER, &bad, sizeof bad));
    close(sock);
}

int main(int argc, char** argv) {
    if (argc > 1)
        dir = argv[1];
    own_descriptors(); /* first: it reads stdin */
    proxy_descriptors();
    proxy_procfs();
    process_access();
    descriptor_limit();
    ioctls();
    waiting();
    socket_filter();
    say("escape", "done");
    return 0;
}
