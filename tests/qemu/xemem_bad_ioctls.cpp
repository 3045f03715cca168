// Sends malformed requests straight to /dev/xemem and checks that the module rejects each with the documented
// errno (docs/module-interface.md, "/dev/xemem") and changes nothing: the module's counters are the same
// before and after every rejected request. Each case breaks one field of a request that is valid otherwise
// (the header cases too: a valid make, get, attach... with a broken header), so the check it names is the
// first to fail. Each check prints one line; tests/qemu/test_xemem_ioctl.sh checks how many passed. Runs in
// the VM as root with the module loaded and no segment live.
#include "xemem_common.hpp"

#include <grp.h>
#include <initializer_list>
#include <sys/mman.h>
#include <sys/wait.h>

namespace {

int dev = -1;

bool same(const xemem_stats& a, const xemem_stats& b) {
    // invalidations_total is left out: the process's own memory use may invalidate a live segment's range.
    return a.segments == b.segments && a.apids == b.apids && a.attachments == b.attachments &&
           a.pinned_pages == b.pinned_pages && a.pins_total == b.pins_total &&
           a.unpins_total == b.unpins_total && a.faults_total == b.faults_total;
}

// Who makes the request: this process, a child process (another mm, the same open file), or a child that
// runs as uid and gid 65534 (no CAP_FOWNER).
enum class By { self, child, nobody };

// The errno of the request (0 when it succeeded), or -1 when the child could not report it.
int request_errno(int fd, unsigned long request, void* arg, By by) {
    if (by == By::self) {
        errno = 0;
        return ioctl(fd, request, arg) == 0 ? 0 : errno;
    }
    const pid_t child = fork();
    if (child == 0) {
        if (by == By::nobody && (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
                                 setresuid(65534, 65534, 65534) != 0)) {
            _exit(255);
        }
        _exit(ioctl(fd, request, arg) == 0 ? 0 : errno & 0xff);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

template <typename T>
void expect(const char* name, unsigned long request, T arg, int want, int fd = -1, By by = By::self) {
    ++xt::checks;
    const xemem_stats before = xt::stats(dev);
    const int got = request_errno(fd < 0 ? dev : fd, request, &arg, by);
    const bool unchanged = same(before, xt::stats(dev));
    if (got == want && unchanged) {
        std::printf("ok   - %s: %s\n", name, std::strerror(got));
        return;
    }
    ++xt::failures;
    std::printf("FAIL - %s: got %s (want %s)%s\n", name,
                got < 0 ? "no result from the child" : std::strerror(got), std::strerror(want),
                unchanged ? "" : ", counters changed");
}

// A request of every type with a broken header; `valid` is a request that would succeed.
template <typename T>
void bad_headers(const char* what, unsigned long request, const T& valid) {
    char name[96];
    T t = valid;
    t.hdr.signature = 0x12345678;
    std::snprintf(name, sizeof(name), "%s: bad signature", what);
    expect(name, request, t, EINVAL);
    t = valid;
    t.hdr.revision = COKERNEL_XEMEM_REVISION + 1;
    std::snprintf(name, sizeof(name), "%s: wrong ABI revision", what);
    expect(name, request, t, EINVAL);
    t = valid;
    t.hdr.size = sizeof(T) - 8;
    std::snprintf(name, sizeof(name), "%s: wrong size", what);
    expect(name, request, t, EINVAL);
    t = valid;
    t.hdr.size = 0;
    std::snprintf(name, sizeof(name), "%s: size 0", what);
    expect(name, request, t, EINVAL);
}

xemem_make base_make(const void* buf) {
    auto m = xt::request<xemem_make>();
    m.vaddr = reinterpret_cast<std::uintptr_t>(buf);
    m.size = 16 * 4096;
    m.permit_type = XEMEM_PERMIT_MODE;
    m.permit_value = 0600;
    return m;
}

} // namespace

int main() {
    dev = xt::open_dev();
    const int other = xt::open_dev(); // a second open file of the same process
    if (dev < 0 || other < 0) {
        std::perror("xemem_bad_ioctls: " XEMEM_DEVICE);
        return 1;
    }
    xt::check(xt::idle(dev), "counters start at zero");
    void* mem = mmap(nullptr, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char* buf = static_cast<char*>(mem);

    auto v = xt::request<xemem_version>();
    expect("unknown ioctl number", _IOWR(XEMEM_IOC_MAGIC, 0x7f, xemem_version), v, ENOTTY);
    expect("known number, other size", _IOWR(XEMEM_IOC_MAGIC, 0x00, xemem_stats), xt::request<xemem_stats>(),
           ENOTTY);
    expect("cokernel's magic on /dev/xemem", _IOWR(0xCE, 0x00, xemem_version), v, ENOTTY);
    errno = 0;
    xt::check(ioctl(dev, XEMEM_IOC_STATS, nullptr) == -1 && errno == EFAULT, "stats: NULL argument: EFAULT");

    // A valid segment and apids for the requests below to point at.
    const std::int64_t seg = xt::make(dev, buf, 16 * 4096, 0600, "bad-ioctls");
    const std::int64_t apid = xt::get(dev, seg, XEMEM_RDWR);
    const std::int64_t ro_apid = xt::get(dev, seg, XEMEM_RDONLY);
    void* held = xt::attach(dev, ro_apid, 0, 4096); // for the detach request with a broken header
    xt::check(seg > 0 && apid > 0 && ro_apid > 0 && held != nullptr,
              "setup: make, get RDWR, get RDONLY, attach RDONLY");

    bad_headers("version", XEMEM_IOC_VERSION, xt::request<xemem_version>());
    bad_headers("make", XEMEM_IOC_MAKE, base_make(buf));
    auto valid_remove = xt::request<xemem_remove>();
    valid_remove.segid = seg;
    bad_headers("remove", XEMEM_IOC_REMOVE, valid_remove);
    auto valid_get = xt::request<xemem_get>();
    valid_get.segid = seg;
    valid_get.flags = XEMEM_RDWR;
    bad_headers("get", XEMEM_IOC_GET, valid_get);
    auto valid_release = xt::request<xemem_release>();
    valid_release.apid = apid;
    bad_headers("release", XEMEM_IOC_RELEASE, valid_release);
    auto valid_attach = xt::request<xemem_attach>();
    valid_attach.apid = apid;
    valid_attach.size = 4096;
    bad_headers("attach", XEMEM_IOC_ATTACH, valid_attach);
    auto valid_detach = xt::request<xemem_detach>();
    valid_detach.vaddr = reinterpret_cast<std::uintptr_t>(held);
    bad_headers("detach", XEMEM_IOC_DETACH, valid_detach);
    auto valid_lookup = xt::request<xemem_lookup>();
    std::strcpy(valid_lookup.name, "bad-ioctls");
    bad_headers("lookup", XEMEM_IOC_LOOKUP, valid_lookup);
    bad_headers("list", XEMEM_IOC_LIST, xt::request<xemem_list>());
    bad_headers("stats", XEMEM_IOC_STATS, xt::request<xemem_stats>());
    xt::check(held != nullptr && xt::detach(dev, held) == 0, "detach the attachment the header cases used");

    xemem_make m = base_make(buf);
    m.permit_type = 0;
    expect("make: permit_type 0", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.permit_type = 2;
    expect("make: unknown permit_type", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.permit_value = 01000;
    expect("make: mode bit outside 0777", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.vaddr += 8;
    expect("make: unaligned vaddr", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.size = 4096 + 1;
    expect("make: unaligned size", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.size = 0;
    expect("make: size 0", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.size = 0xfffffffffffff000ull;
    expect("make: vaddr + size wraps around", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.vaddr = 0xfffffffffffff000ull;
    expect("make: vaddr in the kernel's half", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.vaddr = 1ull << 56; // beyond TASK_SIZE with 4- and 5-level paging
    m.size = 4096;
    expect("make: range beyond user space", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.vaddr = 0;
    m.size = XEMEM_MAXADDR - 4095;
    expect("make: vaddr 0 with almost XEMEM_MAXADDR", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.vaddr = 4096;
    m.size = XEMEM_MAXADDR;
    expect("make: XEMEM_MAXADDR at a nonzero vaddr", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    std::memset(m.name, 'a', sizeof(m.name));
    expect("make: name without NUL", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    std::strcpy(m.name, "has space");
    expect("make: name with a space", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    std::strcpy(m.name, "tab\there");
    expect("make: name with a control character", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    std::strcpy(m.name, "high\x80");
    expect("make: name with a non-ASCII byte", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    std::strcpy(m.name, "ok");
    m.name[10] = 'x';
    expect("make: nonzero bytes after the name's NUL", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    m.name[5] = 'x';
    expect("make: empty name with nonzero padding", XEMEM_IOC_MAKE, m, EINVAL);
    m = base_make(buf);
    std::strcpy(m.name, "bad-ioctls");
    expect("make: name in use", XEMEM_IOC_MAKE, m, EEXIST);

    auto r = xt::request<xemem_remove>();
    for (const std::int64_t id : {std::int64_t{0}, std::int64_t{-1}, seg + 1000000, std::int64_t{1} << 48}) {
        r.segid = id;
        expect("remove: no such segment", XEMEM_IOC_REMOVE, r, ENOENT);
    }
    r.segid = apid;
    expect("remove: an apid is not a segid", XEMEM_IOC_REMOVE, r, ENOENT);
    r.segid = seg;
    expect("remove: not the owner process (a child)", XEMEM_IOC_REMOVE, r, EACCES, -1, By::child);
    const std::int64_t doomed = xt::make(dev, buf, 4096, 0600);
    xt::check(xt::remove(dev, doomed) == 0, "remove a fresh segment");
    r.segid = doomed;
    expect("remove: twice", XEMEM_IOC_REMOVE, r, ENOENT);

    auto g = xt::request<xemem_get>();
    g.segid = seg;
    for (const unsigned flags : {0u, 3u, 4u, 0x80000002u}) {
        g.flags = flags;
        expect("get: flags not exactly RDONLY or RDWR", XEMEM_IOC_GET, g, EINVAL);
    }
    g.flags = XEMEM_RDWR;
    g.permit_type = XEMEM_PERMIT_MODE;
    expect("get: permit_type not 0", XEMEM_IOC_GET, g, EINVAL);
    g.permit_type = 0;
    g.permit_value = 0600;
    expect("get: permit_value not 0", XEMEM_IOC_GET, g, EINVAL);
    g.permit_value = 0;
    expect("get: mode 0600 refuses uid 65534", XEMEM_IOC_GET, g, EACCES, -1, By::nobody);
    for (const std::int64_t id :
         {std::int64_t{0}, std::int64_t{-7}, seg + 1000000, doomed, (std::int64_t{2} << 48) | 1}) {
        g.segid = id;
        expect("get: no such segment", XEMEM_IOC_GET, g, ENOENT);
    }

    auto rel = xt::request<xemem_release>();
    for (const std::int64_t id : {std::int64_t{0}, std::int64_t{-5}, apid + 1000000, seg}) {
        rel.apid = id;
        expect("release: no such apid", XEMEM_IOC_RELEASE, rel, ENOENT);
    }
    rel.apid = apid;
    expect("release: apid of another open file", XEMEM_IOC_RELEASE, rel, EACCES, other);
    expect("release: apid of another process (a child, the same file)", XEMEM_IOC_RELEASE, rel, EACCES, -1,
           By::child);
    const std::int64_t twice = xt::get(dev, seg, XEMEM_RDONLY);
    xt::check(xt::release(dev, twice) == 0, "release a fresh apid");
    rel.apid = twice;
    expect("release: twice", XEMEM_IOC_RELEASE, rel, ENOENT);

    auto base_attach = [&] {
        auto a = xt::request<xemem_attach>();
        a.apid = apid;
        a.size = 4096;
        return a;
    };
    auto a = base_attach();
    a.offset = 100;
    expect("attach: unaligned offset", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.size = 100;
    expect("attach: unaligned size", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.size = 0;
    expect("attach: size 0", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.vaddr = 0x10000123;
    expect("attach: unaligned vaddr", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.vaddr = 1ull << 56;
    expect("attach: vaddr beyond user space", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.offset = 16 * 4096;
    expect("attach: offset at the segment's end", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.offset = 15 * 4096;
    a.size = 2 * 4096;
    expect("attach: range past the segment's end", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.offset = 4096;
    a.size = 0xfffffffffffff000ull;
    expect("attach: size beyond user space", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.offset = 0xfffffffffffff000ull;
    a.size = 2 * 4096;
    expect("attach: offset + size wraps around", XEMEM_IOC_ATTACH, a, EINVAL);
    a = base_attach();
    a.apid = apid + 1000000;
    expect("attach: no such apid", XEMEM_IOC_ATTACH, a, ENOENT);
    a = base_attach();
    a.apid = seg;
    expect("attach: a segid is not an apid", XEMEM_IOC_ATTACH, a, ENOENT);
    a = base_attach();
    expect("attach: apid of another open file", XEMEM_IOC_ATTACH, a, EACCES, other);
    expect("attach: apid of another process (a child, the same file)", XEMEM_IOC_ATTACH, a, EACCES, -1,
           By::child);

    auto d = xt::request<xemem_detach>();
    d.vaddr = reinterpret_cast<std::uintptr_t>(buf);
    expect("detach: not an attachment", XEMEM_IOC_DETACH, d, EINVAL);
    d.vaddr = 0;
    expect("detach: address 0", XEMEM_IOC_DETACH, d, EINVAL);
    d.vaddr = 0xffffffff81000000ull;
    expect("detach: kernel address", XEMEM_IOC_DETACH, d, EINVAL);

    auto l = xt::request<xemem_lookup>();
    expect("lookup: empty name", XEMEM_IOC_LOOKUP, l, EINVAL);
    std::memset(l.name, 'n', sizeof(l.name));
    expect("lookup: name without NUL", XEMEM_IOC_LOOKUP, l, EINVAL);
    l = xt::request<xemem_lookup>();
    std::strcpy(l.name, "a b");
    expect("lookup: name with a space", XEMEM_IOC_LOOKUP, l, EINVAL);
    l = xt::request<xemem_lookup>();
    std::strcpy(l.name, "no-such-segment");
    expect("lookup: unknown name", XEMEM_IOC_LOOKUP, l, ENOENT);

    auto li = xt::request<xemem_list>();
    li.capacity = 4;
    li.entries = 0;
    expect("list: entries NULL with capacity > 0", XEMEM_IOC_LIST, li, EFAULT);

    errno = 0;
    void* direct = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, dev, 0);
    xt::check(direct == MAP_FAILED && errno == EINVAL, "mmap of /dev/xemem without ATTACH: EINVAL");
    errno = 0;
    direct = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, dev, 512 * 4096);
    xt::check(direct == MAP_FAILED && errno == EINVAL, "mmap of /dev/xemem at a guessed offset: EINVAL");

    // A read-only apid maps read-only even through a fixed address; the segment's state is still intact.
    void* ro = xt::attach(dev, ro_apid, 0, 4096);
    xt::check(ro != nullptr && mprotect(ro, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
              "RDONLY attachment: mprotect(PROT_WRITE) is refused");
    xt::check(ro != nullptr && xt::detach(dev, ro) == 0, "detach it");
    d.vaddr = reinterpret_cast<std::uintptr_t>(ro);
    expect("detach: twice", XEMEM_IOC_DETACH, d, EINVAL);

    xt::check(xt::release(dev, apid) == 0 && xt::release(dev, ro_apid) == 0 && xt::remove(dev, seg) == 0,
              "cleanup: release, remove");
    xt::check(xt::idle(dev), "counters back to zero");
    return xt::summary("xemem_bad_ioctls");
}
