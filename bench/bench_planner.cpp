// How long `cokernel create` spends deciding, next to what it must spend anyway: planning an enclave on a
// topology versus loading that topology from hwloc XML (the baseline, measured in the same run). Planning
// should be a small fraction of the load; the ratio is printed as the counter x_baseline of BM_Plan.
#include "hwloc_topology.hpp"
#include "planner.hpp"

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

const std::string topology_file = std::string(COKERNEL_TEST_DATA_DIR) + "/topologies/hyperthreads.xml";
double baseline_ns = 0;

cokernel::Topology load() {
    auto topology = cokernel::load_hwloc_topology_xml(topology_file);
    if (!topology) {
        std::fprintf(stderr, "bench_planner: %s\n", topology.error().message.c_str());
        std::abort();
    }
    // Synthetic memory blocks: 128 MiB each, Movable, spread over the nodes.
    topology->block_size = 128ULL << 20;
    for (unsigned i = 0; i < 64; ++i) {
        cokernel::MemoryBlock block;
        block.index = i;
        block.start = i * topology->block_size;
        block.node = topology->nodes[i % topology->nodes.size()].id;
        block.state = "online";
        block.zone = cokernel::MemoryZone::movable;
        topology->blocks.push_back(block);
    }
    return std::move(topology.value());
}

void BM_LoadTopologyXml(benchmark::State& state) {
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        benchmark::DoNotOptimize(cokernel::load_hwloc_topology_xml(topology_file));
    }
    const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    baseline_ns = elapsed.count() / static_cast<double>(state.iterations());
}

void BM_Plan(benchmark::State& state) {
    const cokernel::Topology topology = load();
    cokernel::CreateRequest request;
    request.ncpus = 2;
    request.memory = 256ULL << 20;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        auto plan = cokernel::plan_enclave(topology, request);
        if (!plan) {
            state.SkipWithError(plan.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(plan);
    }
    const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    if (baseline_ns > 0) {
        state.counters["x_baseline"] =
            elapsed.count() / static_cast<double>(state.iterations()) / baseline_ns;
    }
}

} // namespace

BENCHMARK(BM_LoadTopologyXml);
BENCHMARK(BM_Plan);
BENCHMARK_MAIN();
