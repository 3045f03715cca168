// cokernel xemem list [--json] | stats [--json]
#include "cmd_xemem.hpp"

#include "cli.hpp"
#include "commands.hpp"
#include "json.hpp"
#include "table.hpp"
#include "text.hpp"

#include <cerrno>
#include <iostream>
#include <sstream>
#include <utility>

namespace cokernel {
namespace {

constexpr const char* help = R"(Usage: cokernel xemem list [--json]
       cokernel xemem stats [--json]

XEMEM shared memory (/dev/xemem, part of the module): the segments processes
export with libxemem (xpmem_make, xemem_make_named), and the module's counters.

  list     every segment: id (hex), name, owner pid and uid, mode, size,
           outstanding gets (apids) and attachments
  stats    live segments, apids, attachments and pinned pages; totals of
           pins, unpins, attacher faults and owner-side invalidations

Options:
  --json   print JSON instead of a table
Needs the module ('modprobe cokernel'), not root.
)";

struct Counter {
    const char* name;
    std::uint64_t xemem_counters::*field;
};

// clang-format off
constexpr Counter counter_fields[] = {
    {"segments", &xemem_counters::segments},
    {"apids", &xemem_counters::apids},
    {"attachments", &xemem_counters::attachments},
    {"pinned_pages", &xemem_counters::pinned_pages},
    {"pins_total", &xemem_counters::pins_total},
    {"unpins_total", &xemem_counters::unpins_total},
    {"faults_total", &xemem_counters::faults_total},
    {"invalidations_total", &xemem_counters::invalidations_total},
};
// clang-format on

std::string format_mode(std::uint32_t mode) {
    std::ostringstream out;
    out << '0' << std::oct << (mode & 0777u);
    return out.str();
}

Status open_device() {
    if (xpmem_init() == 0)
        return Ok{};
    int err = errno;
    const char* path = xemem_device_path();
    if (err == ENOENT)
        return fail(cat(path, " not found: the module is not loaded (modprobe cokernel)"));
    return fail(cat("cannot open ", path, ": ", errno_text(err)));
}

Result<std::vector<xemem_segment>> list_segments() {
    std::vector<xemem_segment> segments(16);
    for (;;) { // segments may come and go between two calls
        int count = xemem_list_segments(segments.data(), segments.size());
        if (count < 0)
            return fail(cat("cannot list XEMEM segments: ", errno_text(errno)));
        auto total = static_cast<std::size_t>(count);
        if (total <= segments.size()) {
            segments.resize(total);
            return segments;
        }
        segments.resize(total + 16);
    }
}

} // namespace

std::string format_segid(std::int64_t segid) {
    return hex(static_cast<std::uint64_t>(segid));
}

std::string format_domain(std::uint32_t domain) {
    return domain == 0 ? std::string("linux") : cat("enclave ", domain - 1);
}

std::string xemem_segments_text(const std::vector<xemem_segment>& segments) {
    if (segments.empty())
        return "no segments\n";
    std::ostringstream out;
    Table table({"SEGID", "NAME", "PID", "UID", "MODE", "SIZE", "GETS", "ATTACHMENTS"});
    for (const xemem_segment& segment : segments) {
        std::string size = segment.size == UINT64_MAX ? "all" : format_size(segment.size);
        table.add({format_segid(segment.segid), segment.name[0] != '\0' ? std::string(segment.name) : "-",
                   std::to_string(segment.owner_pid), std::to_string(segment.owner_uid),
                   format_mode(segment.mode), size, std::to_string(segment.gets),
                   std::to_string(segment.attachments)});
    }
    table.print(out);
    return out.str();
}

std::string xemem_segments_json(const std::vector<xemem_segment>& segments) {
    JsonWriter json;
    json.begin_array();
    for (const xemem_segment& segment : segments) {
        json.begin_object();
        json.key("segid").value(format_segid(segment.segid));
        json.key("name").value(std::string_view(segment.name));
        json.key("domain").value(format_domain(segment.domain));
        json.key("owner_pid").value(segment.owner_pid);
        json.key("owner_uid").value(segment.owner_uid);
        json.key("mode").value(format_mode(segment.mode));
        json.key("vaddr").value(segment.vaddr);
        json.key("size").value(segment.size);
        json.key("gets").value(segment.gets);
        json.key("attachments").value(segment.attachments);
        json.end_object();
    }
    json.end_array();
    return json.str() + "\n";
}

std::string xemem_counters_text(const xemem_counters& counters) {
    std::ostringstream out;
    Table table({"COUNTER", "VALUE"});
    for (const Counter& counter : counter_fields)
        table.add({counter.name, std::to_string(counters.*counter.field)});
    table.print(out);
    return out.str();
}

std::string xemem_counters_json(const xemem_counters& counters) {
    JsonWriter json;
    json.begin_object();
    for (const Counter& counter : counter_fields)
        json.key(counter.name).value(counters.*counter.field);
    json.end_object();
    return json.str() + "\n";
}

int cmd_xemem(const std::vector<std::string>& argv) {
    auto args = parse_args(argv, {{"--json", false}});
    if (!args)
        return usage_error("xemem", args.error().message);
    if (args->help) {
        std::cout << help;
        return exit_ok;
    }
    if (args->positional.empty())
        return usage_error("xemem", "xemem needs a subcommand: list or stats");
    const std::string& what = args->positional.front();
    if (what != "list" && what != "stats")
        return usage_error("xemem", cat("unknown xemem subcommand '", what, "'"));
    if (args->positional.size() > 1)
        return usage_error("xemem", "unexpected argument '" + args->positional[1] + "'");
    bool as_json = args->has("--json");
    if (auto opened = open_device(); !opened)
        return report(opened.error());
    if (what == "stats") {
        xemem_counters counters{};
        if (xemem_read_counters(&counters) != 0)
            return report(fail(cat("cannot read XEMEM counters: ", errno_text(errno))));
        std::cout << (as_json ? xemem_counters_json(counters) : xemem_counters_text(counters));
        return exit_ok;
    }
    auto segments = list_segments();
    if (!segments)
        return report(segments.error());
    std::cout << (as_json ? xemem_segments_json(*segments) : xemem_segments_text(*segments));
    return exit_ok;
}

} // namespace cokernel
