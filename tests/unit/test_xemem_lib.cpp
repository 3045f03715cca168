// libxemem's argument checks and requests, without the module: an injected ioctl records what would reach
// /dev/xemem, and XEMEM_DEVICE points the library at /dev/null or at a file that does not exist.
#include "internal.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Recorded {
    int calls = 0;
    unsigned long request = 0;
    std::vector<unsigned char> arg; // a copy of the request structure
};
Recorded recorded;
int fail_with = 0; // errno the fake module returns; 0: success

// What the fake module answers to requests that return something.
constexpr std::int64_t fake_id = 0x2a;
constexpr std::uint64_t fake_addr = 0x7f0000000000;

int fake_ioctl(int, unsigned long request, void* arg) {
    ++recorded.calls;
    recorded.request = request;
    auto bytes = static_cast<unsigned char*>(arg);
    recorded.arg.assign(bytes, bytes + _IOC_SIZE(request));
    if (fail_with != 0) {
        errno = fail_with;
        return -1;
    }
    switch (request) {
    case XEMEM_IOC_VERSION:
        static_cast<xemem_version*>(arg)->version = XEMEM_VERSION;
        break;
    case XEMEM_IOC_MAKE:
        static_cast<xemem_make*>(arg)->segid = fake_id;
        break;
    case XEMEM_IOC_LOOKUP:
        static_cast<struct xemem_lookup*>(arg)->segid = fake_id;
        break;
    case XEMEM_IOC_GET:
        static_cast<xemem_get*>(arg)->apid = fake_id;
        break;
    case XEMEM_IOC_ATTACH:
        static_cast<xemem_attach*>(arg)->addr = fake_addr;
        break;
    default:
        break;
    }
    return 0;
}

template <class T>
T last_request() {
    T value{};
    REQUIRE(recorded.arg.size() == sizeof(T));
    std::memcpy(&value, recorded.arg.data(), sizeof(T));
    return value;
}

void check_header(const cokernel_hdr& hdr, std::size_t size) {
    CHECK(hdr.signature == COKERNEL_SIGNATURE);
    CHECK(hdr.revision == COKERNEL_XEMEM_REVISION);
    CHECK(hdr.size == size);
}

// Every test starts with a closed device, the fake module and XEMEM_DEVICE=/dev/null.
struct FakeModule {
    explicit FakeModule(const char* device = "/dev/null") {
        xemem_test_close_device();
        xemem_test_set_ioctl(fake_ioctl);
        ::setenv("XEMEM_DEVICE", device, 1);
        recorded = Recorded{};
        fail_with = 0;
    }
    ~FakeModule() {
        xemem_test_close_device();
        xemem_test_set_ioctl(nullptr);
        ::unsetenv("XEMEM_DEVICE");
    }
    FakeModule(const FakeModule&) = delete;
    FakeModule& operator=(const FakeModule&) = delete;
};

void* ptr(std::uintptr_t value) {
    return reinterpret_cast<void*>(value);
}

void* const attach_failed = ptr(~std::uintptr_t{0});
constexpr std::uintptr_t page = 4096;
constexpr std::uintptr_t base = 0x10000000;

// The call failed with err before any request reached the module.
#define CHECK_REJECTED(call, err)                                                                            \
    do {                                                                                                     \
        errno = 0;                                                                                           \
        recorded.calls = 0;                                                                                  \
        CHECK((call) == -1);                                                                                 \
        CHECK(errno == (err));                                                                               \
        CHECK(recorded.calls == 0);                                                                          \
    } while (0)

} // namespace

TEST_CASE("xemem lib: xpmem_make rejects bad arguments before any ioctl", "[xemem]") {
    FakeModule module;
    CHECK_REJECTED(xpmem_make(ptr(base), page, 0, ptr(0600)), EINVAL);                  // permit type
    CHECK_REJECTED(xpmem_make(ptr(base), page, 2, ptr(0600)), EINVAL);                  // permit type
    CHECK_REJECTED(xpmem_make(ptr(base), page, XPMEM_PERMIT_MODE, ptr(01000)), EINVAL); // mode bits
    CHECK_REJECTED(xpmem_make(ptr(base), page, XPMEM_PERMIT_MODE, ptr(04600)), EINVAL); // setuid bit
    CHECK_REJECTED(xpmem_make(ptr(base), 0, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);     // size 0
    CHECK_REJECTED(xpmem_make(ptr(base + 1), page, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
    CHECK_REJECTED(xpmem_make(ptr(base), page + 1, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
    CHECK_REJECTED(xpmem_make(ptr(base), 100, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
    // The whole address space starts at 0; ranges that wrap or leave user space.
    CHECK_REJECTED(xpmem_make(ptr(base), XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
    CHECK_REJECTED(xpmem_make(ptr(~(page - 1)), page, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
    CHECK_REJECTED(xpmem_make(ptr(base), ~(page - 1), XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
    CHECK_REJECTED(xpmem_make(ptr(0xffff800000000000), page, XPMEM_PERMIT_MODE, ptr(0600)), EINVAL);
}

TEST_CASE("xemem lib: xpmem_make sends the range and mode", "[xemem]") {
    FakeModule module;
    CHECK(xpmem_make(ptr(base), 3 * page, XPMEM_PERMIT_MODE, ptr(0640)) == fake_id);
    CHECK(recorded.calls == 1);
    CHECK(recorded.request == XEMEM_IOC_MAKE);
    auto req = last_request<xemem_make>();
    check_header(req.hdr, sizeof(xemem_make));
    CHECK(req.vaddr == base);
    CHECK(req.size == 3 * page);
    CHECK(req.permit_type == XEMEM_PERMIT_MODE);
    CHECK(req.permit_value == 0640);
    CHECK(req.name[0] == '\0');

    // What Open MPI and UCX export: everything.
    CHECK(xpmem_make(nullptr, XPMEM_MAXADDR_SIZE, XPMEM_PERMIT_MODE, ptr(0666)) == fake_id);
    req = last_request<xemem_make>();
    CHECK(req.vaddr == 0);
    CHECK(req.size == XEMEM_MAXADDR);
    CHECK(req.permit_value == 0666);
    // Mode 0 is valid (only root could get it); so is a range at address 0.
    CHECK(xpmem_make(nullptr, page, XPMEM_PERMIT_MODE, ptr(0)) == fake_id);
}

TEST_CASE("xemem lib: names", "[xemem]") {
    FakeModule module;
    std::string longest(XEMEM_NAME_MAX - 1, 'n');
    std::string too_long(XEMEM_NAME_MAX, 'n');
    CHECK_REJECTED(xemem_make_named(ptr(base), page, nullptr, 0600), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "", 0600), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "has space", 0600), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "tab\there", 0600), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "caf\xc3\xa9", 0600), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "del\x7f", 0600), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, too_long.c_str(), 0600), ENAMETOOLONG);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "ok", -1), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base), page, "ok", 01000), EINVAL);
    CHECK_REJECTED(xemem_make_named(ptr(base + 8), page, "ok", 0600), EINVAL);
    CHECK_REJECTED(xemem_lookup(nullptr), EINVAL);
    CHECK_REJECTED(xemem_lookup(""), EINVAL);
    CHECK_REJECTED(xemem_lookup("a b"), EINVAL);
    CHECK_REJECTED(xemem_lookup(too_long.c_str()), ENAMETOOLONG);

    CHECK(xemem_make_named(ptr(base), page, longest.c_str(), 0600) == fake_id);
    auto make = last_request<xemem_make>();
    CHECK(std::string(make.name, sizeof(make.name)) == longest + '\0');
    CHECK(make.permit_value == 0600);
    CHECK(xemem_lookup("job-1/halo") == fake_id);
    CHECK(recorded.request == XEMEM_IOC_LOOKUP);
    auto lookup = last_request<struct xemem_lookup>();
    check_header(lookup.hdr, sizeof(struct xemem_lookup));
    CHECK(std::string(lookup.name) == "job-1/halo");
    CHECK(lookup.name[sizeof(lookup.name) - 1] == '\0');
}

// XPMEM's libraries ignore xpmem_get's permit_value; an outside XPMEM test suite passes (void *)0600 there.
TEST_CASE("xemem lib: xpmem_get ignores permit_value as XPMEM does", "[xemem]") {
    FakeModule module;
    CHECK(xpmem_get(7, XPMEM_RDWR, XPMEM_PERMIT_MODE, ptr(0600)) == fake_id);
    auto get = last_request<xemem_get>();
    CHECK(get.segid == 7);
    CHECK(get.flags == XEMEM_RDWR);
    CHECK(get.permit_type == 0);
    CHECK(get.permit_value == 0);
}

TEST_CASE("xemem lib: get, release and remove", "[xemem]") {
    FakeModule module;
    CHECK_REJECTED(xpmem_get(0, XPMEM_RDWR, XPMEM_PERMIT_MODE, nullptr), EINVAL);
    CHECK_REJECTED(xpmem_get(-1, XPMEM_RDWR, XPMEM_PERMIT_MODE, nullptr), EINVAL);
    CHECK_REJECTED(xpmem_get(fake_id, 0, XPMEM_PERMIT_MODE, nullptr), EINVAL);
    CHECK_REJECTED(xpmem_get(fake_id, XPMEM_RDWR | XPMEM_RDONLY, XPMEM_PERMIT_MODE, nullptr), EINVAL);
    CHECK_REJECTED(xpmem_get(fake_id, 4, XPMEM_PERMIT_MODE, nullptr), EINVAL);
    CHECK_REJECTED(xpmem_get(fake_id, XPMEM_RDWR, 0, nullptr), EINVAL);
    CHECK_REJECTED(xpmem_get(fake_id, XPMEM_RDWR, 2, ptr(0600)), EINVAL);
    CHECK_REJECTED(xpmem_release(0), EINVAL);
    CHECK_REJECTED(xpmem_release(-5), EINVAL);
    CHECK_REJECTED(xpmem_remove(0), EINVAL);
    CHECK_REJECTED(xpmem_remove(INT64_MIN), EINVAL);

    CHECK(xpmem_get(7, XPMEM_RDONLY, XPMEM_PERMIT_MODE, nullptr) == fake_id);
    auto get = last_request<xemem_get>();
    check_header(get.hdr, sizeof(xemem_get));
    CHECK(get.segid == 7);
    CHECK(get.flags == XEMEM_RDONLY);
    CHECK(get.permit_type == 0);
    CHECK(get.permit_value == 0);
    CHECK(xpmem_release(9) == 0);
    CHECK(recorded.request == XEMEM_IOC_RELEASE);
    CHECK(last_request<xemem_release>().apid == 9);
    CHECK(xpmem_remove(11) == 0);
    CHECK(recorded.request == XEMEM_IOC_REMOVE);
    CHECK(last_request<xemem_remove>().segid == 11);
}

TEST_CASE("xemem lib: attach and detach", "[xemem]") {
    FakeModule module;
    auto attach = [](std::int64_t apid, off_t offset, std::size_t size, void* vaddr) {
        errno = 0;
        recorded.calls = 0;
        return xpmem_attach(xpmem_addr{apid, offset}, size, vaddr);
    };
    auto rejected = [&](std::int64_t apid, off_t offset, std::size_t size, void* vaddr) {
        bool failed = attach(apid, offset, size, vaddr) == attach_failed;
        return failed && errno == EINVAL && recorded.calls == 0;
    };
    CHECK(rejected(0, 0, page, nullptr));
    CHECK(rejected(-3, 0, page, nullptr));
    CHECK(rejected(fake_id, -static_cast<off_t>(page), page, nullptr));
    CHECK(rejected(fake_id, 100, page, nullptr));
    CHECK(rejected(fake_id, 0, 0, nullptr));
    CHECK(rejected(fake_id, 0, page, ptr(base + 16)));
    CHECK(rejected(fake_id, 0, SIZE_MAX, nullptr));                                     // rounding up wraps
    CHECK(rejected(fake_id, INT64_MAX & ~static_cast<off_t>(page - 1), page, nullptr)); // beyond user space
    CHECK(rejected(fake_id, 0, 2 * page, ptr(~(page - 1) - page)));                     // fixed address wraps

    CHECK(attach(fake_id, static_cast<off_t>(2 * page), 3 * page, nullptr) == ptr(fake_addr));
    auto req = last_request<xemem_attach>();
    check_header(req.hdr, sizeof(xemem_attach));
    CHECK(req.apid == fake_id);
    CHECK(req.offset == 2 * page);
    CHECK(req.size == 3 * page);
    CHECK(req.vaddr == 0);
    // XPMEM rounds the size up to whole pages; a fixed address is passed on.
    CHECK(attach(fake_id, 0, page + 1, ptr(base)) == ptr(fake_addr));
    req = last_request<xemem_attach>();
    CHECK(req.size == 2 * page);
    CHECK(req.vaddr == base);

    CHECK(xpmem_detach(ptr(fake_addr + 8)) == 0);
    CHECK(recorded.request == XEMEM_IOC_DETACH);
    CHECK(last_request<xemem_detach>().vaddr == fake_addr + 8);
}

TEST_CASE("xemem lib: list and counters", "[xemem]") {
    FakeModule module;
    CHECK_REJECTED(xemem_list_segments(nullptr, 1), EINVAL);
    CHECK_REJECTED(xemem_read_counters(nullptr), EINVAL);

    // Capacity 0 asks for the count only.
    CHECK(xemem_list_segments(nullptr, 0) == 0);
    auto list = last_request<xemem_list>();
    check_header(list.hdr, sizeof(xemem_list));
    CHECK(list.capacity == 0);
    CHECK(list.entries == 0);

    xemem_test_set_ioctl([](int, unsigned long request, void* arg) {
        auto req = static_cast<xemem_list*>(arg);
        if (request != XEMEM_IOC_LIST || req->capacity != 2) { // no exceptions through C code
            errno = EPROTO;
            return -1;
        }
        auto entries = reinterpret_cast<xemem_segment_info*>(static_cast<std::uintptr_t>(req->entries));
        for (ck_u32 i = 0; i < req->capacity; ++i) {
            entries[i] = xemem_segment_info{};
            entries[i].segid = 100 + i;
            entries[i].size = 4096u * (i + 1);
            entries[i].owner_pid = 42;
            entries[i].mode = 0600;
            entries[i].gets = i;
            std::strcpy(entries[i].name, i == 0 ? "first" : "");
        }
        req->count = 5; // more than fit
        return 0;
    });
    std::vector<xemem_segment> segments(2);
    CHECK(xemem_list_segments(segments.data(), segments.size()) == 5);
    CHECK(segments[0].segid == 100);
    CHECK(segments[1].segid == 101);
    CHECK(segments[1].size == 8192);
    CHECK(segments[0].owner_pid == 42);
    CHECK(segments[1].gets == 1);
    CHECK(std::string(segments[0].name) == "first");
    CHECK(std::string(segments[1].name).empty());

    xemem_test_set_ioctl([](int, unsigned long request, void* arg) {
        if (request != XEMEM_IOC_STATS) {
            errno = EPROTO;
            return -1;
        }
        auto req = static_cast<xemem_stats*>(arg);
        req->segments = 1;
        req->apids = 2;
        req->attachments = 3;
        req->pinned_pages = 4;
        req->pins_total = 5;
        req->unpins_total = 6;
        req->faults_total = 7;
        req->invalidations_total = 8;
        return 0;
    });
    xemem_counters counters{};
    CHECK(xemem_read_counters(&counters) == 0);
    CHECK(counters.segments == 1);
    CHECK(counters.apids == 2);
    CHECK(counters.attachments == 3);
    CHECK(counters.pinned_pages == 4);
    CHECK(counters.pins_total == 5);
    CHECK(counters.unpins_total == 6);
    CHECK(counters.faults_total == 7);
    CHECK(counters.invalidations_total == 8);
}

TEST_CASE("xemem lib: the module's errors reach the caller", "[xemem]") {
    FakeModule module;
    fail_with = EACCES;
    errno = 0;
    CHECK(xpmem_get(3, XPMEM_RDWR, XPMEM_PERMIT_MODE, nullptr) == -1);
    CHECK(errno == EACCES);
    fail_with = ENOENT;
    CHECK(xemem_lookup("missing") == -1);
    CHECK(errno == ENOENT);
    fail_with = EINVAL;
    CHECK(xpmem_attach(xpmem_addr{3, 0}, page, nullptr) == attach_failed);
    CHECK(errno == EINVAL);
    CHECK(recorded.calls == 3);
}

TEST_CASE("xemem lib: xpmem_version and a missing device", "[xemem]") {
    {
        FakeModule module;
        CHECK(xpmem_init() == 0);
        CHECK(xpmem_version() == static_cast<int>(XEMEM_VERSION));
        CHECK(recorded.request == XEMEM_IOC_VERSION);
        check_header(last_request<xemem_version>().hdr, sizeof(xemem_version));
        CHECK(std::string(xemem_device_path()) == "/dev/null");
    }
    FakeModule module("/nonexistent/xemem");
    errno = 0;
    CHECK(xpmem_init() == -1);
    CHECK(errno == ENOENT);
    errno = 0;
    CHECK(xpmem_version() == -1);
    CHECK(errno == ENOENT);
    errno = 0;
    CHECK(xpmem_make(ptr(base), page, XPMEM_PERMIT_MODE, ptr(0600)) == -1);
    CHECK(errno == ENOENT);
    CHECK(recorded.calls == 0);
    ::unsetenv("XEMEM_DEVICE");
    CHECK(std::string(xemem_device_path()) == "/dev/xemem");
}

TEST_CASE("xemem lib: a forked child opens the device again", "[xemem]") {
    FakeModule module;
    REQUIRE(xpmem_version() == static_cast<int>(XEMEM_VERSION));
    // In the child the device path no longer exists: reusing the parent's descriptor would succeed.
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::setenv("XEMEM_DEVICE", "/nonexistent/xemem", 1);
        int version = xpmem_version();
        ::_exit(version == -1 && errno == ENOENT ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The parent keeps its descriptor.
    ::setenv("XEMEM_DEVICE", "/nonexistent/xemem", 1);
    CHECK(xpmem_version() == static_cast<int>(XEMEM_VERSION));
}

TEST_CASE("xemem lib: threads share one descriptor", "[xemem]") {
    FakeModule module;
    static std::atomic<int> calls{0};
    static std::atomic<int> fds_seen{-1};
    static std::atomic<bool> same_fd{true};
    calls = 0;
    fds_seen = -1;
    same_fd = true;
    xemem_test_set_ioctl([](int fd, unsigned long, void* arg) {
        int expected = -1;
        if (!fds_seen.compare_exchange_strong(expected, fd) && expected != fd)
            same_fd = false;
        ++calls;
        static_cast<xemem_version*>(arg)->version = XEMEM_VERSION;
        return 0;
    });
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 100; ++i)
                if (xpmem_version() == static_cast<int>(XEMEM_VERSION))
                    ++good;
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(good == 800);
    CHECK(calls == 800);
    CHECK(same_fd);
}

TEST_CASE("xemem lib: fork while another thread opens the device", "[xemem]") {
    FakeModule module;
    std::atomic<bool> stop{false};
    // Opens and closes the device in a loop, so that forks often happen while it holds the library's lock.
    std::thread opener([&] {
        while (!stop) {
            xemem_test_close_device();
            (void)xpmem_version();
        }
    });
    int good = 0;
    for (int i = 0; i < 200; ++i) {
        pid_t child = ::fork();
        if (child == 0) {
            ::alarm(2); // a lock left held across fork would hang the child: SIGALRM ends it
            ::_exit(xpmem_version() == static_cast<int>(XEMEM_VERSION) ? 0 : 1);
        }
        int status = 0;
        if (child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            ++good;
        else
            break; // one hang is enough
    }
    stop = true;
    opener.join();
    CHECK(good == 200);
}
