#pragma once
// A delegation channel area: setting it up, checking one that the peer set up, and the two ends.
// Freestanding, header-only (co-kernel and host proxy).
#include "ring.hpp"

#include <cokernel/delegation.h>
#include <stddef.h>
#include <stdint.h>

namespace ck::deleg {

enum class ChannelError : uint8_t {
    ok,
    too_small,
    misaligned,
    bad_signature,
    bad_revision,
    bad_header_size,
    bad_slots,
    bad_area_size,
};

inline const char* to_string(ChannelError e) {
    switch (e) {
    case ChannelError::ok:
        return "ok";
    case ChannelError::too_small:
        return "area smaller than its header";
    case ChannelError::misaligned:
        return "area not aligned to a cache line";
    case ChannelError::bad_signature:
        return "bad signature";
    case ChannelError::bad_revision:
        return "channel revision mismatch";
    case ChannelError::bad_header_size:
        return "bad header size";
    case ChannelError::bad_slots:
        return "slot count not a power of two in 1..4096";
    case ChannelError::bad_area_size:
        return "area size does not match the slot count";
    }
    return "unknown";
}

constexpr uint64_t channel_area_size(uint32_t slots) {
    return sizeof(cokernel_deleg_channel) +
           uint64_t{slots} * (sizeof(cokernel_deleg_request) + sizeof(cokernel_deleg_response));
}

constexpr bool valid_slot_count(uint32_t slots) {
    return slots != 0 && slots <= COKERNEL_DELEG_MAX_SLOTS && (slots & (slots - 1u)) == 0;
}

// Sets up a channel in [mem, mem + size): zeroes it and writes the header last. The side that owns the
// memory does this (the co-kernel, or a test standing in for it).
inline ChannelError channel_init(void* mem, uint64_t size, uint32_t slots, uint32_t cpu) {
    if (!valid_slot_count(slots)) {
        return ChannelError::bad_slots;
    }
    if (size < channel_area_size(slots)) {
        return ChannelError::too_small;
    }
    if (reinterpret_cast<uintptr_t>(mem) % COKERNEL_DELEG_CACHE_LINE != 0) {
        return ChannelError::misaligned;
    }
    auto* bytes = static_cast<uint8_t*>(mem);
    for (uint64_t i = 0; i < channel_area_size(slots); ++i) {
        bytes[i] = 0;
    }
    auto* ch = static_cast<cokernel_deleg_channel*>(mem);
    ch->slots = slots;
    ch->cpu = cpu;
    ch->area_size = channel_area_size(slots);
    ch->hdr.size = static_cast<uint16_t>(sizeof(cokernel_deleg_channel));
    ch->hdr.revision = static_cast<uint16_t>(COKERNEL_DELEG_REVISION);
    __atomic_store_n(&ch->hdr.signature, COKERNEL_SIGNATURE, __ATOMIC_RELEASE);
    return ChannelError::ok;
}

// Checks a channel that the peer set up in [mem, mem + size), reading each header field once. On success
// *slots_out is the slot count to use from then on (never re-read from shared memory).
inline ChannelError channel_check(const void* mem, uint64_t size, uint32_t* slots_out) {
    if (size < sizeof(cokernel_deleg_channel)) {
        return ChannelError::too_small;
    }
    if (reinterpret_cast<uintptr_t>(mem) % COKERNEL_DELEG_CACHE_LINE != 0) {
        return ChannelError::misaligned;
    }
    const auto* ch = static_cast<const cokernel_deleg_channel*>(mem);
    if (__atomic_load_n(&ch->hdr.signature, __ATOMIC_ACQUIRE) != COKERNEL_SIGNATURE) {
        return ChannelError::bad_signature;
    }
    if (__atomic_load_n(&ch->hdr.revision, __ATOMIC_RELAXED) != COKERNEL_DELEG_REVISION) {
        return ChannelError::bad_revision;
    }
    if (__atomic_load_n(&ch->hdr.size, __ATOMIC_RELAXED) != sizeof(cokernel_deleg_channel)) {
        return ChannelError::bad_header_size;
    }
    const uint32_t slots = __atomic_load_n(&ch->slots, __ATOMIC_RELAXED);
    if (!valid_slot_count(slots)) {
        return ChannelError::bad_slots;
    }
    const uint64_t area = __atomic_load_n(&ch->area_size, __ATOMIC_RELAXED);
    if (area != channel_area_size(slots) || area > size) {
        return ChannelError::bad_area_size;
    }
    *slots_out = slots;
    return ChannelError::ok;
}

inline cokernel_deleg_request* channel_requests(cokernel_deleg_channel* ch) {
    return reinterpret_cast<cokernel_deleg_request*>(ch + 1);
}
inline cokernel_deleg_response* channel_responses(cokernel_deleg_channel* ch, uint32_t slots) {
    return reinterpret_cast<cokernel_deleg_response*>(channel_requests(ch) + slots);
}

// The co-kernel's end: sends requests, receives responses.
struct CokernelEnd {
    CokernelEnd() = default; // none yet (a co-kernel thread before its channel is set up)
    CokernelEnd(cokernel_deleg_channel* ch, uint32_t slots)
        : requests(&ch->req, channel_requests(ch), slots),
          responses(&ch->resp, channel_responses(ch, slots), slots), channel(ch) {}
    RingProducer<cokernel_deleg_request> requests;
    RingConsumer<cokernel_deleg_response> responses;
    cokernel_deleg_channel* channel = nullptr;
    uint64_t in_flight = 0; // seq of the request delegate_call waits for (0: none)
};

// The co-kernel asks the proxy to interrupt the syscall of request seq (cokernel_deleg_channel.interrupt).
inline void request_interrupt(cokernel_deleg_channel* ch, uint64_t seq) {
    __atomic_store_n(&ch->interrupt, seq, __ATOMIC_RELEASE);
}
// What the proxy reads: the seq whose interruption was asked for last (0: none).
inline uint64_t interrupt_requested(const cokernel_deleg_channel* ch) {
    return __atomic_load_n(&ch->interrupt, __ATOMIC_ACQUIRE);
}

// The proxy's end: receives requests, sends responses. Build it only from a slot count channel_check
// returned.
struct ProxyEnd {
    ProxyEnd(cokernel_deleg_channel* ch, uint32_t slots)
        : requests(&ch->req, channel_requests(ch), slots),
          responses(&ch->resp, channel_responses(ch, slots), slots) {}
    RingConsumer<cokernel_deleg_request> requests;
    RingProducer<cokernel_deleg_response> responses;
};

} // namespace ck::deleg
