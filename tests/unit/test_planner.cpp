#include "planner.hpp"

#include "topology_fixtures.hpp"

using namespace cokernel;
using namespace cokernel::test;
using Catch::Matchers::Contains;

namespace {

constexpr MemoryZone movable = MemoryZone::movable;
constexpr MemoryZone normal = MemoryZone::normal;

CreateRequest ncpus(unsigned n, std::uint64_t memory, std::optional<unsigned> numa = std::nullopt) {
    CreateRequest request;
    request.ncpus = n;
    request.memory = memory;
    request.numa = numa;
    return request;
}

CreateRequest cpus(std::vector<unsigned> list, std::uint64_t memory,
                   std::optional<unsigned> numa = std::nullopt) {
    CreateRequest request;
    request.cpus = std::move(list);
    request.memory = memory;
    request.numa = numa;
    return request;
}

Plan plan_ok(const Topology& topology, const CreateRequest& request) {
    auto plan = plan_enclave(topology, request);
    INFO((plan ? std::string("ok") : plan.error().message));
    REQUIRE(plan.ok());
    return *plan;
}

std::string plan_error(const Topology& topology, const CreateRequest& request) {
    auto plan = plan_enclave(topology, request);
    if (plan)
        FAIL("planned CPUs " << plan->cpus.size() << " where an error was expected");
    return plan.error().message;
}

std::vector<unsigned> indices(const std::vector<MemoryBlock>& blocks) {
    std::vector<unsigned> out;
    for (const MemoryBlock& block : blocks)
        out.push_back(block.index);
    return out;
}

void put_in_enclave(Topology& topology, unsigned cpu, int enclave) {
    for (Cpu& c : topology.cpus)
        if (c.id == cpu) {
            c.enclave = enclave;
            c.online = false;
            c.core.reset(); // offline CPUs lose their topology in sysfs
        }
}

} // namespace

TEST_CASE("planner: one node, --ncpus takes the lowest CPUs after CPU 0", "[planner]") {
    Topology t = machine("one-node", {{8, 0, movable}, {9, 0, movable}, {10, 0, normal}});
    Plan plan = plan_ok(t, ncpus(2, 256 * MiB));
    CHECK(plan.cpus == std::vector<unsigned>{1, 2});
    CHECK(plan.cpu_node == 0);
    CHECK(plan.memory_node == 0);
    CHECK(plan.blocks_needed == 2);
    CHECK(indices(plan.block_candidates) == std::vector<unsigned>{8, 9, 10});
}

TEST_CASE("planner: never CPU 0", "[planner]") {
    Topology t = machine("one-node", {{8, 0, movable}, {9, 0, movable}});
    CHECK(plan_ok(t, ncpus(3, 128 * MiB)).cpus == std::vector<unsigned>{1, 2, 3});
    CHECK_THAT(plan_error(t, ncpus(4, 128 * MiB)),
               Contains("no NUMA node has 4 CPUs free") && Contains("node 0: 3 CPUs free"));
    CHECK_THAT(plan_error(t, cpus({0, 1}, 128 * MiB)), Contains("CPU 0 stays with Linux"));
    CHECK_THAT(plan_error(t, cpus({0}, 128 * MiB)), Contains("CPU 0 stays with Linux"));

    Topology ht = machine("hyperthreads", {{8, 0, movable}});
    for (unsigned n = 1; n <= 7; ++n) {
        Plan plan = plan_ok(ht, ncpus(n, 128 * MiB));
        CHECK(plan.cpus.size() == n);
        CHECK(std::find(plan.cpus.begin(), plan.cpus.end(), 0u) == plan.cpus.end());
    }
    CHECK_THAT(plan_error(ht, ncpus(8, 128 * MiB)), Contains("7 CPUs free"));
}

TEST_CASE("planner: --cpus takes exactly the listed CPUs", "[planner]") {
    Topology t = machine("one-node", {{8, 0, movable}, {9, 0, normal}});
    Plan plan = plan_ok(t, cpus({1, 3}, 256 * MiB));
    CHECK(plan.cpus == std::vector<unsigned>{1, 3});
    CHECK(indices(plan.block_candidates) == std::vector<unsigned>{8, 9});
}

TEST_CASE("planner: CPUs that cannot be taken are named", "[planner]") {
    Topology t = machine("one-node", {{8, 0, movable}});
    CHECK_THAT(plan_error(t, cpus({1, 9}, 128 * MiB)),
               Contains("CPU 9 does not exist") && Contains("CPUs 0-3"));
    put_in_enclave(t, 2, 7);
    CHECK_THAT(plan_error(t, cpus({2}, 128 * MiB)),
               Contains("CPU 2 is already in enclave 7") && Contains("cokernel destroy 7"));
    for (Cpu& cpu : t.cpus)
        if (cpu.id == 3)
            cpu.online = false;
    CHECK_THAT(plan_error(t, cpus({3}, 128 * MiB)),
               Contains("CPU 3 is offline") && Contains("/sys/devices/system/cpu/cpu3/online"));
    // Busy and offline CPUs are not free for --ncpus either.
    CHECK(plan_ok(t, ncpus(1, 128 * MiB)).cpus == std::vector<unsigned>{1});
    CHECK_THAT(plan_error(t, ncpus(2, 128 * MiB)), Contains("1 CPU free"));
}

TEST_CASE("planner: an enclave stays on one NUMA node", "[planner]") {
    Topology t = machine("two-nodes", {{2, 0, movable}, {3, 0, movable}, {10, 1, movable}, {11, 1, movable}});
    // Node 0 has only CPU 1 free, so two CPUs must come from node 1, with node 1's memory.
    Plan plan = plan_ok(t, ncpus(2, 256 * MiB));
    CHECK(plan.cpus == std::vector<unsigned>{2, 3});
    CHECK(plan.cpu_node == 1);
    CHECK(plan.memory_node == 1);
    CHECK(indices(plan.block_candidates) == std::vector<unsigned>{10, 11});

    Plan one = plan_ok(t, ncpus(1, 128 * MiB));
    CHECK(one.cpus == std::vector<unsigned>{1});
    CHECK(indices(one.block_candidates) == std::vector<unsigned>{2, 3});

    CHECK_THAT(plan_error(t, ncpus(3, 128 * MiB)), Contains("no NUMA node has 3 CPUs free") &&
                                                       Contains("node 0: 1 CPU free") &&
                                                       Contains("node 1: 2 CPUs free"));
    CHECK_THAT(plan_error(t, cpus({1, 2}, 128 * MiB)),
               Contains("CPUs 1 and 2 are on different NUMA nodes (0 and 1)"));
}

TEST_CASE("planner: --numa chooses the memory node (and the CPU node with --ncpus)", "[planner]") {
    Topology t = machine("two-nodes", {{2, 0, movable}, {3, 0, movable}, {10, 1, movable}, {11, 1, normal}});
    Plan pinned = plan_ok(t, ncpus(1, 128 * MiB, 1));
    CHECK(pinned.cpus == std::vector<unsigned>{2});
    CHECK(pinned.memory_node == 1);

    Plan cross = plan_ok(t, cpus({1}, 256 * MiB, 1));
    CHECK(cross.cpus == std::vector<unsigned>{1});
    CHECK(cross.cpu_node == 0);
    CHECK(cross.memory_node == 1);
    CHECK(indices(cross.block_candidates) == std::vector<unsigned>{10, 11});

    CHECK_THAT(plan_error(t, ncpus(2, 128 * MiB, 0)),
               Contains("not enough free CPUs on NUMA node 0") && Contains("1 CPU free"));
    CHECK_THAT(plan_error(t, ncpus(1, 128 * MiB, 5)), Contains("NUMA node 5 does not exist"));
    CHECK_THAT(plan_error(t, ncpus(1, 512 * MiB, 1)),
               Contains("not enough offlinable memory on NUMA node 1") && Contains("movablecore="));
}

TEST_CASE("planner: hyperthreads are taken a whole core at a time", "[planner]") {
    // Cores: {0,1} (CPU 0's), {2,3}, {4,5}, {6,7}.
    Topology t = machine("hyperthreads", {{8, 0, movable}});
    CHECK(plan_ok(t, ncpus(2, 128 * MiB)).cpus == std::vector<unsigned>{2, 3});
    CHECK(plan_ok(t, ncpus(4, 128 * MiB)).cpus == std::vector<unsigned>{2, 3, 4, 5});
    CHECK(plan_ok(t, ncpus(6, 128 * MiB)).cpus == std::vector<unsigned>{2, 3, 4, 5, 6, 7});
    // An odd count splits one core, never CPU 0's while others are free.
    CHECK(plan_ok(t, ncpus(1, 128 * MiB)).cpus == std::vector<unsigned>{2});
    CHECK(plan_ok(t, ncpus(3, 128 * MiB)).cpus == std::vector<unsigned>{2, 3, 4});
    // Only when nothing else is left does CPU 0's sibling go.
    CHECK(plan_ok(t, ncpus(7, 128 * MiB)).cpus == std::vector<unsigned>{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("planner: a core already split is used before a whole one", "[planner]") {
    Topology t = machine("hyperthreads", {{8, 0, movable}});
    put_in_enclave(t, 3, 0); // core {2,3} is split now
    CHECK(plan_ok(t, ncpus(2, 128 * MiB)).cpus == std::vector<unsigned>{4, 5});
    CHECK(plan_ok(t, ncpus(1, 128 * MiB)).cpus == std::vector<unsigned>{2});
    CHECK(plan_ok(t, ncpus(3, 128 * MiB)).cpus == std::vector<unsigned>{2, 4, 5});
}

TEST_CASE("planner: a node without memory", "[planner]") {
    // Node 0: CPUs 0-2 and memory; node 1: CPUs 3-5, no memory.
    Topology t = machine("memoryless-node", {{8, 0, movable}, {9, 0, movable}});
    Plan plan = plan_ok(t, ncpus(2, 256 * MiB));
    CHECK(plan.cpus == std::vector<unsigned>{1, 2});
    CHECK(plan.memory_node == 0);
    // Node 1 has the CPUs but no memory, node 0 the memory but not the CPUs.
    CHECK_THAT(plan_error(t, ncpus(3, 128 * MiB)),
               Contains("node 0: 2 CPUs free") && Contains("node 1: 3 CPUs free, no offlinable memory"));
    CHECK_THAT(plan_error(t, cpus({3, 4}, 128 * MiB)),
               Contains("NUMA node 1 has no memory") && Contains("--numa"));
    Plan borrowed = plan_ok(t, cpus({3, 4, 5}, 256 * MiB, 0));
    CHECK(borrowed.cpu_node == 1);
    CHECK(borrowed.memory_node == 0);
    CHECK(indices(borrowed.block_candidates) == std::vector<unsigned>{8, 9});
}

TEST_CASE("planner: memory size must be whole blocks", "[planner]") {
    Topology t = machine("one-node", {{8, 0, movable}, {9, 0, movable}});
    CHECK_THAT(plan_error(t, ncpus(1, 100 * MiB)),
               Contains("not a multiple of the memory block size (128 MiB = 134217728 bytes)") &&
                   Contains("--mem 128M"));
    CHECK_THAT(plan_error(t, ncpus(1, 200 * MiB)), Contains("--mem 256M"));
    t.block_size = 0;
    CHECK_THAT(plan_error(t, ncpus(1, 128 * MiB)), Contains("memory hot-plug"));
}

TEST_CASE("planner: memory candidates are Movable first, then Normal, of the right node", "[planner]") {
    Topology t = machine("two-nodes", {{0, 0, MemoryZone::dma},
                                       {1, 0, MemoryZone::dma32},
                                       {2, 0, normal},
                                       {3, 0, movable},
                                       {4, 0, normal, false}, // offline already
                                       {5, 0, movable},
                                       {6, 1, movable},
                                       {7, 0, MemoryZone::none}});
    t.blocks[5].enclave = 2; // block 5 is held by enclave 2
    Plan plan = plan_ok(t, cpus({1}, 128 * MiB));
    CHECK(indices(plan.block_candidates) == std::vector<unsigned>{3, 2});
    CHECK(plan_ok(t, cpus({1}, 256 * MiB)).blocks_needed == 2);
    CHECK_THAT(plan_error(t, cpus({1}, 384 * MiB)),
               Contains("384 MiB requested, 256 MiB online in Movable or "
                        "Normal zones") &&
                   Contains("movablecore="));
}

TEST_CASE("planner: request shape errors", "[planner]") {
    Topology t = machine("one-node", {{8, 0, movable}});
    CreateRequest neither;
    neither.memory = 128 * MiB;
    CHECK_THAT(plan_error(t, neither), Contains("exactly one of --cpus LIST and --ncpus N"));
    CreateRequest both = ncpus(1, 128 * MiB);
    both.cpus = std::vector<unsigned>{1};
    CHECK_THAT(plan_error(t, both), Contains("exactly one of"));
    CHECK_THAT(plan_error(t, ncpus(0, 128 * MiB)), Contains("at least 1"));
    CHECK_THAT(plan_error(t, ncpus(65, 128 * MiB)), Contains("at most 64 CPUs"));
    CHECK_THAT(plan_error(t, cpus({}, 128 * MiB)), Contains("empty"));
}

TEST_CASE("adjacent memory blocks merge into one range", "[planner]") {
    auto ranges = merge_blocks({12, 4, 3, 9, 5, 10}, block_size);
    REQUIRE(ranges.size() == 3);
    CHECK(ranges[0] == MemRange{3 * block_size, 3 * block_size});
    CHECK(ranges[1] == MemRange{9 * block_size, 2 * block_size});
    CHECK(ranges[2] == MemRange{12 * block_size, block_size});
    CHECK(merge_blocks({}, block_size).empty());
    CHECK(merge_blocks({7, 7}, block_size).size() == 1);
    CHECK(blocks_in_ranges(ranges, block_size) == std::vector<unsigned>{3, 4, 5, 9, 10, 12});
}

// CREATE's candidates: preference order is kept (the module takes blocks from the front), only blocks next to
// each other in that order merge, and at most COKERNEL_MAX_MEM_RANGES ranges go to the module.
TEST_CASE("candidate ranges keep the order of preference", "[planner]") {
    auto block = [](unsigned index) {
        MemoryBlock b;
        b.index = index;
        return b;
    };
    auto ranges = candidate_ranges({block(8), block(9), block(3), block(10), block(4)}, block_size);
    REQUIRE(ranges.size() == 4);
    CHECK(ranges[0] == MemRange{8 * block_size, 2 * block_size});
    CHECK(ranges[1] == MemRange{3 * block_size, block_size});
    CHECK(ranges[2] == MemRange{10 * block_size, block_size});
    CHECK(ranges[3] == MemRange{4 * block_size, block_size});
    CHECK(candidate_ranges({}, block_size).empty());

    std::vector<MemoryBlock> scattered;
    for (unsigned i = 0; i < 2 * COKERNEL_MAX_MEM_RANGES; ++i)
        scattered.push_back(block(2 * i));
    auto capped = candidate_ranges(scattered, block_size);
    REQUIRE(capped.size() == COKERNEL_MAX_MEM_RANGES);
    CHECK(capped.back() == MemRange{2 * (COKERNEL_MAX_MEM_RANGES - 1) * block_size, block_size});
}
