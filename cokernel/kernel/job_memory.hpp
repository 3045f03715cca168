#pragma once
// The job space on the co-kernel's side (docs/run.md, "The job space"): all of the enclave's memory but the
// co-kernel's reserve (cokernel_job_space in job.h), in pieces of physically contiguous memory. The job sees
// its memory contiguous at COKERNEL_JOB_VA_BASE; the co-kernel sees the same bytes contiguous in its own
// window at JOB_WINDOW (kernel-only, read/write), so a pointer and length from the job is one kernel pointer
// whichever pieces it spans. Every page of the job's memory is mapped from the job's start (LWK style, 2 MiB
// pages); what is in use is JobSpace's business (mm/job_space.hpp), and free pages are made not present.
#include "page_table.hpp"
#include "paging.hpp"
#include "phys_alloc.hpp"

#include <cokernel/boot.h>
#include <cokernel/job.h>
#include <stdint.h>

namespace ck {

constexpr uint64_t JOB_WINDOW = 0xffffc00000000000ULL; // PML4 slot 384: job-space offset 0
// The most job space the window holds: up to NEVER_MAPPED_VA (32 TiB); a bigger one refuses jobs.
constexpr uint64_t JOB_WINDOW_MAX = NEVER_MAPPED_VA - JOB_WINDOW;
static_assert(JOB_WINDOW > COKERNEL_PHYSMAP_BASE && NEVER_MAPPED_VA > JOB_WINDOW &&
                  COKERNEL_LINK_BASE > NEVER_MAPPED_VA,
              "the co-kernel's virtual layout: direct map, job window, nothing, image");

// CPU 0, before paging_build: computes the pieces from the boot parameters. False when the enclave has no
// room for a job, or its pieces are not 2 MiB aligned (jobs are then refused).
bool job_space_init(const cokernel_boot_params& bp);
uint64_t job_space_size();  // 0 when there is none
uint64_t job_memory_size(); // the job's part: all but the control area
uint64_t job_ctl_phys();    // physical address of the control area
// paging_build: the window, kernel-only, no-execute where the CPU has it.
bool job_window_map(PageTableBuilder<DirectMapTables>& pt, uint64_t nx);
// A kernel pointer to the job's [va, va + len), nullptr when it is not all inside the job's memory or len is
// 0.
uint8_t* job_window(uint64_t va, uint64_t len);

// All of the job's memory as user pages, read/write (tables from phys); false when tables run out.
bool map_user(PhysAllocator<64>& phys);
// Drops every user mapping (the lower half) and frees its tables, split 4 KiB tables included.
void unmap_user();
// Gives the job's pages [va, va + len) (page-aligned, inside its memory) the protection prot (Linux PROT_*:
// none is not present, no WRITE read-only, no EXEC no-execute), splitting a 2 MiB page only where the range
// ends inside it, and flushes the TLB. False when no page-table page is left for a split (nothing changed).
bool user_protect(uint64_t va, uint64_t len, uint32_t prot);
// The protection (Linux PROT_*) of the job's page at va.
uint32_t user_prot(uint64_t va);
// True when count more page-table pages can be had: one user_protect needs at most two (its split ends).
bool tables_left(unsigned count);

} // namespace ck
