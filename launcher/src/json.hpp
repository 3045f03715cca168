// A tiny streaming JSON writer: enough for `topo --json` and `list --json`.
// It tracks nesting so commas come out right; the caller keeps the calls balanced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cokernel {

// The JSON string literal for `text`, quotes included.
std::string json_quote(std::string_view text);

class JsonWriter {
  public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
    JsonWriter& value(bool flag);
    JsonWriter& null();

    // The document so far; complete once every begin_* has its end_*.
    const std::string& str() const { return out_; }

  private:
    void before_value();

    std::string out_;
    // One entry per open container: true once it holds an element.
    std::vector<bool> has_element_;
    bool after_key_ = false;
};

} // namespace cokernel
