// Owner/attacher pairs of processes through raw /dev/xemem ioctls: data both ways, the owner's current pages
// after fork + copy-on-write, read-only attachments, permissions, killed owners and attachers, 2 MiB batching
// and huge pages, and the module's counters back to zero after each part. Runs in the VM as root.
#include "xemem_common.hpp"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstdlib>
#include <initializer_list>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <time.h>

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kPage = 4096;
int dev = -1;

// An anonymous buffer whose start is 2 MiB aligned.
char* aligned_buffer(std::uint64_t size, bool huge) {
    void* p = mmap(nullptr, size + 2 * kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        std::perror("mmap");
        std::exit(2);
    }
    auto a = (reinterpret_cast<std::uintptr_t>(p) + 2 * kMiB - 1) & ~(2 * kMiB - 1);
    auto* buf = reinterpret_cast<char*>(a);
    madvise(buf, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return buf;
}

// A one-directional pipe to pass a value (or a "go") between parent and child.
struct Channel {
    int fd[2]{-1, -1};
    Channel() {
        if (pipe(fd) != 0) {
            std::perror("pipe");
            std::exit(2);
        }
    }
    void send(std::int64_t v) const {
        if (write(fd[1], &v, sizeof(v)) != static_cast<ssize_t>(sizeof(v))) {
            std::perror("write");
        }
    }
    std::int64_t receive() const {
        std::int64_t v = -1;
        if (read(fd[0], &v, sizeof(v)) != static_cast<ssize_t>(sizeof(v))) {
            return -1;
        }
        return v;
    }
};

// The child's exit status (0 = all its checks passed) or 128 + signal.
int wait_child(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Cleanup after a process dies runs partly asynchronously (file release, the owner's kill work).
bool idle_soon() {
    for (int i = 0; i < 200; ++i) {
        auto s = xt::stats(dev);
        if (s.segments == 0 && s.apids == 0 && s.attachments == 0 && s.pinned_pages == 0) {
            break;
        }
        usleep(10000);
    }
    return xt::idle(dev);
}

// Reads or writes one byte at p in this process: 0 if it worked, else the signal it raised (SIGSEGV, SIGBUS).
sigjmp_buf probe_jump;
void probe_handler(int sig) {
    siglongjmp(probe_jump, sig);
}
int probe(volatile char* p, bool write) {
    struct sigaction sa {
    }, old_segv{}, old_bus{};
    sa.sa_handler = probe_handler;
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    int sig = sigsetjmp(probe_jump, 1);
    if (sig == 0) {
        if (write) {
            *p = 1;
        } else {
            (void)*p;
        }
    }
    sigaction(SIGSEGV, &old_segv, nullptr);
    sigaction(SIGBUS, &old_bus, nullptr);
    return sig;
}

void fill(char* p, std::uint64_t size, char seed) {
    for (std::uint64_t o = 0; o < size; o += kPage) {
        p[o] = static_cast<char>(seed + static_cast<char>(o / kPage));
    }
}

bool has(const char* p, std::uint64_t size, char seed) {
    for (std::uint64_t o = 0; o < size; o += kPage) {
        if (p[o] != static_cast<char>(seed + static_cast<char>(o / kPage))) {
            return false;
        }
    }
    return true;
}

// Parent owns a 4 MiB segment; a child attaches it and they exchange data, then the owner forks (COW).
void owner_attacher_pair() {
    constexpr std::uint64_t size = 4 * kMiB;
    char* buf = aligned_buffer(size, false);
    fill(buf, size, 'a');
    const std::int64_t segid = xt::make(dev, buf, size, 0600);
    xt::check(segid > 0 && (segid >> XEMEM_ID_DOMAIN_SHIFT) == XEMEM_DOMAIN_LINUX, "make: segid in domain 0");
    Channel to_child, to_parent;
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = xt::open_dev(); // a process of its own opens its own file
        const std::int64_t apid = xt::get(fd, segid, XEMEM_RDWR);
        xt::check(apid > 0, "child: get RDWR");
        char* at = static_cast<char*>(xt::attach(fd, apid, 0, size));
        xt::check(at != nullptr, "child: attach 4 MiB");
        if (at == nullptr) {
            _exit(1);
        }
        xt::check(has(at, size, 'a'), "child: sees the owner's data");
        fill(at + size / 2, size / 2, 'X');
        to_parent.send(1);
        to_child.receive(); // the owner wrote new data
        xt::check(has(at, size / 2, 'n'), "child: sees the owner's later writes");
        to_parent.send(2);
        to_child.receive(); // the owner forked and wrote again (copy-on-write in the owner)
        xt::check(has(at, size / 2, 'c'), "child: after fork + COW in the owner, sees the owner's new pages");
        xt::check(!has(at, size / 2, 'g'), "child: does not see the grandchild's copy");
        // read-only: a second apid, the write is refused by the MMU
        const std::int64_t ro = xt::get(fd, segid, XEMEM_RDONLY);
        char* rat = static_cast<char*>(xt::attach(fd, ro, 0, size));
        xt::check(rat != nullptr && has(rat, size / 2, 'c'), "child: read-only attachment reads");
        xt::check(probe(rat, true) == SIGSEGV, "child: write to read-only attachment: SIGSEGV");
        errno = 0;
        xt::check(mprotect(rat, size, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
                  "child: mprotect cannot make a read-only attachment writable (EACCES)");
        xt::check(xt::detach(fd, at + 12345) == 0, "child: detach by an address inside the attachment");
        xt::check(probe(at, false) == SIGSEGV, "child: detached range is unmapped");
        xt::check(xt::release(fd, ro) == 0, "child: release unmaps what the apid attached");
        xt::check(probe(rat, false) == SIGSEGV, "child: released apid's attachment is gone");
        xt::check(xt::release(fd, apid) == 0, "child: release RDWR apid");
        close(fd);
        _exit(xt::failures == 0 ? 0 : 1);
    }
    to_parent.receive();
    xt::check(has(buf + size / 2, size / 2, 'X'), "owner: sees the attacher's writes");
    fill(buf, size / 2, 'n');
    to_child.send(1);
    to_parent.receive();
    const pid_t grandchild = fork();
    if (grandchild == 0) {
        fill(buf, size / 2, 'g'); // its own copies
        usleep(300000);
        _exit(0);
    }
    usleep(100000);
    fill(buf, size / 2, 'c'); // copy-on-write gives the owner new pages
    to_child.send(2);
    xt::check(wait_child(pid) == 0, "attacher child passed its checks");
    wait_child(grandchild);
    auto s = xt::stats(dev);
    xt::check(s.segments == 1 && s.apids == 0 && s.attachments == 0 && s.pinned_pages == 0,
              "after the attacher left: the segment stays, no apid, attachment or pin");
    xt::check(xt::remove(dev, segid) == 0, "owner: remove");
    xt::check(xt::idle(dev), "counters back to zero");
    munmap(buf, size);
}

// A killed owner: the attacher's next access is SIGBUS; a killed attacher: its pins go.
void killed_processes() {
    constexpr std::uint64_t size = 2 * kMiB;
    Channel segid_ch, done;
    const pid_t owner = fork();
    if (owner == 0) {
        const int fd = xt::open_dev();
        char* buf = aligned_buffer(size, false);
        fill(buf, size, 'k');
        segid_ch.send(xt::make(fd, buf, size, 0600));
        pause();
        _exit(0);
    }
    const std::int64_t segid = segid_ch.receive();
    xt::check(segid > 0, "owner process made a segment");
    Channel ready, go;
    const pid_t attacher = fork();
    if (attacher == 0) {
        const int fd = xt::open_dev();
        const std::int64_t apid = xt::get(fd, segid, XEMEM_RDWR);
        auto* at = static_cast<volatile char*>(xt::attach(fd, apid, 0, size));
        bool good = at != nullptr && has(const_cast<char*>(at), size, 'k');
        ready.send(good ? 1 : 0);
        go.receive();
        (void)at[kPage]; // after the owner died: SIGBUS
        _exit(0);
    }
    xt::check(ready.receive() == 1, "attacher sees the owner's data");
    xt::check(xt::stats(dev).pinned_pages == size / kPage, "pinned pages = the touched 2 MiB");
    kill(owner, SIGKILL);
    wait_child(owner);
    go.send(1);
    xt::check(wait_child(attacher) == 128 + SIGBUS, "attacher access after the owner was killed: SIGBUS");
    xt::check(idle_soon(), "killed owner: segment, apid, attachment and pins gone");

    // killed attacher
    char* buf = aligned_buffer(size, false);
    fill(buf, size, 'q');
    const std::int64_t seg2 = xt::make(dev, buf, size, 0600);
    Channel ready2;
    const pid_t victim = fork();
    if (victim == 0) {
        const int fd = xt::open_dev();
        auto* at = static_cast<volatile char*>(xt::attach(fd, xt::get(fd, seg2, XEMEM_RDWR), 0, size));
        ready2.send(at != nullptr && at[0] == 'q' ? 1 : 0);
        pause();
        _exit(0);
    }
    xt::check(ready2.receive() == 1, "second attacher attached");
    xt::check(xt::stats(dev).pinned_pages > 0, "it holds pins");
    kill(victim, SIGKILL);
    wait_child(victim);
    for (int i = 0; i < 200 && xt::stats(dev).apids != 0; ++i) {
        usleep(10000);
    }
    auto s = xt::stats(dev);
    xt::check(s.attachments == 0 && s.apids == 0 && s.pinned_pages == 0,
              "killed attacher: its pins and apid gone");
    xt::check(xt::remove(dev, seg2) == 0, "remove after the attacher died");
    xt::check(idle_soon(), "counters back to zero");
    munmap(buf, size);
}

// Removing a segment: attachers get SIGBUS, the apid is gone.
void remove_while_attached() {
    constexpr std::uint64_t size = 64 * kPage;
    char* buf = aligned_buffer(size, false);
    fill(buf, size, 'r');
    const std::int64_t segid = xt::make(dev, buf, size, 0600);
    const std::int64_t apid = xt::get(dev, segid, XEMEM_RDWR); // the owner may attach its own segment
    auto* at = static_cast<char*>(xt::attach(dev, apid, 0, size));
    xt::check(at != nullptr && has(at, size, 'r'), "self-attach reads the owner's data");
    at[5 * kPage] = 'Z';
    xt::check(buf[5 * kPage] == 'Z', "self-attach writes land in the owner's page");
    xt::check(xt::remove(dev, segid) == 0, "remove while attached");
    xt::check(probe(at, false) == SIGBUS, "access after remove: SIGBUS");
    xt::check(xt::release(dev, apid) == -ENOENT, "the removed segment's apid is gone (ENOENT)");
    xt::check(xt::detach(dev, at) == 0, "detach after remove");
    xt::check(xt::idle(dev), "counters back to zero");
    munmap(buf, size);
}

// One fault maps a 2 MiB chunk; an owner THP is mapped by a PMD (one invalidation drops all 512 pins).
void chunks_and_huge_pages() {
    constexpr std::uint64_t size = 8 * kMiB;
    for (const bool huge : {false, true}) {
        char* buf = aligned_buffer(size, huge);
        fill(buf, size, 'h');
        const std::int64_t segid = xt::make(dev, buf, size, 0600);
        const std::int64_t apid = xt::get(dev, segid, XEMEM_RDWR);
        auto* at = static_cast<char*>(xt::attach(dev, apid, 0, size));
        xt::check(at != nullptr && (reinterpret_cast<std::uintptr_t>(at) & (2 * kMiB - 1)) == 0,
                  huge ? "huge: kernel-chosen address is 2 MiB aligned like the owner's"
                       : "4K: kernel-chosen address is 2 MiB aligned like the owner's");
        const auto before = xt::stats(dev);
        const bool data = at != nullptr && has(at, size, 'h');
        const auto after = xt::stats(dev);
        xt::check(data, huge ? "huge: data" : "4K: data");
        std::printf("# %s: %llu faults for 8 MiB, %llu pages pinned\n", huge ? "THP owner" : "4K owner",
                    static_cast<unsigned long long>(after.faults_total - before.faults_total),
                    static_cast<unsigned long long>(after.pinned_pages));
        xt::check(after.faults_total - before.faults_total == 4, "one fault per 2 MiB chunk (4 for 8 MiB)");
        // The owner drops one 4 KiB page: a PTE-mapped chunk loses one pin, a PMD-mapped chunk all 512.
        const auto u0 = xt::stats(dev).unpins_total;
        madvise(buf + 3 * kPage, kPage, MADV_DONTNEED);
        const auto unpinned = xt::stats(dev).unpins_total - u0;
        if (huge) {
            std::printf("# THP owner: one owner page dropped -> %llu unpins\n",
                        static_cast<unsigned long long>(unpinned));
            xt::check(unpinned == 512, "huge: owner THP was mapped as one PMD (512 pins dropped together)");
        } else {
            xt::check(unpinned == 1, "4K: one owner page dropped, one pin dropped");
        }
        xt::check(at[3 * kPage] == 0 && buf[3 * kPage] == 0,
                  "after MADV_DONTNEED both see the new zero page");
        at[3 * kPage] = 'W';
        xt::check(buf[3 * kPage] == 'W', "and share it again after the attacher's write");
        xt::check(xt::detach(dev, at) == 0 && xt::release(dev, apid) == 0 && xt::remove(dev, segid) == 0,
                  "detach, release, remove");
        xt::check(xt::idle(dev), "counters back to zero");
        munmap(buf, size);
    }
}

// The owner unmaps and maps new memory at the same place: attachers get SIGBUS in between, then the new
// pages. Two attachers (this process and a child) follow the same owner.
void owner_remaps() {
    constexpr std::uint64_t size = 2 * kMiB;
    Channel to_owner, from_owner;
    const pid_t owner = fork();
    if (owner == 0) {
        const int fd = xt::open_dev();
        char* buf = aligned_buffer(size, false);
        fill(buf, size, 'o');
        from_owner.send(xt::make(fd, buf, size, 0666));
        to_owner.receive();
        munmap(buf, size);
        from_owner.send(1);
        to_owner.receive();
        void* again = mmap(buf, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (again == MAP_FAILED) {
            _exit(2);
        }
        fill(buf, size, 'm');
        from_owner.send(2);
        to_owner.receive();
        _exit(0);
    }
    const std::int64_t segid = from_owner.receive();
    const std::int64_t apid = xt::get(dev, segid, XEMEM_RDWR);
    auto* at = static_cast<char*>(xt::attach(dev, apid, 0, size));
    xt::check(at != nullptr && has(at, size, 'o'), "first attacher sees the owner's pages");
    Channel second_ready, second_go;
    const pid_t second = fork();
    if (second == 0) {
        const int fd = xt::open_dev();
        auto* at2 = static_cast<char*>(xt::attach(fd, xt::get(fd, segid, XEMEM_RDONLY), 0, size));
        second_ready.send(at2 != nullptr && has(at2, size, 'o') ? 1 : 0);
        second_go.receive();
        _exit(has(at2, size, 'm') ? 0 : 1);
    }
    xt::check(second_ready.receive() == 1, "second attacher sees the owner's pages");
    to_owner.send(1);
    from_owner.receive();
    xt::check(probe(at, false) == SIGBUS, "owner unmapped the range: attacher access is SIGBUS");
    xt::check(xt::stats(dev).pinned_pages == 0, "owner's munmap dropped every pin");
    to_owner.send(2);
    from_owner.receive();
    xt::check(has(at, size, 'm'), "owner mapped new memory there: the attacher sees the new pages");
    second_go.send(1);
    xt::check(wait_child(second) == 0, "second attacher sees the new pages too");
    to_owner.send(3);
    wait_child(owner);
    xt::check(xt::detach(dev, at) == 0, "detach");
    xt::check(idle_soon(), "owner exited, attachers gone: counters back to zero");
}

// vaddr 0 + XEMEM_MAXADDR: the whole address space; offsets are addresses.
void whole_address_space() {
    char* buf = aligned_buffer(4 * kPage, false);
    fill(buf, 4 * kPage, 'w');
    const std::int64_t segid = xt::make(dev, nullptr, XEMEM_MAXADDR, 0600);
    xt::check(segid > 0, "make whole address space");
    const std::int64_t apid = xt::get(dev, segid, XEMEM_RDONLY);
    auto* at = static_cast<char*>(xt::attach(dev, apid, reinterpret_cast<std::uintptr_t>(buf), 4 * kPage));
    xt::check(at != nullptr && has(at, 4 * kPage, 'w'), "attach at offset = owner address");
    buf[0] = '!';
    xt::check(at[0] == '!', "sees later writes");
    xt::check(xt::release(dev, apid) == 0 && xt::remove(dev, segid) == 0, "release, remove");
    xt::check(xt::idle(dev), "counters back to zero");
}

// Mode bits against a non-root uid; names; list.
void permissions_and_names() {
    char* buf = aligned_buffer(kPage, false);
    const std::int64_t priv = xt::make(dev, buf, kPage, 0600, "smoke-private");
    const std::int64_t readable = xt::make(dev, buf, kPage, 0644, "smoke-readable");
    xt::check(priv > 0 && readable > 0, "make two named segments");
    xt::check(xt::make(dev, buf, kPage, 0600, "smoke-private") == -EEXIST, "duplicate name: EEXIST");
    auto l = xt::request<xemem_lookup>();
    std::strcpy(l.name, "smoke-readable");
    xt::check(ioctl(dev, XEMEM_IOC_LOOKUP, &l) == 0 && l.segid == readable, "lookup by name");
    xemem_segment_info info[4]{};
    auto list = xt::request<xemem_list>();
    list.capacity = 4;
    list.entries = reinterpret_cast<std::uintptr_t>(info);
    xt::check(ioctl(dev, XEMEM_IOC_LIST, &list) == 0 && list.count == 2 && info[0].segid == priv &&
                  info[0].owner_pid == static_cast<std::uint32_t>(getpid()) && info[0].mode == 0600 &&
                  std::strcmp(info[1].name, "smoke-readable") == 0,
              "list: both segments with owner, mode and name");
    const pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            _exit(3);
        }
        const int fd = xt::open_dev();
        xt::check(fd >= 0, "nobody: opens /dev/xemem (mode 0666)");
        xt::check(xt::get(fd, priv, XEMEM_RDONLY) == -EACCES, "nobody: get 0600 segment of root: EACCES");
        xt::check(xt::get(fd, readable, XEMEM_RDWR) == -EACCES, "nobody: get RDWR of 0644: EACCES");
        const std::int64_t ap = xt::get(fd, readable, XEMEM_RDONLY);
        xt::check(ap > 0, "nobody: get RDONLY of 0644");
        xt::check(xt::remove(fd, readable) == -EACCES, "nobody: remove of another's segment: EACCES");
        xt::check(xt::release(fd, ap) == 0, "nobody: release");
        _exit(xt::failures == 0 ? 0 : 1);
    }
    xt::check(wait_child(pid) == 0, "non-root child passed its checks");
    // group bits: root's segment (gid 0) with mode 0060, asked for by uid 65534 in group 0 and in group 65534
    const std::int64_t group = xt::make(dev, buf, kPage, 0060);
    for (const unsigned gid : {0u, 65534u}) {
        const pid_t g = fork();
        if (g == 0) {
            if (setgid(gid) != 0 || setuid(65534) != 0) {
                _exit(3);
            }
            const int fd = xt::open_dev();
            const std::int64_t ap = xt::get(fd, group, XEMEM_RDWR);
            _exit(gid == 0 ? (ap > 0 ? 0 : 1) : (ap == -EACCES ? 0 : 1));
        }
        xt::check(wait_child(g) == 0, gid == 0 ? "group member gets RDWR through the group bits (0060)"
                                               : "non-member of the group: EACCES (0060)");
    }
    // root (CAP_FOWNER) passes the mode bits of nobody's 0600 segment; nobody keeps the owner bits
    Channel made, done;
    const pid_t owner = fork();
    if (owner == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            _exit(3);
        }
        const int fd = xt::open_dev();
        made.send(xt::make(fd, buf, kPage, 0600));
        done.receive();
        _exit(0);
    }
    const std::int64_t nobodys = made.receive();
    const std::int64_t root_ap = xt::get(dev, nobodys, XEMEM_RDWR);
    xt::check(nobodys > 0 && root_ap > 0, "root gets nobody's 0600 segment (CAP_FOWNER)");
    xt::check(xt::release(dev, root_ap) == 0 && xt::remove(dev, group) == 0, "release, remove");
    done.send(1);
    wait_child(owner);
    xt::check(xt::remove(dev, priv) == 0 && xt::remove(dev, readable) == 0, "remove both");
    xt::check(idle_soon(), "counters back to zero");
}

// Many make/get/attach/touch/detach/release/remove cycles leave nothing behind.
void cycles(int n) {
    constexpr std::uint64_t size = 16 * kPage;
    char* buf = aligned_buffer(size, false);
    fill(buf, size, 'y');
    int bad = 0;
    for (int i = 0; i < n; ++i) {
        const std::int64_t segid = xt::make(dev, buf, size, 0600);
        const std::int64_t apid = xt::get(dev, segid, XEMEM_RDWR);
        auto* at = static_cast<char*>(xt::attach(dev, apid, 0, size));
        if (segid <= 0 || apid <= 0 || at == nullptr || !has(at, size, 'y') || xt::detach(dev, at) != 0 ||
            xt::release(dev, apid) != 0 || xt::remove(dev, segid) != 0) {
            ++bad;
        }
    }
    std::printf("# %d cycles, %d bad\n", n, bad);
    xt::check(bad == 0, "make/get/attach/touch/detach/release/remove cycles");
    xt::check(xt::idle(dev), "counters back to zero after the cycles");
}

// Races: an owner that rewrites, drops (MADV_DONTNEED) and forks (COW) its pages while two attacher threads
// fault and write through the attachment; then the owner is killed under them. Nothing may crash or leak.
void stress(int seconds) {
    constexpr std::uint64_t size = 8 * kMiB;
    Channel segid_ch;
    const pid_t owner = fork();
    if (owner == 0) {
        const int fd = xt::open_dev();
        char* buf = aligned_buffer(size, true);
        fill(buf, size, 's');
        segid_ch.send(xt::make(fd, buf, size, 0600));
        unsigned seed = 1;
        for (unsigned long i = 0;; ++i) {
            const std::uint64_t page = static_cast<std::uint64_t>(rand_r(&seed)) % (size / kPage);
            buf[page * kPage] = static_cast<char>(i);
            if (i % 64 == 0) {
                madvise(buf + page * kPage, kPage * (1 + static_cast<std::uint64_t>(rand_r(&seed)) % 600),
                        MADV_DONTNEED);
            }
            if (i % 4096 == 0) {
                const pid_t c = fork();
                if (c == 0) {
                    buf[0] = 'c';
                    _exit(0);
                }
                waitpid(c, nullptr, 0);
            }
        }
    }
    const std::int64_t segid = segid_ch.receive();
    Channel result;
    const pid_t attacher = fork();
    if (attacher == 0) {
        const int fd = xt::open_dev();
        auto* at = static_cast<volatile char*>(xt::attach(fd, xt::get(fd, segid, XEMEM_RDWR), 0, size));
        if (at == nullptr) {
            _exit(2);
        }
        std::atomic<unsigned long> touches{0};
        auto worker = [&](unsigned seed) {
            for (;;) {
                const std::uint64_t page = static_cast<std::uint64_t>(rand_r(&seed)) % (size / kPage);
                if (seed % 2) {
                    at[page * kPage + 1] = 'a';
                } else {
                    (void)at[page * kPage];
                }
                touches.fetch_add(1, std::memory_order_relaxed);
            }
        };
        std::thread t1(worker, 7u), t2(worker, 8u);
        sleep(static_cast<unsigned>(seconds));
        result.send(static_cast<std::int64_t>(touches.load()));
        t1.join(); // never returns: the owner is killed under the threads, the next fault is SIGBUS
        _exit(3);
    }
    const std::int64_t touches = result.receive();
    std::printf("# stress: %lld attacher touches in %d s while the owner churned\n",
                static_cast<long long>(touches), seconds);
    const auto s = xt::stats(dev);
    std::printf("# stress: %llu faults, %llu invalidations so far\n",
                static_cast<unsigned long long>(s.faults_total),
                static_cast<unsigned long long>(s.invalidations_total));
    // Any progress at all: a deadlock between fault and invalidation would leave it at 0. How much depends on
    // the machine's load, so no more is asked.
    xt::check(touches > 0, "stress: attacher threads made progress");
    kill(owner, SIGKILL);
    wait_child(owner);
    xt::check(wait_child(attacher) == 128 + SIGBUS, "stress: owner killed under faulting threads: SIGBUS");
    xt::check(idle_soon(), "stress: counters back to zero");
}

// Two processes attach each other's whole address space (Open MPI's pattern) and churn their own mappings
// (mmap/munmap take mmap_lock for writing) while faulting through the peer's: no deadlock, no leak.
void mutual(int seconds) {
    constexpr std::uint64_t size = 4 * kMiB;
    Channel up[2], down[2];
    pid_t pids[2];
    for (int me = 0; me < 2; ++me) {
        pids[me] = fork();
        if (pids[me] != 0) {
            continue;
        }
        const int fd = xt::open_dev();
        char* buf = aligned_buffer(size, me == 1);
        fill(buf, size, static_cast<char>('A' + me));
        up[me].send(xt::make(fd, nullptr, XEMEM_MAXADDR, 0600));
        up[me].send(static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(buf)));
        const std::int64_t peer_seg = down[me].receive();
        const auto peer_buf = static_cast<std::uint64_t>(down[me].receive());
        auto* peer =
            static_cast<volatile char*>(xt::attach(fd, xt::get(fd, peer_seg, XEMEM_RDWR), peer_buf, size));
        if (peer == nullptr) {
            _exit(2);
        }
        // Read before either side churns: the peer's MADV_DONTNEED below zeroes its own pages.
        const bool good = peer[kPage] == static_cast<char>('A' + (1 - me) + 1);
        up[me].send(good ? 1 : 0);
        down[me].receive(); // both have read: churn
        unsigned seed = static_cast<unsigned>(me) + 1;
        const time_t end = time(nullptr) + seconds;
        while (time(nullptr) < end) {
            for (int i = 0; i < 256; ++i) {
                const std::uint64_t page = static_cast<std::uint64_t>(rand_r(&seed)) % (size / kPage);
                (void)peer[page * kPage];
                buf[page * kPage + 8] = 1;
            }
            void* scratch =
                mmap(nullptr, 64 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            static_cast<char*>(scratch)[0] = 1;
            munmap(scratch, 64 * kPage);
            madvise(buf + (static_cast<std::uint64_t>(rand_r(&seed)) % 512) * kPage, 8 * kPage,
                    MADV_DONTNEED);
        }
        up[me].send(1);
        down[me].receive(); // both are done before either goes away
        _exit(0);
    }
    const std::int64_t seg0 = up[0].receive(), buf0 = up[0].receive();
    const std::int64_t seg1 = up[1].receive(), buf1 = up[1].receive();
    down[0].send(seg1);
    down[0].send(buf1);
    down[1].send(seg0);
    down[1].send(buf0);
    const bool good0 = up[0].receive() == 1;
    const bool good1 = up[1].receive() == 1;
    xt::check(good0 && good1, "mutual: both see the peer's data through the whole-address-space segment");
    down[0].send(1);
    down[1].send(1);
    (void)up[0].receive(); // both churned
    (void)up[1].receive();
    down[0].send(1);
    down[1].send(1);
    xt::check(wait_child(pids[0]) == 0 && wait_child(pids[1]) == 0,
              "mutual: both churned and exited normally");
    xt::check(idle_soon(), "mutual: counters back to zero");
}

} // namespace

int main(int argc, char** argv) {
    dev = xt::open_dev();
    if (dev < 0) {
        std::perror("xemem_smoke: " XEMEM_DEVICE);
        return 1;
    }
    setvbuf(stdout, nullptr, _IOLBF, 0);
    auto v = xt::request<xemem_version>();
    xt::check(ioctl(dev, XEMEM_IOC_VERSION, &v) == 0 && v.version == XEMEM_VERSION &&
                  v.abi_revision == COKERNEL_XEMEM_REVISION,
              "version");
    xt::check(xt::idle(dev), "counters start at zero");
    owner_attacher_pair();
    remove_while_attached();
    killed_processes();
    chunks_and_huge_pages();
    owner_remaps();
    whole_address_space();
    permissions_and_names();
    cycles(argc > 1 ? std::atoi(argv[1]) : 1000);
    stress(argc > 2 ? std::atoi(argv[2]) : 3);
    mutual(argc > 2 ? std::atoi(argv[2]) : 3);
    return xt::summary("xemem_smoke");
}
