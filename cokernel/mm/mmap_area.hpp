#pragma once
// A job's anonymous-mmap area (docs/run.md, "What is native"): which addresses of [bottom, top) mmap may hand
// out. The memory itself is mapped and owned by the job from the start (LWK style); this only keeps the free
// address ranges, so that munmap of any part of any mapping makes it available again. Free ranges are kept
// sorted, disjoint and not adjacent, in a fixed table. Freestanding; host-tested (tests/unit).
#include <stdint.h>

namespace ck {

template <uint32_t N>
class MmapArea {
  public:
    void init(uint64_t bottom, uint64_t top) {
        bottom_ = bottom;
        top_ = top;
        n_ = 0;
        if (top > bottom) {
            r_[n_++] = {bottom, top};
        }
    }

    // The highest free len bytes that fit in one free range (top-down, like Linux); 0 when none does.
    uint64_t alloc(uint64_t len) {
        if (len == 0) {
            return 0;
        }
        for (uint32_t i = n_; i-- > 0;) {
            if (r_[i].end - r_[i].start >= len) {
                r_[i].end -= len;
                const uint64_t addr = r_[i].end;
                if (r_[i].end == r_[i].start) {
                    erase(i);
                }
                return addr;
            }
        }
        return 0;
    }

    // [addr, addr + len) ∩ the area becomes free (freeing free space is harmless). False when the table is
    // full and the range touches no free range: then nothing changes (the space stays with the job).
    bool release(uint64_t addr, uint64_t len) {
        if (addr >= top_ || len == 0) {
            return true;
        }
        uint64_t s = addr < bottom_ ? bottom_ : addr;
        uint64_t e = len <= top_ - addr ? addr + len : top_;
        if (s >= e) {
            return true;
        }
        // Ranges that overlap or touch [s, e) merge into it: they are r_[first, last).
        uint32_t first = 0;
        while (first < n_ && r_[first].end < s) {
            ++first;
        }
        uint32_t last = first;
        while (last < n_ && r_[last].start <= e) {
            s = r_[last].start < s ? r_[last].start : s;
            e = r_[last].end > e ? r_[last].end : e;
            ++last;
        }
        if (first == last) {
            if (n_ == N) {
                return false;
            }
            for (uint32_t i = n_; i > first; --i) {
                r_[i] = r_[i - 1];
            }
            ++n_;
        } else {
            const uint32_t removed = last - first - 1;
            for (uint32_t i = last; i < n_; ++i) {
                r_[i - removed] = r_[i];
            }
            n_ -= removed;
        }
        r_[first] = {s, e};
        return true;
    }

    // [addr, addr + len) (inside the area) is the job's now (MAP_FIXED). False when that would split a free
    // range and the table is full: then nothing changes.
    bool reserve(uint64_t addr, uint64_t len) {
        if (len == 0) {
            return true;
        }
        const uint64_t s = addr;
        const uint64_t e = addr + len;
        for (uint32_t i = 0; i < n_; ++i) {
            Range& r = r_[i];
            if (r.end <= s || r.start >= e) {
                continue;
            }
            if (r.start < s && r.end > e) { // split in two
                if (n_ == N) {
                    return false;
                }
                for (uint32_t k = n_; k > i + 1; --k) {
                    r_[k] = r_[k - 1];
                }
                ++n_;
                r_[i + 1] = {e, r.end};
                r.end = s;
                return true;
            }
        }
        uint32_t i = 0;
        while (i < n_) {
            Range& r = r_[i];
            if (r.end <= s || r.start >= e) {
                ++i;
            } else if (r.start >= s && r.end <= e) {
                erase(i);
            } else {
                if (r.start < s) {
                    r.end = s;
                } else {
                    r.start = e;
                }
                ++i;
            }
        }
        return true;
    }

    uint64_t free_bytes() const {
        uint64_t sum = 0;
        for (uint32_t i = 0; i < n_; ++i) {
            sum += r_[i].end - r_[i].start;
        }
        return sum;
    }
    uint32_t ranges() const { return n_; }
    uint64_t bottom() const { return bottom_; }
    uint64_t top() const { return top_; }

  private:
    struct Range {
        uint64_t start, end;
    };
    void erase(uint32_t i) {
        for (; i + 1 < n_; ++i) {
            r_[i] = r_[i + 1];
        }
        --n_;
    }
    Range r_[N] = {};
    uint32_t n_ = 0;
    uint64_t bottom_ = 0, top_ = 0;
};

} // namespace ck
