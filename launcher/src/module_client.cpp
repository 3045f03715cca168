#include "module_client.hpp"

#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace cokernel {
namespace {

template <class T>
void stamp(T& blob) {
    blob.hdr.signature = COKERNEL_SIGNATURE;
    blob.hdr.revision = static_cast<ck_u16>(COKERNEL_ABI_REVISION);
    blob.hdr.size = static_cast<ck_u16>(sizeof(T));
}

template <class T>
int call(int fd, unsigned long request, T& blob) {
    int rc;
    do {
        rc = ::ioctl(fd, request, &blob);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? errno : 0;
}

} // namespace

Result<ModuleClient> ModuleClient::open(const std::string& device) {
    int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENXIO || err == ENODEV)
            return fail("the cokernel module is not loaded; run 'modprobe cokernel'");
        if (err == EACCES || err == EPERM)
            return fail(cat("cannot open ", device, ": ", errno_text(err), "; must be run as root"));
        return fail(cat("cannot open ", device, ": ", errno_text(err)));
    }
    ModuleClient client(fd);
    stamp(client.version_);
    int err = call(fd, COKERNEL_IOC_VERSION, client.version_);
    if (err == EINVAL || err == ENOTTY || err == EPROTO)
        return fail(cat("the cokernel module rejected ABI revision ", COKERNEL_ABI_REVISION,
                        " of this command (", errno_text(err),
                        "); install the module and the cokernel command from the same build"));
    if (err != 0)
        return fail(cat("cannot query the cokernel module version: ", errno_text(err)));
    if (client.version_.hdr.signature != COKERNEL_SIGNATURE ||
        client.version_.abi_revision != COKERNEL_ABI_REVISION)
        return fail(cat("ABI revision mismatch: the cokernel module speaks revision ",
                        client.version_.abi_revision, ", this command speaks ", COKERNEL_ABI_REVISION,
                        "; install the module and the cokernel command from the same build"));
    return client;
}

ModuleClient::ModuleClient(ModuleClient&& other) noexcept : fd_(other.fd_), version_(other.version_) {
    other.fd_ = -1;
}

ModuleClient::~ModuleClient() {
    if (fd_ >= 0)
        ::close(fd_);
}

int ModuleClient::create(const std::vector<unsigned>& cpus, const std::vector<MemRange>& ranges,
                         std::uint32_t flags, int& id) {
    if (cpus.size() > COKERNEL_MAX_ENCLAVE_CPUS || ranges.size() > COKERNEL_MAX_MEM_RANGES)
        return E2BIG;
    cokernel_create request{};
    stamp(request);
    request.flags = flags;
    request.ncpus = static_cast<ck_u32>(cpus.size());
    request.nranges = static_cast<ck_u32>(ranges.size());
    std::copy(cpus.begin(), cpus.end(), std::begin(request.cpus));
    for (std::size_t i = 0; i < ranges.size(); ++i)
        request.ranges[i] = cokernel_mem_range{ranges[i].start, ranges[i].size};
    int err = call(fd_, COKERNEL_IOC_CREATE, request);
    if (err == 0)
        id = request.id;
    return err;
}

int ModuleClient::destroy(int id) {
    cokernel_destroy request{};
    stamp(request);
    request.id = id;
    return call(fd_, COKERNEL_IOC_DESTROY, request);
}

int ModuleClient::list(std::vector<int>& ids) {
    cokernel_list request{};
    stamp(request);
    int err = call(fd_, COKERNEL_IOC_LIST, request);
    if (err != 0)
        return err;
    std::uint32_t count = std::min<std::uint32_t>(request.count, COKERNEL_MAX_ENCLAVES);
    ids.assign(request.ids, request.ids + count);
    return 0;
}

int ModuleClient::info(int id, EnclaveInfo& out) {
    cokernel_info request{};
    stamp(request);
    request.id = id;
    int err = call(fd_, COKERNEL_IOC_INFO, request);
    if (err != 0)
        return err;
    out.id = request.id;
    out.state = request.state;
    std::uint32_t ncpus = std::min<std::uint32_t>(request.ncpus, COKERNEL_MAX_ENCLAVE_CPUS);
    std::uint32_t nranges = std::min<std::uint32_t>(request.nranges, COKERNEL_MAX_MEM_RANGES);
    out.cpus.assign(request.cpus, request.cpus + ncpus);
    out.ranges.clear();
    for (std::uint32_t i = 0; i < nranges; ++i)
        out.ranges.push_back(MemRange{request.ranges[i].start, request.ranges[i].size});
    return 0;
}

int ModuleClient::boot(int id, const std::vector<char>& image, const std::string& cmdline) {
    cokernel_boot request{};
    stamp(request);
    request.id = id;
    request.image = reinterpret_cast<std::uintptr_t>(image.data());
    request.image_size = image.size();
    if (cmdline.size() >= sizeof request.cmdline)
        return E2BIG;
    std::copy(cmdline.begin(), cmdline.end(), request.cmdline);
    return call(fd_, COKERNEL_IOC_BOOT, request);
}

int ModuleClient::console(int id, std::uint64_t& pos, std::string& out, std::uint64_t& lost,
                          std::uint32_t& state) {
    std::string buf(COKERNEL_CONSOLE_DATA_SIZE, '\0');
    cokernel_console_read request{};
    stamp(request);
    request.id = id;
    request.len = static_cast<ck_u32>(buf.size());
    request.pos = pos;
    request.buf = reinterpret_cast<std::uintptr_t>(buf.data());
    int err = call(fd_, COKERNEL_IOC_CONSOLE, request);
    if (err != 0)
        return err;
    out.assign(buf.data(), std::min<std::size_t>(request.len, buf.size()));
    pos = request.pos;
    lost += request.lost;
    state = request.state;
    return 0;
}

int ModuleClient::command(int id, std::uint32_t cmd, std::uint64_t arg, std::uint64_t& latency_ns,
                          std::int32_t& result) {
    cokernel_command request{};
    stamp(request);
    request.id = id;
    request.cmd = cmd;
    request.arg = arg;
    int err = call(fd_, COKERNEL_IOC_COMMAND, request);
    latency_ns = request.latency_ns;
    result = request.result;
    return err;
}

Result<std::vector<EnclaveInfo>> list_enclaves(ModuleClient& client) {
    std::vector<int> ids;
    if (int err = client.list(ids); err != 0)
        return fail(cat("cannot list enclaves: ", errno_text(err)));
    std::vector<EnclaveInfo> out;
    for (int id : ids) {
        EnclaveInfo info;
        int err = client.info(id, info);
        if (err == ENOENT)
            continue; // destroyed between LIST and INFO
        if (err != 0)
            return fail(cat("cannot read enclave ", id, ": ", errno_text(err)));
        out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(), [](const EnclaveInfo& a, const EnclaveInfo& b) { return a.id < b.id; });
    return out;
}

} // namespace cokernel
