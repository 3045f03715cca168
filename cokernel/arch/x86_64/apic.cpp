// The APIC logic is a header-only template (apic.hpp) so host tests can run it over a fake; the co-kernel's
// one instance is compiled here.
#include "apic.hpp"

template class arch::BasicApic<arch::CpuApicHw>;
