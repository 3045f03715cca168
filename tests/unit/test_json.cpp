#include "json.hpp"

#include <catch2/catch.hpp>

using namespace cokernel;

TEST_CASE("JSON strings are escaped", "[json]") {
    CHECK(json_quote("plain") == R"("plain")");
    CHECK(json_quote("a\"b") == R"("a\"b")");
    CHECK(json_quote("back\\slash") == R"("back\\slash")");
    CHECK(json_quote("line\nnext\ttab\rret") == R"("line\nnext\ttab\rret")");
    CHECK(json_quote(std::string("nul\0x", 5)) == R"("nul\u0000x")");
    CHECK(json_quote("\x01\x1f\x7f") == R"("\u0001\u001f\u007f")");
    CHECK(json_quote("\b\f") == R"("\b\f")");
    CHECK(json_quote("Grüße") == "\"Grüße\""); // UTF-8 passes through
    CHECK(json_quote("") == R"("")");
}

TEST_CASE("JSON writer places commas and colons", "[json]") {
    JsonWriter json;
    json.begin_object();
    json.key("id").value(3);
    json.key("name").value("x\"y");
    json.key("cpus").begin_array().value(1u).value(2u).end_array();
    json.key("empty").begin_array().end_array();
    json.key("nested").begin_object().key("ok").value(true).key("none").null().end_object();
    json.key("list").begin_array().begin_object().key("a").value(std::int64_t{-1}).end_object();
    json.begin_object().end_object().end_array();
    json.key("big").value(std::uint64_t{18446744073709551615u});
    json.end_object();
    CHECK(json.str() == R"({"id":3,"name":"x\"y","cpus":[1,2],"empty":[],"nested":{"ok":true,"none":null},)"
                        R"("list":[{"a":-1},{}],"big":18446744073709551615})");
}
