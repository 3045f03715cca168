#pragma once
// A small printf subset for the co-kernel console: %s %c %d %u %x %p and the l/ll/z length modifiers, an
// optional 0 flag and width. Truncates at the buffer's end; always NUL-terminates (cap > 0).
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace ck {

class FormatBuffer {
  public:
    FormatBuffer(char* buf, size_t cap) : buf_(buf), cap_(cap) {}
    void put(char c) {
        if (len_ + 1 < cap_) {
            buf_[len_++] = c;
        }
    }
    size_t finish() {
        if (cap_ > 0) {
            buf_[len_] = '\0';
        }
        return len_;
    }

  private:
    char* buf_;
    size_t cap_;
    size_t len_ = 0;
};

inline void format_unsigned(FormatBuffer& out, uint64_t v, unsigned base, unsigned width, char pad) {
    char digits[24];
    unsigned n = 0;
    do {
        const unsigned d = static_cast<unsigned>(v % base);
        digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (width > n) {
        out.put(pad);
        --width;
    }
    while (n > 0) {
        out.put(digits[--n]);
    }
}

inline size_t vformat(char* buf, size_t cap, const char* fmt, va_list ap) {
    FormatBuffer out(buf, cap);
    for (const char* p = fmt; *p != '\0'; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        ++p;
        char pad = ' ';
        unsigned width = 0;
        unsigned longs = 0;
        if (*p == '0') {
            pad = '0';
            ++p;
        }
        while (*p >= '0' && *p <= '9') {
            width = width * 10 + static_cast<unsigned>(*p - '0');
            ++p;
        }
        while (*p == 'l' || *p == 'z') {
            ++longs;
            ++p;
        }
        switch (*p) {
        case 's': {
            const char* s = va_arg(ap, const char*);
            for (s = s != nullptr ? s : "(null)"; *s != '\0'; ++s) {
                out.put(*s);
            }
            break;
        }
        case 'c':
            out.put(static_cast<char>(va_arg(ap, int)));
            break;
        case 'd': {
            const int64_t v = longs > 0 ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = static_cast<uint64_t>(v);
            if (v < 0) {
                out.put('-');
                mag = 0 - mag;
            }
            format_unsigned(out, mag, 10, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            const uint64_t v = longs > 0 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            format_unsigned(out, v, *p == 'u' ? 10 : 16, width, pad);
            break;
        }
        case 'p':
            out.put('0');
            out.put('x');
            format_unsigned(out, reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16, 16, '0');
            break;
        case '%':
            out.put('%');
            break;
        case '\0':
            return out.finish();
        default:
            out.put('%');
            out.put(*p);
            break;
        }
    }
    return out.finish();
}

[[gnu::format(printf, 3, 4)]] inline size_t format(char* buf, size_t cap, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const size_t n = vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

} // namespace ck
