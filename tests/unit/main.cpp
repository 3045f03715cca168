// The one translation unit that defines Catch2's main().
//
// GCC 12 with -O2 and ASan reports a false -Wmaybe-uninitialized inside
// libstdc++'s <regex>, which Catch's runner uses (GCC bug 105562). This file
// holds nothing of ours, so the warning is silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
