// Left-aligned text columns for the human-readable outputs.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cokernel {

class Table {
  public:
    explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Each row on its own line, preceded by `indent`; columns separated by two spaces.
    void print(std::ostream& out, const std::string& indent = "") const;

  private:
    std::vector<std::vector<std::string>> rows_;
};

} // namespace cokernel
