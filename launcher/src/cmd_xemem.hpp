// cokernel xemem: what /dev/xemem reports, as tables and JSON (kept apart from the device so the unit tests
// can check the outputs).
#pragma once

#include <xemem.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cokernel {

// Segment ids print in hex: the domain (bits 62..48) stays readable, 0x1000000000005 is enclave 0's 5th.
std::string format_segid(std::int64_t segid);
// "linux" or "enclave N"
std::string format_domain(std::uint32_t domain);

std::string xemem_segments_text(const std::vector<xemem_segment>& segments);
std::string xemem_segments_json(const std::vector<xemem_segment>& segments);
std::string xemem_counters_text(const xemem_counters& counters);
std::string xemem_counters_json(const xemem_counters& counters);

} // namespace cokernel
