/* fdpass: descriptor passing over a UNIX socket, for the issue-15 attack (tests/qemu/test_stale_job_attachment.sh).
 *   fdpass send SOCKET FD         connect to SOCKET and send descriptor FD with SCM_RIGHTS: "send FD = ok|ERRNO"
 *   fdpass recv SOCKET N FIFO     accept N connections, one message each: "recv I = descriptor|none"; then wait
 *                                 for a line on FIFO and try to map each descriptor received read/write:
 *                                 "mmap I = ok|ERRNO"
 * As a job on the co-kernel, `send` is what a job would do to hand its proxy's root-opened /dev/cokernel
 * (descriptor 1000) to a process of another user; `recv` runs on Linux as that user. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *err(int e) {
    switch (e) {
    case 0: return "ok";
    case EBADF: return "EBADF";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    default: return "other";
    }
}

static void address(struct sockaddr_un *a, const char *path) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "%s", path);
}

static int do_send(const char *path, int fd) {
    struct sockaddr_un a;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    address(&a, path);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        printf("send %d = connect failed (%s)\n", fd, strerror(errno));
        return 1;
    }
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    u.h.cmsg_level = SOL_SOCKET;
    u.h.cmsg_type = SCM_RIGHTS;
    u.h.cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(&u.h), &fd, sizeof fd);
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    int rc = sendmsg(s, &m, 0) == 1 ? 0 : errno;
    printf("send %d = %s\n", fd, err(rc));
    if (rc != 0) {
        /* the receiver still gets one message, without a descriptor */
        struct msghdr plain = {.msg_iov = &iov, .msg_iovlen = 1};
        (void)!sendmsg(s, &plain, 0);
    }
    close(s);
    return 0;
}

static int do_recv(const char *path, int n, const char *fifo) {
    struct sockaddr_un a;
    int l = socket(AF_UNIX, SOCK_STREAM, 0), got[16];
    address(&a, path);
    unlink(path);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, n) != 0) {
        printf("recv: cannot listen on %s (%s)\n", path, strerror(errno));
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (int i = 0; i < n && i < 16; ++i) {
        int c = accept(l, NULL, NULL);
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(int))];
        } u;
        char byte;
        struct iovec iov = {&byte, 1};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
        got[i] = -1;
        if (c >= 0 && recvmsg(c, &m, 0) == 1) {
            struct cmsghdr *h = CMSG_FIRSTHDR(&m);
            if (h != NULL && h->cmsg_type == SCM_RIGHTS)
                memcpy(&got[i], CMSG_DATA(h), sizeof(int));
        }
        printf("recv %d = %s\n", i + 1, got[i] >= 0 ? "descriptor" : "none");
        fflush(stdout);
        close(c);
    }
    char line[16];
    FILE *f = fopen(fifo, "r");
    if (f == NULL || fgets(line, sizeof line, f) == NULL)
        return 1;
    for (int i = 0; i < n && i < 16; ++i) {
        if (got[i] < 0)
            continue;
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, got[i], 0);
        printf("mmap %d = %s\n", i + 1, err(p == MAP_FAILED ? errno : 0));
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "send") == 0)
        return do_send(argv[2], atoi(argv[3]));
    if (argc == 5 && strcmp(argv[1], "recv") == 0)
        return do_recv(argv[2], atoi(argv[3]), argv[4]);
    fprintf(stderr, "usage: fdpass send SOCKET FD | fdpass recv SOCKET N FIFO\n");
    return 2;
}
