// What topo and list print, for a synthetic machine.
#include "enclave_output.hpp"
#include "live_topology.hpp"
#include "text.hpp"
#include "topo_output.hpp"

#include "topology_fixtures.hpp"

using namespace cokernel;
using namespace cokernel::test;
using Catch::Matchers::Contains;

namespace {

EnclaveInfo enclave_3() {
    EnclaveInfo e;
    e.id = 3;
    e.state = COKERNEL_STATE_PARTITIONED;
    e.cpus = {2, 3};
    e.ranges = {MemRange{9 * block_size, 2 * block_size}};
    return e;
}

} // namespace

TEST_CASE("sizes are shown in binary units", "[output]") {
    CHECK(format_size(0) == "0 bytes");
    CHECK(format_size(1000) == "1000 bytes");
    CHECK(format_size(128ull << 20) == "128 MiB");
    CHECK(format_size(3ull << 30) == "3 GiB");
    CHECK(format_size(1536ull << 20) == "1.5 GiB");
    CHECK(format_size(1024) == "1 KiB");
    CHECK(format_size(8684077056) == "8.1 GiB");
    CHECK(format_size((1ull << 20) + 1) == "1.0 MiB");
}

TEST_CASE("topo: enclave membership shows on CPUs and blocks", "[output]") {
    Topology t = machine(
        "two-nodes", {{8, 0, MemoryZone::normal}, {9, 1, MemoryZone::movable}, {10, 1, MemoryZone::movable}});
    mark_enclaves(t, {enclave_3()});
    CHECK(cpu_state(t.cpus[1]) == "online");
    CHECK(cpu_state(t.cpus[2]) == "enclave 3");
    CHECK(t.blocks[1].enclave == 3);
    CHECK(t.blocks[2].enclave == 3);
    CHECK_FALSE(t.blocks[0].enclave.has_value());

    std::string text = topology_text(t);
    CHECK_THAT(text, Contains("block size 128 MiB"));
    CHECK_THAT(text, Contains("memory8   0x40000000  0     Normal   online     maybe"));
    CHECK_THAT(text, Contains("memory9   0x48000000  1     Movable  enclave 3  yes"));

    std::string json = topology_json(t);
    CHECK_THAT(json, Contains(R"({"id":0,"cpus":[0,1],"memory_total":1073741824,"memory_free":null})"));
    CHECK_THAT(json, Contains(R"({"id":2,"node":1,"core":2,"online":true,"enclave":3,"state":"enclave 3"})"));
    CHECK_THAT(json, Contains(R"("block_size":134217728)"));
    CHECK_THAT(json, Contains(R"({"name":"memory8","index":8,"start":1073741824,"node":0,"zone":"Normal",)"
                              R"("state":"online","offlinable":"maybe","enclave":null})"));
}

TEST_CASE("list: table and JSON", "[output]") {
    CHECK(enclaves_text({}) == "no enclaves\n");
    CHECK(enclaves_json({}) == "[]\n");
    std::string text = enclaves_text({enclave_3()});
    CHECK_THAT(text, Contains("ID  STATE        CPUS  MEMORY"));
    CHECK_THAT(text, Contains("3   partitioned  2-3   256 MiB: 0x48000000-0x57ffffff"));
    CHECK(enclaves_json({enclave_3()}) ==
          R"([{"id":3,"state":"partitioned","temporary":false,"job_pid":null,"cpus":[2,3],)"
          R"("memory_total":268435456,"ranges":[{"start":1207959552,"size":268435456}]}])"
          "\n");
    CHECK(format_blocks(enclave_3().ranges, block_size) == "memory9-memory10");

    EnclaveInfo running = enclave_3();
    running.state = COKERNEL_STATE_RUNNING;
    running.flags = COKERNEL_INFO_TEMPORARY | COKERNEL_INFO_JOB;
    running.proxy_pid = 4321;
    CHECK_THAT(enclaves_text({running}),
               Contains("running (temporary)  2-3   256 MiB: 0x48000000-0x57ffffff  "
                        "cokernel run, pid 4321"));
    CHECK_THAT(enclaves_json({running}), Contains(R"("state":"running","temporary":true,"job_pid":4321,)"));
    running.state = COKERNEL_STATE_LEFTOVER;
    CHECK_THAT(enclaves_text({running}), Contains("leftover (temporary)"));
}
