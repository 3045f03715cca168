#include "stats.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

namespace ck::deleg {

namespace {
size_t row_of(uint64_t nr) {
    return nr < syscall_nr_limit ? static_cast<size_t>(nr) : syscall_nr_limit;
}
} // namespace

const char* path_name(Path p) {
    switch (p) {
    case Path::native:
        return "native";
    case Path::delegated:
        return "delegated";
    case Path::rejected:
        return "rejected";
    case Path::refused:
        return "refused";
    }
    return "?";
}

void SyscallStats::record(uint64_t nr, Path path, uint64_t ns) {
    StatCell& c = cells_[row_of(nr)][static_cast<size_t>(path)];
    ++c.count;
    c.total_ns += ns;
}

void SyscallStats::merge(const SyscallStats& other) {
    for (size_t nr = 0; nr < cells_.size(); ++nr) {
        for (size_t p = 0; p < path_count; ++p) {
            cells_[nr][p].count += other.cells_[nr][p].count;
            cells_[nr][p].total_ns += other.cells_[nr][p].total_ns;
        }
    }
}

StatCell SyscallStats::cell(uint64_t nr, Path path) const {
    return cells_[row_of(nr)][static_cast<size_t>(path)];
}

uint64_t SyscallStats::total_count() const {
    uint64_t n = 0;
    for (const auto& row : cells_) {
        for (const StatCell& c : row) {
            n += c.count;
        }
    }
    return n;
}

std::string SyscallStats::format_table() const {
    struct Row {
        std::string name;
        Path path;
        StatCell cell;
    };
    std::vector<Row> rows;
    uint64_t all_ns = 0;
    for (size_t nr = 0; nr < cells_.size(); ++nr) {
        for (size_t p = 0; p < path_count; ++p) {
            const StatCell& c = cells_[nr][p];
            if (c.count == 0) {
                continue;
            }
            const SyscallInfo* s = nr < syscall_nr_limit ? syscall_info(nr) : nullptr;
            std::string name = s != nullptr            ? std::string(s->name)
                               : nr < syscall_nr_limit ? "nr_" + std::to_string(nr)
                                                       : std::string("other");
            rows.push_back({std::move(name), static_cast<Path>(p), c});
            all_ns += c.total_ns;
        }
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        if (a.cell.total_ns != b.cell.total_ns) {
            return a.cell.total_ns > b.cell.total_ns;
        }
        if (a.cell.count != b.cell.count) {
            return a.cell.count > b.cell.count;
        }
        return a.name < b.name;
    });
    std::string out;
    char line[160];
    std::snprintf(line, sizeof line, "%-24s %-10s %12s %12s %10s %6s\n", "syscall", "path", "count",
                  "total_ms", "mean_us", "%time");
    out += line;
    for (const Row& r : rows) {
        const double total_ms = static_cast<double>(r.cell.total_ns) / 1e6;
        const double mean_us = static_cast<double>(r.cell.total_ns) / static_cast<double>(r.cell.count) / 1e3;
        const double pct =
            all_ns == 0 ? 0.0 : 100.0 * static_cast<double>(r.cell.total_ns) / static_cast<double>(all_ns);
        std::snprintf(line, sizeof line, "%-24s %-10s %12" PRIu64 " %12.3f %10.3f %6.1f\n", r.name.c_str(),
                      path_name(r.path), r.cell.count, total_ms, mean_us, pct);
        out += line;
    }
    return out;
}

} // namespace ck::deleg
