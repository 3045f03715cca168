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

// EINTR is retried unless the request is meant to be interrupted (the module leaves nothing half done).
template <class T>
int call(int fd, unsigned long request, T& blob, bool retry_eintr = true) {
    int rc;
    do {
        rc = ::ioctl(fd, request, &blob);
    } while (rc < 0 && errno == EINTR && retry_eintr);
    return rc < 0 ? errno : 0;
}

} // namespace

Result<ModuleClient> ModuleClient::open(const std::string& device, int min_fd) {
    int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0 && fd < min_fd) {
        const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
        ::close(fd);
        if (moved < 0)
            return fail(
                cat("cannot move the ", device, " descriptor to ", min_fd, " or above: ", errno_text(errno)));
        fd = moved;
    }
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

int ModuleClient::create(const CreateCall& call_args, int& id, std::vector<MemRange>& taken) {
    if (call_args.cpus.size() > COKERNEL_MAX_ENCLAVE_CPUS ||
        call_args.candidates.size() > COKERNEL_MAX_MEM_RANGES)
        return E2BIG;
    cokernel_create request{};
    stamp(request);
    request.flags = call_args.flags;
    request.mem_size = call_args.mem_size;
    request.ncpus = static_cast<ck_u32>(call_args.cpus.size());
    request.nranges = static_cast<ck_u32>(call_args.candidates.size());
    std::copy(call_args.cpus.begin(), call_args.cpus.end(), std::begin(request.cpus));
    for (std::size_t i = 0; i < call_args.candidates.size(); ++i)
        request.ranges[i] = cokernel_mem_range{call_args.candidates[i].start, call_args.candidates[i].size};
    // Not retried on EINTR: the module gave everything back, and the signal is for us.
    int err = call(fd_, COKERNEL_IOC_CREATE, request, false);
    if (err != 0)
        return err;
    id = request.id;
    taken.clear();
    for (std::uint32_t i = 0; i < std::min<std::uint32_t>(request.nranges, COKERNEL_MAX_MEM_RANGES); ++i)
        taken.push_back(MemRange{request.ranges[i].start, request.ranges[i].size});
    return 0;
}

int ModuleClient::keep(int id) {
    cokernel_keep request{};
    stamp(request);
    request.id = id;
    return call(fd_, COKERNEL_IOC_KEEP, request);
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
    out.flags = request.flags;
    out.proxy_pid = request.proxy_pid;
    out.job_maps = request.job_maps;
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
    return call(fd_, COKERNEL_IOC_BOOT, request, false); // EINTR: nothing booted, the signal is for us
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

int ModuleClient::job_attach(int id, std::uint32_t flags, std::uint64_t& region_size,
                             std::uint64_t& ctl_offset) {
    cokernel_job_attach request{};
    stamp(request);
    request.id = id;
    request.flags = flags;
    int err = call(fd_, COKERNEL_IOC_JOB_ATTACH, request);
    region_size = request.region_size;
    ctl_offset = request.ctl_offset;
    return err;
}

int ModuleClient::job_start() {
    cokernel_job_start request{};
    stamp(request);
    return call(fd_, COKERNEL_IOC_JOB_START, request);
}

int ModuleClient::job_wait(std::uint32_t timeout_us, std::uint64_t& count) {
    return job_wait_on(fd_, timeout_us, count);
}

int job_wait_on(int fd, std::uint32_t timeout_us, std::uint64_t& count) {
    cokernel_job_wait request{};
    stamp(request);
    request.timeout_us = timeout_us;
    request.count = count;
    int err = call(fd, COKERNEL_IOC_JOB_WAIT, request, false);
    count = request.count;
    return err;
}

int ModuleClient::job_seal() {
    cokernel_job_seal request{};
    stamp(request);
    return call(fd_, COKERNEL_IOC_JOB_SEAL, request);
}

int ModuleClient::job_signal(int sig) {
    cokernel_job_signal request{};
    stamp(request);
    request.signo = static_cast<std::uint32_t>(sig);
    return call(fd_, COKERNEL_IOC_JOB_SIGNAL, request);
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
