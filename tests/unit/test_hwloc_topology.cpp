// The XML loader must see what lstopo shows for each synthetic machine.
#include "topology_fixtures.hpp"

using namespace cokernel;
using cokernel::test::machine;

TEST_CASE("hwloc XML: one node, four single-thread cores", "[topology]") {
    Topology t = machine("one-node", {});
    REQUIRE(t.nodes.size() == 1);
    CHECK(t.nodes[0].memory_total == 1ull << 30);
    REQUIRE(t.cpus.size() == 4);
    for (unsigned i = 0; i < 4; ++i) {
        CHECK(t.cpus[i].id == i);
        CHECK(t.cpus[i].node == 0u);
        CHECK(t.cpus[i].core == i);
        CHECK(t.cpus[i].online);
    }
}

TEST_CASE("hwloc XML: two nodes split the CPUs", "[topology]") {
    Topology t = machine("two-nodes", {});
    REQUIRE(t.nodes.size() == 2);
    REQUIRE(t.cpus.size() == 4);
    CHECK(t.cpus[1].node == 0u);
    CHECK(t.cpus[2].node == 1u);
    CHECK(t.cpus[3].node == 1u);
}

TEST_CASE("hwloc XML: hyperthreads share a core", "[topology]") {
    Topology t = machine("hyperthreads", {});
    REQUIRE(t.cpus.size() == 8);
    CHECK(t.cpus[0].core == t.cpus[1].core);
    CHECK(t.cpus[2].core == t.cpus[3].core);
    CHECK(t.cpus[1].core != t.cpus[2].core);
}

TEST_CASE("hwloc XML: a node without memory keeps its CPUs", "[topology]") {
    Topology t = machine("memoryless-node", {});
    REQUIRE(t.nodes.size() == 2);
    CHECK(t.nodes[0].memory_total == 1ull << 30);
    CHECK(t.nodes[1].memory_total == 0);
    REQUIRE(t.cpus.size() == 6);
    CHECK(t.cpus[3].node == 1u);
    CHECK(t.cpus[5].node == 1u);
}

TEST_CASE("hwloc XML: a missing file is an error, not an empty machine", "[topology]") {
    auto loaded = load_hwloc_topology_xml(std::string(COKERNEL_TEST_DATA_DIR) + "/topologies/no-such.xml");
    REQUIRE_FALSE(loaded.ok());
    CHECK_THAT(loaded.error().message, Catch::Matchers::Contains("no-such.xml"));
}
