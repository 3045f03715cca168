/* SPDX-License-Identifier: MIT */
/* The one descriptor of /dev/xemem per process: opened on first use, opened
 * again in a forked child (the module ties a descriptor to the process that
 * opened it), shared by all threads. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t device_lock = PTHREAD_MUTEX_INITIALIZER;
static int device_fd = -1;
static pid_t device_pid;  /* the process that opened device_fd */
static dev_t device_rdev; /* to recognise our descriptor after a fork */
static ino_t device_ino;
static xemem_ioctl_fn ioctl_hook;

/* A fork while another thread holds the lock would leave it locked forever in the child: fork waits for it.
 */
static void lock_for_fork(void) {
    pthread_mutex_lock(&device_lock);
}

static void unlock_after_fork(void) {
    pthread_mutex_unlock(&device_lock);
}

__attribute__((constructor)) static void register_fork_handlers(void) {
    pthread_atfork(lock_for_fork, unlock_after_fork, unlock_after_fork);
}

XEMEM_API const char* xemem_device_path(void) {
    const char* path = secure_getenv("XEMEM_DEVICE");
    return path != NULL && path[0] != '\0' ? path : XEMEM_DEVICE;
}

/* A child inherits the parent's descriptor; it is closed unless the program
 * has reused the number for something else meanwhile. */
static void forget_inherited_locked(void) {
    struct stat st;
    if (fstat(device_fd, &st) == 0 && st.st_rdev == device_rdev && st.st_ino == device_ino)
        close(device_fd);
    device_fd = -1;
}

static int device_locked(void) {
    pid_t pid = getpid();
    if (device_fd >= 0 && device_pid != pid)
        forget_inherited_locked();
    if (device_fd >= 0)
        return device_fd;
    int fd = open(xemem_device_path(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    device_fd = fd;
    device_pid = pid;
    device_rdev = st.st_rdev;
    device_ino = st.st_ino;
    return fd;
}

static int device(void) {
    pthread_mutex_lock(&device_lock);
    int fd = device_locked();
    int err = errno;
    pthread_mutex_unlock(&device_lock);
    errno = err;
    return fd;
}

int xemem_ioctl(unsigned long request, void* arg) {
    int fd = device();
    if (fd < 0)
        return -1;
    xemem_ioctl_fn hook = __atomic_load_n(&ioctl_hook, __ATOMIC_ACQUIRE);
    if (hook != NULL)
        return hook(fd, request, arg);
    return ioctl(fd, request, arg);
}

XEMEM_API int xpmem_init(void) {
    return device() < 0 ? -1 : 0;
}

void xemem_test_set_ioctl(xemem_ioctl_fn fn) {
    __atomic_store_n(&ioctl_hook, fn, __ATOMIC_RELEASE);
}

void xemem_test_close_device(void) {
    pthread_mutex_lock(&device_lock);
    if (device_fd >= 0)
        close(device_fd);
    device_fd = -1;
    pthread_mutex_unlock(&device_lock);
}
