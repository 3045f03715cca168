#pragma once
// Physical page allocator over the enclave's memory ranges: a sorted list of free extents, first fit, merged
// on free. Small and predictable (an LWK hands out large contiguous blocks, rarely many small ones).
// Header-only so the host unit tests compile the same code.
#include <stddef.h>
#include <stdint.h>

namespace ck {

template <size_t MaxExtents>
class PhysAllocator {
  public:
    static constexpr uint64_t PAGE = 4096;

    // Adds [start, start + size) as free. Page-aligned, not overlapping anything added before.
    bool add(uint64_t start, uint64_t size) { return insert(start, size); }

    // size and align: multiples of PAGE (align a power of two). Returns 0 when nothing fits.
    uint64_t alloc(uint64_t size, uint64_t align = PAGE) {
        if (size == 0 || size % PAGE != 0 || align < PAGE || (align & (align - 1)) != 0) {
            return 0;
        }
        for (size_t i = 0; i < count_; ++i) {
            const uint64_t start = (ext_[i].start + align - 1) & ~(align - 1);
            const uint64_t end = ext_[i].start + ext_[i].size;
            if (start < ext_[i].start || start > end || end - start < size) {
                continue;
            }
            const bool left = start > ext_[i].start;
            const bool right = start + size < end;
            if (left && right && count_ == MaxExtents) {
                continue; // splitting would need one more extent than we can hold
            }
            const Extent old = ext_[i];
            remove_at(i);
            free_bytes_ -= old.size;
            if (left) {
                insert(old.start, start - old.start);
            }
            if (right) {
                insert(start + size, end - start - size);
            }
            return start;
        }
        return 0;
    }

    bool free(uint64_t start, uint64_t size) { return size == 0 || insert(start, size); }

    uint64_t free_bytes() const { return free_bytes_; }
    size_t extents() const { return count_; }

  private:
    struct Extent {
        uint64_t start;
        uint64_t size;
    };

    bool insert(uint64_t start, uint64_t size) {
        if (size == 0 || start % PAGE != 0 || size % PAGE != 0 || start + size < start) {
            return false;
        }
        size_t pos = 0;
        while (pos < count_ && ext_[pos].start < start) {
            ++pos;
        }
        if ((pos > 0 && ext_[pos - 1].start + ext_[pos - 1].size > start) ||
            (pos < count_ && start + size > ext_[pos].start)) {
            return false; // overlaps free memory: a double free
        }
        const bool join_prev = pos > 0 && ext_[pos - 1].start + ext_[pos - 1].size == start;
        const bool join_next = pos < count_ && start + size == ext_[pos].start;
        if (join_prev && join_next) {
            ext_[pos - 1].size += size + ext_[pos].size;
            remove_at(pos);
        } else if (join_prev) {
            ext_[pos - 1].size += size;
        } else if (join_next) {
            ext_[pos].start = start;
            ext_[pos].size += size;
        } else {
            if (count_ == MaxExtents) {
                return false;
            }
            for (size_t i = count_; i > pos; --i) {
                ext_[i] = ext_[i - 1];
            }
            ext_[pos] = Extent{start, size};
            ++count_;
        }
        free_bytes_ += size;
        return true;
    }

    void remove_at(size_t i) {
        for (; i + 1 < count_; ++i) {
            ext_[i] = ext_[i + 1];
        }
        --count_;
    }

    Extent ext_[MaxExtents] = {};
    size_t count_ = 0;
    uint64_t free_bytes_ = 0;
};

} // namespace ck
