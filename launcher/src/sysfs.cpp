#include "sysfs.hpp"

#include "parse.hpp"
#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace cokernel {
namespace fs = std::filesystem;

namespace {

// "node3" with prefix "node" -> 3; anything else -> nullopt.
std::optional<unsigned> numbered(const std::string& name, const char* prefix) {
    std::string p(prefix);
    if (name.size() <= p.size() || name.compare(0, p.size(), p) != 0)
        return std::nullopt;
    auto number = parse_unsigned(std::string_view(name).substr(p.size()), prefix);
    if (!number)
        return std::nullopt;
    return *number;
}

std::optional<unsigned> node_link_in(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (auto node = numbered(entry.path().filename().string(), "node"))
            return node;
    }
    return std::nullopt;
}

} // namespace

Result<std::string> read_sysfs_file(const fs::path& path) {
    std::ifstream in(path);
    if (!in)
        return fail(cat("cannot read ", path.string(), ": ", errno_text(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    std::string out = text.str();
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

Result<std::vector<unsigned>> read_present_cpus(const fs::path& root) {
    auto text = read_sysfs_file(root / "devices/system/cpu/present");
    if (!text)
        return text.error();
    return parse_cpu_list(*text);
}

bool read_cpu_online(const fs::path& root, unsigned cpu) {
    auto text = read_sysfs_file(root / cat("devices/system/cpu/cpu", cpu, "/online"));
    return !text || *text != "0";
}

std::optional<unsigned> read_cpu_node(const fs::path& root, unsigned cpu) {
    return node_link_in(root / cat("devices/system/cpu/cpu", cpu));
}

Result<std::uint64_t> read_block_size(const fs::path& root) {
    const fs::path path = root / "devices/system/memory/block_size_bytes";
    auto text = read_sysfs_file(path);
    if (!text)
        return fail(cat("cannot read the memory block size: ", text.error().message,
                        " (is CONFIG_MEMORY_HOTPLUG enabled?)"));
    try {
        std::size_t used = 0;
        std::uint64_t size = std::stoull(*text, &used, 16);
        if (used == text->size() && size != 0)
            return size;
    } catch (const std::exception&) {
    }
    return fail(cat("unexpected memory block size '", *text, "' in ", path.string()));
}

Result<MemoryBlocks> read_memory_blocks(const fs::path& root) {
    auto block_size = read_block_size(root);
    if (!block_size)
        return block_size.error();
    MemoryBlocks out;
    out.block_size = *block_size;

    const fs::path dir = root / "devices/system/memory";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        auto index = numbered(entry.path().filename().string(), "memory");
        if (!index)
            continue;
        MemoryBlock block;
        block.index = *index;
        block.start = std::uint64_t{*index} * out.block_size;
        block.node = node_link_in(entry.path());
        auto state = read_sysfs_file(entry.path() / "state");
        block.state = state ? *state : "unknown";
        block.online = block.state == "online";
        if (block.online) {
            auto zones = read_sysfs_file(entry.path() / "valid_zones");
            block.zone = zones ? parse_zone(*zones) : MemoryZone::unknown;
        }
        out.blocks.push_back(block);
    }
    if (ec)
        return fail(cat("cannot list ", dir.string(), ": ", ec.message()));
    std::sort(out.blocks.begin(), out.blocks.end(),
              [](const MemoryBlock& a, const MemoryBlock& b) { return a.index < b.index; });
    return out;
}

fs::path memory_block_state_path(const fs::path& root, unsigned index) {
    return root / cat("devices/system/memory/memory", index, "/state");
}

bool read_memory_block_online(const fs::path& root, unsigned index) {
    auto state = read_sysfs_file(memory_block_state_path(root, index));
    return state && *state == "online";
}

} // namespace cokernel
